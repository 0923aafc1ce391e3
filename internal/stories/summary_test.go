package stories

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/outlets"
)

func TestCandidates(t *testing.T) {
	t.Parallel()
	long := "The council voted late on Tuesday to close the bridge " + strings.Repeat("and the roads around it ", 12) + "for good."
	tests := []struct {
		name string
		text string
		want []Candidate
	}{
		{
			"lead sentences in order",
			"The bridge over the Wenn river collapsed on Monday night, officials said. Three people were taken to hospital with minor injuries. Crews worked through the night to clear the wreckage.",
			[]Candidate{
				{"The bridge over the Wenn river collapsed on Monday night, officials said.", 0},
				{"Three people were taken to hospital with minor injuries.", 1},
				{"Crews worked through the night to clear the wreckage.", 2},
			},
		},
		{
			"boilerplate, fragments, questions and headings skipped",
			"BREAKING NEWS FROM THE RIVER TONIGHT.\nBy Susan Gale.\nSign up for our newsletter to get the news every morning.\nWhat does this mean for commuters in the city?\nThe bridge over the Wenn river collapsed on Monday night, officials said.",
			[]Candidate{{"The bridge over the Wenn river collapsed on Monday night, officials said.", 4}},
		},
		{
			"overlong sentence skipped, later one kept",
			long + " Engineers said the bridge had been unsafe for at least ten years.",
			[]Candidate{{"Engineers said the bridge had been unsafe for at least ten years.", 1}},
		},
		{
			"no terminal punctuation is a heading",
			"Bridge collapses over the Wenn river in the night\n\nThe bridge over the Wenn river collapsed on Monday night, officials said.",
			[]Candidate{{"The bridge over the Wenn river collapsed on Monday night, officials said.", 1}},
		},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Candidates(tt.text, "en")
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Candidates\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestCandidatesBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "Sentence number %d of the report says the river rose by %d centimetres overnight. ", i, i+10)
	}
	got := Candidates(b.String(), "en")
	if len(got) > MaxCandidates {
		t.Errorf("%d candidates, want at most %d", len(got), MaxCandidates)
	}
	total := 0
	for _, c := range got {
		total += len(c.Text)
		if !strings.Contains(b.String(), c.Text) {
			t.Errorf("candidate %q is not in the text", c.Text)
		}
	}
	if total > MaxCandidateBytes {
		t.Errorf("%d bytes of candidates, want at most %d", total, MaxCandidateBytes)
	}
	if len(got) == 0 {
		t.Fatal("no candidates from forty plain sentences")
	}
}

// sides maps the test outlets to sides.
func testBias(id string) outlets.Bias {
	switch {
	case strings.HasPrefix(id, "left"):
		return outlets.Left
	case strings.HasPrefix(id, "right"):
		return outlets.Right
	case strings.HasPrefix(id, "center"):
		return outlets.Center
	}
	return ""
}

func art(url, outlet string, sentences ...string) Article {
	a := Article{URL: url, OutletID: outlet, Domain: outlet + ".example", Title: "Bridge collapses over the Wenn river"}
	for i, s := range sentences {
		a.Candidates = append(a.Candidates, Candidate{Text: s, Pos: i})
	}
	return a
}

const (
	wire1 = "The bridge over the Wenn river in Kestrelford collapsed on Monday night, injuring three people, officials said."
	// wire1 as another site ran it, lightly edited.
	wire1b = "The bridge over the Wenn river in Kestrelford collapsed late on Monday night, injuring three people, officials said."
	wire2  = "Engineers had warned for years that the bridge over the Wenn river was unsafe and needed repairs."
	other1 = "Mayor Daniel Okafor said the city would build a temporary crossing for commuters within two weeks."
	other2 = "Residents said they heard a loud crack before the bridge fell into the river at about 11 p.m."
	other3 = "The collapse cut the main road between Kestrelford and Marlow, and buses were rerouted through Dunmore."
)

// TestSummaryWireCopiesNeverBoth: near-identical sentences, whether marked as a
// copy or run by another outlet without the mark, never both appear.
func TestSummaryWireCopiesNeverBoth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		arts []Article
	}{
		{"marked copies", []Article{
			art("https://a.example/1", "left-a", wire1, wire2),
			func() Article {
				a := art("https://b.example/1", "right-b", wire1b, wire2)
				a.DuplicateOf = "https://a.example/1"
				return a
			}(),
			art("https://c.example/1", "center-c", other1, other2),
		}},
		{"unmarked copies", []Article{
			art("https://a.example/1", "left-a", wire1, wire2),
			art("https://b.example/1", "right-b", wire1b, other3),
			art("https://c.example/1", "center-c", wire1, other1, other2),
		}},
		{"copy whose original is not read", []Article{
			func() Article {
				a := art("https://b.example/1", "right-b", wire1b, wire2)
				a.DuplicateOf = "https://gone.example/1"
				return a
			}(),
			func() Article {
				a := art("https://d.example/1", "right-d", wire1, wire2)
				a.DuplicateOf = "https://gone.example/1"
				return a
			}(),
			art("https://c.example/1", "center-c", other1, other2),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Summarize(Story{ID: "s", Articles: tt.arts}, testBias)
			if len(got) == 0 {
				t.Fatal("no bullets")
			}
			seen := map[string]int{}
			for _, b := range got {
				switch b.Text {
				case wire1, wire1b:
					seen["wire1"]++
				case wire2:
					seen["wire2"]++
				}
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("%s appears %d times: %q", k, n, texts(got))
				}
			}
			for i, a := range got {
				for _, b := range got[i+1:] {
					if c := sentenceVector(a.Text).dot(sentenceVector(b.Text)); c >= nearDuplicate {
						t.Errorf("bullets %q and %q are near-identical (cosine %.2f)", a.Text, b.Text, c)
					}
				}
			}
		})
	}
}

func sentenceVector(s string) sparse {
	c := map[string]float64{}
	english.Words(s, func(t string) { c[t]++ })
	return tfSparse(c)
}

func texts(bs []Bullet) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Text
	}
	return out
}

// TestSummaryCitesItsSentences: every bullet is a candidate of the article it cites,
// with that article's outlet, domain and side; at most two come from one outlet; the
// same story gives the same summary.
func TestSummaryCitesItsSentences(t *testing.T) {
	t.Parallel()
	arts := []Article{
		art("https://a.example/1", "left-a", wire1, wire2, other1, other2),
		art("https://a.example/2", "left-a", other3, wire2),
		art("https://c.example/1", "center-c", other1, other2),
		art("https://u.example/1", "", other3),
	}
	arts[3].Domain = "u.example"
	s := Story{ID: "s", Articles: arts}
	got := Summarize(s, testBias)
	if len(got) < minBullets || len(got) > MaxBullets {
		t.Fatalf("%d bullets, want %d–%d: %q", len(got), minBullets, MaxBullets, texts(got))
	}
	byURL := map[string]Article{}
	for _, a := range arts {
		byURL[a.URL] = a
	}
	perOutletSeen := map[string]int{}
	for _, b := range got {
		a, ok := byURL[b.ArticleURL]
		if !ok {
			t.Fatalf("bullet cites %q, not a member", b.ArticleURL)
		}
		found := false
		for _, c := range a.Candidates {
			found = found || c.Text == b.Text
		}
		if !found {
			t.Errorf("bullet %q is not a sentence of %s", b.Text, b.ArticleURL)
		}
		if b.OutletID != a.OutletID || b.Domain != a.Domain {
			t.Errorf("bullet cites outlet %q domain %q, article has %q %q", b.OutletID, b.Domain, a.OutletID, a.Domain)
		}
		want := outlets.SideUnrated
		if a.OutletID != "" {
			want = testBias(a.OutletID).Side()
		}
		if b.Side != want {
			t.Errorf("bullet of %s has side %q, want %q", a.OutletID, b.Side, want)
		}
		perOutletSeen[a.Source()]++
	}
	for src, n := range perOutletSeen {
		if n > perOutlet {
			t.Errorf("%s gives %d bullets, want at most %d", src, n, perOutlet)
		}
	}
	for range 5 {
		if again := Summarize(s, testBias); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("not deterministic:\n%q\n%q", texts(got), texts(again))
		}
	}
}

// TestSummaryPrefersUnquotedSide: after a left outlet's bullet (a tie with the
// center's, which comes later in the story), two equally good sentences, one from
// another left outlet and one from the right: the right's is quoted, though the
// left's comes first in the story.
func TestSummaryPrefersUnquotedSide(t *testing.T) {
	t.Parallel()
	same := "Heavy rain had soaked the banks for days before it happened, residents in Marlow said."
	arts := []Article{
		art("https://l.example/1", "left-a", wire1),
		art("https://l.example/2", "left-b", same),
		art("https://r.example/1", "right-a", same),
		art("https://c.example/1", "center-c", wire1),
	}
	got := Summarize(Story{ID: "s", Articles: arts}, testBias)
	if len(got) != 2 || got[0].Text != wire1 || got[1].Text != same {
		t.Fatalf("bullets %q, want the lead and then the tie", texts(got))
	}
	if got[1].OutletID != "right-a" {
		t.Errorf("the tie went to %s (%s) while the left was already quoted", got[1].OutletID, got[1].Side)
	}
}

func TestSummaryEmpty(t *testing.T) {
	t.Parallel()
	if got := Summarize(Story{ID: "s", Articles: []Article{{URL: "https://a.example/1"}}}, testBias); got != nil {
		t.Errorf("a story without candidates has bullets %q", texts(got))
	}
}

// TestSummariesByVersion: the cache answers a version it has seen with what it
// computed then, computes a new version afresh, reads sides at every call, and
// holds no more than its capacity.
func TestSummariesByVersion(t *testing.T) {
	t.Parallel()
	c := NewSummaries(2)
	s := Story{ID: "s", Version: 1, ArticleCount: 2, Articles: []Article{
		art("https://a.example/1", "left-a", wire1),
		art("https://c.example/1", "center-c", other1),
	}}
	first := c.Of(s, testBias)
	changed := s
	changed.Articles = []Article{art("https://c.example/1", "center-c", other2), s.Articles[0]}
	if got := c.Of(changed, testBias); fmt.Sprint(texts(got)) != fmt.Sprint(texts(first)) {
		t.Errorf("same version recomputed: %q, cached %q", texts(got), texts(first))
	}
	changed.Version = 2
	if got := c.Of(changed, testBias); !contains(texts(got), other2) {
		t.Errorf("new version not recomputed: %q", texts(got))
	}
	allRight := func(string) outlets.Bias { return outlets.Right }
	for _, b := range c.Of(s, allRight) {
		if b.Side != outlets.SideRight {
			t.Errorf("cached bullet kept side %q after the registry changed", b.Side)
		}
	}
	c.Of(Story{ID: "t", Version: 1, Articles: s.Articles}, testBias)
	if n := c.Len(); n != 2 {
		t.Errorf("cache holds %d, want its capacity 2", n)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// BenchmarkSummary recomputes the summary of a 500-article story whose articles
// each keep the most candidates (of which it reads the newest 200).
func BenchmarkSummary(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	s := Story{ID: "s", Version: 1, ArticleCount: 500}
	sides := []string{"left-", "center-", "right-", ""}
	for i := range 500 {
		a := Article{URL: fmt.Sprintf("https://o%d.example/%d", i%60, i), OutletID: fmt.Sprintf("%s%d", sides[i%4], i%60), Domain: fmt.Sprintf("o%d.example", i%60)}
		a.Title = benchArticle(r, 10)
		a.Candidates = Candidates(benchArticle(r, 300), "en")
		s.Articles = append(s.Articles, a)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(Summarize(s, testBias)) == 0 {
			b.Fatal("no bullets")
		}
	}
}
