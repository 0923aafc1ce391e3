package lookup_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

func TestFacts(t *testing.T) {
	t.Parallel()
	svc := newService(t, nil, time.Second)
	tests := []struct {
		id   string
		want stories.OutletFacts
		ok   bool
	}{
		{"bbc-news", stories.OutletFacts{Bias: outlets.Bias("center"), Factuality: outlets.Factuality("high"), Ownership: outlets.Ownership("public-broadcaster")}, true},
		{"barrons", stories.OutletFacts{Bias: outlets.Bias("lean-right"), Factuality: outlets.Factuality("high"), Ownership: outlets.Ownership("conglomerate")}, true},
		{"10-news", stories.OutletFacts{Ownership: outlets.Ownership("conglomerate")}, true}, // unrated
		{"no-such-outlet", stories.OutletFacts{}, false},
		{"", stories.OutletFacts{}, false},
	}
	for _, tt := range tests {
		got, ok := svc.Facts(tt.id)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Facts(%q) = %+v, %v; want %+v, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

// Five registry outlets rated lean-right with high factuality, and five lean-left.
var (
	rightOutlets = []string{"barrons.com", "city-journal.org", "detroitnews.com", "reason.com", "thedispatch.com"}
	leftOutlets  = []string{"npr.org", "propublica.org", "nytimes.com", "latimes.com", "bostonglobe.com"}
)

// events are four invented events, each in words of its own so that they make
// four stories.
var events = map[string]struct{ title, text string }{
	"ferry": {"Ferry runs aground off Marrowby with 300 passengers aboard",
		"A passenger ferry ran aground on a sandbank off Marrowby on Sunday night. All 300 passengers were taken ashore by lifeboats; the coastguard said nobody was hurt."},
	"library": {"Oldcastle library closes after a century as funding runs out",
		"The central library of Oldcastle shut its doors on Friday after 104 years. The county cut its grant in March and volunteers could not raise the 2 million pounds needed."},
	"tramway": {"Tram drivers in Pellingford strike over night shifts",
		"Tram drivers in Pellingford walked out on Monday in a dispute over night shifts. The union said 400 drivers joined the strike and services stopped across the city."},
	"harbour": {"Quinton harbour wall gives way in winter storm",
		"Storm Edda broke through the harbour wall at Quinton early on Wednesday. Fishing boats were thrown onto the quay and 60 homes were flooded, the fire service said."},
}

// indexStory indexes one article of an event per host and returns the story.
func indexStory(t *testing.T, svc *lookup.Service, event string, hosts []string) string {
	t.Helper()
	ev := events[event]
	var sid string
	for i, host := range hosts {
		text := fmt.Sprintf("%s Reporter %d was there.", ev.text, i)
		a := svc.Describe(fmt.Sprintf("https://www.%s/news/%s", host, event), extract.Article{Title: ev.title, Text: text, Excerpt: ev.text, Lang: "en"})
		id, err := svc.Index(context.Background(), a, text)
		if err != nil {
			t.Fatal(err)
		}
		if sid != "" && id != sid {
			t.Fatalf("%s: article %d went to story %s, the first to %s", event, i, id, sid)
		}
		sid = id
	}
	return sid
}

// TestBlindspots: a story covered only by one side's outlets is a blindspot for
// the other; a balanced one and a small one are nobody's.
func TestBlindspots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		ctx := context.Background()
		missedByLeft := indexStory(t, svc, "ferry", rightOutlets)
		missedByRight := indexStory(t, svc, "library", leftOutlets)
		indexStory(t, svc, "tramway", rightOutlets[:4]) // four rated outlets are too few
		for _, f := range fixtures {                    // one outlet of each side
			if _, err := svc.Lookup(ctx, lookup.Request{URL: f.url, HTML: page(t, f.file)}); err != nil {
				t.Fatal(err)
			}
		}
		// Written last, so the most recently updated: first in each list.
		newer := indexStory(t, svc, "harbour", append(slices.Clone(rightOutlets[1:]), "jpost.com"))
		ids := func(l []store.Summary) []string {
			var out []string
			for _, s := range l {
				out = append(out, s.ID)
			}
			return out
		}
		tests := []struct {
			limit       int
			left, right []string
		}{
			{0, []string{newer, missedByLeft}, []string{missedByRight}},
			{1, []string{newer}, []string{missedByRight}},
		}
		for _, tt := range tests {
			got, err := svc.Blindspots(ctx, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got.Left), tt.left) || !slices.Equal(ids(got.Right), tt.right) {
				t.Errorf("limit %d: blindspots for the left %v and the right %v, want %v and %v", tt.limit, ids(got.Left), ids(got.Right), tt.left, tt.right)
			}
			if len(got.Left) > 0 && len(got.Left[0].Sources) != 5 {
				t.Errorf("limit %d: the blindspot's sources are %v, want five outlets", tt.limit, got.Left[0].Sources)
			}
		}
	})
}
