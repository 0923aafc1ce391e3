package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// call sends one request with a bearer token ("" for none) and a JSON body (nil
// for none), and decodes the JSON answer.
func call(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, decode(t, resp)
}

// trustOutlets writes an outlets file of five outlets on both sides, on .test
// domains (which never resolve: the server cannot fetch their pages, as it often
// cannot fetch a paywalled one), the first with a feed at feedURL.
func trustOutlets(t *testing.T, feedURL string) string {
	t.Helper()
	records := []map[string]any{}
	for _, o := range []struct{ id, domain, bias string }{
		{"bbc-test", "bbc.test", "center"},
		{"guardian-test", "theguardian.test", "lean-left"},
		{"nyt-test", "nytimes.test", "lean-left"},
		{"fox-test", "foxnews.test", "right"},
		{"breitbart-test", "breitbart.test", "right"},
	} {
		r := map[string]any{"id": o.id, "name": o.id, "domains": []string{o.domain}, "bias": o.bias}
		if o.id == "bbc-test" {
			r["feeds"] = []string{feedURL}
		}
		records = append(records, r)
	}
	reg := onlyOutletsFile(t) // removes the built-in outlets, adds one without feeds
	b, err := os.ReadFile(reg)
	if err != nil {
		t.Fatal(err)
	}
	var base []map[string]any
	if err := json.Unmarshal(b, &base); err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(append(base, records...))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "trust-outlets.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestPoisoningSharedServer is the attack of issue 13 on a server with two
// tokens: fake text posted under five outlets' URLs answers its poster only,
// never lands in a story or a balance, and goes when the outlet's feed lists the
// URL; a genuine post is verified by a feed item with a matching title; the
// operator lists and purges what the poisoning token posted.
func TestPoisoningSharedServer(t *testing.T) {
	t.Parallel()
	const (
		genuineTitle = "Harbour Bridge in Kestrelford collapses during morning rush hour"
		fakeTitle    = "Mayor admits the harbour bridge was sabotaged by rivals"
	)
	var feedHost string
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>BBC test</title>
<item><title>%[1]s</title><link>https://www.bbc.test/news/fake-story</link><description>Four people were injured.</description><pubDate>%[2]s</pubDate></item>
<item><title>%[1]s</title><link>https://www.bbc.test/news/bridge</link><description>Four people were injured.</description><pubDate>%[2]s</pubDate></item>
</channel></rss>`, genuineTitle, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	}))
	t.Cleanup(feed.Close)
	feedHost = feed.URL
	alice, bob, admin := strings.Repeat("a", 32), strings.Repeat("b", 32), strings.Repeat("c", 32)
	s, ts := startServer(t, testConfig(t, map[string]string{
		"PARALLAX_API_TOKENS":          alice + "," + bob,
		"PARALLAX_ADMIN_TOKEN":         admin,
		"PARALLAX_OUTLETS_FILE":        trustOutlets(t, feedHost+"/feed"),
		"PARALLAX_FETCH_ALLOW_PRIVATE": "true", // the feed is on 127.0.0.1
		"PARALLAX_FETCH_TIMEOUT":       "2s",
		"PARALLAX_INGEST_HOST_GAP":     "0s",
		"PARALLAX_CLIENT_RATE":         "0",
	}))
	lookupURL := ts.URL + "/api/v1/lookup"
	genuine := withoutOwnURL(fixture(t, "bbc.html"))
	fake := strings.ReplaceAll(genuine, genuineTitle, fakeTitle)
	fakes := []string{
		"https://www.bbc.test/news/fake-story",
		"https://www.theguardian.test/news/fake-story",
		"https://www.nytimes.test/news/fake-story",
		"https://www.foxnews.test/news/fake-story",
		"https://www.breitbart.test/news/fake-story",
	}

	// Alice poisons: five outlets, one fake text.
	for _, u := range fakes {
		code, body := call(t, "POST", lookupURL, alice, map[string]string{"url": u, "html": fake})
		if code != 200 || path(body, "article", "title") != fakeTitle || path(body, "article", "verified") != false ||
			path(body, "article", "provenance") != "reader" {
			t.Fatalf("alice posts %s: %d %v", u, code, body)
		}
		// The story she is shown does not count her article.
		if n := path(body, "story", "article_count"); n != 0.0 {
			t.Errorf("alice's post counts in the story she sees: %v", n)
		}
	}
	// She sees it again by URL alone, without posting.
	if code, body := call(t, "GET", lookupURL+"?url="+fakes[1], alice, nil); code != 200 || path(body, "article", "title") != fakeTitle {
		t.Errorf("alice's later lookup: %d %v", code, body)
	}
	// Alice also posts a genuine page.
	if code, body := call(t, "POST", lookupURL, alice, map[string]string{"url": "https://www.bbc.test/news/bridge", "html": genuine}); code != 200 ||
		path(body, "article", "verified") != false {
		t.Fatalf("alice's genuine post: %d %v", code, body)
	}

	// Bob never sees the fake text: no story holds it, his lookups do not answer
	// with it, and the page he posts for the same URL is his own.
	code, body := call(t, "GET", ts.URL+"/api/v1/stories", bob, nil)
	if list, _ := body["stories"].([]any); code != 200 || len(list) != 0 {
		t.Fatalf("bob's story list: %d %v", code, body)
	}
	for _, u := range fakes {
		code, body := call(t, "GET", lookupURL+"?url="+u, bob, nil)
		if code == 200 || strings.Contains(fmt.Sprint(body), fakeTitle) {
			t.Errorf("bob's lookup of %s: %d %v", u, code, body)
		}
	}
	if code, body := call(t, "POST", lookupURL, bob, map[string]string{"url": fakes[2], "html": genuine}); code != 200 ||
		path(body, "article", "title") != genuineTitle || path(body, "article", "verified") != false {
		t.Errorf("bob's own post of a URL alice poisoned: %d %v", code, body)
	}

	// The operator sees who posted what.
	aliceID, bobID := tokenID(alice), tokenID(bob)
	if code, _ := call(t, "GET", ts.URL+"/api/v1/admin/posts", alice, nil); code != 401 {
		t.Errorf("an API token opens the operator routes: %d", code)
	}
	code, body = call(t, "GET", ts.URL+"/api/v1/admin/posts", admin, nil)
	counts := map[string]float64{}
	for _, p := range body["posters"].([]any) {
		counts[path(p, "token").(string)] = path(p, "posts").(float64)
	}
	if code != 200 || counts[aliceID] != 6 || counts[bobID] != 1 {
		t.Fatalf("posters: %d %v", code, body)
	}

	// The outlet's feed lists two of the URLs, with the genuine title: the fake
	// is replaced, the genuine post verified, and both now count for everyone.
	rep := s.ingest.Pass(context.Background(), nil)
	if rep.Articles != 2 {
		t.Fatalf("ingest: %+v", rep)
	}
	for _, who := range []string{alice, bob} {
		for _, u := range []string{fakes[0], "https://www.bbc.test/news/bridge"} {
			code, body := call(t, "GET", lookupURL+"?url="+u, who, nil)
			if code != 200 || path(body, "article", "title") != genuineTitle || path(body, "article", "verified") != true ||
				path(body, "article", "provenance") != "feed" {
				t.Errorf("%s after the feed: %d %v", u, code, body)
			}
		}
	}
	code, body = call(t, "GET", ts.URL+"/api/v1/stories", bob, nil)
	list, _ := body["stories"].([]any)
	if code != 200 || len(list) != 1 || path(list[0], "outlet_count") != 1.0 || path(list[0], "balance", "center") != 1.0 ||
		path(list[0], "balance", "right") != 0.0 || path(list[0], "balance", "left") != 0.0 {
		t.Errorf("stories after the feed: %d %v", code, body)
	}
	metrics := scrape(t, ts.URL)
	for _, want := range []string{`parallax_posts_total{result="held"} 7`, `parallax_posts_total{result="verified"} 1`, `parallax_posts_total{result="replaced"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The operator purges the rest of what alice posted; bob's post stays.
	code, body = call(t, "GET", ts.URL+"/api/v1/admin/posts?token="+aliceID, admin, nil)
	if code != 200 || path(body, "total") != 4.0 {
		t.Fatalf("alice's posts: %d %v", code, body)
	}
	for _, p := range body["posts"].([]any) {
		if path(p, "title") != fakeTitle || path(p, "status") != "unverified" {
			t.Errorf("alice's post: %v", p)
		}
	}
	if code, body := call(t, "DELETE", ts.URL+"/api/v1/admin/posts?token="+aliceID, admin, nil); code != 200 || path(body, "purged") != 4.0 {
		t.Fatalf("purge: %d %v", code, body)
	}
	if code, body := call(t, "GET", lookupURL+"?url="+fakes[1], alice, nil); code == 200 || strings.Contains(fmt.Sprint(body), fakeTitle) {
		t.Errorf("a purged post still answers: %d %v", code, body)
	}
	if code, body := call(t, "GET", lookupURL+"?url="+fakes[2], bob, nil); code != 200 || path(body, "article", "title") != genuineTitle {
		t.Errorf("bob's post after alice's purge: %d %v", code, body)
	}
	for _, bad := range []string{"", "?token=nothex", "?token=" + alice} {
		if code, _ := call(t, "DELETE", ts.URL+"/api/v1/admin/posts"+bad, admin, nil); code != 400 {
			t.Errorf("purge%s: %d, want 400", bad, code)
		}
	}
}

// TestAdminRoutesOff: without PARALLAX_ADMIN_TOKEN the operator routes answer
// 403 admin_disabled, whatever token is sent.
func TestAdminRoutesOff(t *testing.T) {
	t.Parallel()
	tok := strings.Repeat("a", 32)
	for _, mods := range []map[string]string{nil, {"PARALLAX_API_TOKENS": tok}} {
		_, ts := startServer(t, testConfig(t, mods))
		code, body := call(t, "GET", ts.URL+"/api/v1/admin/posts", tok, nil)
		if code != 403 || path(body, "error", "code") != "admin_disabled" {
			t.Errorf("%v: %d %v", mods, code, body)
		}
	}
}

// TestPersonalServerTrustsPosts: with no API tokens the reader is the operator,
// and a posted page is indexed as it is, marked as the reader's.
func TestPersonalServerTrustsPosts(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	code, body := call(t, "POST", ts.URL+"/api/v1/lookup", "", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")})
	if code != 200 || path(body, "article", "verified") != true || path(body, "article", "provenance") != "reader" ||
		path(body, "story", "article_count") != 1.0 {
		t.Fatalf("%d %v", code, body)
	}
	arts, _ := path(body, "story", "articles").([]any)
	if len(arts) != 1 || path(arts[0], "provenance") != "reader" {
		t.Errorf("story articles: %v", arts)
	}
}

// scrape returns the /metrics text.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
