package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/feeds"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/ingest"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// web is a test site: feeds and pages from maps, with request counts.
type web struct {
	*httptest.Server
	mu    sync.Mutex
	feeds map[string]string // path → feed body
	types map[string]string // path → content type of the feed
	pages map[string]string // path → page HTML; absent → 404
	hits  map[string]int
}

func newWeb(t testing.TB) *web {
	w := &web{feeds: map[string]string{}, types: map[string]string{}, pages: map[string]string{}, hits: map[string]int{}}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.hits[r.URL.Path]++
		feed, isFeed := w.feeds[r.URL.Path]
		ct := w.types[r.URL.Path]
		page, isPage := w.pages[r.URL.Path]
		w.mu.Unlock()
		switch {
		case isFeed:
			if r.Header.Get("If-None-Match") == `"v1"` {
				rw.WriteHeader(http.StatusNotModified)
				return
			}
			rw.Header().Set("ETag", `"v1"`)
			rw.Header().Set("Content-Type", ct)
			rw.Write([]byte(feed))
		case isPage:
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			rw.Write([]byte(page))
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *web) setFeed(path, contentType, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.feeds[path], w.types[path] = body, contentType
}

func (w *web) setPage(path, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pages[path] = body
}

func (w *web) hitsOf(path string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hits[path]
}

type item struct {
	path, title, summary string
	published            time.Time
}

func rss(base string, items ...item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test</title><link>` + base + `</link>`)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s%s</link><description>%s</description><pubDate>%s</pubDate></item>",
			html.EscapeString(it.title), base, it.path, html.EscapeString(it.summary), it.published.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func atom(base string, items ...item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Test</title><id>urn:test</id><updated>2026-11-20T00:00:00Z</updated>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<entry><title>%s</title><id>%s%s</id><link href="%s%s"/><summary>%s</summary><published>%s</published><updated>%s</updated></entry>`,
			html.EscapeString(it.title), base, it.path, base, it.path, html.EscapeString(it.summary), it.published.Format(time.RFC3339), it.published.Format(time.RFC3339))
	}
	b.WriteString("</feed>")
	return b.String()
}

// articlePage renders a news page with a JSON-LD block, as sites do.
func articlePage(title, body string, published time.Time) string {
	var paras strings.Builder
	for _, p := range strings.Split(body, "\n\n") {
		paras.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
	return fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>
<script type="application/ld+json">{"@type":"NewsArticle","headline":%q,"datePublished":%q}</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>%s</h1>%s</article><footer>Copyright</footer></body></html>`,
		html.EscapeString(title), title, published.Format(time.RFC3339), html.EscapeString(title), paras.String())
}

type rig struct {
	store  *store.Redis
	lookup *lookup.Service
	client *fetch.Client
	logs   *bytes.Buffer
	logMu  *sync.Mutex
}

func newRig(t testing.TB, st *store.Redis) rig {
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	client := fetch.New(fetch.Options{Timeout: 2 * time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	svc := lookup.New(lookup.Options{Store: st, Fetcher: client, Outlets: reg, Matcher: stories.DefaultConfig()})
	return rig{store: st, lookup: svc, client: client, logs: &bytes.Buffer{}, logMu: &sync.Mutex{}}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (r rig) ingester(sources []ingest.Source, mod func(*ingest.Options)) *ingest.Ingester {
	opts := ingest.Options{
		Store: r.store, Lookup: r.lookup, Fetcher: r.client, Sources: sources,
		Concurrency: 4, HostGap: -1,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{r.logMu, r.logs}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if mod != nil {
		mod(&opts)
	}
	return ingest.New(opts)
}

func forEachBackend(t *testing.T, fn func(t *testing.T, st *store.Redis)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.Open(t, store.Options{}))
		})
	}
}

const bridgeText = "A section of the Kestrelford Harbour Bridge collapsed into the River Wenn on Thursday morning, injuring four people.\n\n" +
	"Divers from Wennshire Fire and Rescue Service pulled three people from two cars and a delivery van; a fourth swam to shore.\n\n" +
	"A 58-year-old man is in a serious condition at Kestrelford General Hospital. The 140-metre bridge was built in 1971.\n\n" +
	"An inspection in March found corrosion in two steel supports. Council leader Priya Raman promised an independent investigation."

// TestPassIndexesRSSAndAtom: one pass over an RSS and an Atom feed indexes every
// item with its page's full text, records the feeds' states and reports progress.
func TestPassIndexesRSSAndAtom(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		w := newWeb(t)
		r := newRig(t, st)
		now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		w.setFeed("/rss", "application/rss+xml", rss(w.URL,
			item{"/a/1", "Kestrelford bridge collapses", "Four hurt.", now},
			item{"/a/2", "Marlow elects a new mayor", "Susan Gale wins.", now}))
		w.setFeed("/atom", "application/atom+xml", atom(w.URL,
			item{"/b/1", "Four hurt as Kestrelford Harbour Bridge falls", "Divers rescue three.", now}))
		w.setPage("/a/1", articlePage("Kestrelford bridge collapses", bridgeText, now))
		w.setPage("/a/2", articlePage("Marlow elects a new mayor", "Voters in Marlow elected Susan Gale as mayor on Thursday after a close count at the town hall, where turnout reached 41 per cent.\n\nGale, a former teacher, promised to reopen the library and fix the high street's potholes before winter. Her opponent conceded shortly after midnight and congratulated her on a clean campaign.", now))
		w.setPage("/b/1", articlePage("Four hurt as Kestrelford Harbour Bridge falls", bridgeText, now))
		var last ingest.Progress
		rep := r.ingester([]ingest.Source{{URL: w.URL + "/rss", OutletID: "bbc-news"}, {URL: w.URL + "/atom", OutletID: "guardian"}}, nil).
			Pass(context.Background(), func(p ingest.Progress) { last = p })
		if rep.Articles != 3 || rep.Partial != 0 || rep.Errors != 0 || last.FeedsDone != 2 || last.FeedsTotal != 2 {
			t.Fatalf("report %+v, last progress %+v", rep, last)
		}
		a, sid, err := st.ArticleByURL(context.Background(), canonURL(t, w.URL+"/a/1"))
		if err != nil {
			t.Fatal(err)
		}
		if a.OutletID != "bbc-news" || a.Partial || !a.Published.Equal(now) {
			t.Errorf("article = %+v", a)
		}
		s, err := st.Story(context.Background(), sid, 0)
		if err != nil || s.ArticleCount != 2 {
			t.Fatalf("the two bridge articles should share a story: %+v %v", s, err)
		}
		// Again: the feeds answer 304 and no page is fetched again.
		rep = r.ingester([]ingest.Source{{URL: w.URL + "/rss", OutletID: "bbc-news"}, {URL: w.URL + "/atom", OutletID: "guardian"}}, nil).Pass(context.Background(), nil)
		if rep.Articles != 0 || w.hitsOf("/a/1") != 1 {
			t.Errorf("second pass: %+v, page fetched %d times", rep, w.hitsOf("/a/1"))
		}
	})
}

// TestFeedLinkToOtherCanonical: a feed item whose page declares another canonical
// URL is fetched once; another feed listing the same link later does not fetch it
// again (the link is kept as an alias of the article).
func TestFeedLinkToOtherCanonical(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		w := newWeb(t)
		r := newRig(t, st)
		now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		it := item{"/amp/bridge", "Kestrelford bridge collapses", "Four hurt.", now}
		w.setFeed("/rss", "application/rss+xml", rss(w.URL, it))
		w.setFeed("/rss2", "application/rss+xml", rss(w.URL, it))
		page := strings.Replace(articlePage(it.title, bridgeText, now), "<head>", `<head><link rel="canonical" href="`+w.URL+`/news/bridge">`, 1)
		w.setPage("/amp/bridge", page)
		rep := r.ingester([]ingest.Source{{URL: w.URL + "/rss", OutletID: "bbc-news"}}, nil).Pass(context.Background(), nil)
		if rep.Articles != 1 || rep.Errors != 0 {
			t.Fatalf("first pass: %+v", rep)
		}
		if _, _, err := st.ArticleByURL(context.Background(), canonURL(t, w.URL+"/news/bridge")); err != nil {
			t.Fatalf("the article is not under its declared canonical URL: %v", err)
		}
		rep = r.ingester([]ingest.Source{{URL: w.URL + "/rss2", OutletID: "bbc-news"}}, nil).Pass(context.Background(), nil)
		if rep.Articles != 0 || w.hitsOf("/amp/bridge") != 1 {
			t.Errorf("second feed: %+v, the link fetched %d times, want once", rep, w.hitsOf("/amp/bridge"))
		}
	})
}

// waitFor polls cond until it holds, failing the test after a generous deadline:
// the machine may be busy, and no test asserts on how long things take.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func canonURL(t testing.TB, u string) string {
	t.Helper()
	c, err := canon.URL(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDuplicatesAcrossFeeds: an AP story in three outlets' feeds under one URL is
// fetched and stored once; the same wire text under three URLs is three articles
// of one story, two of them marked copies.
func TestDuplicatesAcrossFeeds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		w := newWeb(t)
		r := newRig(t, st)
		now := time.Now().Add(-time.Hour).UTC()
		wire := strings.Repeat("KESTRELFORD, England (AP) — The Kestrelford Harbour Bridge collapsed into the River Wenn, injuring four people. ", 3) + bridgeText
		w.setPage("/ap/bridge", articlePage("Bridge collapses in England, 4 hurt", wire, now))
		var srcs []ingest.Source
		for i, site := range []string{"one", "two", "three"} {
			copyPath := "/" + site + "/bridge-ap"
			w.setPage(copyPath, articlePage("Bridge collapses in England, 4 hurt", wire, now))
			w.setFeed("/"+site+"/feed", "application/rss+xml", rss(w.URL,
				item{"/ap/bridge", "Bridge collapses in England, 4 hurt", "AP", now},
				item{copyPath, "Bridge collapses in England, 4 hurt", "AP", now.Add(time.Duration(i) * time.Minute)}))
			srcs = append(srcs, ingest.Source{URL: w.URL + "/" + site + "/feed"})
		}
		rep := r.ingester(srcs, func(o *ingest.Options) { o.Concurrency = 1 }).Pass(context.Background(), nil)
		if rep.Articles != 4 || w.hitsOf("/ap/bridge") != 1 {
			t.Fatalf("%d articles, AP page fetched %d times; want 4 articles and 1 fetch", rep.Articles, w.hitsOf("/ap/bridge"))
		}
		_, sid, err := st.ArticleByURL(context.Background(), canonURL(t, w.URL+"/ap/bridge"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := st.Story(context.Background(), sid, 0)
		if err != nil {
			t.Fatal(err)
		}
		copies := 0
		for _, a := range s.Articles {
			if a.DuplicateOf != "" {
				copies++
			}
		}
		if s.ArticleCount != 4 || copies != 3 {
			t.Errorf("story has %d articles, %d marked copies; want 4 and 3", s.ArticleCount, copies)
		}
	})
}

// TestPartialArticles: items whose page fails are indexed from the feed's title and
// summary, marked partial.
func TestPartialArticles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		w := newWeb(t)
		r := newRig(t, st)
		now := time.Now().Add(-time.Hour).UTC()
		w.setFeed("/feed", "application/rss+xml", rss(w.URL,
			item{"/missing", "Kestrelford bridge collapses, four hurt", "The Kestrelford Harbour Bridge fell into the River Wenn.", now},
			item{"/home", "Subscribers only: bridge report", "Read the full story with a subscription.", now}))
		w.setPage("/home", `<html><body><h1>Please subscribe</h1><a href="/login">Log in</a></body></html>`)
		rep := r.ingester([]ingest.Source{{URL: w.URL + "/feed", OutletID: "daily-mail"}}, nil).Pass(context.Background(), nil)
		if rep.Articles != 2 || rep.Partial != 2 {
			t.Fatalf("report %+v, want 2 partial articles", rep)
		}
		a, _, err := st.ArticleByURL(context.Background(), canonURL(t, w.URL+"/missing"))
		if err != nil {
			t.Fatal(err)
		}
		if !a.Partial || a.Title != "Kestrelford bridge collapses, four hurt" || a.Excerpt == "" || a.OutletID != "daily-mail" {
			t.Errorf("partial article = %+v", a)
		}
	})
}

// TestFailingFeeds: failures are recorded with backoff and logged once per poll;
// the pass lists them, and feeds that never worked count as failing.
func TestFailingFeeds(t *testing.T) {
	t.Parallel()
	st := storetest.OpenEmbedded(t, store.Options{})
	w := newWeb(t)
	r := newRig(t, st)
	w.setFeed("/garbage", "application/rss+xml", "<rss><channel><item><title>broken")
	srcs := []ingest.Source{{URL: "http://127.0.0.1:1/feed"}, {URL: w.URL + "/garbage"}, {URL: w.URL + "/gone"}}
	in := r.ingester(srcs, nil)
	rep := in.Pass(context.Background(), nil)
	if rep.Errors != 3 || len(rep.Failing) != 3 {
		t.Fatalf("report %+v", rep)
	}
	status, err := in.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if s.State.Failures != 1 || s.State.LastError == "" || !s.State.NextPoll.After(time.Now().Add(10*time.Minute)) || s.Health != feeds.Failing {
			t.Errorf("%s: state %+v health %s", s.URL, s.State, s.Health)
		}
	}
	r.logMu.Lock()
	logs := r.logs.String()
	r.logMu.Unlock()
	if n := strings.Count(logs, "feed poll failed"); n != 3 {
		t.Errorf("%d warnings for 3 failed polls:\n%s", n, logs)
	}
}

// TestTwoIngesters: two ingesters (two server processes) on one Redis and one set
// of feeds store every article exactly once and fetch every page once.
func TestTwoIngesters(t *testing.T) {
	t.Parallel()
	st := storetest.OpenRedis(t, store.Options{})
	w := newWeb(t)
	now := time.Now().Add(-time.Hour).UTC()
	var srcs []ingest.Source
	want := 0
	for f := range 12 {
		var items []item
		for i := range 5 {
			p := fmt.Sprintf("/f%d/%d", f, i)
			w.setPage(p, articlePage(fmt.Sprintf("Story %d of feed %d about the harbour bridge", i, f), bridgeText, now))
			items = append(items, item{p, fmt.Sprintf("Story %d of feed %d", i, f), "Summary.", now})
			want++
		}
		path := fmt.Sprintf("/feed%d", f)
		w.setFeed(path, "application/rss+xml", rss(w.URL, items...))
		srcs = append(srcs, ingest.Source{URL: w.URL + path})
	}
	var articles [2]atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range articles {
		// Each ingester has its own connection pool, as two processes would.
		other, err := store.Open(context.Background(), store.Options{URL: storetest.RedisURL(), Prefix: st.Prefix()})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		r := newRig(t, other)
		in := r.ingester(srcs, func(o *ingest.Options) {
			o.Concurrency = 3
			o.OnArticle = func(bool, time.Duration) { articles[i].Add(1) }
		})
		wg.Go(func() { in.Run(ctx) })
	}
	// Both run until every article is in (or a generous deadline passes: the
	// machine may be busy), then stop; nothing is asserted about how long it took.
	waitFor(t, "every article to be indexed", func() bool { return articles[0].Load()+articles[1].Load() >= int64(want) })
	cancel()
	wg.Wait()
	if a, b := articles[0].Load(), articles[1].Load(); a+b != int64(want) || a == 0 || b == 0 {
		t.Errorf("the two ingesters indexed %d + %d articles, want %d in all, shared", a, b, want)
	}
	indexed := 0
	for f := range 12 {
		for i := range 5 {
			p := fmt.Sprintf("/f%d/%d", f, i)
			if n := w.hitsOf(p); n != 1 {
				t.Errorf("%s fetched %d times", p, n)
			}
			if _, _, err := st.ArticleByURL(context.Background(), canonURL(t, w.URL+p)); err == nil {
				indexed++
			}
		}
		if n := w.hitsOf(fmt.Sprintf("/feed%d", f)); n != 1 {
			t.Errorf("feed %d polled %d times", f, n)
		}
	}
	if indexed != want {
		t.Errorf("%d of %d articles in the index", indexed, want)
	}
}

// TestLeaseHeldElsewhere: a feed whose lease another process holds is skipped, and
// polled once the lease expires (as when that process dies mid-poll). Real Redis
// only: the embedded store serves one process and counts TTLs down in steps.
func TestLeaseHeldElsewhere(t *testing.T) {
	t.Parallel()
	func(t *testing.T, st *store.Redis) {
		w := newWeb(t)
		r := newRig(t, st)
		now := time.Now().Add(-time.Hour).UTC()
		w.setFeed("/feed", "application/rss+xml", rss(w.URL, item{"/a", "Bridge collapses", "Four hurt.", now}))
		w.setPage("/a", articlePage("Bridge collapses", bridgeText, now))
		src := []ingest.Source{{URL: w.URL + "/feed"}}
		if _, ok, err := st.AcquireLease(context.Background(), "feed:"+store.ArticleID(w.URL+"/feed"), 500*time.Millisecond); err != nil || !ok {
			t.Fatal(ok, err)
		}
		var outcomes []string
		var mu sync.Mutex
		in := r.ingester(src, func(o *ingest.Options) {
			o.OnPoll = func(s string) { mu.Lock(); outcomes = append(outcomes, s); mu.Unlock() }
		})
		if rep := in.Pass(context.Background(), nil); rep.Articles != 0 || w.hitsOf("/feed") != 0 {
			t.Fatalf("polled a leased feed: %+v", rep)
		}
		time.Sleep(700 * time.Millisecond)
		if rep := in.Pass(context.Background(), nil); rep.Articles != 1 {
			t.Fatalf("after the lease expired: %+v", rep)
		}
		mu.Lock()
		defer mu.Unlock()
		if strings.Join(outcomes, ",") != "leased,ok" {
			t.Errorf("outcomes %v", outcomes)
		}
	}(t, storetest.OpenRedis(t, store.Options{}))
}

// TestRunPollsDueFeedsOnly: the scheduler polls new feeds at once and then leaves
// them until their next poll is due.
func TestRunPollsDueFeedsOnly(t *testing.T) {
	t.Parallel()
	st := storetest.OpenEmbedded(t, store.Options{})
	w := newWeb(t)
	r := newRig(t, st)
	now := time.Now().Add(-time.Hour).UTC()
	w.setFeed("/feed", "application/rss+xml", rss(w.URL, item{"/a", "Bridge collapses", "Four hurt.", now}))
	w.setPage("/a", articlePage("Bridge collapses", bridgeText, now))
	var lags []time.Duration
	var mu sync.Mutex
	in := r.ingester([]ingest.Source{{URL: w.URL + "/feed"}}, func(o *ingest.Options) {
		o.OnArticle = func(_ bool, lag time.Duration) { mu.Lock(); lags = append(lags, lag); mu.Unlock() }
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- in.Run(ctx) }()
	waitFor(t, "the new feed's article", func() bool { mu.Lock(); defer mu.Unlock(); return len(lags) == 1 })
	cancel()
	if err := <-ran; err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
	if w.hitsOf("/feed") != 1 || w.hitsOf("/a") != 1 {
		t.Errorf("feed polled %d times, page fetched %d; want 1 and 1", w.hitsOf("/feed"), w.hitsOf("/a"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lags) != 1 || lags[0] < 59*time.Minute || lags[0] > 2*time.Hour {
		t.Errorf("lags %v, want one of about an hour", lags)
	}
}

// TestUnreadableState: a feed whose stored state is not JSON is polled afresh,
// and its state is readable again afterwards.
func TestUnreadableState(t *testing.T) {
	t.Parallel()
	st := storetest.OpenEmbedded(t, store.Options{})
	w := newWeb(t)
	r := newRig(t, st)
	now := time.Now().Add(-time.Hour).UTC()
	w.setFeed("/feed", "application/rss+xml", rss(w.URL, item{"/a", "Bridge collapses", "Four hurt.", now}))
	w.setPage("/a", articlePage("Bridge collapses", bridgeText, now))
	feed := w.URL + "/feed"
	if err := st.SaveFeedState(context.Background(), feed, []byte("{broken")); err != nil {
		t.Fatal(err)
	}
	in := r.ingester([]ingest.Source{{URL: feed}}, nil)
	if rep := in.Pass(context.Background(), nil); rep.Articles != 1 || rep.Errors != 0 {
		t.Fatalf("report %+v", rep)
	}
	status, err := in.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := status[0]; s.URL != feed || s.State.URL != feed || s.Health != feeds.Healthy {
		t.Errorf("status after the poll: %+v", s)
	}
}

// TestFeedStateFormats: a state written before formats were versioned keeps its
// conditional-GET validators; one written by a newer Parallax reads as never polled.
func TestFeedStateFormats(t *testing.T) {
	t.Parallel()
	st := storetest.OpenEmbedded(t, store.Options{})
	w := newWeb(t)
	r := newRig(t, st)
	w.setFeed("/old", "application/rss+xml", rss(w.URL))
	w.setFeed("/newer", "application/rss+xml", rss(w.URL))
	old, newer := w.URL+"/old", w.URL+"/newer"
	ctx := context.Background()
	if err := st.SaveFeedState(ctx, old, []byte(`{"url":"`+old+`","etag":"\"v1\"","failures":0,"last_status":"ok","items_seen":4}`)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveFeedState(ctx, newer, []byte(`{"v":99,"url":"`+newer+`","etag":"\"v1\"","renamed":true}`)); err != nil {
		t.Fatal(err)
	}
	in := r.ingester([]ingest.Source{{URL: old}, {URL: newer}}, nil)
	status, err := in.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := status[0].State; s.ETag != `"v1"` || s.ItemsSeen != 4 {
		t.Errorf("state written before versions: %+v", s)
	}
	if s := status[1].State; s.ETag != "" || status[1].Health != feeds.NeverPolled {
		t.Errorf("state of a newer format: %+v (%s), want a feed never polled", s, status[1].Health)
	}
	if rep := in.Pass(ctx, nil); rep.Errors != 0 {
		t.Fatalf("pass: %+v", rep)
	}
	raw, err := st.FeedStates(ctx, []string{old})
	if err != nil || !strings.Contains(string(raw[0]), `"v":1`) {
		t.Errorf("saved state %s (%v) carries no format version", raw[0], err)
	}
}

// TestCancelledPoll: a poll cancelled while the feed is being fetched (shutdown,
// or the lease lost) did not happen: it is not counted or logged as a failure,
// and it does not save its stale state over what another process stored since.
func TestCancelledPoll(t *testing.T) {
	t.Parallel()
	st := storetest.OpenEmbedded(t, store.Options{})
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	feed := srv.URL + "/feed"
	r := newRig(t, st)
	var outcomes atomic.Int64
	in := r.ingester([]ingest.Source{{URL: feed}}, func(o *ingest.Options) {
		o.OnPoll = func(string) { outcomes.Add(1) }
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan ingest.Report)
	go func() { done <- in.Pass(ctx, nil) }()
	<-arrived
	// Meanwhile another process polled the feed and saved its state.
	newer := []byte(`{"url":"` + feed + `","failures":0,"items_seen":9,"last_status":"ok"}`)
	if err := st.SaveFeedState(context.Background(), feed, newer); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	raw, err := st.FeedStates(context.Background(), []string{feed})
	if err != nil {
		t.Fatal(err)
	}
	if string(raw[0]) != string(newer) {
		t.Errorf("stored state %s, want the other process's %s", raw[0], newer)
	}
	if n := outcomes.Load(); n != 0 {
		t.Errorf("%d poll outcomes reported for a cancelled poll", n)
	}
	r.logMu.Lock()
	defer r.logMu.Unlock()
	if strings.Contains(r.logs.String(), "feed poll failed") {
		t.Errorf("cancelled poll logged as failed:\n%s", r.logs)
	}
}

// logRecorder is a slog.Handler that keeps every record, for asserting on levels
// and messages rather than on formatted text.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// count returns how many records at level have a message starting with prefix.
func (h *logRecorder) count(level slog.Level, prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.records {
		if r.Level == level && strings.HasPrefix(r.Message, prefix) {
			n++
		}
	}
	return n
}

func (h *logRecorder) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, r := range h.records {
		fmt.Fprintf(&b, "%s %s\n", r.Level, r.Message)
	}
	return b.String()
}

// TestOfflineOneWarning: when (nearly) every feed of a round cannot be reached,
// Run logs one warning for the round and each feed's failure at debug level; when
// the network works, each failure is a warning of its own, as before.
func TestOfflineOneWarning(t *testing.T) {
	t.Parallel()
	w := newWeb(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // connection refused from now on, as with no network
	tests := []struct {
		name                   string
		unreachable, reachable int
		aggregate              string // the one warning, "" for none
	}{
		{"all down", 8, 0, "feeds unreachable: 8 of 8 failed, is the network down?"},
		{"most down", 10, 1, "feeds unreachable: 10 of 11 failed, is the network down?"},
		{"some down", 6, 2, ""},
		{"too few to tell", 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, storetest.OpenEmbedded(t, store.Options{}))
			var srcs []ingest.Source
			for i := range tt.unreachable {
				srcs = append(srcs, ingest.Source{URL: fmt.Sprintf("%s/feed/%d", down.URL, i)})
			}
			for i := range tt.reachable {
				path := fmt.Sprintf("/%s/good/%d", strings.ReplaceAll(tt.name, " ", "-"), i)
				w.setFeed(path, "application/rss+xml", rss(w.URL))
				srcs = append(srcs, ingest.Source{URL: w.URL + path})
			}
			logs := &logRecorder{}
			in := r.ingester(srcs, func(o *ingest.Options) { o.Logger = slog.New(logs) })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ran := make(chan error, 1)
			go func() { ran <- in.Run(ctx) }()
			// Every failed poll is logged, at one level or the other, once the round's
			// verdict is in.
			deadline := time.Now().Add(time.Minute)
			for logs.count(slog.LevelWarn, "feed poll failed")+logs.count(slog.LevelDebug, "feed poll failed") < tt.unreachable {
				if time.Now().After(deadline) {
					t.Fatalf("not every failed poll was logged:\n%s", logs)
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			<-ran
			warned, debug := logs.count(slog.LevelWarn, "feed poll failed"), logs.count(slog.LevelDebug, "feed poll failed")
			if tt.aggregate != "" {
				if n := logs.count(slog.LevelWarn, tt.aggregate); n != 1 || logs.count(slog.LevelWarn, "feeds unreachable") != 1 {
					t.Errorf("%d warnings %q, want one:\n%s", n, tt.aggregate, logs)
				}
				if warned != 0 || debug != tt.unreachable {
					t.Errorf("%d per-feed warnings and %d debug lines, want 0 and %d:\n%s", warned, debug, tt.unreachable, logs)
				}
				return
			}
			if n := logs.count(slog.LevelWarn, "feeds unreachable"); n != 0 {
				t.Errorf("%d outage warnings with the network up:\n%s", n, logs)
			}
			if warned != tt.unreachable || debug != 0 {
				t.Errorf("%d per-feed warnings and %d debug lines, want %d and 0:\n%s", warned, debug, tt.unreachable, logs)
			}
		})
	}
}
