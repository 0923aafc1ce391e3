package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// Bounds on what a page shows, so that no input makes a page unboundedly long.
const (
	// maxArticles is the most articles a story page lists: the store returns at
	// most 500 (store.MaxStoryArticles), so this only guards other callers.
	maxArticles = 500
	// maxListItems is the most stories a list (home, blindspots, outlet, search)
	// shows: callers page beyond it.
	maxListItems = 100
	// maxTitleRunes and maxSnippetRunes cut headlines and excerpts: a feed's
	// "title" is sometimes a whole paragraph, and a snippet is a taste of the
	// article, not its text.
	maxTitleRunes   = 300
	maxSnippetRunes = 160
	// maxQueryRunes bounds the query the search page shows back.
	maxQueryRunes = 200
)

// Chip is an outlet's bias as a page shows it: the side picks the colour and the
// label says it in words, so the colour never carries the information alone.
type Chip struct {
	Side  outlets.Side // left, center, right or unrated (the CSS class)
	Label string       // "Lean left", "Unrated"
}

func chipOf(b outlets.Bias) Chip {
	if !b.Valid() {
		return Chip{Side: outlets.SideUnrated, Label: "Unrated"}
	}
	return Chip{Side: b.Side(), Label: label(string(b))}
}

// OutletRef is an outlet as an entry names it.
type OutletRef struct {
	Name       string
	Href       string // its page; "" for an outlet the registry does not know
	Bias       Chip
	Factuality string // "High", "Mostly factual", "Unrated"
}

// known is what a page builder needs of the outlets of its stories: the registry's
// records for the sources it knows, looked up once.
type known map[string]outlets.Outlet

// lookupSources finds the registry record of each source (see
// stories.Article.Source) that has one.
func lookupSources(reg *outlets.Registry, sources []string, into known) known {
	if into == nil {
		into = known{}
	}
	for _, src := range sources {
		if _, done := into[src]; done || strings.HasPrefix(src, "domain:") {
			continue
		}
		if o, ok := reg.ByID(src); ok {
			into[src] = o
		}
	}
	return into
}

// facts is the stories.FactsFunc over the records found: the coverage functions
// ask it for every article, and a map answers without copying an outlet each time.
func (k known) facts(id string) (stories.OutletFacts, bool) {
	o, ok := k[id]
	return stories.OutletFacts{Bias: o.Bias, Factuality: o.Factuality, Ownership: o.Ownership}, ok
}

func (k known) bias(id string) outlets.Bias { return k[id].Bias }

// ref names the outlet of source; domain is shown for an outlet the registry does
// not know.
func (k known) ref(source string) OutletRef {
	o, ok := k[source]
	if !ok {
		name := strings.TrimPrefix(source, "domain:")
		return OutletRef{Name: name, Bias: chipOf(""), Factuality: factualityText("")}
	}
	return refOf(o)
}

func refOf(o outlets.Outlet) OutletRef {
	return OutletRef{
		Name:       o.Name,
		Href:       outletHref(o.ID),
		Bias:       chipOf(o.Bias),
		Factuality: factualityText(o.Factuality),
	}
}

func factualityText(f outlets.Factuality) string {
	if !f.Valid() {
		return "Unrated"
	}
	return label(string(f))
}

func outletHref(id string) string { return "/outlets/" + url.PathEscape(id) }
func storyHref(id string) string  { return "/stories/" + url.PathEscape(id) }

// BalanceView is a balance bar with the sentence saying what it rests on. The bar
// and its percentages show only when some outlet is rated, and the sentence always
// shows with them.
type BalanceView struct {
	stories.Balance
	Sentence string
}

func balanceView(b stories.Balance) BalanceView {
	return BalanceView{Balance: b, Sentence: stories.BalanceSentence(b)}
}

// CenterX and RightX place the bar's segments (the bar is 100 units wide).
func (b BalanceView) CenterX() int { return b.LeftPct }
func (b BalanceView) RightX() int  { return b.LeftPct + b.CenterPct }

// BlindspotView is a blindspot as a page shows it.
type BlindspotView struct {
	Side   outlets.Side // the side that missed the story
	Label  string       // "Missed by the right"
	Reason string       // the sentence with the counts it rests on
}

func blindspotView(b *stories.Blindspot) *BlindspotView {
	if b == nil {
		return nil
	}
	return &BlindspotView{Side: b.Side, Label: "Missed by the " + string(b.Side), Reason: b.Reason}
}

// StoryItem is one story of a list, as the caller has it from the store's summaries.
type StoryItem struct {
	ID             string
	Title          string
	FirstPublished time.Time // the earliest publication time of its articles; zero when none is dated
	Updated        time.Time
	ArticleCount   int
	Sources        []string // its outlets, as stories.Sources returns them
}

// Item is a story of a list as a page shows it.
type Item struct {
	Href           string
	Title          string
	FirstPublished Time
	Updated        Time
	Articles       int
	Outlets        int
	Balance        BalanceView
	Blindspot      *BlindspotView
}

// items builds the list entries of in, at most maxListItems.
func items(reg *outlets.Registry, in []StoryItem) []Item {
	in = in[:min(len(in), maxListItems)]
	out := make([]Item, 0, len(in))
	k := known{}
	for _, it := range in {
		lookupSources(reg, it.Sources, k)
		b := stories.BalanceOfSources(it.Sources, k.bias)
		out = append(out, Item{
			Href:           storyHref(it.ID),
			Title:          cut(it.Title, maxTitleRunes),
			FirstPublished: timeOf(it.FirstPublished, minuteLayout),
			Updated:        timeOf(it.Updated, minuteLayout),
			Articles:       it.ArticleCount,
			Outlets:        b.Rated + b.Unrated,
			Balance:        balanceView(b),
			Blindspot:      blindspotView(stories.BlindspotOf(it.Sources, k.facts)),
		})
	}
	return out
}

// label turns a registry value into words: "lean-left" → "Lean left",
// "public-broadcaster" → "Public broadcaster".
func label(v string) string {
	if v == "" {
		return ""
	}
	v = strings.ReplaceAll(v, "-", " ")
	r, n := utf8.DecodeRuneInString(v)
	return strings.ToUpper(string(r)) + v[n:]
}

// raterName is the name a rater publishes under.
func raterName(id string) string {
	switch id {
	case "allsides":
		return "AllSides"
	case "adfontes":
		return "Ad Fontes Media"
	case "mbfc":
		return "Media Bias/Fact Check"
	}
	return id
}

// raterOrder places the well-known raters first, in the registry's documented order.
func raterOrder(id string) int {
	switch id {
	case "allsides":
		return 0
	case "adfontes":
		return 1
	case "mbfc":
		return 2
	}
	return 3
}

// safeLink returns u when it is an absolute http(s) URL, else "": a link from a
// feed or a page is rendered only when following it cannot run script or open
// something other than a web page.
func safeLink(u string) string {
	// The common case, without parsing: a lower-case scheme and a host.
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok && rest != "" && !strings.ContainsAny(rest[:1], "/?#\\") && !strings.ContainsFunc(u, unicode.IsControl) {
			return u
		}
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
		return ""
	}
	return p.String()
}

// cut shortens s to at most n runes, at a word boundary when there is one in the
// last fifth, with an ellipsis; it also folds runs of white space into one space.
// It runs for every headline and excerpt of a page, so it looks at no more of s
// than it keeps and slices tidy text (the common case) rather than copy it.
func cut(s string, n int) string {
	end, count, space := len(s), 0, true // a leading space is untidy
	for i := 0; i < len(s); {
		if count == n {
			end = i
			break
		}
		c, size, isSpace := s[i], 1, false
		if c < utf8.RuneSelf {
			switch c {
			case ' ':
				isSpace = true
			case '\t', '\n', '\v', '\f', '\r':
				return cutUntidy(s, n)
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return cutUntidy(s, n)
			}
		}
		if isSpace && space {
			return cutUntidy(s, n)
		}
		space = isSpace
		count++
		i += size
	}
	if end == len(s) || strings.TrimSpace(s[end:]) == "" {
		if space && end > 0 {
			return cutUntidy(s, n) // a trailing space
		}
		return s[:end]
	}
	head := s[:end]
	if sp := strings.LastIndexByte(head, ' '); sp > len(head)*4/5 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " ,;:.-") + "…"
}

// cutUntidy folds the white space of s, then cuts it.
func cutUntidy(s string, n int) string {
	return cut(strings.Join(strings.Fields(s), " "), n)
}

// The time formats pages show. Pages are rendered on the server for any reader, so
// times are in UTC and say so; the datetime attribute carries the instant.
const (
	minuteLayout = "2 Jan 2006, 15:04 UTC"
	dayLayout    = "2 Jan 2006"
)

// Time is an instant as a page shows it, formatted when the model is built: a
// page shows hundreds, and formatting them in the template costs three function
// calls each.
type Time struct {
	At   time.Time
	ISO  string // RFC 3339 in UTC, for the datetime attribute; "" when At is zero
	Text string // "20 Nov 2026, 07:30 UTC"; "" when At is zero
}

func timeOf(t time.Time, layout string) Time {
	if t.IsZero() {
		return Time{}
	}
	t = t.UTC()
	return Time{At: t, ISO: t.Format(time.RFC3339), Text: t.Format(layout)}
}

// funcs are the template functions: formatting only, no decisions.
func funcs(p *Pages) template.FuncMap {
	return template.FuncMap{
		// outlet writes an outlet's name, bias chip and factuality.
		"outlet": p.outletHTML,
		// count writes a count with its noun: "1 article", "3 articles".
		"count": func(n int, one, many string) string {
			if n == 1 {
				return "1 " + one
			}
			return fmt.Sprintf("%d %s", n, many)
		},
		"join": strings.Join,
	}
}
