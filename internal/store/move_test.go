package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// These tests build their stories with AddArticle alone (no view, no document
// frequencies), so that they run on a cluster whose keys spread over the slots
// whatever other paths still span slots: they judge the move chains only.

// seed adds urls to one story, each from an outlet of its own, and returns it.
func seed(t *testing.T, r *store.Redis, term string, urls ...string) string {
	t.Helper()
	ctx := context.Background()
	sid := ""
	for i, u := range urls {
		a, p := article(u, fmt.Sprintf("%s report %d", term, i), "Text about "+term+".")
		a.OutletID = fmt.Sprintf("outlet-%s-%d", term, i)
		add := store.Add{Article: a, IndexTerms: []string{term}}
		cent := &stories.Centroid{}
		if sid != "" {
			c, err := r.StoryCentroid(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			cent, add.StoryID, add.Version = &c.Centroid, sid, c.Version
		}
		stories.DefaultConfig().Add(cent, p, a.URL, a.Title)
		add.Centroid = cent
		res, err := r.AddArticle(ctx, add)
		if err != nil {
			t.Fatalf("add %s: %v", u, err)
		}
		sid = res.StoryID
	}
	return sid
}

// detachPlan is the Move lookup.Detach would make of article u out of story sid.
func detachPlan(t *testing.T, r *store.Redis, sid, u string) store.Move {
	t.Helper()
	m, err := planDetach(r, sid, u)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// planDetach is detachPlan for goroutines other than the test's.
func planDetach(r *store.Redis, sid, u string) (store.Move, error) {
	ctx := context.Background()
	aid := store.ArticleID(u)
	a, _, simhash, err := r.ArticleRecord(ctx, aid)
	if err != nil {
		return store.Move{}, err
	}
	from, err := r.StoryCentroid(ctx, sid)
	if err != nil {
		return store.Move{}, err
	}
	_, p := article(u, a.Title, "")
	own := &stories.Centroid{}
	stories.DefaultConfig().Add(own, p, aid, a.Title)
	return store.Move{
		ArticleID: aid, Article: a, SimHash: simhash,
		From: sid, FromVersion: from.Version, FromCentroid: &from.Centroid, FromIndexTerms: []string{"alpha"},
		ToCentroid: own, ToIndexTerms: []string{"own-" + aid},
		Correction: store.Correction{StoryID: sid, ArticleID: aid, URL: u, Title: a.Title},
	}, nil
}

// attachPlan is the Move lookup.Attach would make of article u into story to.
func attachPlan(t *testing.T, r *store.Redis, to, u string) store.Move {
	t.Helper()
	ctx := context.Background()
	aid := store.ArticleID(u)
	a, cur, simhash, err := r.ArticleRecord(ctx, aid)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.StoryCentroid(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	_, p := article(u, a.Title, "")
	stories.DefaultConfig().Add(&c.Centroid, p, aid, a.Title)
	m := store.Move{
		ArticleID: aid, Article: a, SimHash: simhash,
		To: to, ToVersion: c.Version, ToCentroid: &c.Centroid, ToIndexTerms: []string{"alpha"}, From: cur,
	}
	src, err := r.Story(ctx, cur, 0)
	if err != nil {
		t.Fatalf("the article's story %s: %v", cur, err)
	}
	m.FromVersion = src.Version
	return m
}

// checkMoved checks that article u is in story sid, as its record and its story
// say, and that the index holds together.
func checkMoved(t *testing.T, r *store.Redis, sid, u string, articles int) {
	t.Helper()
	ctx := context.Background()
	if _, rec, err := r.ArticleByURL(ctx, u); err != nil || rec != sid {
		t.Errorf("%s: record names %q (%v), want %s", u, rec, err, sid)
	}
	mustStory(t, r, sid, articles)
	if n, _ := r.StoryField(ctx, sid, "n"); n != fmt.Sprint(articles) {
		t.Errorf("story %s: field n %q, want %d", sid, n, articles)
	}
	if err := r.CheckIndex(ctx); err != nil {
		t.Errorf("index after the move: %v", err)
	}
}

// TestMoveChains: a detach, its undo and a merge, each leaving the index whole
// (CheckIndex) with the counts, outlets and records that the stories' members say.
func TestMoveChains(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
			moved, err := r.Detach(ctx, detachPlan(t, r, a, "https://a.example/3"))
			if err != nil {
				t.Fatal(err)
			}
			checkMoved(t, r, moved.StoryID, "https://a.example/3", 1)
			mustStory(t, r, a, 2)
			if o, _ := r.StoryField(ctx, a, "o"); o != "2" {
				t.Errorf("outlets after the detach: %q, want 2", o)
			}
			if ex, err := r.Excluded(ctx, a, store.ArticleID("https://a.example/3")); err != nil || !ex {
				t.Errorf("excluded = %v, %v; want true", ex, err)
			}
			if log, err := r.Corrections(ctx, 0); err != nil || len(log) != 1 || log[0].NewStoryID != moved.StoryID {
				t.Errorf("corrections = %+v, %v; want the one detach into %s", log, err, moved.StoryID)
			}
			// The new story lives for the retention, not the detach's moveTTL.
			if ttl, _ := r.PTTL(ctx, r.CentroidKey(moved.StoryID)); ttl <= store.MoveTTL {
				t.Errorf("the new story's centroid lives %s, want the retention", ttl)
			}
			if n, _ := r.GetRaw(ctx, r.MoveLockKey(store.ArticleID("https://a.example/3"))); n != "" {
				t.Errorf("the move lock is left: %q", n)
			}

			back, err := r.Attach(ctx, attachPlan(t, r, a, "https://a.example/3"))
			if err != nil || back.StoryID != a {
				t.Fatalf("attach = %+v, %v", back, err)
			}
			checkMoved(t, r, a, "https://a.example/3", 3)
			if _, err := r.StoryCentroid(ctx, moved.StoryID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the story the attach emptied is still there (%v)", err)
			}
			if log, _ := r.Corrections(ctx, 0); len(log) != 0 {
				t.Errorf("corrections after the undo: %+v", log)
			}

			b2 := seed(t, r, "beta", "https://b.example/1", "https://b.example/2")
			res, err := r.MergeStories(ctx, mergePlan(t, r, a, b2, []string{"alpha", "beta"}))
			if err != nil || res.Moved != 2 {
				t.Fatalf("merge = %+v, %v", res, err)
			}
			checkMoved(t, r, a, "https://b.example/2", 5)
			if o, _ := r.StoryField(ctx, a, "o"); o != "5" {
				t.Errorf("outlets after the merge: %q, want 5", o)
			}
			if id, err := r.ResolveStory(ctx, b2); err != nil || id != a {
				t.Errorf("ResolveStory(%s) = %q, %v; want %s", b2, id, err, a)
			}
		})
	}
}

// TestDetachResumes: a detach that dies after any step leaves every article in a
// story, and the next detach (once the lock expired) finishes the correction.
func TestDetachResumes(t *testing.T) {
	for _, b := range backends() {
		for step := 1; step <= 2; step++ {
			t.Run(fmt.Sprintf("%s/step%d", b.name, step), func(t *testing.T) {
				t.Parallel()
				r := b.open(t)
				ctx := context.Background()
				a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
				u := "https://a.example/3"
				aid := store.ArticleID(u)
				if _, err := r.DetachUntil(ctx, detachPlan(t, r, a, u), step); !errors.Is(err, store.ErrStopped) {
					t.Fatalf("detach to step %d: %v", step, err)
				}
				// Whatever the step, the URL finds its article in a story that
				// exists, and a reader of the story finds every article it lists.
				_, rec, err := r.ArticleByURL(ctx, u)
				if err != nil || rec != a {
					t.Fatalf("after step %d the record names %q (%v), want %s still", step, rec, err, a)
				}
				if step == 1 {
					if err := r.CheckIndex(ctx); err != nil {
						t.Errorf("after step 1: %v", err)
					}
				}
				// A second mover meets the lock until it expires.
				if _, err := r.Detach(ctx, detachPlan(t, r, a, u)); !errors.Is(err, store.ErrConflict) {
					t.Errorf("detach while the lock holds: %v, want ErrConflict", err)
				}
				if err := r.DeleteKey(ctx, r.MoveLockKey(aid)); err != nil {
					t.Fatal(err)
				}
				var plan store.Move
				if step == 2 {
					// The commit is made: the story lists two articles, the record
					// still names it. The reader presses again.
					mustStory(t, r, a, 2)
					plan = detachPlan(t, r, a, u)
				} else {
					plan = detachPlan(t, r, a, u)
				}
				moved, err := r.Detach(ctx, plan)
				if err != nil {
					t.Fatalf("detach after the crash: %v", err)
				}
				checkMoved(t, r, moved.StoryID, u, 1)
				mustStory(t, r, a, 2)
				if ex, _ := r.Excluded(ctx, a, aid); !ex {
					t.Error("not excluded after the re-run")
				}
				if log, err := r.Corrections(ctx, 0); err != nil || len(log) != 1 {
					t.Errorf("corrections = %+v, %v; want one", log, err)
				}
			})
		}
	}
}

// TestAttachResumes: an attach that dies after any step leaves the article in a
// story that lists it, and the next attach finishes it.
func TestAttachResumes(t *testing.T) {
	for _, b := range backends() {
		for step := 1; step <= 4; step++ {
			t.Run(fmt.Sprintf("%s/step%d", b.name, step), func(t *testing.T) {
				t.Parallel()
				r := b.open(t)
				ctx := context.Background()
				a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
				u := "https://a.example/3"
				aid := store.ArticleID(u)
				own, err := r.Detach(ctx, detachPlan(t, r, a, u))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := r.AttachUntil(ctx, attachPlan(t, r, a, u), step); !errors.Is(err, store.ErrStopped) {
					t.Fatalf("attach to step %d: %v", step, err)
				}
				_, rec, err := r.ArticleByURL(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				// The record names a story that exists; the article is listed by it
				// or, once the story it leaves let it go (step 3), by the one it joins.
				st, err := r.Story(ctx, rec, 0)
				if err != nil {
					t.Fatalf("after step %d the record names %s: %v", step, rec, err)
				}
				if to, _ := r.Story(ctx, a, 0); !containsURL(st, u) && !containsURL(to, u) {
					t.Fatalf("after step %d no story lists the article", step)
				}
				if err := r.DeleteKey(ctx, r.MoveLockKey(aid)); err != nil {
					t.Fatal(err)
				}
				if step < 4 {
					back, err := r.Attach(ctx, attachPlan(t, r, a, u))
					if err != nil || back.StoryID != a {
						t.Fatalf("attach after the crash = %+v, %v", back, err)
					}
				}
				checkMoved(t, r, a, u, 3)
				if step < 4 {
					if _, err := r.StoryCentroid(ctx, own.StoryID); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("the emptied story is still there (%v)", err)
					}
				}
				if ex, _ := r.Excluded(ctx, a, aid); ex {
					t.Error("still excluded after the undo")
				}
			})
		}
	}
}

func containsURL(st stories.Story, u string) bool {
	for _, a := range st.Articles {
		if a.URL == u {
			return true
		}
	}
	return false
}

// TestMergeResumes: a merge that dies after any step leaves every article in a
// story that lists it; the folded story refuses adds while frozen; the next merge
// of the pair resumes and ends as one merge would.
func TestMergeResumes(t *testing.T) {
	for _, b := range backends() {
		for step := 1; step <= 3; step++ {
			t.Run(fmt.Sprintf("%s/step%d", b.name, step), func(t *testing.T) {
				t.Parallel()
				r := b.open(t)
				ctx := context.Background()
				a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
				from := seed(t, r, "beta", "https://b.example/1", "https://b.example/2")
				plan := mergePlan(t, r, a, from, []string{"alpha", "beta"})
				if _, err := r.MergeUntil(ctx, plan, step); !errors.Is(err, store.ErrStopped) {
					t.Fatalf("merge to step %d: %v", step, err)
				}
				for _, u := range []string{"https://a.example/1", "https://b.example/1", "https://b.example/2"} {
					_, rec, err := r.ArticleByURL(ctx, u)
					if err != nil {
						t.Fatal(err)
					}
					if st, err := r.Story(ctx, rec, 0); err != nil || !containsURL(st, u) {
						t.Errorf("after step %d %s names %s, which does not list it (%v)", step, u, rec, err)
					}
				}
				// Frozen: an add that read the folded story is refused.
				c, err := r.StoryCentroid(ctx, from)
				if err != nil {
					t.Fatal(err)
				}
				late, _ := article("https://b.example/late", "beta late", "beta")
				if _, err := r.AddArticle(ctx, store.Add{Article: late, StoryID: from, Version: c.Version, Centroid: &c.Centroid}); !errors.Is(err, store.ErrConflict) {
					t.Errorf("an add to the frozen story: %v, want ErrConflict", err)
				}
				// The same merge again (the survivor's version it holds is stale
				// once step 2 ran): it resumes, never thaws a half-made merge.
				res, err := r.MergeStories(ctx, plan)
				if err != nil || res.StoryID != a || res.Moved != 2 {
					t.Fatalf("merge after the crash = %+v, %v", res, err)
				}
				checkMoved(t, r, a, "https://b.example/1", 5)
				if o, _ := r.StoryField(ctx, a, "o"); o != "5" {
					t.Errorf("outlets %q, want 5 (counted once)", o)
				}
				if id, err := r.ResolveStory(ctx, from); err != nil || id != a {
					t.Errorf("ResolveStory = %q, %v; want %s", id, err, a)
				}
			})
		}
	}
}

// TestMergeRefusedThaws: a merge refused at the survivor leaves the other story as
// it was: not frozen, its centroid of its version, taking adds.
func TestMergeRefusedThaws(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
			own, err := r.Detach(ctx, detachPlan(t, r, a, "https://a.example/3"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.MergeStories(ctx, mergePlan(t, r, a, own.StoryID, []string{"alpha"})); !errors.Is(err, store.ErrMergeRefused) {
				t.Fatalf("merge undoing a correction: %v, want ErrMergeRefused", err)
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Errorf("after the refusal: %v", err)
			}
			if id, err := r.ResolveStory(ctx, own.StoryID); err != nil || id != own.StoryID {
				t.Errorf("ResolveStory = %q, %v; want the story itself", id, err)
			}
			c, err := r.StoryCentroid(ctx, own.StoryID)
			if err != nil {
				t.Fatal(err)
			}
			late, p := article("https://c.example/late", "own late", "own")
			stories.DefaultConfig().Add(&c.Centroid, p, late.URL, late.Title)
			if _, err := r.AddArticle(ctx, store.Add{Article: late, StoryID: own.StoryID, Version: c.Version, Centroid: &c.Centroid}); err != nil {
				t.Errorf("an add to the story after the refused merge: %v", err)
			}
		})
	}
}

// TestMovesAfterScriptFlush: the pipelined steps of the moves (EVALSHA, which
// cannot fall back to EVAL) load their scripts on a node that knows none, and the
// replayed pipeline leaves what one run would. Embedded only: flushing the shared
// Redis's scripts would disturb other tests running on it.
func TestMovesAfterScriptFlush(t *testing.T) {
	t.Parallel()
	r := openEmbedded(t, t.TempDir())
	ctx := context.Background()
	a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
	from := seed(t, r, "beta", "https://b.example/1", "https://b.example/2")
	flush := func() {
		t.Helper()
		if err := r.FlushScripts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	flush()
	moved, err := r.Detach(ctx, detachPlan(t, r, a, "https://a.example/3"))
	if err != nil {
		t.Fatal(err)
	}
	checkMoved(t, r, moved.StoryID, "https://a.example/3", 1)
	flush()
	if _, err := r.Attach(ctx, attachPlan(t, r, a, "https://a.example/3")); err != nil {
		t.Fatal(err)
	}
	checkMoved(t, r, a, "https://a.example/3", 3)
	flush()
	if _, err := r.MergeStories(ctx, mergePlan(t, r, a, from, []string{"alpha", "beta"})); err != nil {
		t.Fatal(err)
	}
	checkMoved(t, r, a, "https://b.example/2", 5)
	if log, _ := r.Corrections(ctx, 0); len(log) != 0 {
		t.Errorf("corrections after the undo: %+v", log)
	}
}

// TestMergeDuringDirectAdds: writers keep adding to a story while it is folded
// into another, reading it as the matcher does (its centroid and version, the
// survivor once it is gone); every article ends in exactly one story, which lists
// it and which its record names. The adds go through AddArticle alone, so this
// runs on a spread cluster too.
func TestMergeDuringDirectAdds(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			into := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2")
			from := seed(t, r, "beta", "https://b.example/1")
			const writers, each = 3, 6
			errs := make(chan error, writers+1)
			var wg sync.WaitGroup
			var urls []string
			for w := range writers {
				for i := range each {
					urls = append(urls, fmt.Sprintf("https://w%d.example/%d", w, i))
				}
			}
			for w := range writers {
				wg.Go(func() {
					for _, u := range urls[w*each : (w+1)*each] {
						if err := addTo(ctx, r, from, u); err != nil {
							errs <- fmt.Errorf("%s: %w", u, err)
							return
						}
					}
				})
			}
			wg.Go(func() {
				for range 500 {
					a, err := r.StoryCentroid(ctx, into)
					if err != nil {
						errs <- err
						return
					}
					bc, err := r.StoryCentroid(ctx, from)
					if errors.Is(err, store.ErrNotFound) {
						return
					}
					if err != nil {
						errs <- err
						return
					}
					_, err = r.MergeStories(ctx, store.Merge{
						Into: into, IntoVersion: a.Version, From: from, FromVersion: bc.Version,
						Centroid:   stories.DefaultConfig().Merge(&a.Centroid, &bc.Centroid),
						IndexTerms: []string{"alpha", "beta"}, FromIndexTerms: []string{"beta"},
					})
					if err == nil {
						return
					}
					if !errors.Is(err, store.ErrConflict) {
						errs <- err
						return
					}
				}
				errs <- errors.New("the merge never got through")
			})
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			all := append([]string{"https://a.example/1", "https://a.example/2", "https://b.example/1"}, urls...)
			st, err := r.Story(ctx, into, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range all {
				if _, rec, err := r.ArticleByURL(ctx, u); err != nil || rec != into {
					t.Errorf("%s: record names %q (%v), want the survivor %s", u, rec, err, into)
				}
				if !containsURL(st, u) {
					t.Errorf("%s is not listed by the survivor", u)
				}
			}
			if st.ArticleCount != len(all) {
				t.Errorf("the survivor counts %d articles, want %d", st.ArticleCount, len(all))
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Errorf("index after the merge and the adds: %v", err)
			}
		})
	}
}

// addTo adds article u to story sid as the matcher would: at the version its
// centroid carries, into the story sid forwards to once it is merged, again on a
// conflict.
func addTo(ctx context.Context, r *store.Redis, sid, u string) error {
	a, p := article(u, "beta report", "beta")
	a.OutletID = "outlet-" + u
	for range 2000 {
		id, err := r.ResolveStory(ctx, sid)
		if err != nil {
			return err
		}
		c, err := r.StoryCentroid(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // folded in just now: its forward is being set
		}
		if err != nil {
			return err
		}
		stories.DefaultConfig().Add(&c.Centroid, p, a.URL, a.Title)
		_, err = r.AddArticle(ctx, store.Add{Article: a, StoryID: id, Version: c.Version, Centroid: &c.Centroid, IndexTerms: []string{"beta"}})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return errors.New("too many conflicts")
}

// TestConcurrentDirectDetach: eight movers detach one article at once, each
// reading the story afresh after a conflict: one detach happens, the others find
// it done (the article excluded from the story and in its own), one correction is
// logged. Runs on a spread cluster too.
func TestConcurrentDirectDetach(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
			u := "https://a.example/3"
			aid := store.ArticleID(u)
			results := make(chan string, 8)
			errs := make(chan error, 8)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 2000 {
						_, cur, _, err := r.ArticleRecord(ctx, aid)
						if err != nil {
							errs <- err
							return
						}
						if cur != a {
							results <- "unchanged " + cur
							return
						}
						plan, err := planDetach(r, a, u)
						if err != nil {
							errs <- err
							return
						}
						m, err := r.Detach(ctx, plan)
						switch {
						case err == nil && m.Unchanged:
							results <- "unchanged " + m.StoryID
							return
						case err == nil:
							results <- "moved " + m.StoryID
							return
						case !errors.Is(err, store.ErrConflict):
							errs <- err
							return
						}
					}
					errs <- errors.New("too many conflicts")
				})
			}
			wg.Wait()
			close(results)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			moved, into := 0, map[string]bool{}
			for res := range results {
				kind, sid, _ := strings.Cut(res, " ")
				if kind == "moved" {
					moved++
				}
				into[sid] = true
			}
			if moved != 1 || len(into) != 1 {
				t.Errorf("%d detaches into %d stories, want 1 into 1", moved, len(into))
			}
			mustStory(t, r, a, 2)
			if log, err := r.Corrections(ctx, 0); err != nil || len(log) != 1 {
				t.Errorf("corrections = %d (%v), want 1", len(log), err)
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Errorf("index after the detaches: %v", err)
			}
		})
	}
}
