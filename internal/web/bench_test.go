package web

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// bigStory is a story of n articles from about 120 outlets of the real registry
// (rated ones of every side, unrated ones and a few the registry does not know),
// one article in six a copy of an earlier one, published over seven days. The
// seed is fixed, so every run renders the same page.
func bigStory(reg *outlets.Registry, n int) stories.Story {
	rng := rand.New(rand.NewPCG(11, 500))
	var pool []outlets.Outlet
	rated, unrated := 0, 0
	for _, o := range reg.All() {
		if o.Bias != "" && rated < 100 && rng.IntN(3) == 0 {
			pool = append(pool, o)
			rated++
		} else if o.Bias == "" && unrated < 15 && rng.IntN(40) == 0 {
			pool = append(pool, o)
			unrated++
		}
	}
	start := time.Date(2026, 11, 14, 5, 17, 0, 0, time.UTC)
	words := strings.Fields("minister budget vote parliament deficit spending markets critics opposition reform tax health schools energy prices")
	arts := make([]stories.Article, 0, n)
	for i := range n {
		pub := start.Add(time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
		var title strings.Builder
		for j := range 8 + rng.IntN(6) {
			if j > 0 {
				title.WriteByte(' ')
			}
			title.WriteString(words[rng.IntN(len(words))])
		}
		a := stories.Article{
			Title:     title.String(),
			Excerpt:   strings.TrimSpace(strings.Repeat(title.String()+". ", 4)),
			Published: pub,
			Added:     pub.Add(7 * time.Minute),
		}
		if i%40 == 39 {
			a.Domain = fmt.Sprintf("local%d.example", i%7)
		} else {
			o := pool[rng.IntN(len(pool))]
			a.OutletID, a.Domain = o.ID, o.Domains[0]
		}
		a.URL = fmt.Sprintf("https://www.%s/news/2026/11/story-%d", a.Domain, i)
		if i > 10 && rng.IntN(6) == 0 {
			orig := arts[rng.IntN(len(arts))]
			a.DuplicateOf, a.Title, a.Excerpt = orig.URL, orig.Title, orig.Excerpt
		}
		arts = append(arts, a)
	}
	return stories.Story{
		ID:           "sbench0000000001",
		Title:        "Parliament passes budget after all-night session",
		FirstSeen:    start.Add(time.Hour),
		Updated:      start.Add(7 * 24 * time.Hour),
		ArticleCount: n,
		Articles:     newestFirst(arts),
	}
}

// BenchmarkRenderStoryPage measures what one request for a 500-article story
// page costs once the store has answered: building the page model and rendering
// it. The budget is 20 ms on the 2-core development machine; cpu-ms/op is the CPU
// time a render takes (garbage collection included), which a busy machine does
// not inflate as it does the wall time of ns/op.
func BenchmarkRenderStoryPage(b *testing.B) {
	reg := registry(b)
	p := pages(b)
	s := bigStory(reg, 500)
	m := NewStoryPage(s, reg)
	var size countWriter
	if err := p.RenderStory(&size, m); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		if err := p.RenderStory(io.Discard, NewStoryPage(s, reg)); err != nil {
			b.Fatal(err)
		}
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(size), "bytes/page")
	b.ReportMetric(float64(m.Outlets), "outlets")
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// TestBigStory keeps the benchmark's story what it claims to be.
func TestBigStory(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	s := bigStory(reg, 500)
	m := NewStoryPage(s, reg)
	if m.Outlets < 100 || m.Outlets > 140 || m.Copies < 50 || m.Timeline.Buckets < 20 || m.Balance.Unrated == 0 || m.Balance.Left == 0 || m.Balance.Right == 0 {
		t.Errorf("outlets %d, copies %d, buckets %d, balance %+v", m.Outlets, m.Copies, m.Timeline.Buckets, m.Balance.Balance)
	}
	checkPage(t, render(t, m))
}

// BenchmarkRenderStoryPageCorrections is BenchmarkRenderStoryPage with what issue
// 12 adds to every article: the evidence in words ("Why is this here?") and the
// "Not this story" form, and five related stories.
func BenchmarkRenderStoryPageCorrections(b *testing.B) {
	reg := registry(b)
	p := pages(b)
	s := bigStory(reg, 500)
	for i := range s.Articles {
		s.Articles[i].Match = &stories.Evidence{Score: 0.31, Threshold: 0.155, Title: 0.2, Body: 0.35, Entities: 0.29,
			TimeGap: 3 * time.Hour, TimeFactor: 1, SharedTerms: []string{"bridge", "collapse", "river", "council", "corrosion"},
			SharedEntities: []string{"kestrelford", "harbour bridge", "river wenn", "2022 report", "marsh"}}
	}
	s.Articles[len(s.Articles)-1].Match = &stories.Evidence{Started: true, Threshold: 0.155, TimeFactor: 1}
	opts := StoryOptions{ArticleID: func(u string) string { return u[len(u)-16:] }}
	for i := range 5 {
		opts.Related = append(opts.Related, stories.Related{ID: fmt.Sprintf("srelated%09d", i), Title: "A related story's headline of ordinary length", Score: 0.1})
	}
	var size countWriter
	if err := p.RenderStory(&size, NewStoryPageWith(s, reg, opts)); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		if err := p.RenderStory(io.Discard, NewStoryPageWith(s, reg, opts)); err != nil {
			b.Fatal(err)
		}
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(size), "bytes/page")
}
