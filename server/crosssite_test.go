package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrossSiteGuard sends what a web page can make a reader's browser send, and
// what the extension and non-browser clients send. A request that passes the guard
// reaches the handler, which answers it on its own terms (400 for the nonsense URL
// used here, without fetching anything): that is how "passed" shows.
func TestCrossSiteGuard(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	own := "http://" + strings.TrimPrefix(ts.URL, "http://")
	const lookup = "/api/v1/lookup?url=not-a-url"
	const body = `{"url":"not-a-url"}`
	tests := []struct {
		name, method, path, contentType, body string
		headers                               map[string]string
		status                                int
		code                                  string // in the JSON error, or the HTML page's words
	}{
		{"form post from a web page", "POST", lookup, "application/x-www-form-urlencoded", "url=x", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "cross_site"},
		{"text/plain post from a web page", "POST", lookup, "text/plain", body, map[string]string{"Origin": "https://evil.example"}, 403, "cross_site"},
		{"json post from a web page", "POST", lookup, "application/json", body, map[string]string{"Origin": "https://evil.example"}, 403, "cross_site"},
		{"img tag lookup", "GET", lookup, "", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}, 403, "cross_site"},
		{"lookup from a web page's fetch", "GET", lookup, "", "", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "cross_site"},
		{"opaque origin", "POST", lookup, "application/json", body, map[string]string{"Origin": "null"}, 403, "cross_site"},
		{"look-alike extension scheme", "POST", lookup, "application/json", body, map[string]string{"Origin": "https://chrome-extension.example"}, 403, "cross_site"},
		{"opaque origin marked cross-site", "POST", lookup, "application/json", body, map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403, "cross_site"},
		{"post from a sibling subdomain's page", "POST", lookup, "application/json", body, map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "cross_site"},
		{"login form from a web page", "POST", "/login", "application/x-www-form-urlencoded", "token=x", map[string]string{"Origin": "https://evil.example"}, 403, "Forbidden"},

		{"text/plain without an origin (curl)", "POST", lookup, "text/plain", body, nil, 415, "unsupported_media_type"},
		{"form without an origin", "POST", lookup, "application/x-www-form-urlencoded", "url=x", nil, 415, "unsupported_media_type"},
		{"multipart without an origin", "POST", lookup, "multipart/form-data; boundary=x", "--x--", nil, 415, "unsupported_media_type"},
		{"text/plain from the extension", "POST", lookup, "text/plain;charset=UTF-8", body, map[string]string{"Origin": "chrome-extension://abcdefghijklmnop"}, 415, "unsupported_media_type"},

		{"json from chrome's extension", "POST", lookup, "application/json", body, map[string]string{"Origin": "chrome-extension://abcdefghijklmnop", "Sec-Fetch-Site": "cross-site"}, 400, "invalid_url"},
		{"json from firefox's extension", "POST", lookup, "application/json", body, map[string]string{"Origin": "moz-extension://1234-5678"}, 400, "invalid_url"},
		{"get from the extension", "GET", lookup, "", "", map[string]string{"Origin": "chrome-extension://abcdefghijklmnop", "Sec-Fetch-Site": "none"}, 400, "invalid_url"},
		{"json from curl", "POST", lookup, "application/json", body, nil, 400, "invalid_url"},
		{"json from the server's own page", "POST", lookup, "application/json", body, map[string]string{"Origin": own, "Sec-Fetch-Site": "same-origin"}, 400, "invalid_url"},
		// Our own pages send Referrer-Policy: no-referrer, so their form posts
		// carry "Origin: null"; Sec-Fetch-Site says they are ours. The login
		// handler then answers on its own terms (no tokens configured here).
		{"our own login form", "POST", "/login", "application/x-www-form-urlencoded", "token=x", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 401, "Sign in"},
		{"get typed into the address bar", "GET", lookup, "", "", map[string]string{"Sec-Fetch-Site": "none"}, 400, "invalid_url"},
		// Reading is not guarded: a link from another site to a story must work.
		{"story read from a web page", "GET", "/api/v1/stories/snope", "", "", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(raw), tt.code) {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, resp.StatusCode, raw, tt.status, tt.code)
			}
		})
	}
}

// TestExtensionOrigins narrows the allowed extensions to one: another extension is
// a stranger, for CORS and for the guard alike.
func TestExtensionOrigins(t *testing.T) {
	t.Parallel()
	const ours = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_EXTENSION_ORIGINS": ours + ", moz-extension://5f0c-aa11"}))
	tests := []struct {
		origin string
		status int
		cors   bool
	}{
		{ours, 400, true},
		{"moz-extension://5f0c-aa11", 400, true},
		{"chrome-extension://otherextensionotherextensionoth", 403, false},
		{"moz-extension://another-uuid", 403, false},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/lookup", strings.NewReader(`{"url":"not-a-url"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", tt.origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("POST from %s = %d, want %d", tt.origin, resp.StatusCode, tt.status)
		}
		pre, _ := http.NewRequest("OPTIONS", ts.URL+"/api/v1/lookup", nil)
		pre.Header.Set("Origin", tt.origin)
		pre.Header.Set("Access-Control-Request-Method", "POST")
		presp, err := http.DefaultClient.Do(pre)
		if err != nil {
			t.Fatal(err)
		}
		presp.Body.Close()
		if got := presp.Header.Get("Access-Control-Allow-Origin") == tt.origin; got != tt.cors {
			t.Errorf("preflight from %s allowed = %v, want %v", tt.origin, got, tt.cors)
		}
	}
}

func TestParseExtensionOrigins(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"https://example.com", "chrome-extension://", "chrome-extension://id/path", "*"} {
		if _, err := parseExtensionOrigins(bad); err == nil {
			t.Errorf("parseExtensionOrigins(%q) accepted it", bad)
		}
	}
	p, err := parseExtensionOrigins(" chrome-extension://ABC/ ,, ")
	if err != nil || !p.extension("chrome-extension://abc") || p.extension("chrome-extension://abd") {
		t.Errorf("parseExtensionOrigins kept %v, %v", p.allowed, err)
	}
	if any, _ := parseExtensionOrigins(""); !any.extension("moz-extension://x") || any.extension("https://x") {
		t.Error("the default allows any extension and nothing else")
	}
}

func TestMetricsToken(t *testing.T) {
	t.Parallel()
	const token = "metrics-0123456789abcdef"
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_METRICS_TOKEN": token, "PARALLAX_API_TOKENS": "api-token-0123456789abcdef"}))
	for _, tt := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Bearer api-token-0123456789abcdef", 401}, {"Bearer " + token, 200}} {
		req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("/metrics with %q = %d, want %d", tt.auth, resp.StatusCode, tt.status)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr string
		want bool
	}{{"127.0.0.1:8080", true}, {"[::1]:8080", true}, {"0.0.0.0:8080", false}, {"[::]:8080", false}, {"192.168.1.4:8080", false}} {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := loopbackOnly(a); got != tt.want {
			t.Errorf("loopbackOnly(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestDefaultBind starts the real serve command: with no PARALLAX_ADDR it listens on
// loopback and says nothing alarming; on every interface with no token it warns.
func TestDefaultBind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		env    []string
		prefix string // of the address it listens on
		warns  bool
	}{
		{"default", nil, "127.0.0.1:8080", false},
		{"every interface, no token", []string{"PARALLAX_ADDR=:0"}, "[::]:", true},
		{"every interface, tokens", []string{"PARALLAX_ADDR=:0", "PARALLAX_API_TOKENS=0123456789abcdef0123"}, "[::]:", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "default" {
				// The default port may be taken on a developer's machine; the
				// default address is what is tested, so a busy port is fine too.
				if ln, err := net.Listen("tcp", "127.0.0.1:8080"); err != nil {
					t.Skip("127.0.0.1:8080 is in use here: ", err)
				} else {
					ln.Close()
				}
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), envRunMain+"=serve", "PARALLAX_DATA_DIR="+t.TempDir(), "PARALLAX_LOG_FORMAT=json", "PARALLAX_INGEST=off")
			cmd.Env = append(cmd.Env, tt.env...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			lines := bufio.NewScanner(stderr)
			var addr string
			warned := false
			for addr == "" && lines.Scan() {
				var rec map[string]any
				if json.Unmarshal(lines.Bytes(), &rec) != nil {
					continue
				}
				msg, _ := rec["msg"].(string)
				warned = warned || strings.Contains(msg, "NO API TOKEN")
				if msg == "parallax listening" {
					addr, _ = rec["addr"].(string)
				}
			}
			go io.Copy(io.Discard, stderr)
			if !strings.HasPrefix(addr, tt.prefix) {
				t.Errorf("listens on %q, want %s…", addr, tt.prefix)
			}
			if warned != tt.warns {
				t.Errorf("warned = %v, want %v", warned, tt.warns)
			}
			cmd.Process.Signal(syscall.SIGTERM)
		})
	}
}

// TestBusy holds the only lookup slot with a fetch from a publisher that does not
// answer: a lookup needing work is refused at once with 503 busy and Retry-After,
// while one answered from the index is served as usual.
func TestBusy(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	fetching := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetching <- struct{}{}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(slow.Close)
	_, ts := startServer(t, testConfig(t, map[string]string{
		"PARALLAX_MAX_LOOKUPS": "1", "PARALLAX_LOOKUP_QUEUE": "0", "PARALLAX_FETCH_ALLOW_PRIVATE": "true",
	}))
	t.Cleanup(func() { close(hold) }) // first: the servers close once the held lookup ends
	if resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")}); resp.StatusCode != 200 {
		t.Fatalf("indexing the BBC page: %d %v", resp.StatusCode, body)
	}
	go http.Get(ts.URL + "/api/v1/lookup?url=" + slow.URL + "/held")
	select {
	case <-fetching:
	case <-time.After(time.Minute):
		t.Fatal("the first lookup never reached the publisher")
	}
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": "https://www.theguardian.com/world/2025/a", "html": fixture(t, "guardian.html")})
	if resp.StatusCode != http.StatusServiceUnavailable || path(body, "error", "code") != "busy" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a lookup needing work while the slot is held: %d %v (Retry-After %q), want 503 busy with Retry-After",
			resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if resp, body := get(t, ts.URL+"/api/v1/lookup?url="+bbcURL); resp.StatusCode != 200 {
		t.Errorf("an indexed lookup while the slot is held: %d %v, want 200", resp.StatusCode, body)
	}
	mresp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	if !strings.Contains(string(text), "\nparallax_lookups_working 1\n") {
		t.Error("/metrics does not show the one lookup working")
	}
}

// TestForeignPage: a page posted for a BBC URL that declares itself a Fox News page
// is refused, and nothing is indexed under the BBC URL.
func TestForeignPage(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	page := strings.Replace(fixture(t, "bbc.html"), "<head>", `<head><link rel="canonical" href="https://www.foxnews.com/world/some-story">`, 1)
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": page})
	if resp.StatusCode != http.StatusUnprocessableEntity || path(body, "error", "code") != "foreign_page" {
		t.Fatalf("posting a page that names another site: %d %v, want 422 foreign_page", resp.StatusCode, body)
	}
	if resp, body := get(t, ts.URL+"/api/v1/stories"); resp.StatusCode != 200 || len(body["stories"].([]any)) != 0 {
		t.Errorf("after the refusal the index lists %v", body)
	}
}
