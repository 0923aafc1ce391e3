package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
)

// TestWhy: the evidence in plain words, one sentence per part that says something.
func TestWhy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ev   *stories.Evidence
		want []string
		not  []string
	}{
		{"none", nil, nil, nil},
		{"detached by a reader", &stories.Evidence{Started: true, Corrected: true, Threshold: 0.155}, []string{"A reader took this article out of another story"}, []string{"no story then was close"}},
		{"attached by a reader", &stories.Evidence{Corrected: true, Score: 0.1, Threshold: 0.155}, []string{"A reader moved this article into the story. Against it, it scores 0.10; 0.15 is needed"}, []string{"It joined"}},
		{"started alone", &stories.Evidence{Started: true, Threshold: 0.155}, []string{"started the story: no story then was close"}, []string{"joined"}},
		{"started near another", &stories.Evidence{Started: true, Score: 0.08, Threshold: 0.155}, []string{"closest story then scored 0.08, under the 0.15"}, nil},
		{"joined the same day", &stories.Evidence{Score: 0.31, Threshold: 0.155, Title: 0.2, Body: 0.35, TimeGap: 3 * time.Hour, TimeFactor: 1,
			SharedTerms: []string{"bridg", "collaps"}, SharedEntities: []string{"kestrelford"}},
			[]string{"score of 0.31; 0.15", "headline 0.20, text 0.35.", "3 hours from the story's nearest article in time, close enough to cost nothing", "Names and numbers in common: kestrelford.", "bridg, collaps"},
			[]string{"names, places and numbers 0"}},
		{"joined days later", &stories.Evidence{Score: 0.2, Threshold: 0.155, Entities: 0.5, TimeGap: 72 * time.Hour, TimeFactor: 0.85},
			[]string{"names, places and numbers 0.50", "3 days from the story's nearest article in time, which multiplied the score by 0.85"}, []string{"Words in common"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Why(tc.ev), " ")
			if tc.ev == nil && got != "" {
				t.Fatalf("Why(nil) = %q", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("%q has %q", got, w)
				}
			}
		})
	}
}

// TestStoryPageCorrectionsEscaped: terms from pages and story ids in the forms
// and links are escaped like everything else.
func TestStoryPageCorrectionsEscaped(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	p, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	ev := &stories.Evidence{Score: 0.3, Threshold: 0.155, Body: 0.3, SharedEntities: []string{`<script>alert(1)</script>`}}
	s := stories.Story{ID: `s"><b>`, Title: "Bridge", ArticleCount: 2, Articles: []stories.Article{
		{URL: "https://www.bbc.co.uk/a", Title: "A", Domain: "bbc.co.uk", OutletID: "bbc-news", Match: ev},
		{URL: "https://www.foxnews.com/b", Title: "B", Domain: "foxnews.com", OutletID: "fox-news"},
	}}
	m := NewStoryPageWith(s, reg, StoryOptions{
		ArticleID:    func(u string) string { return u }, // ids with slashes and colons
		Related:      []stories.Related{{ID: `s"x`, Title: `<i>Related</i>`}},
		MovedArticle: "a/b", MovedTo: `t"`,
	})
	var b bytes.Buffer
	if err := p.RenderStory(&b, m); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<script>", "<b>", "<i>Related", `action="/stories/s"`} {
		if strings.Contains(out, bad) {
			t.Errorf("page has %q unescaped", bad)
		}
	}
	for _, want := range []string{"/articles/https:%2F%2Fwww.bbc.co.uk%2Fa/detach", "/articles/a%2Fb/attach", "Why is this here?"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
