package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/fetch"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is the test clock; the fixtures' dates are set around it.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

const testInterval = 10 * time.Minute

// loopback lets the fetch client reach httptest servers.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

func newFetcher(opts fetch.Options) *fetch.Client {
	if opts.Allow == nil {
		opts.Allow = loopback
	}
	return fetch.New(opts)
}

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func noJitter(time.Duration) time.Duration { return 0 }

// newPoller returns a Poller at testNow without jitter, unless opts says otherwise.
func newPoller(f *fetch.Client, opts Options) *Poller {
	if opts.Interval == 0 {
		opts.Interval = testInterval
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	if opts.Jitter == nil {
		opts.Jitter = noJitter
	}
	return New(f, opts)
}

// serveTestdata serves testdata/<name> at /feeds/<name> with contentType,
// and an ETag so that tests can check a failed parse does not record it.
func serveTestdata(t *testing.T, contentType string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("ETag", `"fixture"`)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// pollFixture polls testdata/name served with contentType and fails the
// test on error.
func pollFixture(t *testing.T, name, contentType string, opts Options) (Result, *httptest.Server) {
	t.Helper()
	srv := serveTestdata(t, contentType)
	p := newPoller(newFetcher(fetch.Options{}), opts)
	res, err := p.Poll(t.Context(), State{URL: srv.URL + "/feeds/" + name})
	if err != nil {
		t.Fatalf("Poll(%s): %v", name, err)
	}
	return res, srv
}

func TestPollFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, contentType string
		want                    int // items with a link
	}{
		{"rss 2.0", "rss.xml", "application/rss+xml", 3},
		{"atom 1.0", "atom.xml", "application/atom+xml; charset=utf-8", 2},
		{"json feed 1.1", "feed.json", "application/feed+json", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := pollFixture(t, tt.file, tt.contentType, Options{})
			if len(res.Items) != tt.want {
				t.Errorf("got %d items, want %d", len(res.Items), tt.want)
			}
			st := res.State
			if st.LastStatus != StatusOK || st.Failures != 0 || st.LastError != "" || st.Health() != Healthy {
				t.Errorf("state = %+v, want a healthy ok state", st)
			}
			if !st.LastPoll.Equal(testNow) || !st.LastSuccess.Equal(testNow) || !st.NextPoll.Equal(testNow.Add(testInterval)) {
				t.Errorf("times: last poll %v, last success %v, next poll %v; want %v, %v, %v",
					st.LastPoll, st.LastSuccess, st.NextPoll, testNow, testNow, testNow.Add(testInterval))
			}
			if st.ItemsSeen != int64(tt.want) || st.ETag != `"fixture"` {
				t.Errorf("items seen %d, etag %q; want %d, %q", st.ItemsSeen, st.ETag, tt.want, `"fixture"`)
			}
			compareGolden(t, tt.file, res.Items)
		})
	}
}

// compareGolden compares items with testdata/<file>.golden.json, or
// rewrites it with -update.
func compareGolden(t *testing.T, file string, items []Item) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & and < readable in the golden files
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", file+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("items differ from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestPollCharsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, contentType string
		title, summary          string
	}{
		{
			name: "ISO-8859-1 in the XML declaration", file: "latin1.xml", contentType: "application/rss+xml",
			title:   "Élections : la réforme passée à Zürich",
			summary: "Le débat a duré jusqu'à l'aube ; « enfin », dit le président.",
		},
		{
			name: "windows-1252 in the Content-Type only", file: "cp1252.xml", contentType: "application/rss+xml; charset=windows-1252",
			title:   "“Record” quarter: profits up €2bn – analysts",
			summary: "Café chain’s shares rose 4%…",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := pollFixture(t, tt.file, tt.contentType, Options{})
			if len(res.Items) != 1 {
				t.Fatalf("got %d items, want 1", len(res.Items))
			}
			if got := res.Items[0].Title; got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
			if got := res.Items[0].Summary; got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
		})
	}
}

// checkFailure checks what every failed poll must leave in the state.
func checkFailure(t *testing.T, res Result, err error, before State, wantFailures int) {
	t.Helper()
	if err == nil {
		t.Fatal("Poll succeeded, want an error")
	}
	if !strings.HasPrefix(err.Error(), "feeds: 127.0.0.1: ") {
		t.Errorf("error %q lacks the feeds: <host>: prefix", err)
	}
	st := res.State
	if st.Failures != wantFailures || st.LastStatus != StatusError || st.LastError == "" {
		t.Errorf("state = %+v, want %d failures, status error and a message", st, wantFailures)
	}
	if strings.Contains(st.LastError, "127.0.0.1") {
		t.Errorf("LastError %q names an address", st.LastError)
	}
	if !st.LastPoll.Equal(testNow) || !st.LastSuccess.Equal(before.LastSuccess) {
		t.Errorf("last poll %v, last success %v; want %v, %v", st.LastPoll, st.LastSuccess, testNow, before.LastSuccess)
	}
	if st.ETag != before.ETag || st.LastModified != before.LastModified || st.ItemsSeen != before.ItemsSeen {
		t.Errorf("state = %+v: validators or items seen changed on failure (before %+v)", st, before)
	}
	if len(res.Items) != 0 || res.NotModified {
		t.Errorf("a failed poll returned %d items, not modified %v", len(res.Items), res.NotModified)
	}
}

func TestPollMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, contentType string
		lastError               string
	}{
		{"truncated RSS", "truncated.xml", "application/rss+xml", "not a feed: XML syntax error on line 12: unexpected EOF"},
		{"XML that is not a feed", "not-a-feed.xml", "application/xml", "not a feed: not RSS, Atom or JSON Feed"},
		{"truncated JSON", "broken.json", "application/json", "not a feed: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serveTestdata(t, tt.contentType)
			p := newPoller(newFetcher(fetch.Options{}), Options{})
			before := State{URL: srv.URL + "/feeds/" + tt.file, ItemsSeen: 7, LastSuccess: testNow.Add(-time.Hour)}
			res, err := p.Poll(t.Context(), before)
			checkFailure(t, res, err, before, 1)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
			if res.State.LastError != tt.lastError {
				t.Errorf("LastError = %q, want %q", res.State.LastError, tt.lastError)
			}
			if want := "feeds: 127.0.0.1: " + tt.lastError; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if want := testNow.Add(2 * testInterval); !res.State.NextPoll.Equal(want) {
				t.Errorf("next poll %v, want %v", res.State.NextPoll, want)
			}
		})
	}
}

// bigFeed writes an RSS document of at least size bytes.
func bigFeed(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Big</title>`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "<item><title>Item %d</title><link>https://big.example/%d</link><description>%s</description></item>\n",
			i, i, strings.Repeat("padding ", 40))
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

func TestPollTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	body := bigFeed(limit + 1)
	tests := []struct {
		name          string
		contentLength bool // declared up front, or only found out while reading
	}{
		{"declared length", true},
		{"streamed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				if tt.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.Write(body[:len(body)/2])
				w.(http.Flusher).Flush() // no Content-Length: chunked
				w.Write(body[len(body)/2:])
			}))
			t.Cleanup(srv.Close)
			p := newPoller(newFetcher(fetch.Options{MaxBytes: limit}), Options{})
			before := State{URL: srv.URL + "/big.xml"}
			res, err := p.Poll(t.Context(), before)
			checkFailure(t, res, err, before, 1)
			if !errors.Is(err, fetch.ErrTooLarge) || !strings.Contains(err.Error(), "64 KiB") {
				t.Errorf("error %q: want fetch.ErrTooLarge naming the 64 KiB limit", err)
			}
			if want := "feed larger than 64 KiB"; res.State.LastError != want {
				t.Errorf("LastError = %q, want %q", res.State.LastError, want)
			}
		})
	}
}

func TestPollConditional(t *testing.T) {
	t.Parallel()
	const etag, lastModified = `"v1-abc"`, "Mon, 09 Mar 2026 08:00:00 GMT"
	tests := []struct {
		name               string
		etag, lastModified string // what the server sends
	}{
		{"etag", etag, ""},
		{"last-modified", "", lastModified},
		{"both", etag, lastModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join("testdata", "rss.xml"))
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var seen []http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Clone())
				mu.Unlock()
				if tt.etag != "" {
					w.Header().Set("ETag", tt.etag)
				}
				if tt.lastModified != "" {
					w.Header().Set("Last-Modified", tt.lastModified)
				}
				if (tt.etag != "" && r.Header.Get("If-None-Match") == tt.etag) ||
					(tt.etag == "" && tt.lastModified != "" && r.Header.Get("If-Modified-Since") == tt.lastModified) {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(body)
			}))
			t.Cleanup(srv.Close)
			var clk clock
			clk.Set(testNow)
			p := newPoller(newFetcher(fetch.Options{}), Options{Now: clk.Now})

			first, err := p.Poll(t.Context(), State{URL: srv.URL + "/rss.xml"})
			if err != nil {
				t.Fatal(err)
			}
			if first.State.ETag != tt.etag || first.State.LastModified != tt.lastModified {
				t.Errorf("validators (%q, %q), want (%q, %q)", first.State.ETag, first.State.LastModified, tt.etag, tt.lastModified)
			}
			later := testNow.Add(time.Hour)
			clk.Set(later)
			second, err := p.Poll(t.Context(), first.State)
			if err != nil {
				t.Fatal(err)
			}

			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(seen))
			}
			if h := seen[0]; h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
				t.Errorf("first request was conditional: %v", h)
			}
			if got := seen[1].Get("If-None-Match"); got != tt.etag {
				t.Errorf("If-None-Match = %q, want %q", got, tt.etag)
			}
			if got := seen[1].Get("If-Modified-Since"); got != tt.lastModified {
				t.Errorf("If-Modified-Since = %q, want %q", got, tt.lastModified)
			}

			st := second.State
			if !second.NotModified || len(second.Items) != 0 {
				t.Errorf("not modified %v with %d items, want a 304 without items", second.NotModified, len(second.Items))
			}
			if st.LastStatus != StatusNotModified || st.Failures != 0 || st.Health() != Healthy {
				t.Errorf("state = %+v, want a healthy not_modified state", st)
			}
			if st.ItemsSeen != first.State.ItemsSeen || st.ETag != tt.etag || st.LastModified != tt.lastModified {
				t.Errorf("state = %+v: items seen or validators changed on 304", st)
			}
			if !st.LastSuccess.Equal(later) || !st.NextPoll.Equal(later.Add(testInterval)) {
				t.Errorf("last success %v, next poll %v; want %v, %v", st.LastSuccess, st.NextPoll, later, later.Add(testInterval))
			}
		})
	}
}

func TestPollRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter func() string // evaluated when the server answers
		wantGap    time.Duration
		slack      time.Duration // HTTP-dates have one-second resolution and use the real clock
		wantError  string        // LastError prefix
	}{
		{
			name: "429 with seconds longer than the backoff", status: http.StatusTooManyRequests,
			retryAfter: func() string { return "3600" }, wantGap: time.Hour,
			wantError: "the site answered 429 Too Many Requests (retry after 1h)",
		},
		{
			name: "429 with seconds shorter than the backoff", status: http.StatusTooManyRequests,
			retryAfter: func() string { return "60" }, wantGap: 2 * testInterval,
			wantError: "the site answered 429 Too Many Requests (retry after 1m)",
		},
		{
			name: "503 with an HTTP-date", status: http.StatusServiceUnavailable,
			retryAfter: func() string { return time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat) },
			wantGap:    2 * time.Hour, slack: 2 * time.Second,
			wantError: "the site answered 503 Service Unavailable (retry after ", // 2h or 1h59m59s
		},
		{
			name: "503 without Retry-After", status: http.StatusServiceUnavailable,
			retryAfter: func() string { return "" }, wantGap: 2 * testInterval,
			wantError: "the site answered 503 Service Unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if v := tt.retryAfter(); v != "" {
					w.Header().Set("Retry-After", v)
				}
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			p := newPoller(newFetcher(fetch.Options{}), Options{})
			before := State{URL: srv.URL + "/feed.xml"}
			res, err := p.Poll(t.Context(), before)
			checkFailure(t, res, err, before, 1)
			var se *fetch.StatusError
			if !errors.As(err, &se) || se.Code != tt.status || !errors.Is(err, fetch.ErrStatus) {
				t.Errorf("error %v: want a *fetch.StatusError %d", err, tt.status)
			}
			gap := res.State.NextPoll.Sub(testNow)
			if gap > tt.wantGap || gap < tt.wantGap-tt.slack {
				t.Errorf("next poll after %v, want %v (-%v)", gap, tt.wantGap, tt.slack)
			}
			if !strings.HasPrefix(res.State.LastError, tt.wantError) {
				t.Errorf("LastError = %q, want it to start with %q", res.State.LastError, tt.wantError)
			}
		})
	}
}

func TestPollBackoff(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	healthy := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ok := healthy
		mu.Unlock()
		if !ok {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	var clk clock
	clk.Set(testNow)
	p := newPoller(newFetcher(fetch.Options{}), Options{MaxBackoff: time.Hour, Now: clk.Now})

	// A feed that has worked before: its first failures only back off.
	st := State{URL: srv.URL + "/feed.xml", LastPoll: testNow.Add(-testInterval), LastSuccess: testNow.Add(-testInterval)}
	steps := []struct {
		gap    time.Duration
		health string
	}{
		{20 * time.Minute, BackingOff},
		{40 * time.Minute, BackingOff},
		{time.Hour, BackingOff}, // 80m capped
		{time.Hour, Failing},
		{time.Hour, Failing},
	}
	for i, step := range steps {
		now := clk.Now()
		if !st.Due(now) {
			t.Fatalf("poll %d: not due at %v (next poll %v)", i+1, now, st.NextPoll)
		}
		res, err := p.Poll(t.Context(), st)
		var se *fetch.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusInternalServerError {
			t.Fatalf("poll %d: error %v, want a 500 status error", i+1, err)
		}
		st = res.State
		if st.Failures != i+1 || st.Health() != step.health {
			t.Errorf("poll %d: %d failures, health %q; want %d, %q", i+1, st.Failures, st.Health(), i+1, step.health)
		}
		if got := st.NextPoll.Sub(now); got != step.gap {
			t.Errorf("poll %d: next poll after %v, want %v", i+1, got, step.gap)
		}
		if want := "the site answered 500 Internal Server Error"; st.LastError != want {
			t.Errorf("poll %d: LastError = %q, want %q", i+1, st.LastError, want)
		}
		clk.Set(st.NextPoll)
	}

	mu.Lock()
	healthy = true
	mu.Unlock()
	now := clk.Now()
	res, err := p.Poll(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	st = res.State
	if st.Failures != 0 || st.LastError != "" || st.LastStatus != StatusOK || st.Health() != Healthy {
		t.Errorf("after recovery: state = %+v, want healthy", st)
	}
	if got := st.NextPoll.Sub(now); got != testInterval {
		t.Errorf("after recovery: next poll after %v, want %v", got, testInterval)
	}
}

func TestPollTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the client gave up
	}))
	t.Cleanup(srv.Close)
	p := newPoller(newFetcher(fetch.Options{Timeout: 200 * time.Millisecond}), Options{})
	before := State{URL: srv.URL + "/slow.xml", Failures: 2, LastStatus: StatusError, LastError: "timed out"}
	// The server never answers: only the fetch timeout ends the poll, and the error
	// says it was the timeout.
	res, err := p.Poll(t.Context(), before)
	checkFailure(t, res, err, before, 3)
	if !errors.Is(err, fetch.ErrTimeout) {
		t.Errorf("error %v is not fetch.ErrTimeout", err)
	}
	if res.State.LastError != "timed out" {
		t.Errorf("LastError = %q, want %q", res.State.LastError, "timed out")
	}
	if want := testNow.Add(8 * testInterval); !res.State.NextPoll.Equal(want) {
		t.Errorf("next poll %v, want %v", res.State.NextPoll, want)
	}
}

func TestPollFetchErrors(t *testing.T) {
	t.Parallel()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Log in</title>"))
	}))
	t.Cleanup(html.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name      string
		url       string
		fetcher   *fetch.Client
		sentinel  error
		lastError string
	}{
		{"HTML page", html.URL + "/feed", newFetcher(fetch.Options{}), fetch.ErrContentType, `content type "text/html" is not a feed`},
		{"connection refused", closed.URL + "/feed", newFetcher(fetch.Options{}), fetch.ErrUnreachable, "connection refused"},
		{"private address", html.URL + "/feed", fetch.New(fetch.Options{}), fetch.ErrBlockedAddress, "address not allowed (private, local or reserved network)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPoller(tt.fetcher, Options{})
			before := State{URL: tt.url}
			res, err := p.Poll(t.Context(), before)
			checkFailure(t, res, err, before, 1)
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v is not %v", err, tt.sentinel)
			}
			if res.State.LastError != tt.lastError {
				t.Errorf("LastError = %q, want %q", res.State.LastError, tt.lastError)
			}
		})
	}
}

func TestPollInvalidURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, prefix, lastError string
	}{
		{"empty", "", "feeds: fetch: ", "only http and https URLs can be fetched"},
		{"ftp", "ftp://files.example/feed.xml", "feeds: files.example: fetch: ", "only http and https URLs can be fetched"},
		{"user info", "https://me:pw@news.example/feed.xml", "feeds: news.example: fetch: ", "URLs with a user name or password are not fetched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPoller(newFetcher(fetch.Options{}), Options{})
			res, err := p.Poll(t.Context(), State{URL: tt.url})
			if !errors.Is(err, fetch.ErrInvalidURL) || !strings.HasPrefix(err.Error(), tt.prefix) {
				t.Errorf("error %q: want fetch.ErrInvalidURL starting %q", err, tt.prefix)
			}
			if st := res.State; st.LastError != tt.lastError || st.Failures != 1 || st.Health() != Failing {
				t.Errorf("state = %+v, want one failure saying %q", st, tt.lastError)
			}
		})
	}
}

func TestPollCanceled(t *testing.T) {
	t.Parallel()
	srv := serveTestdata(t, "application/rss+xml")
	p := newPoller(newFetcher(fetch.Options{}), Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	before := State{URL: srv.URL + "/feeds/rss.xml", Failures: 1, NextPoll: testNow.Add(-time.Minute)}
	res, err := p.Poll(ctx, before)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if res.State != before {
		t.Errorf("state = %+v, want it unchanged (%+v): a canceled poll did not happen", res.State, before)
	}
}

func TestPollLinks(t *testing.T) {
	t.Parallel()
	res, srv := pollFixture(t, "links.xml", "application/rss+xml", Options{})
	want := []string{
		srv.URL + "/news/root-relative",
		srv.URL + "/feeds/path-relative.html",
		srv.URL + "/up/one.html?x=1&y=2",
		"http://other.example/scheme-relative",
		"https://links.example/absolute",
	}
	var got []string
	for _, it := range res.Items {
		got = append(got, it.URL)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("links:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.State.ItemsSeen != int64(len(want)) {
		t.Errorf("items seen %d, want %d", res.State.ItemsSeen, len(want))
	}
}

func TestPollHTML(t *testing.T) {
	t.Parallel()
	res, _ := pollFixture(t, "html.xml", "application/rss+xml", Options{})
	want := []struct{ title, summary string }{
		{"Breaking: storm & floods hit the coast", "Winds reached 140 km/h. Schools are closed."},
		{"Escaped markup & “quotes”", "First paragraph. Second line."},
		{"Plain < less than, 5 > 3", "Only content here."},
	}
	if len(res.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(res.Items), len(want))
	}
	for i, w := range want {
		if got := res.Items[i]; got.Title != w.title || got.Summary != w.summary {
			t.Errorf("item %d: (%q, %q), want (%q, %q)", i, got.Title, got.Summary, w.title, w.summary)
		}
	}
}

func TestPollDates(t *testing.T) {
	t.Parallel()
	res, _ := pollFixture(t, "dates.xml", "application/rss+xml", Options{})
	want := []struct {
		url       string
		published time.Time
	}{
		{"https://dates.example/ahead-12h", testNow.Add(12 * time.Hour)},
		{"https://dates.example/past-1h", testNow.Add(-time.Hour)},
		{"https://dates.example/ahead-2d", time.Time{}}, // clamped, then in document order
		{"https://dates.example/undated", time.Time{}},
		{"https://dates.example/2099", time.Time{}},
	}
	if len(res.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(res.Items), len(want))
	}
	for i, w := range want {
		if got := res.Items[i]; got.URL != w.url || !got.Published.Equal(w.published) {
			t.Errorf("item %d: %s at %v, want %s at %v", i, got.URL, got.Published, w.url, w.published)
		}
	}
}

func TestPollMaxItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxItems int
		want     []string
	}{
		{"three newest", 3, []string{"day-5", "day-4", "day-3"}},
		{"all, undated last in document order", 10, []string{"day-5", "day-4", "day-3", "day-2", "day-1", "undated-1", "undated-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := pollFixture(t, "order.xml", "application/rss+xml", Options{MaxItems: tt.maxItems})
			var got []string
			for _, it := range res.Items {
				got = append(got, it.Title)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("items %v, want %v", got, tt.want)
			}
			if res.State.ItemsSeen != int64(len(tt.want)) {
				t.Errorf("items seen %d, want %d", res.State.ItemsSeen, len(tt.want))
			}
		})
	}
}

func TestPollJitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		jitter  func(time.Duration) time.Duration
		wantGap time.Duration
	}{
		{"added", func(d time.Duration) time.Duration { return d / 10 }, 11 * time.Minute},
		{"subtracted", func(d time.Duration) time.Duration { return -d / 10 }, 9 * time.Minute},
		{"clamped above", func(d time.Duration) time.Duration { return 10 * d }, 15 * time.Minute},
		{"clamped below", func(d time.Duration) time.Duration { return -10 * d }, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := pollFixture(t, "rss.xml", "application/rss+xml", Options{Jitter: tt.jitter})
			if got := res.State.NextPoll.Sub(testNow); got != tt.wantGap {
				t.Errorf("next poll after %v, want %v", got, tt.wantGap)
			}
		})
	}
}

func TestUniformJitter(t *testing.T) {
	t.Parallel()
	const gap = 10 * time.Minute
	seen := map[time.Duration]bool{}
	for range 1000 {
		j := uniformJitter(gap)
		if j < -gap/10 || j > gap/10 {
			t.Fatalf("jitter %v outside ±10%% of %v", j, gap)
		}
		seen[j] = true
	}
	if len(seen) < 100 {
		t.Errorf("1000 draws gave %d distinct values; the jitter is not spreading polls", len(seen))
	}
	if j := uniformJitter(0); j != 0 {
		t.Errorf("jitter of a zero gap = %v, want 0", j)
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		opts                 Options
		interval, maxBackoff time.Duration
		maxItems             int
	}{
		{"zero", Options{}, 10 * time.Minute, 6 * time.Hour, 100},
		{"set", Options{Interval: 30 * time.Minute, MaxBackoff: 2 * time.Hour, MaxItems: 20}, 30 * time.Minute, 2 * time.Hour, 20},
		{"interval below the floor", Options{Interval: 5 * time.Second}, time.Minute, 6 * time.Hour, 100},
		{"backoff below the interval", Options{Interval: time.Hour, MaxBackoff: time.Minute}, time.Hour, time.Hour, 100},
		{"negative", Options{Interval: -1, MaxBackoff: -1, MaxItems: -1}, 10 * time.Minute, 6 * time.Hour, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := New(newFetcher(fetch.Options{}), tt.opts)
			if p.interval != tt.interval || p.maxBackoff != tt.maxBackoff || p.maxItems != tt.maxItems {
				t.Errorf("interval %v, max backoff %v, max items %d; want %v, %v, %d",
					p.interval, p.maxBackoff, p.maxItems, tt.interval, tt.maxBackoff, tt.maxItems)
			}
			if p.now == nil || p.jitter == nil {
				t.Error("Now or Jitter left nil")
			}
		})
	}
}

func TestBackoffLongFailure(t *testing.T) {
	t.Parallel()
	p := New(newFetcher(fetch.Options{}), Options{})
	for _, failures := range []int{10, 64, 1000, 1 << 30} {
		if got := p.backoff(failures); got != 6*time.Hour {
			t.Errorf("backoff(%d) = %v, want the 6h cap", failures, got)
		}
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	earlier := testNow.Add(-time.Hour)
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"never polled", State{URL: "https://a.example/feed"}, NeverPolled},
		{"ok", State{LastPoll: testNow, LastSuccess: testNow, LastStatus: StatusOK}, Healthy},
		{"not modified", State{LastPoll: testNow, LastSuccess: testNow, LastStatus: StatusNotModified}, Healthy},
		{"one failure after working", State{LastPoll: testNow, LastSuccess: earlier, Failures: 1, LastStatus: StatusError}, BackingOff},
		{"three failures after working", State{LastPoll: testNow, LastSuccess: earlier, Failures: 3, LastStatus: StatusError}, BackingOff},
		{"four failures after working", State{LastPoll: testNow, LastSuccess: earlier, Failures: 4, LastStatus: StatusError}, Failing},
		{"many failures after working", State{LastPoll: testNow, LastSuccess: earlier, Failures: 200, LastStatus: StatusError}, Failing},
		// Never answered: a wrong URL, a dead site, or no network (every feed of
		// a server started offline).
		{"first poll failed", State{LastPoll: testNow, Failures: 1, LastStatus: StatusError}, Failing},
		{"three failures, never worked", State{LastPoll: testNow, Failures: 3, LastStatus: StatusError}, Failing},
		{"many failures, never worked", State{LastPoll: testNow, Failures: 200, LastStatus: StatusError}, Failing},
		{"recovered", State{LastPoll: testNow, LastSuccess: testNow, ItemsSeen: 3, LastStatus: StatusOK}, Healthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.state.Health(); got != tt.want {
				t.Errorf("Health() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next time.Time
		now  time.Time
		want bool
	}{
		{"never polled", time.Time{}, testNow, true},
		{"before", testNow.Add(time.Second), testNow, false},
		{"at", testNow, testNow, true},
		{"after", testNow.Add(-time.Hour), testNow, true},
		{"other time zone, same instant", testNow.In(time.FixedZone("UTC+2", 2*3600)), testNow, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := (State{NextPoll: tt.next}).Due(tt.now); got != tt.want {
				t.Errorf("Due(%v) with next poll %v = %v, want %v", tt.now, tt.next, got, tt.want)
			}
		})
	}
}

func TestStateJSON(t *testing.T) {
	t.Parallel()
	fresh, err := json.Marshal(State{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"url":"https://a.example/feed","failures":0,"items_seen":0}`; string(fresh) != want {
		t.Errorf("new state JSON = %s, want %s", fresh, want)
	}
	full := State{
		URL: "https://a.example/feed", ETag: `"x"`, LastModified: "Mon, 09 Mar 2026 08:00:00 GMT",
		LastPoll: testNow, LastSuccess: testNow.Add(-time.Hour), NextPoll: testNow.Add(time.Hour),
		Failures: 1, LastError: "timed out", LastStatus: StatusError, ItemsSeen: 42,
	}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != full {
		t.Errorf("round trip: %+v, want %+v", back, full)
	}
}
