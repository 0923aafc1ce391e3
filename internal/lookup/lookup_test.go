package lookup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// The three fixture pages report one invented event (a bridge collapse) in three
// outlets' own words: BBC (center), the Guardian (lean-left) and Fox News (right).
var fixtures = []struct{ file, url, outlet string }{
	{"bbc.html", "https://www.bbc.co.uk/news/uk-england-99001122?at_medium=RSS&at_campaign=rss", "bbc-news"},
	{"guardian.html", "https://amp.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse", "guardian"},
	{"fox.html", "https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river", "fox-news"},
}

func page(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pages serves testdata files and counts the requests it gets.
type pages struct {
	*httptest.Server
	hits  atomic.Int64
	delay time.Duration
	// gate, when set, holds every request until it is closed (or the client goes).
	gate chan struct{}
}

func servePages(t testing.TB) *pages {
	p := &pages{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		time.Sleep(p.delay)
		if p.gate != nil {
			select {
			case <-p.gate:
			case <-r.Context().Done():
				return
			}
		}
		switch r.URL.Path {
		case "/broken":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case "/slow":
			<-r.Context().Done() // never answers: only the fetch timeout ends it
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	}))
	t.Cleanup(p.Close)
	return p
}

func newService(t testing.TB, st *store.Redis, fetchTimeout time.Duration) *lookup.Service {
	t.Helper()
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return lookup.New(lookup.Options{
		Store: st,
		// Only the test page server on 127.0.0.1 is reachable.
		Fetcher: fetch.New(fetch.Options{Timeout: fetchTimeout, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
		Outlets: reg,
		Matcher: stories.DefaultConfig(),
	})
}

func forEachBackend(t *testing.T, fn func(t *testing.T, st *store.Redis)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.Open(t, store.Options{}))
		})
	}
}

// TestPostedThenIndexed: a lookup with the page's HTML is extracted and matched;
// the same URL looked up again without HTML is answered from the index.
func TestPostedThenIndexed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		ctx := context.Background()
		f := fixtures[0]
		res, err := svc.Lookup(ctx, lookup.Request{URL: f.url, HTML: page(t, f.file)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != lookup.OutcomePosted {
			t.Errorf("outcome = %s, want posted", res.Outcome)
		}
		if res.Article.URL != "https://www.bbc.co.uk/news/uk-england-99001122" {
			t.Errorf("canonical URL = %s", res.Article.URL)
		}
		if res.Outlet == nil || res.Outlet.ID != "bbc-news" {
			t.Errorf("outlet = %+v, want bbc-news", res.Outlet)
		}
		if !strings.Contains(res.Article.Title, "Kestrelford") || res.Article.Published.IsZero() {
			t.Errorf("article = %+v", res.Article)
		}
		if res.Story.ID == "" || res.Story.ArticleCount != 1 {
			t.Errorf("story = %+v", res.Story)
		}
		// Again, by a differently tracked link and without HTML: no fetch can happen
		// (www.bbc.co.uk is not reachable from the test), so only the index answers.
		again, err := svc.Lookup(ctx, lookup.Request{URL: "https://www.bbc.co.uk/news/uk-england-99001122?utm_source=twitter#comments"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Outcome != lookup.OutcomeIndexed || again.Story.ID != res.Story.ID {
			t.Errorf("second lookup = %s story %s, want indexed story %s", again.Outcome, again.Story.ID, res.Story.ID)
		}
	})
}

// TestFetchOnceThenIndex: without posted HTML the page is fetched, once; the next
// lookup comes from the index.
func TestFetchOnceThenIndex(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		p := servePages(t)
		svc := newService(t, st, 2*time.Second)
		ctx := context.Background()
		u := p.URL + "/bbc.html"
		res, err := svc.Lookup(ctx, lookup.Request{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != lookup.OutcomeFetched || p.hits.Load() != 1 {
			t.Fatalf("outcome %s after %d fetches, want fetched after 1", res.Outcome, p.hits.Load())
		}
		again, err := svc.Lookup(ctx, lookup.Request{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		if again.Outcome != lookup.OutcomeIndexed || p.hits.Load() != 1 {
			t.Errorf("second lookup: outcome %s, %d fetches; want indexed, still 1", again.Outcome, p.hits.Load())
		}
	})
}

// TestConcurrentLookupsCollapse: many readers opening one article at once cost one fetch.
func TestConcurrentLookupsCollapse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		p := servePages(t)
		p.delay = 200 * time.Millisecond
		svc := newService(t, st, 5*time.Second)
		var wg sync.WaitGroup
		ids := make([]string, 10)
		for i := range ids {
			wg.Go(func() {
				res, err := svc.Lookup(context.Background(), lookup.Request{URL: p.URL + "/guardian.html"})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = res.Story.ID
			})
		}
		wg.Wait()
		if n := p.hits.Load(); n != 1 {
			t.Errorf("%d fetches for 10 concurrent lookups, want 1", n)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("story ids differ: %v", ids)
				break
			}
		}
	})
}

// waitFor polls cond until it holds, failing the test after a generous deadline:
// the machine may be busy, and no test asserts on how long things take.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSharedLookupOutlivesFirstCaller: readers waiting on a lookup that another
// reader started get its answer even when that reader goes away mid-fetch, and the
// reader who left gets its own context's error, not a failure of the lookup.
func TestSharedLookupOutlivesFirstCaller(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		p := servePages(t)
		p.gate = make(chan struct{})
		svc := newService(t, st, time.Minute)
		u := p.URL + "/guardian.html"
		first, cancelFirst := context.WithCancel(context.Background())
		firstErr := make(chan error, 1)
		go func() {
			_, err := svc.Lookup(first, lookup.Request{URL: u})
			firstErr <- err
		}()
		waitFor(t, "the first lookup to fetch", func() bool { return p.hits.Load() == 1 })
		second := make(chan error, 1)
		var secondStory string
		go func() {
			res, err := svc.Lookup(context.Background(), lookup.Request{URL: u})
			if err == nil {
				secondStory = res.Story.ID
			}
			second <- err
		}()
		cancelFirst()
		if err := <-firstErr; !errors.Is(err, context.Canceled) {
			t.Errorf("first reader: err = %v, want context.Canceled", err)
		}
		close(p.gate)
		if err := <-second; err != nil {
			t.Fatalf("second reader: %v", err)
		}
		if secondStory == "" {
			t.Error("second reader got no story")
		}
		if n := p.hits.Load(); n != 1 {
			t.Errorf("%d fetches, want 1: the second reader did not share the first run", n)
		}
	})
}

// TestPostedLookupDoesNotWaitOnFetch: a reader who posts the page is answered from
// it even while a fetch of the same URL is under way.
func TestPostedLookupDoesNotWaitOnFetch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		p := servePages(t)
		p.gate = make(chan struct{})
		defer close(p.gate)
		svc := newService(t, st, time.Minute)
		u := p.URL + "/guardian.html"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go svc.Lookup(ctx, lookup.Request{URL: u})
		waitFor(t, "the fetch to start", func() bool { return p.hits.Load() == 1 })
		done := make(chan error, 1)
		go func() {
			// Without its canonical link: the page is posted for the test server's
			// URL, and a posted page naming another site is refused.
			html := regexp.MustCompile(`<link rel="canonical"[^>]*>`).ReplaceAll(page(t, "guardian.html"), nil)
			_, err := svc.Lookup(context.Background(), lookup.Request{URL: u, HTML: html})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("posted lookup: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the posted lookup waited on the fetch of the same URL")
		}
	})
}

// TestThreeOutletsOneStory: the same event from three outlets forms one story with
// a 1/1/1 balance.
func TestThreeOutletsOneStory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		ctx := context.Background()
		var last *lookup.Result
		for _, f := range fixtures {
			res, err := svc.Lookup(ctx, lookup.Request{URL: f.url, HTML: page(t, f.file)})
			if err != nil {
				t.Fatalf("%s: %v", f.file, err)
			}
			if res.Outlet == nil || res.Outlet.ID != f.outlet {
				t.Errorf("%s: outlet = %+v, want %s", f.file, res.Outlet, f.outlet)
			}
			if last != nil && res.Story.ID != last.Story.ID {
				t.Fatalf("%s went to story %s, the previous article to %s", f.file, res.Story.ID, last.Story.ID)
			}
			last = res
		}
		if last.Story.ArticleCount != 3 {
			t.Fatalf("story has %d articles, want 3", last.Story.ArticleCount)
		}
		b := stories.BalanceOf(last.Story.Articles, svc.Bias)
		want := stories.Balance{Left: 1, Center: 1, Right: 1, Rated: 3, LeftPct: 34, CenterPct: 33, RightPct: 33}
		if b != want {
			t.Errorf("balance = %+v, want %+v", b, want)
		}
	})
}

// TestConcurrentIndexOneStory: twenty articles of one event indexed at once by
// twenty goroutines (as twenty replicas would) all land in one story.
func TestConcurrentIndexOneStory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		body := "A section of the Kestrelford Harbour Bridge collapsed into the River Wenn on Thursday, injuring four people. Divers rescued three people from two cars and a van."
		var wg sync.WaitGroup
		ids := make([]string, 20)
		for i := range ids {
			wg.Go(func() {
				a := stories.Article{URL: fmt.Sprintf("https://outlet%d.example/bridge", i), Title: "Kestrelford Harbour Bridge collapses", Domain: fmt.Sprintf("outlet%d.example", i)}
				id, err := svc.Index(context.Background(), a, body)
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("articles split over stories: %v", ids)
			}
		}
		s, err := svc.Story(context.Background(), ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if s.ArticleCount != 20 || stories.OutletCount(s.Articles) != 20 {
			t.Fatalf("story has %d articles from %d outlets, want 20 and 20", s.ArticleCount, stories.OutletCount(s.Articles))
		}
	})
}

func TestLookupErrors(t *testing.T) {
	p := servePages(t)
	st := storetest.OpenEmbedded(t, store.Options{})
	svc := newService(t, st, 500*time.Millisecond)
	blocked := lookup.New(lookup.Options{Store: st, Fetcher: fetch.New(fetch.Options{}), Outlets: mustRegistry(t), Matcher: stories.DefaultConfig()})
	huge := make([]byte, extract.MaxHTMLBytes+1)
	tests := []struct {
		name string
		svc  *lookup.Service
		req  lookup.Request
		want error
	}{
		{"malformed URL", svc, lookup.Request{URL: "not a url"}, canon.ErrMalformed},
		{"unsupported scheme", svc, lookup.Request{URL: "javascript:alert(1)"}, canon.ErrScheme},
		{"page too large", svc, lookup.Request{URL: "https://www.bbc.co.uk/news/1", HTML: huge}, lookup.ErrPageTooLarge},
		{"not an article", svc, lookup.Request{URL: "https://www.example.com/", HTML: page(t, "home.html")}, extract.ErrNotArticle},
		{"empty page", svc, lookup.Request{URL: "https://www.example.com/x", HTML: []byte{}}, extract.ErrNotArticle},
		{"publisher fails", svc, lookup.Request{URL: p.URL + "/broken"}, fetch.ErrStatus},
		{"publisher too slow", svc, lookup.Request{URL: p.URL + "/slow"}, fetch.ErrTimeout},
		{"private address", blocked, lookup.Request{URL: p.URL + "/bbc.html"}, fetch.ErrBlockedAddress},
		{"metadata address", blocked, lookup.Request{URL: "http://169.254.169.254/latest/meta-data/"}, fetch.ErrBlockedAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.svc.Lookup(context.Background(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestExtract: a page is described at the canonical URL it declares (the
// Guardian's AMP copy names the www page), with its outlet and body text.
func TestExtract(t *testing.T) {
	t.Parallel()
	svc := lookup.New(lookup.Options{Outlets: mustRegistry(t), Matcher: stories.DefaultConfig()})
	f := fixtures[1]
	a, text, err := svc.Extract(f.url, page(t, f.file))
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse"; a.URL != want {
		t.Errorf("URL = %s, want %s", a.URL, want)
	}
	if a.OutletID != f.outlet || a.Domain != "theguardian.com" {
		t.Errorf("outlet %q domain %q, want %q theguardian.com", a.OutletID, a.Domain, f.outlet)
	}
	if !strings.Contains(text, "Kestrelford") {
		t.Errorf("text = %.80q, want the article body", text)
	}
	if _, _, err := svc.Extract("https://www.example.com/", page(t, "home.html")); !errors.Is(err, extract.ErrNotArticle) {
		t.Errorf("home page: err = %v, want extract.ErrNotArticle", err)
	}
}

// TestStoreDown: with Redis unreachable a lookup fails with store.ErrUnavailable.
func TestStoreDown(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{URL: "redis://127.0.0.1:1/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := newService(t, st, time.Second)
	_, err = svc.Lookup(context.Background(), lookup.Request{URL: fixtures[0].url, HTML: page(t, fixtures[0].file)})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v, want store.ErrUnavailable", err)
	}
}

func mustRegistry(t testing.TB) *outlets.Registry {
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestSyndicationCountsOnce: one AP story syndicated on three sites is one
// independent outlet; an outlet with its own text on the event is another.
func TestSyndicationCountsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		ctx := context.Background()
		wire := "KESTRELFORD, England (AP) — A section of the Kestrelford Harbour Bridge collapsed into the River Wenn during the Thursday morning rush hour, " +
			"sending two cars and a delivery van into the water and injuring four people, officials said. Divers from the Wennshire Fire and Rescue Service " +
			"pulled three people from the vehicles and a fourth swam to shore. A 58-year-old man was in serious condition at Kestrelford General Hospital. " +
			"The 140-metre bridge, built in 1971, had been due for a refurbishment next spring after an inspection in March found corrosion in two steel supports. " +
			"County council leader Priya Raman said an independent investigation would begin immediately and its findings would be published."
		var urls []string
		for i, site := range []string{"apnews.com", "kestrelford-courier.example", "wennshire-post.example"} {
			// Syndicated copies keep the wire text, sometimes with a local line on top.
			text := wire
			if i == 2 {
				text = "Our reporters are following this story. " + wire
			}
			a := stories.Article{URL: fmt.Sprintf("https://%s/bridge-collapse", site), Title: "Bridge collapses in Kestrelford, 4 hurt", Domain: site, OutletID: svc.OutletID(site)}
			if _, err := svc.Index(ctx, a, text); err != nil {
				t.Fatal(err)
			}
			urls = append(urls, a.URL)
		}
		own := "Wennshire County Council faces questions after the Kestrelford Harbour Bridge collapsed into the River Wenn on Thursday morning, " +
			"injuring four people. The 140-metre bridge, built in 1971, was inspected in March and found to have corrosion in two steel supports. " +
			"Campaigners say they warned for years that it was deteriorating. A 58-year-old man is in serious condition at Kestrelford General Hospital. " +
			"Council leader Priya Raman has promised an independent investigation. Wennshire Fire and Rescue Service divers pulled three people from two cars and a van."
		sid, err := svc.Index(ctx, stories.Article{URL: "https://www.theguardian.com/uk-news/bridge", Title: "Kestrelford bridge collapse: council faces corrosion questions", Domain: "theguardian.com", OutletID: "guardian"}, own)
		if err != nil {
			t.Fatal(err)
		}
		s, err := svc.Story(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if s.ArticleCount != 4 {
			t.Fatalf("story has %d articles, want 4", s.ArticleCount)
		}
		dup := map[string]string{}
		for _, a := range s.Articles {
			dup[a.URL] = a.DuplicateOf
		}
		if dup[urls[0]] != "" || dup[urls[1]] != urls[0] || dup[urls[2]] != urls[0] || dup["https://www.theguardian.com/uk-news/bridge"] != "" {
			t.Errorf("duplicate_of = %v; want the two later copies to point at the first", dup)
		}
		if n, m := stories.OutletCount(s.Articles), stories.IndependentOutlets(s.Articles); n != 4 || m != 2 {
			t.Errorf("outlets %d, independent %d; want 4 and 2 (the wire copy counts once, the Guardian's own text once)", n, m)
		}
	})
}
