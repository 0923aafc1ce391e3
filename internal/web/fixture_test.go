package web

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// builtin returns the built-in registry, decoded once for all tests (it is
// immutable, so sharing it between parallel tests is safe).
var builtin = sync.OnceValues(outlets.Builtin)

func registry(t testing.TB) *outlets.Registry {
	t.Helper()
	reg, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func pages(t testing.TB) *Pages {
	t.Helper()
	p, err := New(registry(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// at is a fixed instant of the fixtures: tests never look at the clock.
func at(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-11-20 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

// art is an article of outlet id (a registry id, or "domain:<d>" for an outlet
// the registry does not know) published at hhmm.
func art(id, slug, hhmm, title string) stories.Article {
	a := stories.Article{
		URL:       "https://" + id + ".example/" + slug,
		Title:     title,
		Excerpt:   "The " + slug + " report: " + title + ".",
		Published: at(hhmm),
		Added:     at(hhmm).Add(20 * time.Minute),
	}
	if d, ok := strings.CutPrefix(id, "domain:"); ok {
		a.URL, a.Domain = "https://"+d+"/"+slug, d
	} else {
		a.OutletID, a.Domain = id, id+".example"
	}
	return a
}

func copyOf(a stories.Article, orig stories.Article) stories.Article {
	a.DuplicateOf = orig.URL
	a.Title, a.Excerpt, a.Candidates = orig.Title, orig.Excerpt, orig.Candidates
	return a
}

// newestFirst orders articles as the store returns them.
func newestFirst(arts []stories.Article) []stories.Article {
	slices.SortFunc(arts, func(a, b stories.Article) int { return b.Added.Compare(a.Added) })
	return arts
}

// threeSided is a story from outlets on the three sides, with a wire article
// copied by two outlets (one of them on another side), an unrated outlet and an
// outlet the registry does not know. Parallax first saw it at 09:30, two hours
// after the wire first published it.
func threeSided() stories.Story {
	ap := withCandidates(art("associated-press", "ap-budget", "07:30", "Parliament passes budget after all-night session"),
		"Parliament passed the budget early on Friday after a debate that ran through the night.",
		"The vote was 181 to 175, the narrowest margin for a budget in two decades.")
	arts := newestFirst([]stories.Article{
		ap,
		copyOf(art("abc-news", "abc-budget", "07:50", ""), ap),
		copyOf(art("new-york-post", "nyp-budget", "08:10", ""), ap),
		withCandidates(art("bbc-news", "bbc-budget", "07:55", "Budget approved by narrow margin"),
			"MPs approved the government's budget by six votes after an all-night session in parliament.",
			"Opposition parties said the plan would cut funding for councils & hospitals <for years>."),
		withCandidates(art("guardian", "guardian-budget", "08:40", "Budget squeezes public services, critics say"),
			"Unions warned that the budget passed on Friday would squeeze public services already short of staff."),
		art("reuters", "reuters-budget", "09:00", "Lawmakers approve budget; markets steady"),
		art("cnn", "cnn-budget", "10:15", "What the new budget means for you"),
		art("fox-news", "fox-budget", "11:20", "Budget boosts spending despite deficit warnings"),
		art("10-news", "ten-budget", "12:00", "Overseas: budget vote passes"),
		art("breitbart", "breitbart-budget", "13:05", "Budget hands bureaucrats a windfall"),
		art("domain:kestrel.example", "kestrel-budget", "14:00", "Budget passes"),
	})
	return stories.Story{
		ID:           "s3sided000000001",
		Title:        "Parliament passes budget after all-night session",
		FirstSeen:    at("09:30"),
		Updated:      at("14:20"),
		ArticleCount: len(arts),
		Articles:     arts,
	}
}

// withCandidates gives an article the candidate sentences a summary quotes.
func withCandidates(a stories.Article, sentences ...string) stories.Article {
	for i, s := range sentences {
		a.Candidates = append(a.Candidates, stories.Candidate{Text: s, Pos: i})
	}
	return a
}

// oneSided is covered by six left-leaning outlets of high factuality and one
// center outlet: a blindspot for the right.
func oneSided() stories.Story {
	arts := newestFirst([]stories.Article{
		art("abc-news", "abc-heat", "06:10", "Heat records fall across the south"),
		art("npr", "npr-heat", "06:45", "Heat wave strains power grid"),
		art("cbs-news", "cbs-heat", "07:20", "Record heat: what to know"),
		art("atlantic", "atlantic-heat", "09:00", "The summer that never ended"),
		art("bloomberg", "bloomberg-heat", "10:30", "Power prices spike in heat wave"),
		art("boston-globe", "globe-heat", "11:45", "Heat reaches the north"),
		art("bbc-news", "bbc-heat", "12:30", "Heat wave breaks records"),
	})
	return stories.Story{
		ID:           "s1sided000000001",
		Title:        "Heat wave breaks records across the south",
		FirstSeen:    at("08:00"),
		Updated:      at("12:50"),
		ArticleCount: len(arts),
		Articles:     arts,
	}
}

// itemOf is the list entry of s, as the store's summary would give it.
func itemOf(s stories.Story) StoryItem {
	return StoryItem{
		ID:             s.ID,
		Title:          s.Title,
		FirstPublished: stories.FirstPublished(s.Articles),
		Updated:        s.Updated,
		ArticleCount:   s.ArticleCount,
		Sources:        stories.Sources(s.Articles),
	}
}

func outletsNew(list []outlets.Outlet) (*outlets.Registry, error) { return outlets.New(list) }
