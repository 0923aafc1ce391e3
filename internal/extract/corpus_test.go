package extract

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/parallax-news/parallax/internal/corpus"
)

// minCorpusF1 is readeck go-readability's own score on the 121 development pages
// (README.md of the data set); Parse must not do worse than the library it wraps.
const minCorpusF1 = 0.954

// extractionDir locates the shared article-extraction data or skips the test.
func extractionDir(tb testing.TB) string {
	tb.Helper()
	dir := corpus.Require(tb, "article-extraction")
	return dir
}

// TestMetricReproducesPublishedScore protects the metric: on readeck
// go-readability's published output it must give the README's row
// (F1 0.954, P 0.927, R 0.982, accuracy 0.182).
func TestMetricReproducesPublishedScore(t *testing.T) {
	t.Parallel()
	dir := extractionDir(t)
	pages, err := corpus.LoadExtraction(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                  string
		f1, precision, recall float64
		accuracy              float64
	}{
		{"go_readability_fork", 0.954, 0.927, 0.982, 0.182},
		{"go_trafilatura", 0.967, 0.950, 0.984, 0.281},
		{"html-text", 0.684, 0.522, 0.994, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := corpus.LoadExtractionOutput(dir, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			truths, preds := make([]string, len(pages)), make([]string, len(pages))
			for i, p := range pages {
				truths[i], preds[i] = p.Body, out[p.ID]
			}
			got := summarize(truths, preds)
			want := benchmarkScore{pages: 121, f1: tc.f1, precision: tc.precision, recall: tc.recall, accuracy: tc.accuracy}
			if got.pages != want.pages || !near(got.f1, want.f1) || !near(got.precision, want.precision) ||
				!near(got.recall, want.recall) || !near(got.accuracy, want.accuracy) {
				t.Errorf("got %+v, want %+v (to 3 decimals)", got, want)
			}
		})
	}
}

// near reports whether a rounds to b at the README's three decimals.
func near(a, b float64) bool { return a-b < 0.0005 && b-a <= 0.0005 }

// TestExtractionCorpus is the command that prints extraction precision, recall
// and F1 on the shared benchmark pages:
//
//	go test ./internal/extract -run TestExtractionCorpus -v
func TestExtractionCorpus(t *testing.T) {
	t.Parallel()
	dir := extractionDir(t)
	pages, err := corpus.LoadExtraction(dir)
	if err != nil {
		t.Fatal(err)
	}
	type ranked struct {
		id string
		f1 float64
	}
	truths, preds := make([]string, len(pages)), make([]string, len(pages))
	worst := make([]ranked, 0, len(pages))
	for i, p := range pages {
		u, err := url.Parse(p.URL)
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		a, err := Parse(p.HTML, u)
		switch {
		case errors.Is(err, ErrNotArticle):
			// Counted as an empty prediction, as the benchmark would.
		case err != nil:
			t.Errorf("%s: %v", p.ID, err)
		}
		truths[i], preds[i] = p.Body, a.Text
		worst = append(worst, ranked{p.ID, scorePage(p.Body, a.Text).f1()})
	}
	s := summarize(truths, preds)
	t.Logf("pages=%d precision=%.4f recall=%.4f F1=%.4f accuracy=%.4f", s.pages, s.precision, s.recall, s.f1, s.accuracy)
	slices.SortFunc(worst, func(a, b ranked) int { return cmp.Compare(a.f1, b.f1) })
	for _, w := range worst[:min(5, len(worst))] {
		t.Logf("worst: %s F1=%.3f", w.id, w.f1)
	}
	if s.f1 < minCorpusF1 {
		t.Errorf("F1 %.4f is below %.3f", s.f1, minCorpusF1)
	}
}

// BenchmarkParse measures Parse on the benchmark's real pages, one page per
// operation (ns/op is the time per page):
//
//	go test ./internal/extract -run '^$' -bench BenchmarkParse -benchmem
func BenchmarkParse(b *testing.B) {
	pages, err := corpus.LoadExtraction(extractionDir(b))
	if err != nil {
		b.Fatal(err)
	}
	urls := make([]*url.URL, len(pages))
	var size int
	for i, p := range pages {
		urls[i] = mustURL(b, p.URL)
		size += len(p.HTML)
	}
	b.SetBytes(int64(size / len(pages)))
	i := 0
	for b.Loop() {
		if _, err := Parse(pages[i%len(pages)].HTML, urls[i%len(pages)]); err != nil && !errors.Is(err, ErrNotArticle) {
			b.Fatal(err)
		}
		i++
	}
}
