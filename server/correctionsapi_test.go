package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCorrectionsAPI: the detach route and its undo answer as openapi.json says,
// in success and in every error; a repeated call answers "unchanged"; the story
// answers carry the evidence and related stories; the corrections list and its
// JSON Lines export hold the detach; the metrics count it once.
func TestCorrectionsAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	_, locked := startServer(t, testConfig(t, map[string]string{"PARALLAX_API_TOKENS": "0123456789abcdef0123"}))
	_, router := apiDoc(t, ts.URL, locked.URL)
	call := func(c apiCall) map[string]any { return conform(t, router, ts.URL, c) }

	body := postFixtures(t, ts.URL)
	sid, _ := path(body, "story", "id").(string)
	story := call(apiCall{name: "story", method: "GET", path: "/api/v1/stories/" + sid, status: 200})
	arts, _ := story["articles"].([]any)
	if len(arts) != 3 {
		t.Fatalf("story has %d articles, want 3", len(arts))
	}
	var fox, bbc string
	joined := 0
	for _, a := range arts {
		u, _ := path(a, "url").(string)
		id, _ := path(a, "article_id").(string)
		switch {
		case strings.Contains(u, "foxnews"):
			fox = id
		case strings.Contains(u, "bbc"):
			bbc = id
		}
		if started, ok := path(a, "match", "started").(bool); ok && !started {
			joined++
			if terms, _ := path(a, "match", "shared_terms").([]any); len(terms) == 0 {
				t.Errorf("%s joined with no shared terms: %v", u, path(a, "match"))
			}
		}
	}
	if joined != 2 {
		t.Errorf("%d articles joined with evidence, want 2 (the third started the story)", joined)
	}
	if rel, ok := story["related"].([]any); !ok {
		t.Errorf("story has no related list: %v", story["related"])
	} else {
		for _, r := range rel {
			if path(r, "id") == sid {
				t.Error("the story is related to itself")
			}
		}
	}

	detach := "/api/v1/stories/" + sid + "/articles/" + fox + "/detach"
	moved := call(apiCall{name: "detach", method: "POST", path: detach, status: 200})
	own, _ := moved["story_id"].(string)
	if moved["outcome"] != "detached" || own == "" || own == sid {
		t.Fatalf("detach = %v", moved)
	}
	if again := call(apiCall{name: "detach again", method: "POST", path: detach, body: map[string]any{}, status: 200}); again["outcome"] != "unchanged" || again["story_id"] != own {
		t.Errorf("second detach = %v, want unchanged in %s", again, own)
	}
	after := call(apiCall{name: "story after detach", method: "GET", path: "/api/v1/stories/" + sid, status: 200})
	if after["article_count"] != float64(2) || after["outlet_count"] != float64(2) {
		t.Errorf("after detach: %v articles, %v outlets; want 2 and 2", after["article_count"], after["outlet_count"])
	}
	for _, c := range []struct {
		name, path, code string
		status           int
	}{
		{"no such story", "/api/v1/stories/snope/articles/" + fox + "/detach", "not_found", 404},
		{"no such article", "/api/v1/stories/" + sid + "/articles/nope/detach", "article_not_found", 404},
		{"article of another story", "/api/v1/stories/" + own + "/articles/" + bbc + "/detach", "not_in_story", 409},
		{"the story's only article", "/api/v1/stories/" + own + "/articles/" + fox + "/detach", "sole_article", 409},
	} {
		if got := call(apiCall{name: c.name, method: "POST", path: c.path, status: c.status}); path(got, "error", "code") != c.code {
			t.Errorf("%s: %v, want %s", c.name, got, c.code)
		}
	}
	// The cross-site guard and the token apply as to every write.
	call(apiCall{name: "form body", method: "POST", path: detach, body: "a=1", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, status: 415})
	call(apiCall{name: "another site", method: "POST", path: detach, header: http.Header{"Origin": {"https://evil.example"}}, status: 403})
	conform(t, router, locked.URL, apiCall{name: "no token", method: "POST", path: detach, status: 401})
	conform(t, router, locked.URL, apiCall{name: "corrections without token", method: "GET", path: "/api/v1/corrections", status: 401})

	list := call(apiCall{name: "corrections", method: "GET", path: "/api/v1/corrections", status: 200})
	cs, _ := list["corrections"].([]any)
	if len(cs) != 1 || path(cs[0], "article_id") != fox || path(cs[0], "story_id") != sid || path(cs[0], "new_story_id") != own || path(cs[0], "match", "started") != false {
		t.Fatalf("corrections = %v", list)
	}
	call(apiCall{name: "corrections, bad format", method: "GET", path: "/api/v1/corrections?format=xml", status: 400})
	for _, c := range []struct {
		name, query, accept string
	}{{"format=jsonl", "?format=jsonl", ""}, {"Accept", "", "application/x-ndjson"}} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/corrections"+c.query, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, ndjson) {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, ct)
		}
		var lines []map[string]any
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("%s: line %q: %v", c.name, sc.Text(), err)
			}
			lines = append(lines, m)
		}
		resp.Body.Close()
		if len(lines) != 1 || lines[0]["article_id"] != fox || lines[0]["url"] == "" {
			t.Errorf("%s: lines %v, want the one correction", c.name, lines)
		}
	}

	// The undo.
	attach := "/api/v1/stories/" + sid + "/articles/" + fox + "/attach"
	if back := call(apiCall{name: "attach", method: "POST", path: attach, status: 200}); back["outcome"] != "attached" || back["story_id"] != sid {
		t.Errorf("attach = %v", back)
	}
	if back := call(apiCall{name: "attach again", method: "POST", path: attach, status: 200}); back["outcome"] != "unchanged" {
		t.Errorf("second attach = %v", back)
	}
	call(apiCall{name: "attach to no story", method: "POST", path: "/api/v1/stories/snope/articles/" + fox + "/attach", status: 404})
	if s := call(apiCall{name: "story after undo", method: "GET", path: "/api/v1/stories/" + sid, status: 200}); s["article_count"] != float64(3) {
		t.Errorf("after undo: %v articles, want 3", s["article_count"])
	}
	if l := call(apiCall{name: "corrections after undo", method: "GET", path: "/api/v1/corrections", status: 200}); len(l["corrections"].([]any)) != 0 {
		t.Errorf("corrections after undo = %v", l)
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"parallax_detach_total 1\n", "parallax_attach_total 1\n"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
