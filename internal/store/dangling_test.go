package store_test

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestDanglingArticleIsNotIndexed: an article outlives its story by up to a tenth
// of the retention; in that window it must count as not indexed everywhere, so
// that it is indexed again (a lookup answering 404, or ingestion skipping it for
// good, were the failures).
func TestDanglingArticleIsNotIndexed(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/bridge", "Bridge", "Bridge text.")
			first, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			if err := r.ExpireStory(ctx, first.StoryID); err != nil {
				t.Fatal(err)
			}
			view, err := r.View(ctx, a.URL, r.GuessDocFreq(nil), nil)
			if err != nil {
				t.Fatal(err)
			}
			if view.StoryID != "" {
				t.Errorf("view of a dangling article: story %q, want none", view.StoryID)
			}
			if got, err := r.ArticlesIndexed(ctx, []string{a.URL}); err != nil || got[0] {
				t.Errorf("ArticlesIndexed of a dangling article = %v, %v; want false", got, err)
			}
			again, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			if again.Existed {
				t.Fatal("the add of a dangling article reported it indexed")
			}
			st, err := r.Story(ctx, again.StoryID, 0)
			if err != nil {
				t.Fatalf("the re-indexed article's story: %v", err)
			}
			if st.ArticleCount != 1 || len(st.Articles) != 1 || st.Articles[0].URL != a.URL {
				t.Errorf("re-indexed story = %+v, want the one article", st)
			}
			if got, err := r.ArticlesIndexed(ctx, []string{a.URL}); err != nil || !got[0] {
				t.Errorf("ArticlesIndexed after re-indexing = %v, %v; want true", got, err)
			}
		})
	}
}

// TestAlias: a URL recorded as an alias finds its article, for as long as the
// article lives, and counts as indexed for ingestion.
func TestAlias(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/news/bridge", "Bridge", "Bridge text.")
			res, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			const requested = "https://amp.example.com/news/bridge"
			if err := r.AddAlias(ctx, requested, a.URL); err != nil {
				t.Fatal(err)
			}
			got, sid, err := r.ArticleByURL(ctx, requested)
			if err != nil || got.URL != a.URL || sid != res.StoryID {
				t.Fatalf("ArticleByURL(alias) = %q in %q, %v; want %q in %q", got.URL, sid, err, a.URL, res.StoryID)
			}
			if ok, err := r.ArticlesIndexed(ctx, []string{requested}); err != nil || !ok[0] {
				t.Errorf("ArticlesIndexed(alias) = %v, %v; want true", ok, err)
			}
			aliasTTL, _ := r.PTTL(ctx, r.AliasKey(requested))
			articleTTL, _ := r.PTTL(ctx, r.ArticleKey(a.URL))
			if d := articleTTL - aliasTTL; aliasTTL <= 0 || d > time.Minute || d < -time.Second {
				t.Errorf("alias TTL %s, article TTL %s: want the article's", aliasTTL, articleTTL)
			}
			// An alias of an article that is not indexed is not recorded.
			if err := r.AddAlias(ctx, "https://amp.example.com/other", "https://www.example.com/other"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.ArticleByURL(ctx, "https://amp.example.com/other"); err == nil {
				t.Error("an alias of a missing article finds something")
			}
			if err := r.ExpireStory(ctx, res.StoryID); err != nil {
				t.Fatal(err)
			}
			if ok, err := r.ArticlesIndexed(ctx, []string{requested}); err != nil || ok[0] {
				t.Errorf("ArticlesIndexed(alias of a dangling article) = %v, %v; want false", ok, err)
			}
		})
	}
}

// TestLookupOfDanglingArticle: through the lookup service, an article whose story
// expired is indexed again (it was answered 404 for up to three days).
func TestLookupOfDanglingArticle(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			svc := lookupService(t, r)
			ctx := context.Background()
			html := lookupPage(t, "bbc.html")
			const u = "https://www.bbc.co.uk/news/uk-england-99001122"
			res, err := svc.Lookup(ctx, lookup.Request{URL: u, HTML: html})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.ExpireStory(ctx, res.Story.ID); err != nil {
				t.Fatal(err)
			}
			again, err := svc.Lookup(ctx, lookup.Request{URL: u, HTML: html})
			if err != nil {
				t.Fatalf("lookup of a dangling article: %v", err)
			}
			if again.Outcome != lookup.OutcomePosted || again.Story.ArticleCount != 1 {
				t.Errorf("lookup of a dangling article: outcome %s, %d articles; want it indexed afresh", again.Outcome, again.Story.ArticleCount)
			}
		})
	}
}

// TestLookupKeepsRequestedURL: a posted page that declares another canonical URL
// is indexed under that URL, and a later lookup of the requested URL without the
// page is answered from the index, not by fetching the publisher.
func TestLookupKeepsRequestedURL(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			svc := lookupService(t, r)
			ctx := context.Background()
			const requested = "https://amp.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse"
			res, err := svc.Lookup(ctx, lookup.Request{URL: requested, HTML: lookupPage(t, "guardian.html")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Article.URL == requested {
				t.Fatalf("the fixture declares no other canonical URL (%s)", res.Article.URL)
			}
			again, err := svc.Lookup(ctx, lookup.Request{URL: requested})
			if err != nil {
				t.Fatalf("lookup of the requested URL: %v", err)
			}
			if again.Outcome != lookup.OutcomeIndexed || again.Article.URL != res.Article.URL {
				t.Errorf("lookup of the requested URL: outcome %s, article %s; want indexed %s", again.Outcome, again.Article.URL, res.Article.URL)
			}
		})
	}
}

func lookupService(t testing.TB, r *store.Redis) *lookup.Service {
	t.Helper()
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// The fetcher may reach nothing: these lookups must be answered without it.
	none := fetch.New(fetch.Options{Timeout: time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}})
	return lookup.New(lookup.Options{Store: r, Fetcher: none, Outlets: reg, Matcher: stories.DefaultConfig()})
}

func lookupPage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../lookup/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
