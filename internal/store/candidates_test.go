package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestCandidatesStored: an article's summary candidates survive the store on both
// backends, and a record without them (written before they existed) reads with none.
func TestCandidatesStored(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/c", "Bridge", "Bridge text.")
			a.Candidates = []stories.Candidate{{Text: "The bridge over the Wenn collapsed on Monday.", Pos: 0}, {Text: "Three people were hurt.", Pos: 3}}
			// The lead is in the excerpt too, and kept once (see storedArticle).
			a.Excerpt = "The bridge over the Wenn collapsed on Monday. Crews are there."
			res, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := r.ArticleByURL(ctx, a.URL)
			if err != nil || !reflect.DeepEqual(got.Candidates, a.Candidates) {
				t.Fatalf("candidates read back %+v (%v), want %+v", got.Candidates, err, a.Candidates)
			}
			if raw, _ := r.GetRecord(ctx, r.ArticleKey(a.URL)); strings.Count(raw, "The bridge over the Wenn") != 1 {
				t.Errorf("the lead is stored %d times, want once: %s", strings.Count(raw, "The bridge over the Wenn"), raw)
			}
			st, err := r.Story(ctx, res.StoryID, 0)
			if err != nil || len(st.Articles) != 1 || !reflect.DeepEqual(st.Articles[0].Candidates, a.Candidates) {
				t.Fatalf("story's article candidates %+v (%v)", st.Articles, err)
			}
			if err := r.SetRaw(ctx, r.ArticleKey(a.URL), res.StoryID+"\n"+oldArticle); err != nil {
				t.Fatal(err)
			}
			if got, _, err := r.ArticleByURL(ctx, a.URL); err != nil || got.Candidates != nil {
				t.Errorf("old record: candidates %+v, %v; want none", got.Candidates, err)
			}
		})
	}
}

// TestCandidateMemory measures, on the real Redis, what the candidates add to an
// article record: BASIL's articles (full text, as a lookup extracts it) stored with
// and without their candidates. The index aims at under 2 KB per article.
func TestCandidateMemory(t *testing.T) {
	t.Parallel()
	root := corpus.Require(t, "story-clustering")
	docs, err := corpus.Streams()[0].Load(root)
	if err != nil {
		t.Fatal(err)
	}
	docs = docs[:min(len(docs), 60)]
	r := storetest.OpenRedis(t, store.Options{Retention: time.Hour})
	ctx := context.Background()
	var with, without, candBytes int64
	for i, d := range docs {
		published, _ := time.Parse(time.DateOnly, d.Published)
		base, p := article(d.URL, d.Title, d.Text)
		base.Lang, base.OutletID, base.Published = "en", "new-york-times", published
		base.Excerpt = excerptOf(d.Text)
		withC := base
		withC.Candidates = stories.Candidates(d.Text, "en")
		withC.URL = fmt.Sprintf("%s?with=%d", d.URL, i)
		base.URL = fmt.Sprintf("%s?without=%d", d.URL, i)
		for _, c := range withC.Candidates {
			candBytes += int64(len(c.Text))
		}
		for _, x := range []struct {
			a   stories.Article
			sum *int64
		}{{withC, &with}, {base, &without}} {
			// A term of its own: each article starts a story.
			if _, err := addWithRetry(ctx, r, x.a, p, fmt.Sprintf("term%d-%p", i, x.sum)); err != nil {
				t.Fatal(err)
			}
			n, err := r.MemoryUsage(ctx, r.ArticleKey(x.a.URL))
			if err != nil {
				t.Fatalf("MEMORY USAGE: %v", err)
			}
			*x.sum += n
		}
	}
	n := int64(len(docs))
	t.Logf("article record: %d bytes with candidates, %d without: %d bytes of candidates per article (%d of sentence text), over %d BASIL articles",
		with/n, without/n, (with-without)/n, candBytes/n, n)
	if with/n >= 2048 {
		t.Errorf("an article record with candidates takes %d bytes, want under 2 KB", with/n)
	}
	if candBytes/n > stories.MaxCandidateBytes {
		t.Errorf("%d bytes of candidate text per article, over the bound %d", candBytes/n, stories.MaxCandidateBytes)
	}
	if with <= without {
		t.Errorf("records with candidates (%d) are no larger than without (%d): candidates not stored", with, without)
	}
}

// excerptOf is the excerpt extraction keeps when a page has no description: the
// start of its first paragraph, at most 300 characters.
func excerptOf(text string) string {
	n := 0
	for i := range text {
		if n == 300 || text[i] == '\n' {
			return text[:i]
		}
		n++
	}
	if !utf8.ValidString(text) {
		return ""
	}
	return text
}
