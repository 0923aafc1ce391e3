package store_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// clock is a test's clock for the lookup cache: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counted opens a store of backend b that counts its round trips of op, on a clock
// of the test's.
func counted(t *testing.T, b storetest.Backend, op string, opts store.Options) (*store.Redis, *atomic.Int64, *clock) {
	var n atomic.Int64
	opts.Retention = time.Hour
	opts.Observe = func(name string, _ time.Duration, _ error) {
		if name == op {
			n.Add(1)
		}
	}
	r := b.Open(t, opts)
	c := &clock{t: time.Now()}
	r.SetCacheClock(c.now)
	return r, &n, c
}

// TestStoryByArticleURL: the lookup read answers what ArticleByURL and
// Story answer, for an article's own URL, an alias, a story written before titles
// had a key of their own, and a dangling article (its story gone).
func TestStoryByArticleURL(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := b.Open(t, store.Options{Retention: time.Hour})
			a, p := article("https://www.example.com/a", "Bridge collapses in Springfield", "A bridge collapsed in Springfield on Monday.")
			a.Published = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
			first, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			b2, p2 := article("https://www.example.org/b", "Springfield bridge falls", "The Springfield bridge fell.")
			if _, err := addWithRetry(ctx, r, b2, p2, "bridge"); err != nil {
				t.Fatal(err)
			}
			if err := r.AddAlias(ctx, "https://amp.example.com/a", a.URL); err != nil {
				t.Fatal(err)
			}
			lone, lp := article("https://www.example.net/c", "Harbour fire in Kestrelford", "A fire broke out.")
			loneStory, err := addWithRetry(ctx, r, lone, lp, "harbour")
			if err != nil {
				t.Fatal(err)
			}
			gone, gp := article("https://www.example.net/d", "Council votes on budget", "The council voted.")
			goneStory, err := addWithRetry(ctx, r, gone, gp, "council")
			if err != nil {
				t.Fatal(err)
			}
			if err := r.MakeLegacyStory(ctx, loneStory.StoryID); err != nil {
				t.Fatal(err)
			}
			if err := r.ExpireStory(ctx, goneStory.StoryID); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name, url, article, story string
				limit                     int
				wantErr                   error
			}{
				{name: "own URL", url: a.URL, article: a.URL, story: first.StoryID},
				{name: "other article of the story", url: b2.URL, article: b2.URL, story: first.StoryID},
				{name: "limited to the newest", url: a.URL, article: a.URL, story: first.StoryID, limit: 1},
				{name: "alias", url: "https://amp.example.com/a", article: a.URL, story: first.StoryID},
				{name: "legacy story", url: lone.URL, article: lone.URL, story: loneStory.StoryID},
				{name: "not indexed", url: "https://www.example.com/never", wantErr: store.ErrNotFound},
				{name: "dangling", url: gone.URL, wantErr: store.ErrNotFound},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, st, err := r.StoryByArticleURL(ctx, tc.url, tc.limit)
					if tc.wantErr != nil {
						if !errors.Is(err, tc.wantErr) {
							t.Fatalf("err = %v, want %v", err, tc.wantErr)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					wantArticle, _, err := r.ArticleByURL(ctx, tc.article)
					if err != nil {
						t.Fatal(err)
					}
					wantStory, err := r.Story(ctx, tc.story, tc.limit)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, wantArticle) {
						t.Errorf("article:\n got %+v\nwant %+v", got, wantArticle)
					}
					if !reflect.DeepEqual(st, wantStory) {
						t.Errorf("story:\n got %+v\nwant %+v", st, wantStory)
					}
					if st.Title == "" {
						t.Errorf("story %s has no title", st.ID)
					}
				})
			}
		})
	}
}

// TestStoryByArticleURLCache: a repeated lookup costs no round trip while fresh,
// one short one after; this process's own writes show at once, and what a caller
// does to the story it got does not reach the next caller.
func TestStoryByArticleURLCache(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r, trips, clk := counted(t, b, "story_by_article", store.Options{})
			a, p := article("https://www.example.com/a", "Bridge collapses in Springfield", "A bridge collapsed in Springfield on Monday.")
			if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
				t.Fatal(err)
			}
			read := func(step string, wantTrips int64, wantArticles int) stories.Story {
				t.Helper()
				before := trips.Load()
				_, st, err := r.StoryByArticleURL(ctx, a.URL, 0)
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				if n := trips.Load() - before; n != wantTrips {
					t.Errorf("%s: %d round trips, want %d", step, n, wantTrips)
				}
				if len(st.Articles) != wantArticles || st.ArticleCount != wantArticles {
					t.Errorf("%s: %d articles (count %d), want %d", step, len(st.Articles), st.ArticleCount, wantArticles)
				}
				return st
			}
			first := read("first read", 1, 1)
			first.Articles[0].Title = "changed by a caller"
			if st := read("again while fresh", 0, 1); st.Articles[0].Title != a.Title {
				t.Errorf("a caller's change reached the cache: title %q", st.Articles[0].Title)
			}
			b2, p2 := article("https://www.example.org/b", "Springfield bridge falls", "The Springfield bridge fell.")
			if _, err := addWithRetry(ctx, r, b2, p2, "bridge"); err != nil {
				t.Fatal(err)
			}
			read("after this process added to the story", 1, 2)
			read("fresh again", 0, 2)
			clk.advance(store.CacheFresh)
			st := read("once no longer fresh, unchanged", 1, 2)
			read("confirmed, fresh again", 0, 2)
			again, err := r.Story(ctx, st.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st, again) {
				t.Errorf("confirmed story:\n got %+v\nwant %+v", st, again)
			}
			if err := r.Purge(ctx); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.StoryByArticleURL(ctx, a.URL, 0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after a purge: err = %v, want not found", err)
			}
		})
	}
}

// TestStoryByArticleURLOtherReplica: what another replica adds to a story shows
// once the cached entry is no longer fresh, and not before (real Redis: the embedded
// store has one process).
func TestStoryByArticleURLOtherReplica(t *testing.T) {
	ctx := context.Background()
	r, _, clk := counted(t, storetest.Backends()[0], "story_by_article", store.Options{})
	other, err := store.Open(ctx, store.Options{URL: storetest.RedisURL(), Prefix: r.Prefix(), Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	a, p := article("https://www.example.com/a", "Bridge collapses in Springfield", "A bridge collapsed in Springfield on Monday.")
	if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		_, st, err := r.StoryByArticleURL(ctx, a.URL, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(st.Articles)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d articles, want 1", n)
	}
	b2, p2 := article("https://www.example.org/b", "Springfield bridge falls", "The Springfield bridge fell.")
	if _, err := addWithRetry(ctx, other, b2, p2, "bridge"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("while fresh: %d articles, want the cached 1", n)
	}
	clk.advance(store.CacheFresh)
	if n := count(); n != 2 {
		t.Errorf("once no longer fresh: %d articles, want the other replica's 2", n)
	}
}
