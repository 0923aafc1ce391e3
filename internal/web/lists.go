package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// HomePage is today's stories: the most covered of the last day and the newest.
type HomePage struct {
	Page   int    // 1 for the first page
	Top    []Item // the stories with the most outlets in the last 24 hours
	Newest []Item
	Prev   string // link to the previous page; "" on the first
	Next   string // link to the next page; "" on the last
}

// NewHomePage builds page page (1 for the first) of the home page from the stories
// with the most outlets in the last 24 hours (top; callers usually pass them on
// the first page only) and the newest stories; hasNext says whether a next page of
// newest stories exists.
func NewHomePage(top, newest []StoryItem, page int, hasNext bool, reg *outlets.Registry) HomePage {
	page = max(page, 1)
	h := HomePage{Page: page, Top: items(reg, top), Newest: items(reg, newest)}
	switch {
	case page == 2:
		h.Prev = "/"
	case page > 2:
		h.Prev = "/?page=" + strconv.Itoa(page-1)
	}
	if hasNext {
		h.Next = "/?page=" + strconv.Itoa(page+1)
	}
	return h
}

// BlindspotsPage is the current blindspot stories, by the side that missed them.
type BlindspotsPage struct {
	MinRated int // the rule the page explains (see stories.BlindspotOf)
	Left     []Item
	Right    []Item
}

// NewBlindspotsPage sorts candidates into the stories the left missed and those
// the right missed, as stories.BlindspotOf decides with the registry now; a
// candidate that is no longer a blindspot is left out.
func NewBlindspotsPage(candidates []StoryItem, reg *outlets.Registry) BlindspotsPage {
	p := BlindspotsPage{MinRated: stories.BlindspotMinRated}
	for _, it := range items(reg, candidates) {
		switch {
		case it.Blindspot == nil:
		case it.Blindspot.Side == outlets.SideLeft:
			p.Left = append(p.Left, it)
		case it.Blindspot.Side == outlets.SideRight:
			p.Right = append(p.Right, it)
		}
	}
	return p
}

// OutletPage is one outlet: who it is, how the raters see it, and its recent stories.
type OutletPage struct {
	ID         string
	Name       string
	Bias       Chip
	Factuality string // "High", "Unrated"
	Domains    []string
	Homepage   string // "" unless an http(s) URL
	Country    string
	Languages  []string
	Owner      string
	Ownership  string // the kind: "Public broadcaster"; "" when unknown
	Paywall    string // "None", "Metered", "Hard"; "" when unknown
	Ratings    []Rating
	Stories    []Item
}

// Rating is one rater's verdict on the outlet.
type Rating struct {
	Rater      string
	Bias       string // "" when the rater gives no bias
	Factuality string // "" when the rater gives no factuality
	Year       int
}

// NewOutletPage builds the page of o with its recent stories.
func NewOutletPage(o outlets.Outlet, recent []StoryItem, reg *outlets.Registry) OutletPage {
	p := OutletPage{
		ID:         o.ID,
		Name:       o.Name,
		Bias:       chipOf(o.Bias),
		Factuality: factualityText(o.Factuality),
		Domains:    o.Domains,
		Homepage:   safeLink(o.Homepage),
		Country:    o.Country,
		Languages:  o.Languages,
		Owner:      o.Owner,
		Ownership:  label(string(o.Ownership)),
		Paywall:    label(string(o.Paywall)),
		Stories:    items(reg, recent),
	}
	rs := slices.Clone(o.Ratings)
	slices.SortStableFunc(rs, func(a, b outlets.Rating) int {
		return cmp.Or(raterOrder(a.Rater)-raterOrder(b.Rater), strings.Compare(a.Rater, b.Rater), b.AsOf-a.AsOf)
	})
	for _, r := range rs {
		p.Ratings = append(p.Ratings, Rating{Rater: raterName(r.Rater), Bias: label(string(r.Bias)), Factuality: label(string(r.Factuality)), Year: r.AsOf})
	}
	return p
}

// SearchPage is the search form and, when there is a query, the stories whose
// title matches it.
type SearchPage struct {
	Query   string // as the reader typed it, cut to maxQueryRunes
	Results []Item
}

// NewSearchPage builds the page for query q and the stories found for it.
func NewSearchPage(q string, results []StoryItem, reg *outlets.Registry) SearchPage {
	return SearchPage{Query: cut(q, maxQueryRunes), Results: items(reg, results)}
}

// maxNextLen bounds the return path a 401 page carries: longer is no page of ours.
const maxNextLen = 2048

// ErrorPage is an error in the site's layout.
type ErrorPage struct {
	Status  int
	Title   string // "Page not found"
	Message string
	// Login shows the token form (on 401); Next is the local path the reader was
	// going to, sent back with the token so the server can return there.
	Login bool
	Next  string
}

// NewErrorPage builds the page for an HTTP error status. next is the path the
// reader asked for: it goes into the 401 page's form, and only when it is a path
// on this site ("/…", not "//host").
func NewErrorPage(status int, next string) ErrorPage {
	e := ErrorPage{Status: status}
	switch status {
	case http.StatusNotFound:
		e.Title = "Page not found"
		e.Message = "There is no such page here, or the story has expired: Parallax keeps a story for a while after its last new article."
	case http.StatusUnauthorized:
		e.Title = "Sign in"
		e.Message = "This Parallax server is private. Enter one of its access tokens to read it."
		e.Login = true
		if len(next) <= maxNextLen && strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
			e.Next = next
		}
	case http.StatusInternalServerError:
		e.Title = "Something went wrong"
		e.Message = "The server could not show this page. Try again in a moment; if it keeps failing, the server's log says why."
	default:
		e.Title = http.StatusText(status)
		if e.Title == "" {
			e.Title = fmt.Sprintf("Error %d", status)
		}
		e.Message = "The server could not show this page."
	}
	return e
}
