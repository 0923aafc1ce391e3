package stories

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExplain: the evidence is the score's own parts: its cosines recombine into
// the score, the threshold is the one that applied, and the shared terms are terms
// of both sides, at most EvidenceTerms of each kind.
func TestExplain(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	df := DocFreq{Docs: 100, Counts: map[string]int64{}}
	story := &Centroid{}
	for _, d := range []Doc{
		{Title: "Kestrelford Harbour Bridge collapses into the River Wenn", Text: "The Kestrelford Harbour Bridge collapsed into the River Wenn on Monday, injuring four people, officials said. Engineers had warned of corrosion."},
		{Title: "Four hurt as Kestrelford bridge falls", Text: "Four people were hurt when the Kestrelford Harbour Bridge fell into the River Wenn. The council said engineers had warned of corrosion in 2022."},
	} {
		cfg.Add(story, cfg.Prepare(Analyze(d), df, time.Time{}), d.Title, d.Title)
	}
	for _, tc := range []struct {
		name    string
		doc     Doc
		started bool
	}{
		{"same event", Doc{Title: "Kestrelford Harbour Bridge collapse: council faces questions", Text: "Questions grew over the collapse of the Kestrelford Harbour Bridge into the River Wenn, after engineers warned of corrosion."}, false},
		{"headline only", Doc{Title: "Kestrelford bridge collapse"}, false},
		{"another event", Doc{Title: "Marlow council election count delayed", Text: "Voters in Marlow waited for the count as the council election ran late, officials said."}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cfg.Prepare(Analyze(tc.doc), df, time.Time{})
			score := cfg.Score(p, story)
			ev := cfg.Explain(p, story, score)
			if (score < ev.Threshold) != tc.started {
				t.Errorf("score %.3f against threshold %.3f: want started %v", score, ev.Threshold, tc.started)
			}
			if ev.Threshold != round3(cfg.threshold(p, story)) {
				t.Errorf("threshold %.3f, want the one that applies (%.3f)", ev.Threshold, cfg.threshold(p, story))
			}
			// No numbers, no dates: the score is the weighted mean of the cosines
			// present on both sides (and the entity floor, which needs 8 names).
			var num, den float64
			for i, part := range []struct{ cos, w float64 }{{ev.Title, cfg.TitleWeight}, {ev.Body, cfg.BodyWeight}, {ev.Entities, cfg.EntityWeight}} {
				if len([3]Vector{p.Title, p.Body, p.Entities}[i]) > 0 && story.size(i) > 0 {
					num += part.cos * part.w
					den += part.w
				}
			}
			if den > 0 && math.Abs(num/den-ev.Score) > 0.005 && len(p.numbers) == 0 {
				t.Errorf("cosines %.3f/%.3f/%.3f recombine to %.3f, score %.3f", ev.Title, ev.Body, ev.Entities, num/den, ev.Score)
			}
			if len(ev.SharedTerms) > EvidenceTerms || len(ev.SharedEntities) > EvidenceTerms {
				t.Errorf("%d shared terms, %d entities: at most %d each", len(ev.SharedTerms), len(ev.SharedEntities), EvidenceTerms)
			}
			if !tc.started && len(ev.SharedTerms) == 0 {
				t.Error("a joining article shares no term")
			}
			story.materialize()
			for _, term := range ev.SharedTerms {
				if _, inDoc := p.Title[term]; !inDoc {
					if _, inBody := p.Body[term]; !inBody {
						t.Errorf("shared term %q is not the article's", term)
					}
				}
				if _, ok := story.Title[term]; !ok {
					if _, ok := story.Body[term]; !ok {
						t.Errorf("shared term %q is not the story's", term)
					}
				}
			}
			for _, e := range ev.SharedEntities {
				if strings.Contains(e, ":") && !strings.HasPrefix(e, "http") {
					t.Errorf("entity %q keeps its kind prefix", e)
				}
			}
		})
	}
}

// TestExplainTime: the time gap and the factor the score was multiplied by.
func TestExplainTime(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := &Centroid{}
	d := Doc{Title: "Bridge collapses", Text: "The bridge collapsed into the river on Monday."}
	cfg.Add(s, cfg.Prepare(Analyze(d), DocFreq{}, at), "a", d.Title)
	for _, tc := range []struct {
		gap    time.Duration
		factor float64
	}{{3 * time.Hour, 1}, {24*time.Hour + 277*time.Hour, 0.5}} {
		ev := cfg.Explain(cfg.Prepare(Analyze(d), DocFreq{}, at.Add(tc.gap)), s, 0.3)
		if ev.TimeGap != tc.gap || math.Abs(ev.TimeFactor-tc.factor) > 0.001 {
			t.Errorf("gap %s: evidence gap %s, factor %.3f; want factor %.3f", tc.gap, ev.TimeGap, ev.TimeFactor, tc.factor)
		}
	}
}

// TestRemove: taking out the document last added gives back the centroid it was
// added to (up to the codec's rounding), its count and its prints; a headline
// that was the document's is replaced.
func TestRemove(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	r := rand.New(rand.NewPCG(5, 6))
	df := DocFreq{Docs: 100, Counts: map[string]int64{}}
	s := &Centroid{}
	first := Doc{Title: "Kestrelford Harbour Bridge collapses", Text: benchArticle(r, 80)}
	cfg.Add(s, cfg.Prepare(Analyze(first), df, time.Time{}), "a", first.Title)
	before := struct {
		title, body, ents Vector
		count, prints     int
	}{maps.Clone(s.Title), maps.Clone(s.Body), maps.Clone(s.Entities), s.Count, len(s.Prints)}
	second := Doc{Title: "Bridge falls into the Wenn", Text: benchArticle(r, 80)}
	p := cfg.Prepare(Analyze(second), df, time.Time{})
	cfg.Add(s, p, "b", second.Title)
	s.Headline = second.Title // as if the second's headline were the nearest
	cfg.Remove(s, p, "b", second.Title, first.Title)
	if s.Count != before.count || len(s.Prints) != before.prints || slices.ContainsFunc(s.Prints, func(pr Print) bool { return pr.Ref == "b" }) {
		t.Errorf("count %d, prints %v; want %d and %d", s.Count, s.Prints, before.count, before.prints)
	}
	if s.Headline != first.Title {
		t.Errorf("headline %q, want %q", s.Headline, first.Title)
	}
	for name, pair := range map[string][2]Vector{"title": {s.Title, before.title}, "body": {s.Body, before.body}, "entities": {s.Entities, before.ents}} {
		got, want := pair[0], pair[1]
		for term, w := range want {
			if math.Abs(got[term]-w) > 0.01 {
				t.Errorf("%s: %q = %.4f, want %.4f", name, term, got[term], w)
			}
		}
		for term := range got {
			if _, ok := want[term]; !ok {
				t.Errorf("%s: %q left behind", name, term)
			}
		}
	}
}

// TestAsDocument: a story weighed as a document scores highest against itself.
func TestAsDocument(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	r := rand.New(rand.NewPCG(7, 8))
	var stories []*Centroid
	for range 3 {
		s := &Centroid{}
		for j := range 3 {
			cfg.Add(s, cfg.Prepare(Analyze(Doc{Title: benchArticle(r, 8), Text: benchArticle(r, 200)}), DocFreq{}, time.Time{}), string(rune('a'+j)), "h")
		}
		stories = append(stories, s)
	}
	for i, s := range stories {
		p := cfg.AsDocument(s)
		if n := p.Body.Norm(); math.Abs(n-1) > 1e-9 {
			t.Fatalf("body norm %.6f, want 1", n)
		}
		self := cfg.Score(p, s)
		for j, o := range stories {
			if j != i && cfg.Score(p, o) >= self {
				t.Errorf("story %d scores %.3f against story %d, %.3f against itself", i, cfg.Score(p, o), j, self)
			}
		}
	}
}

// BenchmarkExplain measures what keeping the evidence adds to a join: one Explain
// against an encoded candidate centroid.
func BenchmarkExplain(b *testing.B) {
	cfg := DefaultConfig()
	r := rand.New(rand.NewPCG(3, 4))
	var c Centroid
	for j := range 6 {
		cfg.Add(&c, cfg.Prepare(Analyze(Doc{Title: benchArticle(r, 10), Text: benchArticle(r, 400)}), DocFreq{}, time.Time{}), string(rune('a'+j)), "h")
	}
	blob, err := c.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	p := cfg.Prepare(Analyze(Doc{Title: benchArticle(r, 10), Text: benchArticle(r, 400)}), DocFreq{}, time.Time{})
	b.ReportAllocs()
	for b.Loop() {
		var s Centroid
		if err := s.Decode(string(blob)); err != nil {
			b.Fatal(err)
		}
		cfg.Explain(p, &s, 0.3)
	}
}
