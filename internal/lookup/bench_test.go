package lookup_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// BenchmarkLookupIndexed: a lookup answered from the index (real Redis): canonical
// URL, article and story reads, no extraction.
func BenchmarkLookupIndexed(b *testing.B) {
	st := storetest.OpenRedis(b, store.Options{})
	svc := newService(b, st, time.Second)
	ctx := context.Background()
	for _, f := range fixtures {
		if _, err := svc.Lookup(ctx, lookup.Request{URL: f.url, HTML: page(b, f.file)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := svc.Lookup(ctx, lookup.Request{URL: fixtures[0].url})
		if err != nil || res.Outcome != lookup.OutcomeIndexed {
			b.Fatal(err, res.Outcome)
		}
	}
}

// BenchmarkLookupPosted: a lookup with the page's HTML (real Redis): extraction,
// matching and the atomic add, each iteration a new article joining the fixture
// story.
func BenchmarkLookupPosted(b *testing.B) {
	st := storetest.OpenRedis(b, store.Options{})
	svc := newService(b, st, time.Second)
	ctx := context.Background()
	pages := make([][]byte, len(fixtures))
	for i, f := range fixtures {
		pages[i] = page(b, f.file)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// A site of its own per iteration: the fixtures' canonical links then do not
		// apply (foreign domain), so every lookup is a new article.
		res, err := svc.Lookup(ctx, lookup.Request{URL: fmt.Sprintf("https://news%d.example/2026/bridge", i), HTML: pages[i%len(fixtures)]})
		if err != nil || res.Outcome != lookup.OutcomePosted {
			b.Fatal(err)
		}
		i++
	}
}
