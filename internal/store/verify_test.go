package store_test

import (
	"context"
	"strings"
	"testing"
)

// TestVerify: Verify finds a clean index clean, with its counts, and names the
// broken invariant when an article's record points elsewhere than the story that
// lists it, or a story's member has no record.
func TestVerify(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			urls := []string{"https://www.example.com/1", "https://www.example.com/2", "https://www.example.com/3"}
			terms := []string{"bridge", "bridge", "harbour"}
			var sids []string
			for i, u := range urls {
				a, p := article(u, "News about the "+terms[i], "The "+terms[i]+" story.")
				res, err := addWithRetry(ctx, r, a, p, terms[i])
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, res.StoryID)
			}
			v, err := r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 0 || v.Articles != 3 || v.Stories != 2 || v.Members != 3 || v.Dangling != 0 {
				t.Fatalf("clean index: %+v", v)
			}
			// The first article's record now names the other story.
			raw, err := r.GetRaw(ctx, r.ArticleKey(urls[0]))
			if err != nil {
				t.Fatal(err)
			}
			_, rest, _ := strings.Cut(raw, "\n")
			if err := r.SetRaw(ctx, r.ArticleKey(urls[0]), sids[2]+"\n"+rest); err != nil {
				t.Fatal(err)
			}
			v, err = r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 1 || len(v.Problems) != 1 || !strings.Contains(v.Problems[0], "but is a member of "+sids[0]) {
				t.Errorf("misfiled article: %+v", v)
			}
			if err := r.ExpireIn(ctx, r.ArticleKey(urls[0]), 0); err != nil {
				t.Fatal(err)
			}
			v, err = r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 1 || !strings.Contains(strings.Join(v.Problems, ";"), "has no article record") {
				t.Errorf("member without a record: %+v", v)
			}
		})
	}
}
