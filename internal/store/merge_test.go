package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// addOn adds articles on a fixed term (see addWithRetry), each from an outlet of
// its own, and returns the story they went into.
func addOn(t *testing.T, r *store.Redis, term string, urls ...string) string {
	t.Helper()
	sid := ""
	for i, u := range urls {
		a, p := article(u, fmt.Sprintf("%s story, report %d", term, i), "Text about "+term+".")
		a.OutletID = fmt.Sprintf("outlet-%s-%d", term, i)
		res, err := addWithRetry(context.Background(), r, a, p, term)
		if err != nil {
			t.Fatal(err)
		}
		if sid != "" && res.StoryID != sid {
			t.Fatalf("%s went to story %s, want %s", u, res.StoryID, sid)
		}
		sid = res.StoryID
	}
	return sid
}

// mergePlan reads two stories' centroids and returns the merge of from into into.
func mergePlan(t *testing.T, r *store.Redis, into, from string, terms []string) store.Merge {
	t.Helper()
	ctx := context.Background()
	a, err := r.StoryCentroid(ctx, into)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.StoryCentroid(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	cfg := stories.DefaultConfig()
	return store.Merge{
		Into: into, IntoVersion: a.Version, From: from, FromVersion: b.Version,
		Centroid: cfg.Merge(&a.Centroid, &b.Centroid), IndexTerms: terms, FromIndexTerms: terms[1:],
	}
}

// TestMergeStories: a merge moves every article of one story into the other, with
// its outlets, aliases, counts and corrections; the merged-away id answers the
// survivor; the index finds the survivor under the old story's terms; a second
// merge, a stale one, and one that would undo a reader's correction are refused.
func TestMergeStories(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			into := addOn(t, r, "alpha", "https://a.example/1", "https://a.example/2", "https://a.example/3")
			from := addOn(t, r, "beta", "https://b.example/1", "https://b.example/2", "https://b.example/3")
			if err := r.AddAlias(ctx, "https://amp.b.example/1", "https://b.example/1"); err != nil {
				t.Fatal(err)
			}
			// A reader takes b/3 out of its story: the exclusion and the logged
			// correction must follow the story into the survivor.
			detached := detachFrom(t, r, from, "https://b.example/3")

			m := mergePlan(t, r, into, from, []string{"alpha", "beta"})
			stale := m
			stale.FromVersion--
			if _, err := r.MergeStories(ctx, stale); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("merge at a stale version: %v, want ErrConflict", err)
			}
			res, err := r.MergeStories(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if res.StoryID != into || res.Moved != 2 {
				t.Fatalf("merge = %+v, want 2 articles moved into %s", res, into)
			}
			checkCounts(t, r, into, 5, "5")
			for _, u := range []string{"https://a.example/1", "https://b.example/1", "https://b.example/2", "https://amp.b.example/1"} {
				if _, sid, err := r.ArticleByURL(ctx, u); err != nil || sid != into {
					t.Errorf("%s is in story %q (%v), want %s", u, sid, err, into)
				}
			}
			if _, sid, _ := r.ArticleByURL(ctx, "https://b.example/3"); sid != detached {
				t.Errorf("the detached article is in %q, want its own story %s", sid, detached)
			}
			st, err := r.Story(ctx, from, 0)
			if err != nil || st.ID != into || st.ArticleCount != 5 {
				t.Errorf("the merged-away story reads as %s with %d articles (%v), want the survivor %s", st.ID, st.ArticleCount, err, into)
			}
			if id, err := r.ResolveStory(ctx, from); err != nil || id != into {
				t.Errorf("ResolveStory(%s) = %q, %v; want %s", from, id, err, into)
			}
			if ok, err := r.Excluded(ctx, into, store.ArticleID("https://b.example/3")); err != nil || !ok {
				t.Errorf("the detached article is not excluded from the survivor (%v)", err)
			}
			for _, sid := range []string{from, into} {
				if c, err := r.Correction(ctx, sid, store.ArticleID("https://b.example/3")); err != nil || c.StoryID != from {
					t.Errorf("correction under %s: %+v, %v; want the one made in %s", sid, c, err, from)
				}
			}
			if log, err := r.Corrections(ctx, 0); err != nil || len(log) != 1 {
				t.Errorf("the correction log holds %d entries (%v), want 1", len(log), err)
			}
			list, err := r.ListStories(ctx, store.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				if s.ID == from {
					t.Error("the merged-away story is still listed")
				}
			}
			cands, err := r.Candidates(ctx, []string{"beta"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(cands) != 1 || cands[0].ID != into {
				t.Errorf("candidates under the old story's term: %v, want only the survivor", candidateIDs(cands))
			}
			if _, err := r.MergeStories(ctx, m); !errors.Is(err, store.ErrConflict) {
				t.Errorf("merging again: %v, want ErrConflict (the story is gone)", err)
			}
			// Folding the detached article's own story into the survivor would put
			// it back where the reader took it out of.
			back := mergePlan(t, r, into, detached, []string{"alpha", "beta"})
			if _, err := r.MergeStories(ctx, back); !errors.Is(err, store.ErrMergeRefused) {
				t.Errorf("merge undoing a correction: %v, want ErrMergeRefused", err)
			}
		})
	}
}

func candidateIDs(cs []store.Candidate) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// detachFrom takes an article out of story sid the way lookup.Detach does and
// returns the story of its own it went to.
func detachFrom(t *testing.T, r *store.Redis, sid, u string) string {
	t.Helper()
	ctx := context.Background()
	aid := store.ArticleID(u)
	a, _, simhash, err := r.ArticleRecord(ctx, aid)
	if err != nil {
		t.Fatal(err)
	}
	from, err := r.StoryCentroid(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	_, p := article(u, a.Title, "")
	own := &stories.Centroid{}
	stories.DefaultConfig().Add(own, p, aid, a.Title)
	moved, err := r.Detach(ctx, store.Move{
		ArticleID: aid, Article: a, SimHash: simhash,
		From: sid, FromVersion: from.Version, FromCentroid: &from.Centroid, FromIndexTerms: []string{"beta"},
		ToCentroid: own, ToIndexTerms: []string{"gamma"},
		Correction: store.Correction{StoryID: sid, ArticleID: aid, URL: u, Title: a.Title},
	})
	if err != nil {
		t.Fatal(err)
	}
	return moved.StoryID
}

// TestMergeDuringAdds: writers keep adding articles to a story while it is merged
// into another; every article ends in exactly one story, which lists it, and every
// story's counts equal its member list. An add that read the story before the
// merge is refused by its version and placed again, never lost.
func TestMergeDuringAdds(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			into := addOn(t, r, "alpha", "https://a.example/seed1", "https://a.example/seed2")
			from := addOn(t, r, "beta", "https://b.example/seed")
			const writers, each = 4, 8
			var urls []string
			for w := range writers {
				for i := range each {
					urls = append(urls, fmt.Sprintf("https://w%d.example/%d", w, i))
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers+1)
			for w := range writers {
				wg.Go(func() {
					for _, u := range urls[w*each : (w+1)*each] {
						a, p := article(u, "beta report", "beta")
						if _, err := addWithRetry(ctx, r, a, p, "beta"); err != nil {
							errs <- fmt.Errorf("%s: %w", u, err)
							return
						}
					}
				})
			}
			wg.Go(func() {
				for range 200 {
					a, err := r.StoryCentroid(ctx, into)
					if err != nil {
						errs <- err
						return
					}
					bc, err := r.StoryCentroid(ctx, from)
					if errors.Is(err, store.ErrNotFound) {
						return // merged
					}
					if err != nil {
						errs <- err
						return
					}
					cfg := stories.DefaultConfig()
					_, err = r.MergeStories(ctx, store.Merge{
						Into: into, IntoVersion: a.Version, From: from, FromVersion: bc.Version,
						Centroid: cfg.Merge(&a.Centroid, &bc.Centroid), IndexTerms: []string{"alpha", "beta"}, FromIndexTerms: []string{"beta"},
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
			all := append([]string{"https://a.example/seed1", "https://a.example/seed2", "https://b.example/seed"}, urls...)
			seen := map[string]string{} // url → the story listing it
			byStory := map[string]bool{}
			for _, u := range all {
				_, sid, err := r.ArticleByURL(ctx, u)
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				byStory[sid] = true
			}
			for sid := range byStory {
				st, err := r.Story(ctx, sid, 0)
				if err != nil {
					t.Fatal(err)
				}
				if st.ID != sid {
					t.Errorf("an article names story %s, which forwards to %s: its record was not rewritten", sid, st.ID)
				}
				if st.ArticleCount != len(st.Articles) {
					t.Errorf("story %s counts %d articles, lists %d", sid, st.ArticleCount, len(st.Articles))
				}
				checkCounts(t, r, sid, st.ArticleCount, fmt.Sprint(len(outletsOf(st))))
				for _, a := range st.Articles {
					if other, ok := seen[a.URL]; ok {
						t.Errorf("%s is listed by %s and %s", a.URL, other, sid)
					}
					seen[a.URL] = sid
					if _, rec, _ := r.ArticleByURL(ctx, a.URL); rec != sid {
						t.Errorf("%s is listed by %s, its record names %s", a.URL, sid, rec)
					}
				}
			}
			for _, u := range all {
				if _, ok := seen[u]; !ok {
					t.Errorf("%s is in no story's list: lost", u)
				}
			}
			if _, err := r.StoryCentroid(ctx, from); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the merged-away story's centroid is still there (%v)", err)
			}
			if err := r.CheckIndex(ctx); err != nil {
				t.Errorf("index after the merge and the adds: %v", err)
			}
		})
	}
}

func outletsOf(st stories.Story) []string {
	var out []string
	for _, a := range st.Articles {
		if !slices.Contains(out, a.Source()) {
			out = append(out, a.Source())
		}
	}
	return out
}

// TestMergeRedirectsPendingAdd: a merge that meets an article whose add has not
// written its record yet (a pending claim) leaves it a redirect, so the record the
// add then writes names the survivor, through a chain of merges, and only for the
// story merged away.
func TestMergeRedirectsPendingAdd(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			tests := []struct {
				name   string
				merges [][2]string // from, into
				story  string      // the story the add joined
				want   string
			}{
				{"merged", [][2]string{{"sa", "sb"}}, "sa", "sb"},
				{"merged twice", [][2]string{{"sa", "sb"}, {"sb", "sc"}}, "sa", "sc"},
				{"another story merged", [][2]string{{"sx", "sy"}}, "sa", "sa"},
				{"none", nil, "sa", "sa"},
			}
			for i, tt := range tests {
				u := fmt.Sprintf("https://example.org/pending-%d", i)
				claim := "?token"
				if err := r.SetRaw(ctx, r.ArticleKey(u), claim); err != nil {
					t.Fatal(err)
				}
				for _, m := range tt.merges {
					if n, err := r.Restory(ctx, u, m[0], m[1]); err != nil || n != 1 {
						t.Fatalf("%s: restory = %d, %v", tt.name, n, err)
					}
				}
				if n, err := r.Finish(ctx, u, claim, tt.story+"\n{}"); err != nil || n != 1 {
					t.Fatalf("%s: finish = %d, %v", tt.name, n, err)
				}
				got, err := r.GetRaw(ctx, r.ArticleKey(u))
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want+"\n{}" {
					t.Errorf("%s: record %q, want it to name %s", tt.name, got, tt.want)
				}
			}
		})
	}
}
