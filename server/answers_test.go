package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestAnswerCache: a repeated indexed lookup is answered with the bytes the server
// would build afresh, and a new article in the story changes the answer at once.
func TestAnswerCache(t *testing.T) {
	t.Parallel()
	s, ts := startServer(t, testConfig(t, nil))
	for _, f := range fixturePages[:2] {
		if resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": f.url, "html": fixture(t, f.file)}); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", f.file, resp.StatusCode, body)
		}
	}
	raw := func(u string) string {
		t.Helper()
		resp, err := http.Get(ts.URL + "/api/v1/lookup?url=" + url.QueryEscape(u))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %q %s %v", u, resp.StatusCode, resp.Header.Get("Content-Type"), b, err)
		}
		return string(b)
	}
	asked := fixturePages[0].url + "?utm_source=x" // the answer names the URL as asked
	first := raw(asked)
	if again := raw(asked); again != first {
		t.Errorf("the second answer differs:\n%s\n%s", first, again)
	}
	if !strings.Contains(first, `"url":"`+asked+`"`) {
		t.Errorf("the answer does not name the URL asked: %s", first)
	}
	if other := raw(fixturePages[0].url); !strings.Contains(other, `"url":"`+fixturePages[0].url+`"`) {
		t.Errorf("another URL of the article got the first one's answer: %s", other)
	}
	s.api.answers.clear() // built afresh, as without the cache
	fresh := raw(asked)
	if fresh != first {
		t.Errorf("the cached answer is not the one built afresh:\ncached %s\nfresh  %s", first, fresh)
	}
	if !strings.Contains(first, `"article_count":2`) {
		t.Fatalf("want a story of 2 articles: %s", first)
	}
	f := fixturePages[2]
	if resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": f.url, "html": fixture(t, f.file)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v", f.file, resp.StatusCode, body)
	}
	if now := raw(asked); !strings.Contains(now, `"article_count":3`) {
		t.Errorf("after a third article joined, the answer still says: %s", now)
	}
}

// TestAnswerCacheKeeps: which answers are kept, and within what bounds.
func TestAnswerCacheKeeps(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		res  lookup.Result
		want bool
	}{
		{"from the index", lookup.Result{Outcome: lookup.OutcomeIndexed, Story: stories.Story{ID: "s1", Version: 2}}, true},
		{"a reader's unverified post", lookup.Result{Outcome: lookup.OutcomeUnverified, Unverified: true, Story: stories.Story{ID: "s1", Version: 2}}, false},
		{"just posted", lookup.Result{Outcome: lookup.OutcomePosted, Story: stories.Story{ID: "s1", Version: 2}}, false},
		{"just fetched", lookup.Result{Outcome: lookup.OutcomeFetched, Story: stories.Story{ID: "s1", Version: 2}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := cacheable(&tt.res); got != tt.want {
				t.Errorf("cacheable = %v, want %v", got, tt.want)
			}
		})
	}
	c := newAnswerCache()
	res := &lookup.Result{Outcome: lookup.OutcomeIndexed, Article: stories.Article{URL: "https://a.example/1"}, Story: stories.Story{ID: "s1", Version: 1}}
	c.put("https://a.example/1", res, []byte("v1"))
	if b, ok := c.get("https://a.example/1", res); !ok || string(b) != "v1" {
		t.Errorf("get = %q %v, want v1", b, ok)
	}
	res.Story.Version = 2
	if _, ok := c.get("https://a.example/1", res); ok {
		t.Error("an answer of version 1 served for version 2")
	}
	body := []byte(strings.Repeat("x", maxAnswerBytes/16))
	for i := range maxAnswers + 100 {
		c.put(fmt.Sprint("https://a.example/", i), res, body)
		if len(c.entries) > maxAnswers || c.size > maxAnswerBytes {
			t.Fatalf("after %d answers: %d held, %d bytes", i+1, len(c.entries), c.size)
		}
	}
	c.put("https://a.example/huge", res, make([]byte, maxAnswerBytes/16+1))
	if _, ok := c.get("https://a.example/huge", res); ok {
		t.Error("an answer over a sixteenth of the cache was kept")
	}
}
