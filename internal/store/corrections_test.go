package store_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// The lookup fixtures: one invented event (a bridge collapse) in three outlets'
// words, which the matcher puts into one story.
var bridge = []struct{ file, url, outlet string }{
	{"bbc.html", "https://www.bbc.co.uk/news/uk-england-99001122", "bbc-news"},
	{"guardian.html", "https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse", "guardian"},
	{"fox.html", "https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river", "fox-news"},
}

// indexBridge looks the three fixture pages up and returns their story.
func indexBridge(t *testing.T, svc *lookup.Service) stories.Story {
	t.Helper()
	var last *lookup.Result
	for _, f := range bridge {
		res, err := svc.Lookup(context.Background(), lookup.Request{URL: f.url, HTML: lookupPage(t, f.file)})
		if err != nil {
			t.Fatalf("lookup %s: %v", f.file, err)
		}
		last = res
	}
	if last.Story.ArticleCount != 3 {
		t.Fatalf("the fixtures make a story of %d articles, want 3", last.Story.ArticleCount)
	}
	return last.Story
}

func articleOf(t *testing.T, st stories.Story, u string) stories.Article {
	t.Helper()
	for _, a := range st.Articles {
		if a.URL == u {
			return a
		}
	}
	t.Fatalf("story %s has no article %s", st.ID, u)
	return stories.Article{}
}

// TestEvidenceStored: every article keeps why it is in its story: the first
// started it, the others joined with a score at or over the threshold, made of
// cosines, with shared terms.
func TestEvidenceStored(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			st := indexBridge(t, lookupService(t, r))
			first := articleOf(t, st, bridge[0].url)
			if first.Match == nil || !first.Match.Started {
				t.Errorf("the first article's evidence = %+v, want started", first.Match)
			}
			for _, f := range bridge[1:] {
				ev := articleOf(t, st, f.url).Match
				switch {
				case ev == nil:
					t.Fatalf("%s: no evidence stored", f.file)
				case ev.Started || ev.Score < ev.Threshold || ev.Threshold <= 0:
					t.Errorf("%s: evidence %+v: want a score at or over a positive threshold", f.file, ev)
				case ev.Body <= 0 && ev.Title <= 0:
					t.Errorf("%s: evidence %+v has no cosine", f.file, ev)
				case len(ev.SharedTerms) == 0 || len(ev.SharedTerms) > stories.EvidenceTerms || len(ev.SharedEntities) > stories.EvidenceTerms:
					t.Errorf("%s: shared terms %q, entities %q: want 1–%d terms, at most %d entities", f.file, ev.SharedTerms, ev.SharedEntities, stories.EvidenceTerms, stories.EvidenceTerms)
				}
			}
		})
	}
}

// TestDetachFlow: "not this story" moves the article to a story of its own with
// the counts of both stories changed together; a second call changes nothing; the
// next lookup of the URL does not put it back, nor does indexing it afresh once its
// own story expired; the exclusion lives exactly as long as the story; the
// correction is logged; the undo puts it back and withdraws the correction.
func TestDetachFlow(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			svc := lookupService(t, r)
			st := indexBridge(t, svc)
			fox := bridge[2]
			aid := store.ArticleID(fox.url)
			moved, err := svc.Detach(ctx, st.ID, aid)
			if err != nil {
				t.Fatal(err)
			}
			if moved.Unchanged || moved.StoryID == "" || moved.StoryID == st.ID {
				t.Fatalf("detach = %+v, want a new story", moved)
			}
			checkCounts(t, r, st.ID, 2, "2")
			checkCounts(t, r, moved.StoryID, 1, "1")
			old, _ := r.Story(ctx, st.ID, 0)
			for _, a := range old.Articles {
				if a.URL == fox.url {
					t.Error("the detached article is still listed in its old story")
				}
			}
			own, _ := r.Story(ctx, moved.StoryID, 0)
			if len(own.Articles) != 1 || own.Articles[0].URL != fox.url || own.Articles[0].Match == nil || !own.Articles[0].Match.Started || !own.Articles[0].Match.Corrected {
				t.Errorf("the new story's articles = %+v, want the detached article, started by a reader's correction", own.Articles)
			}

			// The copy check keeps the article's own fingerprint in its new story.
			if c, err := r.StoryCentroid(ctx, moved.StoryID); err != nil || len(c.Centroid.Prints) != 1 || c.Centroid.Prints[0].Ref != aid || c.Centroid.Prints[0].SimHash == 0 {
				t.Errorf("the new story's prints = %+v (%v), want the article's fingerprint", c.Centroid.Prints, err)
			}
			if c, err := r.StoryCentroid(ctx, st.ID); err != nil || slices.ContainsFunc(c.Centroid.Prints, func(p stories.Print) bool { return p.Ref == aid }) {
				t.Errorf("the old story still has the article's fingerprint: %+v (%v)", c.Centroid.Prints, err)
			}

			// The exclusion expires with the story.
			storyTTL, err := r.PTTL(ctx, r.StoryKey(st.ID))
			if err != nil {
				t.Fatal(err)
			}
			xTTL, err := r.PTTL(ctx, r.StoryKey(st.ID)+":x")
			if err != nil {
				t.Fatal(err)
			}
			// Set from the story's remaining TTL in the same script: equal but for
			// the milliseconds between the two reads.
			if diff := (storyTTL - xTTL).Abs(); xTTL <= 0 || diff > 5*time.Second {
				t.Errorf("exclusion TTL %s, story TTL %s: want the story's", xTTL, storyTTL)
			}

			again, err := svc.Detach(ctx, st.ID, aid)
			if err != nil || !again.Unchanged || again.StoryID != moved.StoryID {
				t.Errorf("second detach = %+v, %v; want unchanged in %s", again, err, moved.StoryID)
			}
			checkCounts(t, r, st.ID, 2, "2")

			// The next lookup of the same URL answers the new story.
			res, err := svc.Lookup(ctx, lookup.Request{URL: fox.url, HTML: lookupPage(t, fox.file)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Story.ID != moved.StoryID {
				t.Errorf("lookup after detach: story %s, want %s", res.Story.ID, moved.StoryID)
			}
			// Its own story gone, the article is matched afresh: never into the
			// story it was taken out of, which it fits (it was in it).
			if err := r.ExpireStory(ctx, moved.StoryID); err != nil {
				t.Fatal(err)
			}
			res, err = svc.Lookup(ctx, lookup.Request{URL: fox.url, HTML: lookupPage(t, fox.file)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Story.ID == st.ID {
				t.Fatal("re-indexed, the detached article rejoined the story a reader took it out of")
			}
			checkCounts(t, r, st.ID, 2, "2")

			list, err := r.Corrections(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].StoryID != st.ID || list[0].ArticleID != aid || list[0].URL != fox.url || list[0].Match == nil || list[0].Match.Started {
				t.Fatalf("corrections = %+v, want the one detach with its evidence", list)
			}

			// Undo: back into the story, exclusion and correction gone.
			cur := res.Story.ID
			back, err := svc.Attach(ctx, st.ID, aid)
			if err != nil || back.StoryID != st.ID || back.Unchanged {
				t.Fatalf("attach = %+v, %v", back, err)
			}
			checkCounts(t, r, st.ID, 3, "3")
			if _, err := r.Story(ctx, cur, 0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the story the attach emptied: %v, want not found", err)
			}
			if ex, err := r.Excluded(ctx, st.ID, aid); err != nil || ex {
				t.Errorf("excluded after undo = %v, %v", ex, err)
			}
			if list, _ := r.Corrections(ctx, 0); len(list) != 0 {
				t.Errorf("corrections after undo = %+v, want none", list)
			}
			back, err = svc.Attach(ctx, st.ID, aid)
			if err != nil || !back.Unchanged {
				t.Errorf("second attach = %+v, %v; want unchanged", back, err)
			}
			st, _ = r.Story(ctx, st.ID, 0)
			if ev := articleOf(t, st, fox.url).Match; ev == nil || ev.Started || ev.Corrected {
				t.Errorf("evidence after undo = %+v, want the joined one back", ev)
			}
		})
	}
}

// checkCounts checks a story's article count, listed articles, outlet count and
// its entry in the coverage listing, which must move together.
func checkCounts(t *testing.T, r *store.Redis, sid string, articles int, outlets string) {
	t.Helper()
	mustStory(t, r, sid, articles)
	ctx := context.Background()
	if o, err := r.StoryField(ctx, sid, "o"); err != nil || o != outlets {
		t.Errorf("story %s outlet count %q (%v), want %s", sid, o, err, outlets)
	}
	if n, err := r.StoryField(ctx, sid, "n"); err != nil || n != strconv.Itoa(articles) {
		t.Errorf("story %s field n %q (%v)", sid, n, err)
	}
	list, err := r.ListStories(ctx, store.ListOptions{By: store.ByCoverage})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == sid {
			if s.ArticleCount != articles || strconv.Itoa(len(s.Sources)) != outlets {
				t.Errorf("listing of %s: %d articles, sources %v; want %d", sid, s.ArticleCount, s.Sources, articles)
			}
			return
		}
	}
	t.Errorf("story %s is not in the coverage listing", sid)
}

// TestDetachErrors: the refusals, by their sentinels.
func TestDetachErrors(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			svc := lookupService(t, r)
			st := indexBridge(t, svc)
			moved, err := svc.Detach(ctx, st.ID, store.ArticleID(bridge[2].url))
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name, sid, aid string
				want           error
			}{
				{"unknown story", "snosuchstory", store.ArticleID(bridge[0].url), store.ErrNotFound},
				{"unknown article", st.ID, store.ArticleID("https://www.example.com/none"), store.ErrArticleNotFound},
				{"article of another story", moved.StoryID, store.ArticleID(bridge[0].url), store.ErrNotInStory},
				{"sole article", moved.StoryID, store.ArticleID(bridge[2].url), store.ErrSoleArticle},
			} {
				if _, err := svc.Detach(ctx, tc.sid, tc.aid); !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
				}
			}
			if _, err := svc.Attach(ctx, "snosuchstory", store.ArticleID(bridge[0].url)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("attach to an unknown story: %v", err)
			}
		})
	}
}

// TestDetachSurvivesRestart: the correction (exclusion and log) is kept across a
// restart of the embedded store (its snapshot) and of a server on Redis.
func TestDetachSurvivesRestart(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		r := openAt(t, dir)
		sid, aid := detachOne(t, r)
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		r = openAt(t, dir)
		defer r.Close()
		checkDetached(t, r, sid, aid)
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		r := storetest.OpenRedis(t, store.Options{Retention: time.Hour})
		sid, aid := detachOne(t, r)
		again, err := store.Open(context.Background(), store.Options{URL: storetest.RedisURL(), Prefix: r.Prefix(), Retention: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		checkDetached(t, again, sid, aid)
	})
}

func detachOne(t *testing.T, r *store.Redis) (sid, aid string) {
	t.Helper()
	svc := lookupService(t, r)
	st := indexBridge(t, svc)
	aid = store.ArticleID(bridge[2].url)
	if _, err := svc.Detach(context.Background(), st.ID, aid); err != nil {
		t.Fatal(err)
	}
	return st.ID, aid
}

func checkDetached(t *testing.T, r *store.Redis, sid, aid string) {
	t.Helper()
	ctx := context.Background()
	mustStory(t, r, sid, 2)
	if ex, err := r.Excluded(ctx, sid, aid); err != nil || !ex {
		t.Errorf("after the restart, excluded = %v, %v; want true", ex, err)
	}
	if list, err := r.Corrections(ctx, 0); err != nil || len(list) != 1 {
		t.Errorf("after the restart, corrections = %+v, %v; want one", list, err)
	}
	// And the matcher still honours it.
	svc := lookupService(t, r)
	_, cur, err := r.ArticleByID(ctx, aid)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ExpireStory(ctx, cur); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Lookup(ctx, lookup.Request{URL: bridge[2].url, HTML: lookupPage(t, bridge[2].file)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Story.ID == sid {
		t.Error("after the restart, the detached article rejoined its old story")
	}
}

// BenchmarkDetachUndo measures one "not this story" and its undo through the
// lookup service (reads, both centroids, the two scripts) on each backend.
func BenchmarkDetachUndo(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			r := be.Open(b, store.Options{Retention: time.Hour})
			svc := lookupService(b, r)
			var sid string
			for _, f := range bridge {
				html, err := os.ReadFile("../lookup/testdata/" + f.file)
				if err != nil {
					b.Fatal(err)
				}
				res, err := svc.Lookup(context.Background(), lookup.Request{URL: f.url, HTML: html})
				if err != nil {
					b.Fatal(err)
				}
				sid = res.Story.ID
			}
			aid := store.ArticleID(bridge[2].url)
			ctx := context.Background()
			for b.Loop() {
				if _, err := svc.Detach(ctx, sid, aid); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Attach(ctx, sid, aid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestExclusionRenewedWithStory: an add renews the story and its exclusions
// together, so the correction lives exactly as long as the story.
func TestExclusionRenewedWithStory(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			sid, _ := detachOne(t, r)
			for _, k := range []string{r.StoryKey(sid), r.StoryKey(sid) + ":x"} {
				if err := r.ExpireIn(ctx, k, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			c, err := r.StoryCentroid(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := article("https://www.example.com/bridge-later", "Bridge inquiry opens", "An inquiry into the bridge collapse opened.")
			if _, err := r.AddArticle(ctx, store.Add{Article: a, StoryID: sid, Version: c.Version, Centroid: &c.Centroid}); err != nil {
				t.Fatal(err)
			}
			storyTTL, _ := r.PTTL(ctx, r.StoryKey(sid))
			xTTL, _ := r.PTTL(ctx, r.StoryKey(sid)+":x")
			if storyTTL < 50*time.Minute || (storyTTL-xTTL).Abs() > 5*time.Second {
				t.Errorf("after an add: story TTL %s, exclusion TTL %s; want both renewed to the hour's retention", storyTTL, xTTL)
			}
		})
	}
}

// TestConcurrentDetach: eight readers press "not this story" on one article at
// once (as eight replicas would serve them): one detach happens, the others answer
// unchanged, and the counts and the log say one.
func TestConcurrentDetach(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			svc := lookupService(t, r)
			st := indexBridge(t, svc)
			aid := store.ArticleID(bridge[2].url)
			results := make(chan store.Moved, 8)
			errs := make(chan error, 8)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m, err := svc.Detach(ctx, st.ID, aid)
					if err != nil {
						errs <- err
						return
					}
					results <- m
				}()
			}
			wg.Wait()
			close(results)
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			detached, stories := 0, map[string]bool{}
			for m := range results {
				if !m.Unchanged {
					detached++
				}
				stories[m.StoryID] = true
			}
			if detached != 1 || len(stories) != 1 {
				t.Errorf("%d detaches into %d stories, want 1 into 1", detached, len(stories))
			}
			checkCounts(t, r, st.ID, 2, "2")
			if list, err := r.Corrections(ctx, 0); err != nil || len(list) != 1 {
				t.Errorf("corrections = %d (%v), want 1", len(list), err)
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Errorf("index after the detaches: %v", err)
			}
		})
	}
}
