package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// openSpread opens backend b under a prefix without a hash tag of its own, so
// that on a Redis Cluster the keys spread over the slots as in production (the
// default test prefix has one, which puts every key in one slot).
func openSpread(t *testing.T, b storetest.Backend) *store.Redis {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return b.Open(t, store.Options{Retention: time.Hour, Prefix: fmt.Sprintf("pxspread-%s-%d:", name, time.Now().UnixNano())})
}

// TestSpreadListings: with stories in many listing shards, a listing is one order
// across them (recent: last updated first; coverage: most outlets first; ties by
// id), pages follow it without gaps or repeats, and a search finds stories of
// every shard.
func TestSpreadListings(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := openSpread(t, b)
			const n = 40
			shards := map[int]bool{}
			var sids []string
			for i := range n {
				term := fmt.Sprintf("event%d", i)
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), fmt.Sprintf("Harbour story %d", i), "Text.")
				added, err := addWithRetry(ctx, r, a, p, term)
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, added.StoryID)
				shards[store.ListingShardOf(added.StoryID)] = true
				// Stories of i%3 outlets more, so that coverage orders differ
				// from recency.
				for j := range i % 3 {
					o, op := article(fmt.Sprintf("https://www.outlet%d.org/%d", j, i), fmt.Sprintf("Harbour story %d", i), "Text.")
					o.Domain = fmt.Sprintf("outlet%d.org", j)
					if _, err := addWithRetry(ctx, r, o, op, term); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(shards) < 4 {
				t.Fatalf("%d stories in %d listing shards: the test needs several", n, len(shards))
			}
			for _, by := range []string{store.ByRecent, store.ByCoverage} {
				all, err := r.ListStories(ctx, store.ListOptions{By: by})
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != n {
					t.Fatalf("%s: %d stories listed, want %d", by, len(all), n)
				}
				for i := 1; i < len(all); i++ {
					prev, cur := all[i-1], all[i]
					var pk, ck int64
					if by == store.ByRecent {
						pk, ck = prev.Updated.UnixMilli(), cur.Updated.UnixMilli()
					} else {
						pk, ck = int64(len(prev.Sources)), int64(len(cur.Sources))
					}
					if pk < ck || (pk == ck && prev.ID < cur.ID) {
						t.Errorf("%s: %s (%d) listed before %s (%d)", by, prev.ID, pk, cur.ID, ck)
					}
				}
				var paged []string
				for off := 0; off < n+7; off += 7 {
					page, err := r.ListStories(ctx, store.ListOptions{By: by, Offset: off, Limit: 7})
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range page {
						paged = append(paged, s.ID)
					}
				}
				var want []string
				for _, s := range all {
					want = append(want, s.ID)
				}
				if !slices.Equal(paged, want) {
					t.Errorf("%s: pages of 7 list\n%v\nwant\n%v", by, paged, want)
				}
			}
			// Two round trips (the first reading a share of n per shard, as deep
			// pages and searches do) merge to what one reading n per shard does.
			for _, coverage := range []bool{false, true} {
				for _, k := range []int{1, 2, 5, 17, n, n + 20} {
					one, err := r.TopListed(ctx, coverage, k, 1<<30)
					if err != nil {
						t.Fatal(err)
					}
					two, err := r.TopListed(ctx, coverage, k, 0)
					if err != nil {
						t.Fatal(err)
					}
					if len(one) != min(k, n) || !slices.Equal(one, two) {
						t.Errorf("coverage %v, top %d: one round trip %v, two %v", coverage, k, one, two)
					}
				}
			}
			found, err := r.SearchStories(ctx, "harbour story", 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range found {
				got = append(got, s.ID)
			}
			slices.Sort(got)
			slices.Sort(sids)
			if !slices.Equal(got, slices.Compact(sids)) {
				t.Errorf("search found %d stories, want all %d", len(got), n)
			}
			if found, err := r.SearchStories(ctx, "story 17", 0); err != nil || len(found) != 1 || found[0].Title != "Harbour story 17" {
				t.Errorf("search story 17: %+v, %v", found, err)
			}
		})
	}
}

// TestSpreadLookups: with keys spread over the slots, a lookup follows the URL
// (or its alias) to the article, its story and the story's members, and the
// indexed check and the fragment counts answer as on one slot.
func TestSpreadLookups(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := openSpread(t, b)
			urls := []string{"https://www.example.com/a", "https://www.example.org/b", "https://www.example.net/c"}
			var sid string
			for i, u := range urls {
				a, p := article(u, "Bridge collapses in Springfield", "A bridge collapsed.")
				a.Domain = fmt.Sprintf("outlet%d.example", i)
				added, err := addWithRetry(ctx, r, a, p, "bridge")
				if err != nil {
					t.Fatal(err)
				}
				if sid == "" {
					sid = added.StoryID
				} else if added.StoryID != sid {
					t.Fatalf("%s joined %s, want %s", u, added.StoryID, sid)
				}
			}
			if err := r.AddAlias(ctx, "https://amp.example.com/a", urls[0]); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{urls[1], "https://amp.example.com/a"} {
				a, s, err := r.StoryByArticleURL(ctx, u, 0)
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				if s.ID != sid || s.ArticleCount != 3 || len(s.Articles) != 3 || s.Title == "" {
					t.Errorf("%s: story %s, %d articles (%d read), title %q", u, s.ID, s.ArticleCount, len(s.Articles), s.Title)
				}
				if u == urls[1] && a.URL != u || u != urls[1] && a.URL != urls[0] {
					t.Errorf("%s: article %s", u, a.URL)
				}
			}
			indexed, err := r.ArticlesIndexed(ctx, []string{urls[2], "https://amp.example.com/a", "https://www.example.com/none"})
			if err != nil || !slices.Equal(indexed, []bool{true, true, false}) {
				t.Errorf("ArticlesIndexed = %v, %v; want [true true false]", indexed, err)
			}
			keys := []string{"sSPR", "pUPDATE"}
			if got, err := r.Fragments(ctx, "spr", "https://www.spr.example/1", keys, true); err != nil || !slices.Equal(got, []int64{0, 0}) {
				t.Errorf("first fragments: %v, %v", got, err)
			}
			// An indexed article is not counted again.
			if got, err := r.Fragments(ctx, "spr", urls[0], keys, true); err != nil || !slices.Equal(got, []int64{1, 1}) {
				t.Errorf("indexed article's fragments: %v, %v", got, err)
			}
			if got, err := r.Fragments(ctx, "spr", "https://www.spr.example/2", keys, false); err != nil || !slices.Equal(got, []int64{1, 1}) {
				t.Errorf("fragments after an indexed article: %v, %v", got, err)
			}
		})
	}
}

// TestSpreadDocFreqFlush: document counts flushed over many bucket keys are what
// another process reads, once each, also when the nodes lost their scripts
// (a restart, a failover) and the flush loads them again.
func TestSpreadDocFreqFlush(t *testing.T) {
	for _, b := range storetest.Backends() {
		if b.Name == "embedded" {
			continue // one process per data folder: no second reader
		}
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := openSpread(t, b)
			terms := make([]string, 300) // over many buckets, so many slots
			for i := range terms {
				terms[i] = fmt.Sprintf("term%d", i)
			}
			for i, ts := range [][]string{terms, terms[:100], terms[:1]} {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), "T", "T.")
				cent := &stories.Centroid{}
				stories.DefaultConfig().Add(cent, p, a.URL, a.Title)
				view, err := w.View(ctx, a.URL, w.GuessDocFreq(nil), nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.AddArticle(ctx, store.Add{Article: a, Centroid: cent, Seen: view.Seen, DocTerms: ts}); err != nil {
					t.Fatal(err)
				}
				switch i {
				case 1:
					if err := w.FlushDocFreq(ctx); err != nil {
						t.Fatal(err)
					}
				case 2:
					// A node forgets its scripts before the last flush: the calls
					// the others ran must not run twice.
					if err := w.FlushScriptsOfDocTotal(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.FlushDocFreq(ctx); err != nil {
				t.Fatal(err)
			}
			u := storetest.RedisURL()
			if b.Name == "cluster" {
				u = os.Getenv(storetest.EnvRedisClusterURL)
			}
			rd, err := store.Open(ctx, store.Options{URL: u, Prefix: w.Prefix(), Retention: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			v, err := rd.View(ctx, "https://www.example.com/none", rd.GuessDocFreq(terms), nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.DocFreq.Docs != 3 {
				t.Errorf("%d documents, want 3", v.DocFreq.Docs)
			}
			for i, term := range terms {
				want := int64(1)
				switch {
				case i == 0:
					want = 3
				case i < 100:
					want = 2
				}
				if got := v.DocFreq.Counts[term]; got != want {
					t.Errorf("%s counted %d times, want %d", term, got, want)
				}
			}
		})
	}
}
