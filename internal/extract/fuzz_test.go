package extract

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that whatever it
// returns as an article is well-formed. Seeded with the golden test pages:
//
//	go test ./internal/extract -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.html"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<script type="application/ld+json">{"@type":"NewsArticle","articleBody":"` + articleBody + `"}</script>`))
	u := mustURL(f, "https://example.com/news/a.html")
	f.Fuzz(func(t *testing.T, page []byte) {
		a, err := Parse(page, u)
		if err != nil {
			if !errors.Is(err, ErrNotArticle) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse err = %v, want nil, ErrNotArticle or ErrTooLarge", err)
			}
			return
		}
		checkArticle(t, a)
	})
}
