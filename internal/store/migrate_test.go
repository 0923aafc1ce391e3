package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
)

// TestMigrateLegacyLayout: an index in the layout before hash tags (written here by
// turning a real index back into it, key by key) is refused by LegacyLayout, and
// Migrate moves it back to the keys the current code writes, values and TTLs kept,
// with a progress that ends at the total. A second run finds nothing to do.
func TestMigrateLegacyLayout(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			var sids []string
			for i, topic := range []string{"bridge", "bridge", "harbour", "election"} {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), "News about the "+topic, "The "+topic+" story, in detail.")
				res, err := addWithRetry(ctx, r, a, p, topic)
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, res.StoryID)
			}
			if err := r.AddAlias(ctx, "https://www.example.com/0?amp=1", "https://www.example.com/0"); err != nil {
				t.Fatal(err)
			}
			if err := r.FlushDocFreq(ctx); err != nil {
				t.Fatal(err)
			}
			want := dumpIndex(t, r)
			wantPostings, err := r.PostingLists(ctx)
			if err != nil || len(wantPostings) == 0 {
				t.Fatalf("posting lists %v (%v)", wantPostings, err)
			}

			legacy := "{" + strings.Trim(r.Prefix(), "{}:") + "-old}:"
			n, err := r.ToLegacyLayout(ctx, legacy)
			if err != nil {
				t.Fatal(err)
			}
			if keys, _ := r.Keys(ctx); len(keys) != 0 {
				t.Fatalf("%d keys left under the new prefix after the conversion: %v", len(keys), keys)
			}
			var steps [][2]int
			m, err := r.Migrate(ctx, legacy, func(done, found int) { steps = append(steps, [2]int{done, found}) })
			if err != nil {
				t.Fatal(err)
			}
			// The listing shards were merged into two old keys, so fewer keys are
			// found than were converted.
			if m.Found == 0 || m.Found > n || m.Moved != m.Found || m.Skipped != 0 {
				t.Errorf("migration = %+v of %d converted keys, want every key moved", m, n)
			}
			if len(steps) < 2 || steps[len(steps)-1] != [2]int{m.Found, m.Found} {
				t.Errorf("progress = %v, want it to end at %d/%d", steps, m.Found, m.Found)
			}
			got := dumpIndex(t, r)
			if !slices.Equal(got, want) {
				t.Errorf("after the migration the index differs:\n got %q\nwant %q", got, want)
			}
			// The old layout's posting lists are read where they are (see
			// readPostings): the same stories are found under the same terms.
			if got, err := r.PostingLists(ctx); err != nil || !slices.Equal(got, wantPostings) {
				t.Errorf("after the migration the posting lists are %q (%v), want %q", got, err, wantPostings)
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Error(err)
			}
			for _, sid := range sids {
				if _, err := r.Story(ctx, sid, 0); err != nil {
					t.Errorf("story %s after the migration: %v", sid, err)
				}
			}
			again, err := r.Migrate(ctx, legacy, nil)
			if err != nil || again.Found != 0 {
				t.Errorf("second migration = %+v, %v; want nothing found", again, err)
			}
		})
	}
}

// TestLegacyLayoutDetected: a store refuses nothing by itself, but LegacyLayout
// tells an index of the old layout (its one listing key) from a current one.
func TestLegacyLayoutDetected(t *testing.T) {
	b := backends()[0]
	r := b.open(t)
	ctx := context.Background()
	a, p := article("https://www.example.com/x", "News about the bridge", "The bridge story.")
	if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
		t.Fatal(err)
	}
	if legacy, err := r.LegacyLayout(ctx); err != nil || legacy {
		t.Fatalf("LegacyLayout of a current index = %v, %v", legacy, err)
	}
	if _, err := r.ToLegacyLayout(ctx, r.Prefix()); err != nil {
		t.Fatal(err)
	}
	if legacy, err := r.LegacyLayout(ctx); err != nil || !legacy {
		t.Fatalf("LegacyLayout of an old index = %v, %v", legacy, err)
	}
	if !errors.Is(fmt.Errorf("x: %w", store.ErrLegacyLayout), store.ErrLegacyLayout) {
		t.Fatal("ErrLegacyLayout does not unwrap")
	}
	if _, err := r.Migrate(ctx, r.Prefix(), nil); err != nil {
		t.Fatal(err)
	}
	if legacy, err := r.LegacyLayout(ctx); err != nil || legacy {
		t.Fatalf("LegacyLayout after the migration = %v, %v", legacy, err)
	}
}

// dumpIndex is every key of the store's index with its type, value and whether it
// has a TTL, sorted: what a migration must keep.
// dumpIndex describes every key of the index but the posting lists.
func dumpIndex(t *testing.T, r *store.Redis) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := r.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if store.IsPosting(strings.TrimPrefix(k, r.Prefix())) {
			continue // compared by PostingLists: the migration leaves them in the old layout
		}
		v, err := r.Describe(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(k, r.Prefix())+" = "+v)
	}
	slices.Sort(out)
	return out
}
