package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/parallax-news/parallax/internal/canon"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/ingest"
	"github.com/parallax-news/parallax/internal/outlets"
)

// TestStoriesList: GET /api/v1/stories lists stories with their balance, by recency
// or coverage.
func TestStoriesList(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	for _, f := range []struct{ file, url string }{
		{"bbc.html", bbcURL},
		{"guardian.html", "https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse"},
		{"fox.html", "https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river"},
	} {
		if resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": f.url, "html": fixture(t, f.file)}); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", f.file, resp.StatusCode, body)
		}
	}
	for _, sort := range []string{"recent", "coverage"} {
		resp, body := get(t, ts.URL+"/api/v1/stories?sort="+sort+"&limit=5")
		list, _ := body["stories"].([]any)
		if resp.StatusCode != 200 || len(list) != 1 {
			t.Fatalf("%s: %d %v", sort, resp.StatusCode, body)
		}
		s := list[0]
		if path(s, "article_count") != 3.0 || path(s, "outlet_count") != 3.0 || path(s, "balance", "left") != 1.0 ||
			path(s, "balance", "right") != 1.0 || path(s, "title") == "" {
			t.Errorf("%s: story %v", sort, s)
		}
	}
	for _, q := range []string{"?sort=popular", "?limit=0", "?limit=1000"} {
		if resp, body := get(t, ts.URL+"/api/v1/stories"+q); resp.StatusCode != 400 {
			t.Errorf("%s: %d %v", q, resp.StatusCode, body)
		}
	}
}

// feedSite serves one good RSS feed with one article.
func feedSite(t *testing.T) *httptest.Server {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>T</title><item><title>Kestrelford bridge collapses</title><link>http://%s/bridge</link><pubDate>%s</pubDate></item></channel></rss>`,
				r.Host, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
		case "/bridge":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, fixture(t, "bbc.html"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	return site
}

// TestFeedsStatusAndOffline: with feeds that cannot be reached, the ingester logs
// each failure once, the status API reports them, and lookups keep working.
func TestFeedsStatusAndOffline(t *testing.T) {
	t.Parallel()
	s, ts := startServer(t, testConfig(t, nil))
	site := feedSite(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	in := ingest.New(ingest.Options{
		Store: s.store, Lookup: s.lookups,
		Fetcher: fetch.New(fetch.Options{Timeout: time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
		Sources: []ingest.Source{{URL: site.URL + "/feed", OutletID: "bbc-news"}, {URL: "http://127.0.0.1:1/feed", OutletID: "cnn"}, {URL: "http://unreachable.invalid/rss", OutletID: "guardian"}},
		HostGap: -1,
		Logger: slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnPoll: s.metrics.observePoll, OnArticle: s.metrics.observeIngested,
	})
	s.api.ingest = in
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	// Lookups work while feeds fail.
	if resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": "https://www.foxnews.com/world/bridge", "html": fixture(t, "fox.html")}); resp.StatusCode != 200 {
		t.Fatalf("lookup during ingestion: %d %v", resp.StatusCode, body)
	}
	// One round of polls: every feed polled once and the good feed's article in.
	bridge, err := canon.URL(site.URL + "/bridge")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every feed to be polled once", func() bool {
		status, err := in.Status(context.Background())
		if err != nil {
			return false
		}
		for _, st := range status {
			if st.State.LastPoll.IsZero() {
				return false
			}
		}
		indexed, err := s.store.ArticlesIndexed(context.Background(), []string{bridge})
		return err == nil && indexed[0]
	})
	cancel()
	<-done
	mu.Lock()
	warned := strings.Count(logs.String(), "feed poll failed")
	mu.Unlock()
	if warned != 2 {
		t.Errorf("%d warnings for two failing feeds over one backoff step:\n%s", warned, logs.String())
	}
	resp, body := get(t, ts.URL+"/api/v1/feeds/status")
	// Feeds that have never answered are failing, not backing off.
	if resp.StatusCode != 200 || path(body, "counts", "healthy") != 1.0 || path(body, "counts", "failing") != 2.0 || path(body, "counts", "backing_off") != 0.0 {
		t.Fatalf("status: %d %v", resp.StatusCode, body)
	}
	resp, body = get(t, ts.URL+"/api/v1/feeds/status?health=failing")
	list, _ := body["feeds"].([]any)
	if resp.StatusCode != 200 || len(list) != 2 || path(list[0], "last_error") == "" || path(list[0], "next_poll") == nil {
		t.Fatalf("failing: %d %v", resp.StatusCode, body)
	}
	if resp, _ := get(t, ts.URL+"/api/v1/feeds/status?health=sick"); resp.StatusCode != 400 {
		t.Errorf("bad filter: %d", resp.StatusCode)
	}
	// The feed's article is indexed.
	resp, body = get(t, ts.URL+"/api/v1/lookup?url="+site.URL+"/bridge")
	if resp.StatusCode != 200 || path(body, "outlet", "id") != "bbc-news" {
		t.Errorf("ingested article: %d %v", resp.StatusCode, body)
	}
	metrics, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer metrics.Body.Close()
	text, _ := io.ReadAll(metrics.Body)
	for _, want := range []string{`parallax_feed_polls_total{outcome="ok"} 1`, `parallax_feed_polls_total{outcome="error"} 2`,
		`parallax_articles_ingested_total{kind="full"} 1`, `parallax_ingest_lag_seconds_count 1`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestIngestCommand(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run([]string{"ingest", "--bogus"}, nil, io.Discard, &stderr, env(nil)); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	if code := run([]string{"ingest", "--once"}, nil, io.Discard, &stderr, env(map[string]string{"PARALLAX_POLL_INTERVAL": "5s"})); code != 2 || !strings.Contains(stderr.String(), "PARALLAX_POLL_INTERVAL") {
		t.Errorf("bad config: exit %d, %s", code, stderr.String())
	}
}

// onlyOutletsFile writes a PARALLAX_OUTLETS_FILE that removes every built-in outlet
// and adds one publishing the given feeds, so a command that polls feeds polls these
// and never the real sites of the registry.
func onlyOutletsFile(t *testing.T, feedURLs ...string) string {
	t.Helper()
	reg, err := outlets.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for _, o := range reg.All() {
		records = append(records, map[string]any{"id": o.ID, "remove": true})
	}
	records = append(records, map[string]any{"id": "kestrel-post", "name": "Kestrel Post", "domains": []string{"kestrelpost.example"}, "feeds": feedURLs})
	b, err := json.Marshal(records)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "outlets.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestIngestOnceExitCode: `parallax ingest --once` prints its summary line first
// and exits 1 when every feed failed (no network, a wrong outlets file), 0 when
// any feed worked.
func TestIngestOnceExitCode(t *testing.T) {
	t.Parallel()
	good := feedSite(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // connection refused, as with no network
	tests := []struct {
		name    string
		feeds   []string
		code    int
		summary string
		stderr  string
	}{
		{"every feed failed", []string{down.URL + "/a", down.URL + "/b"}, 1, "polled 2 of 2 feeds in ", "every feed failed (2 of 2)"},
		{"one feed failed", []string{down.URL + "/a"}, 1, "polled 1 of 1 feed in ", "every feed failed (1 of 1)"},
		{"one of two worked", []string{good.URL + "/feed", down.URL + "/a"}, 0, "polled 2 of 2 feeds in ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run([]string{"ingest", "--once"}, nil, &stdout, &stderr, env(map[string]string{
				"PARALLAX_DATA_DIR": t.TempDir(), "PARALLAX_OUTLETS_FILE": onlyOutletsFile(t, tt.feeds...),
				"PARALLAX_FETCH_ALLOW_PRIVATE": "true", "PARALLAX_INGEST_HOST_GAP": "0s",
			}))
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			first, _, _ := strings.Cut(stdout.String(), "\n")
			if !strings.HasPrefix(first, tt.summary) {
				t.Errorf("first line %q, want the summary %q...", first, tt.summary)
			}
			if tt.stderr != "" && !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
			if tt.stderr == "" && stderr.Len() != 0 {
				t.Errorf("stderr %q, want nothing", stderr.String())
			}
		})
	}
}
