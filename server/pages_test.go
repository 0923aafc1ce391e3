package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// getPage fetches a page with optional headers and returns the response and body.
func getPage(t *testing.T, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestPages: every page answers HTML with the security headers, a story page is
// cacheable by its ETag, and errors on pages are pages too.
func TestPages(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	var story string
	for _, f := range []struct{ url, file string }{
		{bbcURL, "bbc.html"},
		{"https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse", "guardian.html"},
		{"https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river", "fox.html"},
	} {
		resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": f.url, "html": fixture(t, f.file)})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("lookup %s: %d %v", f.file, resp.StatusCode, body)
		}
		story, _ = path(body, "story", "id").(string)
	}
	tests := []struct {
		name   string
		path   string
		status int
		want   string // in the body
	}{
		{"today", "/", http.StatusOK, "/stories/" + story},
		{"today, page 2", "/?page=2", http.StatusOK, "<html"},
		{"story", "/stories/" + story, http.StatusOK, "Kestrelford"},
		{"blindspots", "/blindspots", http.StatusOK, "<h1"},
		{"outlet", "/outlets/bbc-news", http.StatusOK, "BBC"},
		{"search", "/search?q=bridge", http.StatusOK, "/stories/" + story},
		{"empty search", "/search", http.StatusOK, "<form"},
		{"no such story", "/stories/snope", http.StatusNotFound, "Page not found"},
		{"no such outlet", "/outlets/no-such-outlet", http.StatusNotFound, "Page not found"},
		{"bad page number", "/?page=0", http.StatusBadRequest, "<html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := getPage(t, ts.URL+tt.path, nil)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%s: %d, want %d with %q in:\n%.400s", tt.path, resp.StatusCode, tt.status, tt.want, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("content type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
	// The story page's ETag: the same page again costs a 304, without a body.
	resp, body := getPage(t, ts.URL+"/stories/"+story, nil)
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("story page ETag %q", etag)
	}
	resp, body = getPage(t, ts.URL+"/stories/"+story, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match with the current ETag: %d, %d bytes; want 304 and none", resp.StatusCode, len(body))
	}
	// A new article in the story changes its ETag.
	// The fixture names its canonical URL; a copy under another one is another article.
	other := strings.ReplaceAll(fixture(t, "bbc.html"), "uk-england-99001122", "uk-england-99001123")
	resp, added := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": "https://www.bbc.co.uk/news/uk-england-99001123", "html": other})
	if resp.StatusCode != http.StatusOK || path(added, "story", "id") != story {
		t.Fatalf("a fourth article: %d, story %v; want it in %s", resp.StatusCode, path(added, "story", "id"), story)
	}
	resp, _ = getPage(t, ts.URL+"/stories/"+story, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Errorf("after the story changed: %d with ETag %q; want 200 and a new ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	// The stylesheet a page links to is served, cached for long.
	_, page := getPage(t, ts.URL+"/", nil)
	i := strings.Index(page, "/assets/style.")
	if i < 0 {
		t.Fatal("the page links no stylesheet")
	}
	css := page[i : i+strings.Index(page[i:], `"`)]
	resp, _ = getPage(t, ts.URL+css, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet %s: %d %q %q", css, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
}

// TestPagesWithTokens: with tokens configured a page asks for one, keeps a token
// given once in an HttpOnly, SameSite=Strict cookie, and the API never takes the
// cookie in place of its bearer token.
func TestPagesWithTokens(t *testing.T) {
	t.Parallel()
	const token = "a-page-reader-token-0123456789"
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_API_TOKENS": token}))
	resp, body := getPage(t, ts.URL+"/blindspots", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `name="token"`) {
		t.Fatalf("page without a token: %d, want 401 with the token form:\n%.400s", resp.StatusCode, body)
	}
	login := func(tok, next string) *http.Response {
		resp, err := noRedirect.PostForm(ts.URL+"/login", url.Values{"token": {tok}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := login("wrong-token-0123456789", "/blindspots"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("login with a wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp := login(token, "//evil.example/"); resp.Header.Get("Location") != "/" {
		t.Errorf("login sends the reader to %q, want / for a next that is not a local path", resp.Header.Get("Location"))
	}
	resp = login(token, "/blindspots")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/blindspots" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v, want HttpOnly and SameSite=Strict", cookie)
	}
	hdr := map[string]string{"Cookie": cookie.Name + "=" + cookie.Value}
	if resp, body := getPage(t, ts.URL+"/blindspots", hdr); resp.StatusCode != http.StatusOK {
		t.Errorf("page with the session cookie: %d\n%.300s", resp.StatusCode, body)
	}
	if resp, _ := getPage(t, ts.URL+"/api/v1/stories", hdr); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with only the page cookie: %d, want 401", resp.StatusCode)
	}
	if resp, _ := getPage(t, ts.URL+"/", map[string]string{"Authorization": "Bearer " + token}); resp.StatusCode != http.StatusOK {
		t.Errorf("page with a bearer token: %d", resp.StatusCode)
	}
}
