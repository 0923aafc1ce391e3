package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestStoryMembers: a story holds its first members in its hash and moves them
// all to a member set when one more comes, and every reader (a story page, a
// lookup, the consistency check, the next add's count) sees the same members in
// the same order from either layout, from both at once (an older Parallax's add
// during an upgrade), and from a story written before members were kept in the
// hash.
func TestStoryMembers(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
			var sid string
			var urls []string
			added := 0 // in both stories
			title, text, term := "Harbour bridge collapses", "A bridge collapsed in the harbour.", "bridge"
			add := func(i int) {
				t.Helper()
				url := fmt.Sprintf("https://www.example.com/members/%d", i)
				a, p := article(url, title, text)
				// Three articles an hour: ties in time are ordered by id.
				a.Published = base.Add(time.Duration(i/3) * time.Hour)
				res, err := addWithRetry(ctx, r, a, p, term)
				if err != nil {
					t.Fatal(err)
				}
				if sid != "" && res.StoryID != sid {
					t.Fatalf("article %d started story %s, want it in %s", i, res.StoryID, sid)
				}
				sid = res.StoryID
				urls = append(urls, url)
				added++
			}
			layout := func(when string, wantInline, wantSet int) {
				t.Helper()
				inline, set, err := r.MemberLayout(ctx, sid)
				if err != nil {
					t.Fatal(err)
				}
				if inline != wantInline || set != wantSet {
					t.Fatalf("%s: %d members in the hash, %d in the set; want %d and %d", when, inline, set, wantInline, wantSet)
				}
			}
			var order []string // the page's order, read from the first layout
			check := func(when string) {
				t.Helper()
				st, err := r.Story(ctx, sid, 0)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range st.Articles {
					got = append(got, a.URL)
				}
				if st.ArticleCount != len(urls) || len(got) != len(urls) {
					t.Fatalf("%s: story counts %d and lists %d articles, want %d", when, st.ArticleCount, len(got), len(urls))
				}
				if !slices.IsSortedFunc(st.Articles, func(a, b stories.Article) int { return b.When().Compare(a.When()) }) {
					t.Errorf("%s: articles not newest first: %v", when, got)
				}
				if order == nil {
					order = got
				} else if !slices.Equal(got, order) {
					t.Errorf("%s: articles in order\n%v\nwant\n%v", when, got, order)
				}
				top, err := r.Story(ctx, sid, 5)
				if err != nil || len(top.Articles) != 5 || top.Articles[0].URL != order[0] || top.Articles[4].URL != order[4] {
					t.Errorf("%s: the newest 5 are %d articles from %v (%v), want %v", when, len(top.Articles), top.Articles, err, order[:5])
				}
				_, looked, err := r.StoryByArticleURL(ctx, urls[0], 5)
				if err != nil || looked.ArticleCount != len(urls) || len(looked.Articles) != 5 || looked.Articles[0].URL != order[0] {
					t.Errorf("%s: lookup finds %d of %d articles (%v)", when, len(looked.Articles), looked.ArticleCount, err)
				}
				v, err := r.Verify(ctx)
				if err != nil || v.Broken != 0 || v.Members != added {
					t.Errorf("%s: verify %+v (%v)", when, v, err)
				}
			}
			for i := range store.MaxInlineMembers {
				add(i)
			}
			layout("as many as the hash holds", store.MaxInlineMembers, 0)
			check("in the hash")
			// An older Parallax's adds during an upgrade: members in both.
			if err := r.MoveMembersToSet(ctx, sid, store.MaxInlineMembers/2); err != nil {
				t.Fatal(err)
			}
			layout("half moved", store.MaxInlineMembers/2, store.MaxInlineMembers/2)
			check("in both")
			// With a set, a new member goes to it.
			add(store.MaxInlineMembers)
			layout("added to both", store.MaxInlineMembers/2, store.MaxInlineMembers/2+1)
			order = nil
			check("in both, one more")
			// A story written before members were kept in the hash.
			if err := r.MoveMembersToSet(ctx, sid, -1); err != nil {
				t.Fatal(err)
			}
			layout("all moved", 0, store.MaxInlineMembers+1)
			check("in the set")

			// A story outgrowing its hash moves every member to the set.
			sid, urls, order = "", nil, nil
			title, text, term = "Ferry runs aground", "A ferry ran aground off the coast.", "ferry"
			for i := range store.MaxInlineMembers + 1 {
				add(100 + i)
			}
			layout("one more than the hash holds", 0, store.MaxInlineMembers+1)
			check("moved to the set")
		})
	}
}
