package lookup_test

import (
	"context"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
)

// indexFixtures looks the three fixture pages up and returns the story id and the
// id of each article by fixture file.
func indexFixtures(t *testing.T, svc *lookup.Service) (string, map[string]string) {
	t.Helper()
	ids := map[string]string{}
	var sid string
	for _, f := range fixtures {
		res, err := svc.Lookup(context.Background(), lookup.Request{URL: f.url, HTML: page(t, f.file)})
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		sid, ids[f.file] = res.Story.ID, store.ArticleID(res.Article.URL)
	}
	return sid, ids
}

// TestDetachNotRemerged: after "not this story", looking the same URL up again,
// with its page or without, answers the article's own story, and indexing the
// page afresh (its own story expired) never puts it back.
func TestDetachNotRemerged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		ctx := context.Background()
		svc := newService(t, st, time.Second)
		sid, ids := indexFixtures(t, svc)
		moved, err := svc.Detach(ctx, sid, ids["fox.html"])
		if err != nil {
			t.Fatal(err)
		}
		fox := fixtures[2]
		for _, req := range []lookup.Request{{URL: fox.url, HTML: page(t, fox.file)}, {URL: fox.url}} {
			res, err := svc.Lookup(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Story.ID != moved.StoryID || res.Story.ArticleCount != 1 {
				t.Errorf("lookup (html %v) after detach: story %s of %d, want %s of 1", req.HTML != nil, res.Story.ID, res.Story.ArticleCount, moved.StoryID)
			}
		}
		a, cur, err := st.ArticleByID(ctx, ids["fox.html"])
		if err != nil || cur != moved.StoryID {
			t.Fatalf("article's story %s (%v), want %s", cur, err, moved.StoryID)
		}
		// Indexing it again (ingestion meeting the URL in a feed) leaves it in its own story.
		got, err := svc.Index(ctx, a, "")
		if err != nil || got != moved.StoryID {
			t.Errorf("Index of the detached article = %s, %v; want its own story %s", got, err, moved.StoryID)
		}
		old, err := svc.Story(ctx, sid)
		if err != nil || old.ArticleCount != 2 {
			t.Errorf("old story: %d articles (%v), want 2", old.ArticleCount, err)
		}
	})
}

// TestRelatedNeverSelf: a story's related stories never include the story itself;
// the story a detached article now has is close to the one it left, both ways, and
// is found from the candidate index.
func TestRelatedNeverSelf(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		ctx := context.Background()
		svc := newService(t, st, time.Second)
		sid, ids := indexFixtures(t, svc)
		rel, err := svc.Related(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if len(rel) != 0 {
			t.Errorf("one story in the index, related = %+v, want none", rel)
		}
		moved, err := svc.Detach(ctx, sid, ids["fox.html"])
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ from, want string }{{sid, moved.StoryID}, {moved.StoryID, sid}} {
			rel, err := svc.Related(ctx, c.from)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range rel {
				if r.ID == c.from {
					t.Errorf("story %s is related to itself", c.from)
				}
				found = found || r.ID == c.want
				if r.Score < 0.05 || r.Title == "" {
					t.Errorf("related %+v: want a title and a score of at least 0.05", r)
				}
			}
			if !found || len(rel) > lookup.MaxRelated {
				t.Errorf("related of %s = %+v, want %s among at most %d", c.from, rel, c.want, lookup.MaxRelated)
			}
		}
	})
}
