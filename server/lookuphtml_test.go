package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// TestLookupPostedHTML: the page posted as a text/html body, with its URL in the
// query, is answered as the JSON form is; the body's charset is honoured; what is
// missing or too large is refused as in the JSON form, and a web page still cannot
// send it.
func TestLookupPostedHTML(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	page := fixture(t, "bbc.html")
	// The same page in Cyrillic, encoded in windows-1251 and declaring no charset of
	// its own: only the header says how to read it (the HTML default would be
	// windows-1252, which turns every letter into another).
	const cyrTitle = "Мост в Кестрелфорде рухнул в час пик"
	cyr := strings.ReplaceAll(page, `<meta charset="utf-8">`, "")
	cyr = strings.ReplaceAll(cyr, "Harbour Bridge in Kestrelford collapses during morning rush hour", cyrTitle)
	const cyrURL = "https://www.bbc.co.uk/news/world-99001199"
	cyr = strings.ReplaceAll(cyr, bbcURL, cyrURL) // another article, not the one indexed above
	cyr1251, err := encoding.ReplaceUnsupported(charmap.Windows1251.NewEncoder()).String(cyr)
	if err != nil {
		t.Fatal(err)
	}
	lookupURL := func(u string) string { return ts.URL + "/api/v1/lookup?url=" + url.QueryEscape(u) }
	tests := []struct {
		name, url, contentType string
		body                   io.Reader
		headers                map[string]string
		status                 int
		code, title            string // the error's code, or the article's title
	}{
		{"the page", lookupURL(bbcURL), "text/html", strings.NewReader(page), nil, 200, "", "Harbour Bridge in Kestrelford collapses during morning rush hour"},
		{"with a charset", lookupURL(bbcURL + "?x=1"), "text/html; charset=UTF-8", strings.NewReader(page), nil, 200, "", "Harbour Bridge in Kestrelford collapses during morning rush hour"},
		{"from the extension", lookupURL(bbcURL), "text/html;charset=utf-8", strings.NewReader(page), map[string]string{"Origin": "chrome-extension://abcdefghijklmnop"}, 200, "", "Harbour Bridge in Kestrelford collapses during morning rush hour"},
		{"in the charset the header names", lookupURL(cyrURL), "text/html; charset=windows-1251", strings.NewReader(cyr1251), nil, 200, "", cyrTitle},
		{"no url", ts.URL + "/api/v1/lookup", "text/html", strings.NewReader(page), nil, 400, "missing_url", ""},
		{"no page", lookupURL(bbcURL), "text/html", strings.NewReader(""), nil, 400, "invalid_request", ""},
		{"a page over the body limit", lookupURL(bbcURL), "text/html", chunked(strings.Repeat("<p>x</p>", maxBodyBytes/8+1)), nil, 413, "body_too_large", ""},
		{"from a web page", lookupURL(bbcURL), "text/html", strings.NewReader(page), map[string]string{"Origin": "https://evil.example"}, 403, "cross_site", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, tt.url, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := decode(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %v, want %d", resp.StatusCode, body, tt.status)
			}
			if tt.code != "" {
				if got := path(body, "error", "code"); got != tt.code {
					t.Errorf("error code %v, want %s", got, tt.code)
				}
				return
			}
			if got := path(body, "article", "title"); got != tt.title {
				t.Errorf("title %q, want %q", got, tt.title)
			}
			if got := path(body, "article", "provenance"); got != "reader" {
				t.Errorf("provenance %v, want reader: the page was posted, not fetched", got)
			}
		})
	}
}

// TestLookupPostedHTMLAsJSON: both forms of a posted page give one answer.
func TestLookupPostedHTMLAsJSON(t *testing.T) {
	t.Parallel()
	answers := map[string]map[string]any{}
	for _, form := range []string{"json", "html"} {
		_, ts := startServer(t, testConfig(t, nil))
		page := fixture(t, "guardian.html")
		const u = "https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-bridge-collapse"
		var resp *http.Response
		var body map[string]any
		if form == "json" {
			resp, body = postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{"url": u, "html": page})
		} else {
			r, err := http.Post(ts.URL+"/api/v1/lookup?url="+url.QueryEscape(u), "text/html", strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			resp, body = r, decode(t, r)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d %v", form, resp.StatusCode, body)
		}
		// What differs between two servers: when they saw the article.
		for _, k := range []string{"first_seen", "updated"} {
			delete(body["story"].(map[string]any), k)
		}
		answers[form] = body
	}
	j, _ := json.Marshal(answers["json"])
	h, _ := json.Marshal(answers["html"])
	if string(j) != string(h) {
		t.Errorf("the two forms answer differently:\njson %s\nhtml %s", j, h)
	}
}
