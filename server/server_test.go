package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// fixture pages shared with the lookup tests: one invented event in three outlets.
const fixtureDir = "../internal/lookup/testdata"

const bbcURL = "https://www.bbc.co.uk/news/uk-england-99001122"

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testConfig is a configuration for in-process servers: embedded store in a temp
// folder unless the caller sets a Redis URL.
func testConfig(t testing.TB, mods map[string]string) Config {
	t.Helper()
	vars := map[string]string{"PARALLAX_DATA_DIR": t.TempDir(), "PARALLAX_LOG_LEVEL": "error", "PARALLAX_INGEST": "off"}
	for k, v := range mods {
		vars[k] = v
	}
	c, err := loadConfig(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startServer(t testing.TB, cfg Config) (*server, *httptest.Server) {
	t.Helper()
	s, err := newServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.echo)
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts
}

func postJSON(t testing.TB, url string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	resp, err := http.Post(url, "application/json", r)
	if err != nil {
		t.Fatal(err)
	}
	return resp, decode(t, resp)
}

// chunked hides the body's length from net/http, which then sends it with chunked
// transfer encoding: no Content-Length for the server to check up front.
func chunked(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

func get(t testing.TB, url string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return resp, decode(t, resp)
}

func decode(t testing.TB, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: body is not JSON: %v", resp.Request.URL.Path, err)
	}
	return m
}

// path walks a decoded JSON value: path(m, "story", "balance", "left").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestLookupAPI: a posted page gives article, outlet and story; the same URL again
// without HTML comes from the index; the story endpoint returns the same story.
func TestLookupAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL + "?utm_source=x", "html": fixture(t, "bbc.html")})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, body)
	}
	checks := []struct {
		keys []string
		want any
	}{
		{[]string{"article", "url"}, bbcURL + "?utm_source=x"},
		{[]string{"article", "canonical_url"}, bbcURL},
		{[]string{"article", "title"}, "Harbour Bridge in Kestrelford collapses during morning rush hour"},
		{[]string{"article", "published"}, "2026-11-20T08:40:00Z"},
		{[]string{"outlet", "id"}, "bbc-news"},
		{[]string{"outlet", "bias"}, "center"},
		{[]string{"story", "article_count"}, 1.0},
		{[]string{"story", "outlet_count"}, 1.0},
		{[]string{"story", "balance", "center"}, 1.0},
		{[]string{"story", "balance", "center_pct"}, 100.0},
	}
	for _, c := range checks {
		if got := path(body, c.keys...); got != c.want {
			t.Errorf("%s = %v, want %v", strings.Join(c.keys, "."), got, c.want)
		}
	}
	id, _ := path(body, "story", "id").(string)
	resp, again := get(t, ts.URL+"/api/v1/lookup?url="+bbcURL)
	if resp.StatusCode != http.StatusOK || path(again, "story", "id") != id {
		t.Fatalf("GET lookup: %d %v", resp.StatusCode, again)
	}
	resp, story := get(t, ts.URL+"/api/v1/stories/"+id)
	if resp.StatusCode != http.StatusOK || path(story, "id") != id || path(story, "articles") == nil {
		t.Fatalf("GET story: %d %v", resp.StatusCode, story)
	}
}

// TestRestartKeepsStory: after a restart on the embedded store the story is there.
func TestRestartKeepsStory(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, nil)
	s, err := newServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.echo)
	_, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")})
	id, _ := path(body, "story", "id").(string)
	if id == "" {
		t.Fatalf("no story: %v", body)
	}
	ts.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, ts2 := startServer(t, cfg)
	resp, story := get(t, ts2.URL+"/api/v1/stories/"+id)
	if resp.StatusCode != http.StatusOK || path(story, "article_count") != 1.0 {
		t.Fatalf("story after restart: %d %v", resp.StatusCode, story)
	}
	resp, again := get(t, ts2.URL+"/api/v1/lookup?url="+bbcURL)
	if resp.StatusCode != http.StatusOK || path(again, "story", "id") != id {
		t.Fatalf("lookup after restart: %d %v", resp.StatusCode, again)
	}
}

// TestErrors: every error class answers its status with the JSON error shape.
func TestErrors(t *testing.T) {
	t.Parallel()
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			http.Error(w, "down", http.StatusInternalServerError)
		case "/slow":
			<-r.Context().Done() // never answers: only the fetch timeout ends it
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.7"))
		}
	}))
	t.Cleanup(pages.Close)
	_, strict := startServer(t, testConfig(t, nil))
	_, loose := startServer(t, testConfig(t, map[string]string{"PARALLAX_FETCH_ALLOW_PRIVATE": "true", "PARALLAX_FETCH_TIMEOUT": "1s"}))
	_, down := startServer(t, testConfig(t, map[string]string{"PARALLAX_REDIS_URL": "redis://127.0.0.1:1/0"}))
	huge := `{"url": "` + bbcURL + `", "html": "` + strings.Repeat("a", 5<<20) + `"}`
	tests := []struct {
		name   string
		base   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"malformed URL", strict.URL, "GET", "/api/v1/lookup?url=not%20a%20url", nil, 400, "invalid_url"},
		{"unsupported scheme", strict.URL, "POST", "/api/v1/lookup", map[string]string{"url": "ftp://example.com/a"}, 400, "unsupported_scheme"},
		{"missing url", strict.URL, "POST", "/api/v1/lookup", map[string]string{}, 400, "missing_url"},
		{"bad JSON", strict.URL, "POST", "/api/v1/lookup", "{nope", 400, "invalid_request"},
		{"empty body", strict.URL, "POST", "/api/v1/lookup", "", 400, "invalid_request"},
		{"body too large", strict.URL, "POST", "/api/v1/lookup", huge, 413, "body_too_large"},
		{"chunked body too large", strict.URL, "POST", "/api/v1/lookup", chunked(huge), 413, "body_too_large"},
		{"not an article", strict.URL, "POST", "/api/v1/lookup", map[string]string{"url": "https://www.example.com/", "html": fixture(t, "home.html")}, 422, "not_an_article"},
		{"broken HTML", strict.URL, "POST", "/api/v1/lookup", map[string]string{"url": "https://www.example.com/x", "html": "<html><body><div><div><p>\x00\xff<<<"}, 422, "not_an_article"},
		{"private address", strict.URL, "GET", "/api/v1/lookup?url=" + pages.URL + "/broken", nil, 422, "blocked_address"},
		{"not HTML", loose.URL, "GET", "/api/v1/lookup?url=" + pages.URL + "/pdf", nil, 422, "not_html"},
		{"publisher fails", loose.URL, "GET", "/api/v1/lookup?url=" + pages.URL + "/broken", nil, 502, "publisher_error"},
		{"publisher unreachable", loose.URL, "GET", "/api/v1/lookup?url=http://127.0.0.1:1/x", nil, 502, "publisher_unreachable"},
		{"publisher timeout", loose.URL, "GET", "/api/v1/lookup?url=" + pages.URL + "/slow", nil, 504, "publisher_timeout"},
		{"store down", down.URL, "POST", "/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")}, 503, "store_unavailable"},
		{"store down readyz", down.URL, "GET", "/readyz", nil, 503, "store_unavailable"},
		{"no such story", strict.URL, "GET", "/api/v1/stories/snope", nil, 404, "not_found"},
		{"no such route", strict.URL, "GET", "/api/v2/nothing", nil, 404, "not_found"},
		{"wrong method", strict.URL, "DELETE", "/api/v1/lookup", nil, 405, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var resp *http.Response
			var body map[string]any
			switch tt.method {
			case "GET":
				resp, body = get(t, tt.base+tt.path)
			case "POST":
				resp, body = postJSON(t, tt.base+tt.path, tt.body)
			default:
				req, _ := http.NewRequest(tt.method, tt.base+tt.path, nil)
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp, body = r, decode(t, r)
			}
			if resp.StatusCode != tt.status || path(body, "error", "code") != tt.code {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			if msg, _ := path(body, "error", "message").(string); msg == "" {
				t.Errorf("no error message: %v", body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

// TestOpenAPICoversRoutes: every API route the server answers is in the OpenAPI
// document.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	s, ts := startServer(t, testConfig(t, nil))
	resp, doc := get(t, ts.URL+"/api/v1/openapi.json")
	if resp.StatusCode != http.StatusOK || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %v", resp.StatusCode, doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	n := 0
	for _, r := range s.echo.Router().Routes() {
		p := r.Path
		if isPagePath(p) {
			continue // the HTML pages are for people, not part of the API
		}
		// Echo writes parameters as :id, OpenAPI as {id}.
		parts := strings.Split(p, "/")
		for i, part := range parts {
			if strings.HasPrefix(part, ":") {
				parts[i] = "{" + part[1:] + "}"
			}
		}
		p = strings.Join(parts, "/")
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", r.Method, p)
			continue
		}
		if _, ok := item[strings.ToLower(r.Method)]; !ok {
			t.Errorf("method %s of %s is not in openapi.json", r.Method, p)
		}
		n++
	}
	if n < 7 {
		t.Errorf("only %d routes checked", n)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, ts.URL+p); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %v", p, resp.StatusCode, body)
		}
	}
	postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")})
	get(t, ts.URL+"/api/v1/lookup?url="+bbcURL)
	get(t, ts.URL+"/api/v1/lookup?url=nope")
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`parallax_http_requests_total{method="POST",route="/api/v1/lookup",status="200"} 1`,
		`parallax_http_requests_total{method="GET",route="/api/v1/lookup",status="400"} 1`,
		`parallax_http_request_duration_seconds_bucket{method="GET",route="/api/v1/lookup",le="+Inf"} 2`,
		`parallax_lookups_total{outcome="posted"} 1`,
		`parallax_lookups_total{outcome="indexed"} 1`,
		`parallax_lookups_total{outcome="error"} 1`,
		`parallax_store_call_duration_seconds_count{op="add_article",result="ok"} 1`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRealRedis: the server works the same on the real Redis.
func TestRealRedis(t *testing.T) {
	t.Parallel()
	if storetest.RedisURL() == "none" {
		t.Skip("no real Redis configured")
	}
	// A prefix of its own, purged once the server has closed: closing writes the
	// pending document counts, which a purge before it would leave behind.
	prefix := fmt.Sprintf("pxtest-realredis-%d:", time.Now().UnixNano())
	t.Cleanup(func() {
		p, err := store.Open(context.Background(), store.Options{URL: storetest.RedisURL(), Prefix: prefix})
		if err != nil {
			t.Errorf("purge: %v", err)
			return
		}
		defer p.Close()
		if err := p.Purge(context.Background()); err != nil {
			t.Errorf("purge: %v", err)
		}
	})
	cfg := testConfig(t, map[string]string{"PARALLAX_REDIS_URL": storetest.RedisURL()})
	cfg.StorePrefix = prefix
	_, ts := startServer(t, cfg)
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")})
	if resp.StatusCode != http.StatusOK || path(body, "outlet", "id") != "bbc-news" {
		t.Fatalf("%d %v", resp.StatusCode, body)
	}
}

// TestTooLargeNamesLimit: a page over one of extraction's limits is told which one;
// 100,000 nested divs are a few hundred KB, and "larger than 5 MiB" was false.
func TestTooLargeNamesLimit(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	tests := []struct {
		name, html, words string
	}{
		{"nested", "<html><body>" + strings.Repeat("<div>", 100_000) + "text", "more than 512 levels of nesting"},
		{"elements", "<html><body>" + strings.Repeat("<p>a</p>", 60_000), "60,003 elements"}, // with html, head and body,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": tt.html})
			msg, _ := path(body, "error", "message").(string)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || path(body, "error", "code") != "page_too_large" || !strings.Contains(msg, tt.words) {
				t.Errorf("got %d %v, want 413 page_too_large saying %q", resp.StatusCode, body, tt.words)
			}
		})
	}
}

// TestTooComplexNamesBound: a posted page within the size limits whose shape
// would cost more work than one page may is refused with 422 page_too_complex,
// naming the bound.
func TestTooComplexNamesBound(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	// 3,000 elements with 100-byte class names: 300,000 bytes of names, a
	// 330 kB page, parsed in milliseconds, over the 262,144 bytes readability
	// may match its regexps against.
	page := "<html><body><p>" + strings.Repeat("word ", 100) + "</p>" +
		strings.Repeat(`<i class="`+strings.Repeat("x", 100)+`">a</i>`, 3000) + "</body></html>"
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": page})
	msg, _ := path(body, "error", "message").(string)
	if resp.StatusCode != http.StatusUnprocessableEntity || path(body, "error", "code") != "page_too_complex" ||
		!strings.Contains(msg, "300,000 bytes of class and id names") || !strings.Contains(msg, "262,144") {
		t.Fatalf("got %d %v, want 422 page_too_complex naming 300,000 bytes of class and id names", resp.StatusCode, body)
	}
}
