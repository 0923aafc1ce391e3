package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixture pages' URLs, as TestLookupAPI and the lookup tests post them.
var fixturePages = []struct{ file, url string }{
	{"bbc.html", bbcURL},
	{"guardian.html", "https://amp.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse"},
	{"fox.html", "https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river"},
}

// postFixtures looks up the three fixture pages of one event and returns the
// answer to the last.
func postFixtures(t *testing.T, base string) map[string]any {
	t.Helper()
	var body map[string]any
	for _, f := range fixturePages {
		var resp *http.Response
		resp, body = postJSON(t, base+"/api/v1/lookup", map[string]string{"url": f.url, "html": fixture(t, f.file)})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", f.file, resp.StatusCode, body)
		}
	}
	return body
}

// Five registry outlets rated lean-right with high factuality.
var rightHosts = []string{"www.barrons.com", "www.city-journal.org", "www.detroitnews.com", "reason.com", "thedispatch.com"}

// articlePage is a minimal article page: what extraction needs is a title and a
// few paragraphs of text.
func articlePage(title, published string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><head><title>%s</title><meta property="article:published_time" content="%s"></head><body><article><h1>%s</h1>`, title, published, title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>", p)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// postOneSided looks up one article of an invented event under each of the five
// right-leaning outlets and returns the story's id: a blindspot for the left.
func postOneSided(t *testing.T, base string) string {
	t.Helper()
	var id string
	for i, host := range rightHosts {
		html := articlePage("Ferry runs aground off Marrowby with 300 passengers aboard", fmt.Sprintf("2026-11-21T%02d:00:00Z", 9+i),
			"A passenger ferry ran aground on a sandbank off Marrowby on Sunday night, the coastguard said, and all 300 passengers were taken ashore by lifeboats before dawn.",
			"Nobody was hurt, according to the operator, which said the ship had lost steering in a strong swell shortly after leaving the harbour on its evening crossing.",
			"Investigators from the marine accident branch will board the vessel on Monday, and the route will stay closed while the hull is inspected by divers.")
		resp, body := postJSON(t, base+"/api/v1/lookup", map[string]string{"url": "https://" + host + "/news/ferry-aground-marrowby", "html": html})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", host, resp.StatusCode, body)
		}
		if got, _ := path(body, "story", "id").(string); id != "" && got != id {
			t.Fatalf("%s went to story %s, the first article to %s", host, got, id)
		} else {
			id = got
		}
	}
	return id
}

// normalized re-encodes a JSON value with the times Parallax takes from the clock
// (first_seen, updated) replaced, so that it can be compared with a golden file.
// It changes v.
func normalized(t *testing.T, v any) []byte {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "first_seen" || k == "updated" {
					v[k] = "(clock)"
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the answer (run go test -update to accept it):\n%s", file, got)
	}
}

// TestStoryCoverageAPI: a story's answer carries its coverage (first publication,
// balance note, blindspot, factuality and ownership spreads, timeline) and its
// articles their excerpts and their outlets' ownership, the same in the lookup
// answer and from the story endpoint; listings carry the same summary.
func TestStoryCoverageAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	last := postFixtures(t, ts.URL)
	id, _ := path(last, "story", "id").(string)
	resp, story := get(t, ts.URL+"/api/v1/stories/"+id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("story: %d %v", resp.StatusCode, story)
	}
	checks := []struct {
		keys []string
		want any
	}{
		{[]string{"first_published"}, "2026-11-20T08:40:00Z"},
		{[]string{"balance_note"}, "Based on all 3 outlets, each counted once."},
		{[]string{"blindspot"}, nil},
		{[]string{"timeline", "bucket_seconds"}, 3600.0},
		{[]string{"timeline", "first", "center"}, "2026-11-20T08:40:00Z"},
		{[]string{"timeline", "first", "left"}, "2026-11-20T10:15:00Z"},
		{[]string{"timeline", "first", "right"}, "2026-11-20T12:05:00Z"},
		{[]string{"timeline", "first", "unrated"}, nil},
	}
	for _, c := range checks {
		if got := path(story, c.keys...); got != c.want {
			t.Errorf("%s = %v, want %v", strings.Join(c.keys, "."), got, c.want)
		}
	}
	resp, list := get(t, ts.URL+"/api/v1/stories?sort=coverage")
	stories, _ := list["stories"].([]any)
	if resp.StatusCode != http.StatusOK || len(stories) != 1 {
		t.Fatalf("listing: %d %v", resp.StatusCode, list)
	}
	summary := stories[0].(map[string]any)
	for k := range story {
		_, listed := summary[k]
		if onlyFull := slices.Contains([]string{"independent_outlets", "timeline", "summary", "articles", "related"}, k); listed == onlyFull {
			t.Errorf("field %s: in the listing %v, want %v", k, listed, !onlyFull)
		}
	}
	for k, v := range summary {
		// fmt prints maps sorted by key.
		if got, want := fmt.Sprint(v), fmt.Sprint(story[k]); got != want {
			t.Errorf("listing's %s = %s, the story's %s", k, got, want)
		}
	}
	checkSummary(t, story)
	got := normalized(t, story)
	golden(t, "story-coverage.golden.json", got)
	// The story endpoint alone answers the related stories (a lookup, the popup's
	// hot path, does not look for them); all else is the same.
	if _, ok := story["related"].([]any); !ok {
		t.Errorf("the story endpoint answers no related stories: %v", story["related"])
	}
	delete(story, "related")
	got = normalized(t, story)
	if fromLookup := normalized(t, path(last, "story")); !bytes.Equal(fromLookup, got) {
		t.Errorf("the lookup answer's story differs from the story endpoint's:\n%s", fromLookup)
	}
}

// checkSummary: the story's summary has bullets, each a sentence of the page of one
// of its articles, cited to that article with its outlet.
func checkSummary(t *testing.T, story map[string]any) {
	t.Helper()
	bullets, _ := story["summary"].([]any)
	if len(bullets) < 3 {
		t.Fatalf("summary has %d bullets, want at least 3 from three full articles: %v", len(bullets), story["summary"])
	}
	outletOf := map[string]any{}
	for _, a := range story["articles"].([]any) {
		a := a.(map[string]any)
		outletOf[a["url"].(string)] = a["outlet"]
	}
	pages := ""
	for _, f := range fixturePages {
		pages += html.UnescapeString(fixture(t, f.file))
	}
	for _, b := range bullets {
		b := b.(map[string]any)
		o, member := outletOf[b["url"].(string)]
		if !member {
			t.Errorf("bullet cites %v, not an article of the story", b["url"])
		}
		if fmt.Sprint(b["outlet"]) != fmt.Sprint(o) {
			t.Errorf("bullet of %v has outlet %v, its article %v", b["url"], b["outlet"], o)
		}
		if text, _ := b["text"].(string); !strings.Contains(pages, text) {
			t.Errorf("bullet %q is in none of the pages", text)
		}
	}
}

// TestBlindspotsAPI: a story only right-leaning outlets cover is listed as a
// blindspot for the left, with the reason, and a balanced story is not.
func TestBlindspotsAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	postFixtures(t, ts.URL)
	id := postOneSided(t, ts.URL)
	resp, body := get(t, ts.URL+"/api/v1/blindspots")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("blindspots: %d %v", resp.StatusCode, body)
	}
	left, _ := body["left"].([]any)
	right, _ := body["right"].([]any)
	if len(left) != 1 || path(left[0], "id") != id || right == nil || len(right) != 0 {
		t.Fatalf("blindspots = %v, want story %s for the left only", body, id)
	}
	reason, _ := path(left[0], "blindspot", "reason").(string)
	if path(left[0], "blindspot", "side") != "left" || !strings.Contains(reason, "5 of the 5 rated outlets") {
		t.Errorf("blindspot = %v", path(left[0], "blindspot"))
	}
	if got := fmt.Sprint(path(left[0], "factuality")); got != "[map[count:5 value:high]]" {
		t.Errorf("factuality = %s", got)
	}
	// The story itself says so too, and its articles are copies of one text.
	_, story := get(t, ts.URL+"/api/v1/stories/"+id)
	if path(story, "blindspot", "side") != "left" || path(story, "independent_outlets") != 1.0 {
		t.Errorf("story: blindspot %v, independent outlets %v", path(story, "blindspot"), path(story, "independent_outlets"))
	}
	articles, _ := story["articles"].([]any)
	copies := 0
	for _, a := range articles {
		if path(a, "duplicate_of") != nil {
			copies++
		}
		if path(a, "excerpt") == "" || path(a, "outlet", "ownership") == nil {
			t.Errorf("article %v lacks its excerpt or its outlet's ownership", a)
		}
	}
	if len(articles) != 5 || copies != 4 {
		t.Errorf("%d articles, %d marked as copies; want 5 and 4", len(articles), copies)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x"} {
		if resp, body := get(t, ts.URL+"/api/v1/blindspots?"+q); resp.StatusCode != http.StatusBadRequest || path(body, "error", "code") != "invalid_parameter" {
			t.Errorf("%s: %d %v, want 400 invalid_parameter", q, resp.StatusCode, body)
		}
	}
}

// TestListStoriesPaging: offset pages through a listing, within its depth.
func TestListStoriesPaging(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	postFixtures(t, ts.URL)
	postOneSided(t, ts.URL)
	ids := func(q string) []string {
		t.Helper()
		resp, body := get(t, ts.URL+"/api/v1/stories?"+q)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", q, resp.StatusCode, body)
		}
		var out []string
		for _, s := range body["stories"].([]any) {
			out = append(out, path(s, "id").(string))
		}
		return out
	}
	all := ids("sort=coverage")
	if len(all) != 2 {
		t.Fatalf("listing %v, want two stories", all)
	}
	if got := append(ids("sort=coverage&limit=1"), ids("sort=coverage&limit=1&offset=1")...); !slices.Equal(got, all) {
		t.Errorf("two pages of one: %v, want %v", got, all)
	}
	if got := ids("offset=2"); len(got) != 0 {
		t.Errorf("past the end: %v", got)
	}
	for _, q := range []string{"offset=-1", "offset=1000", "offset=990&limit=20", "offset=x"} {
		if resp, body := get(t, ts.URL+"/api/v1/stories?"+q); resp.StatusCode != http.StatusBadRequest || path(body, "error", "code") != "invalid_parameter" {
			t.Errorf("%s: %d %v, want 400 invalid_parameter", q, resp.StatusCode, body)
		}
	}
}
