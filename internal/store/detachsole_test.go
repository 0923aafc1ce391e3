package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestDetachResumesOnTwoArticles: a detach that dies after its commit on a story
// of two articles leaves the story with one article and the detached article's
// record naming it. The reader's second "not this story" finishes the move; it is
// not refused as the story's sole article, which the other one still is.
func TestDetachResumesOnTwoArticles(t *testing.T) {
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			svc := lookup.New(lookup.Options{Store: r, Outlets: reg, Matcher: stories.DefaultConfig(),
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			a := seed(t, r, "alpha", "https://a.example/1", "https://a.example/2")
			u := "https://a.example/2"
			aid := store.ArticleID(u)
			if _, err := r.DetachUntil(ctx, detachPlan(t, r, a, u), 2); !errors.Is(err, store.ErrStopped) {
				t.Fatalf("detach to its commit: %v", err)
			}
			mustStory(t, r, a, 1)
			if err := r.DeleteKey(ctx, r.MoveLockKey(aid)); err != nil { // the lock expires
				t.Fatal(err)
			}
			moved, err := svc.Detach(ctx, a, aid)
			if err != nil {
				t.Fatalf("the second detach: %v", err)
			}
			checkMoved(t, r, moved.StoryID, u, 1)
			mustStory(t, r, a, 1)
			if err := r.CheckIndex(ctx); err != nil {
				t.Error(err)
			}
			// The story's remaining article is its sole one: that is refused.
			if _, err := svc.Detach(ctx, a, store.ArticleID("https://a.example/1")); !errors.Is(err, store.ErrSoleArticle) {
				t.Errorf("detaching the last article: %v, want ErrSoleArticle", err)
			}
		})
	}
}
