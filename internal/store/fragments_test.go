package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// TestFragments: an outlet's fragment counts are the number of its earlier
// articles with each fragment; an indexed article or a read-only call counts
// nothing; outlets do not share counts; and the hash stays bounded, keeping the
// fragments seen most.
func TestFragments(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := b.Open(t, store.Options{Retention: time.Hour})
			keys := []string{"sWALB", "pUPDATE", "lCopyright"}
			steps := []struct {
				name, source, url string
				keys              []string
				learn             bool
				want              []int64
			}{
				{"first article", "walb", "https://www.walb.com/1", keys, true, []int64{0, 0, 0}},
				{"second article", "walb", "https://www.walb.com/2", keys[:2], true, []int64{1, 1}},
				{"third article", "walb", "https://www.walb.com/3", keys, true, []int64{2, 2, 1}},
				{"read only", "walb", "https://www.walb.com/4", keys, false, []int64{3, 3, 2}},
				{"read only again", "walb", "https://www.walb.com/4", keys, false, []int64{3, 3, 2}},
				{"another outlet", "domain:ksla.com", "https://www.ksla.com/1", keys, true, []int64{0, 0, 0}},
			}
			for _, s := range steps {
				got, err := r.Fragments(ctx, s.source, s.url, s.keys, s.learn)
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if !slices.Equal(got, s.want) {
					t.Errorf("%s: counts %v, want %v", s.name, got, s.want)
				}
			}
			// An article already indexed is not counted again when it comes back.
			a, p := article("https://www.walb.com/5", "Man shot | WALB", "A man was shot.")
			if _, err := addWithRetry(ctx, r, a, p, "shot"); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := r.Fragments(ctx, "walb", a.URL, keys, true); err != nil {
					t.Fatal(err)
				}
			}
			got, err := r.Fragments(ctx, "walb", "https://www.walb.com/6", keys, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int64{3, 3, 2}; !slices.Equal(got, want) {
				t.Errorf("after an indexed article came back: counts %v, want %v", got, want)
			}
			// Many articles, each with a fragment of its own besides the template:
			// the template's count survives the pruning.
			for i := range 3 * store.MaxFragmentsPerSource {
				own := []string{"sWALB", fmt.Sprintf("l%d", i), fmt.Sprintf("p%d", i)}
				if _, err := r.Fragments(ctx, "walb", fmt.Sprintf("https://www.walb.com/x%d", i), own, true); err != nil {
					t.Fatal(err)
				}
			}
			got, err = r.Fragments(ctx, "walb", "https://www.walb.com/y", []string{"sWALB", "l0"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(3 + 3*store.MaxFragmentsPerSource); got[0] != want || got[1] != 0 {
				t.Errorf("after pruning: template seen %d times (want %d), a one-off %d (want 0, pruned)", got[0], want, got[1])
			}
			if n := r.FragmentFields(ctx, "walb"); n > store.MaxFragmentsPerSource {
				t.Errorf("%d fields kept, over the bound %d", n, store.MaxFragmentsPerSource)
			}
		})
	}
}
