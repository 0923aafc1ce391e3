package lookup_test

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// fragmentHeadlines are feed items without pages, in lower case as the Google News
// corpus gives them (no entity terms): two events, two headlines each, in words
// close enough for a merge but (with the test's join threshold) never
// joined directly, so each starts a fragment of its own.
var fragmentHeadlines = []struct{ url, title, event string }{
	{"https://news.example/k1", "kestrelford harbour bridge collapses into river wenn", "bridge"},
	{"https://news.example/m1", "marlow elects susan gale as mayor", "mayor"},
	{"https://news.example/k2", "kestrelford harbour bridge collapse: river wenn rescue", "bridge"},
	{"https://news.example/m2", "susan gale sworn in as marlow mayor", "mayor"},
}

// fragmentConfig joins nothing on headlines and merges headline-only stories at a
// low threshold, so that what the test sees is the merge pass alone.
func fragmentConfig() stories.Config {
	cfg := stories.DefaultConfig()
	cfg.Threshold, cfg.HeadlineThreshold = 2, 2 // above any score: every article starts a story
	cfg.MergeThreshold, cfg.MergeHeadlineThreshold = 0.5, 0.2
	return cfg
}

// replayFragments indexes the headlines in order and returns each URL's story
// at the end, and the merges the pass reported.
func replayFragments(t *testing.T, st *store.Redis, cfg stories.Config) (map[string]string, map[string]string) {
	t.Helper()
	var mu sync.Mutex
	merged := map[string]string{}
	svc := lookup.New(lookup.Options{Store: st, Outlets: mustRegistry(t), Matcher: cfg, Merged: func(from, into string) {
		mu.Lock()
		defer mu.Unlock()
		merged[from] = into
	}})
	ctx := context.Background()
	for _, h := range fragmentHeadlines {
		a := stories.Article{URL: h.url, Title: h.title, Domain: "news.example", Added: time.Unix(1_800_000_000, 0).UTC()}
		if _, err := svc.Index(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]string{}
	for _, h := range fragmentHeadlines {
		_, sid, err := st.ArticleByURL(ctx, h.url)
		if err != nil {
			t.Fatal(err)
		}
		out[h.url] = sid
	}
	return out, merged
}

// TestMergePassJoinsFragments: the pass folds each event's second fragment into
// its first, so that the stories are the events; the merged-away ids answer the
// survivor; a replay on a fresh store decides the same; with the pass off (the
// switch, MergeThreshold 0) every headline stays a story of its own.
func TestMergePassJoinsFragments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		got, merged := replayFragments(t, st, fragmentConfig())
		if len(merged) != 2 {
			t.Errorf("%d merges (%v), want 2", len(merged), merged)
		}
		byEvent := map[string]string{}
		for _, h := range fragmentHeadlines {
			if sid, ok := byEvent[h.event]; ok && sid != got[h.url] {
				t.Errorf("%s is in %s, apart from its event's %s", h.url, got[h.url], sid)
			}
			byEvent[h.event] = got[h.url]
		}
		if byEvent["bridge"] == byEvent["mayor"] {
			t.Errorf("both events are one story %s", byEvent["bridge"])
		}
		ctx := context.Background()
		for from, into := range merged {
			s, err := st.Story(ctx, from, 0)
			if err != nil || s.ID != into || s.ArticleCount != 2 {
				t.Errorf("story %s reads as %s with %d articles (%v), want %s with 2", from, s.ID, s.ArticleCount, err, into)
			}
		}

		again, _ := replayFragments(t, storetest.OpenEmbedded(t, store.Options{}), fragmentConfig())
		if !maps.Equal(got, again) {
			t.Errorf("a second replay decided otherwise:\n first  %v\n second %v", got, again)
		}

		off := fragmentConfig()
		off.MergeThreshold = 0
		apart, none := replayFragments(t, storetest.OpenEmbedded(t, store.Options{}), off)
		if len(none) != 0 || len(distinct(apart)) != len(fragmentHeadlines) {
			t.Errorf("with the pass off: %d stories and merges %v, want %d stories and none", len(distinct(apart)), none, len(fragmentHeadlines))
		}
	})
}

func distinct(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

// TestMergeKeepsCorrections: an article a reader took out of a fragment stays
// out of the story the fragment was merged into, the correction is still
// logged, and the undo, asked for under the merged-away id, puts the article back
// into the survivor and withdraws the correction.
func TestMergeKeepsCorrections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		ctx := context.Background()
		cfg := fragmentConfig()
		cfg.MergeThreshold = 0 // the fragments first, unmerged
		svc := lookup.New(lookup.Options{Store: st, Outlets: mustRegistry(t), Matcher: cfg})
		extra := stories.Article{URL: "https://news.example/k0", Title: "kestrelford harbour bridge collapses", Domain: "news.example", Added: time.Now().UTC()}
		k0, err := svc.Index(ctx, extra, "")
		if err != nil {
			t.Fatal(err)
		}
		// The test's join threshold joins nothing: attach a second article to
		// k0's story by hand, then detach the first, so the story keeps one
		// article and an exclusion.
		k1 := stories.Article{URL: fragmentHeadlines[0].url, Title: fragmentHeadlines[0].title, Domain: "news.example", Added: time.Now().UTC()}
		own, err := svc.Index(ctx, k1, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Attach(ctx, k0, store.ArticleID(k1.URL)); err != nil {
			t.Fatalf("attach: %v (own story %s)", err, own)
		}
		moved, err := svc.Detach(ctx, k0, store.ArticleID(extra.URL))
		if err != nil {
			t.Fatal(err)
		}
		// Now the pass runs: the next bridge headline's fragment and k0's story
		// converge, and one is folded into the other.
		cfg.MergeThreshold = 0.5
		var into, from string
		merging := lookup.New(lookup.Options{Store: st, Outlets: mustRegistry(t), Matcher: cfg, Merged: func(f, i string) { from, into = f, i }})
		k2 := stories.Article{URL: fragmentHeadlines[2].url, Title: fragmentHeadlines[2].title, Domain: "news.example", Added: time.Now().UTC()}
		if _, err := merging.Index(ctx, k2, ""); err != nil {
			t.Fatal(err)
		}
		if into == "" || (from != k0 && into != k0) {
			t.Fatalf("merge %s into %s, want one of them %s", from, into, k0)
		}
		aid := store.ArticleID(extra.URL)
		if ok, err := st.Excluded(ctx, into, aid); err != nil || !ok {
			t.Errorf("the detached article is not excluded from the survivor %s (%v)", into, err)
		}
		if _, err := st.Correction(ctx, k0, aid); err != nil {
			t.Errorf("the correction made in %s is not found: %v", k0, err)
		}
		if _, sid, _ := st.ArticleByURL(ctx, extra.URL); sid != moved.StoryID {
			t.Errorf("the detached article is in %s, want its own story %s", sid, moved.StoryID)
		}
		res, err := merging.Attach(ctx, k0, aid)
		if err != nil || res.StoryID != into {
			t.Fatalf("undo under %s: %+v, %v; want the article back in %s", k0, res, err, into)
		}
		if _, err := st.Correction(ctx, into, aid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the undone correction is still logged (%v)", err)
		}
	})
}
