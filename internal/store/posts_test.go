package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestPosts: an unverified post answers its poster only, is found by URL for
// corroboration, can be marked, listed per token, dropped when the URL is indexed
// and purged per token; every key it writes expires.
func TestPosts(t *testing.T) {
	type variant struct {
		name string
		open func(t *testing.T) *store.Redis
	}
	var variants []variant
	for _, b := range storetest.Backends() {
		variants = append(variants,
			variant{b.Name, func(t *testing.T) *store.Redis { return b.Open(t, store.Options{Retention: time.Hour}) }},
			// Keys spread over the slots on a cluster: a post's keys are of three.
			variant{b.Name + "-spread", func(t *testing.T) *store.Redis { return openSpread(t, b) }})
	}
	for _, b := range variants {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			const alice, bob = "aaaaaaaaaaaa", "bbbbbbbbbbbb"
			post := func(poster string, i int, title string) store.Post {
				a, _ := article(fmt.Sprintf("https://www.example.com/%d", i), title, "")
				a.Provenance = stories.ProvenanceReader
				p := store.Post{Poster: poster, Article: a, StoryID: "s123", Posted: time.Now().Add(time.Duration(i) * time.Second)}
				if err := r.SavePost(ctx, a.URL, p); err != nil {
					t.Fatal(err)
				}
				return p
			}
			for i := range 3 {
				post(alice, i, fmt.Sprintf("Fake %d", i))
			}
			post(bob, 0, "Real 0")

			got, err := r.Post(ctx, alice, "https://www.example.com/1")
			if err != nil || got.Article.Title != "Fake 1" || got.Status != store.PostUnverified || got.StoryID != "s123" ||
				got.Article.Provenance != stories.ProvenanceReader || got.Poster != alice {
				t.Fatalf("alice's post: %+v, %v", got, err)
			}
			if _, err := r.Post(ctx, bob, "https://www.example.com/1"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("bob sees alice's post: %v", err)
			}
			// Nothing of it is in the index.
			if _, _, err := r.ArticleByURL(ctx, "https://www.example.com/1"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a post is indexed: %v", err)
			}

			byURL, err := r.PostsOfURL(ctx, "https://www.example.com/0")
			if err != nil || len(byURL) != 2 {
				t.Fatalf("posts of /0: %+v, %v", byURL, err)
			}

			if err := r.SetPostStatus(ctx, alice, "https://www.example.com/2", store.PostContradicted); err != nil {
				t.Fatal(err)
			}
			if p, _ := r.Post(ctx, alice, "https://www.example.com/2"); p.Status != store.PostContradicted || p.Article.Title != "Fake 2" {
				t.Errorf("after SetPostStatus: %+v", p)
			}
			// A status for a post that is gone writes nothing.
			if err := r.SetPostStatus(ctx, alice, "https://www.example.com/99", store.PostContradicted); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Post(ctx, alice, "https://www.example.com/99"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SetPostStatus created a post: %v", err)
			}

			posters, err := r.Posters(ctx)
			if err != nil || len(posters) != 2 {
				t.Fatalf("posters: %+v, %v", posters, err)
			}
			counts := map[string]int64{}
			for _, p := range posters {
				counts[p.Poster] = p.Posts
			}
			if counts[alice] != 3 || counts[bob] != 1 {
				t.Errorf("posters: %+v", posters)
			}
			list, total, err := r.PostsOf(ctx, alice, 2)
			if err != nil || total != 3 || len(list) != 2 || list[0].Article.Title != "Fake 2" {
				t.Fatalf("alice's posts: %+v (%d), %v", list, total, err)
			}

			// Every key written so far expires within the retention.
			keys, err := r.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				ttl, err := r.PTTL(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if ttl <= 0 || ttl > r.Retention() {
					t.Errorf("key %s: TTL %s", k, ttl)
				}
			}

			// The publisher's version arrived for /0: both posts of it go.
			if err := r.DropPostsOfURL(ctx, "https://www.example.com/0", []string{alice, bob}); err != nil {
				t.Fatal(err)
			}
			if ps, _ := r.PostsOfURL(ctx, "https://www.example.com/0"); len(ps) != 0 {
				t.Errorf("posts of /0 after drop: %+v", ps)
			}
			if _, total, _ := r.PostsOf(ctx, bob, 10); total != 0 {
				t.Errorf("bob still has %d posts", total)
			}

			n, err := r.PurgePosts(ctx, alice)
			if err != nil || n != 2 {
				t.Fatalf("purge: %d, %v", n, err)
			}
			if _, err := r.Post(ctx, alice, "https://www.example.com/1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a purged post answers: %v", err)
			}
			if ps, _ := r.PostsOfURL(ctx, "https://www.example.com/1"); len(ps) != 0 {
				t.Errorf("a purged post is found by URL: %+v", ps)
			}
			if posters, _ := r.Posters(ctx); len(posters) != 0 {
				t.Errorf("posters after purge: %+v", posters)
			}
		})
	}
}
