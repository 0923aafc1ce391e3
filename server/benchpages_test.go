package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/extract"
)

// benchStories is testdata/benchpages.json: which of the benchmark pages a person
// would put in one story, and which never.
type benchStories struct {
	Join []struct {
		Why   string   `json:"why"`
		Open  string   `json:"open"`
		Pages []string `json:"pages"`
	} `json:"join"`
	Apart []struct {
		Why   string      `json:"why"`
		Open  string      `json:"open"`
		Sides [2][]string `json:"sides"`
	} `json:"apart"`
}

// benchPosted is what became of one posted page.
type benchPosted struct {
	title, story string // the article's title and story id; story "" when not indexed
	refused      string // the API's error code when not indexed
}

// maxComplexRetries is how often a page refused as page_too_complex is posted
// again. The refusal is a CPU-time budget (extract.MaxCPUTime): on a busy machine
// a page near it can be refused once and read the next time.
const maxComplexRetries = 2

// TestBenchmarkPagesStories posts the 121 real pages of the article-extraction
// benchmark through the API, one after the other as a new user reading them would,
// and checks the stories they form against testdata/benchpages.json: the pages of
// each join in one story, the two sides of each apart entry in none together. It
// fails listing every violated pair, except for entries marked open: what the
// matcher is known not to get right yet (the entry says why), which are logged. With -v it logs every story of two or more
// articles, for judging by reading them.
//
// A page that declares another site's URL as its own is refused as foreign_page
// when posted for the URL it was captured from (Business Insider's .com page names
// its .de twin); it is posted again for the URL it declares, as a reader of that
// site would post it.
func TestBenchmarkPagesStories(t *testing.T) {
	t.Parallel()
	pages, err := corpus.LoadExtraction(corpus.Require(t, "article-extraction"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/benchpages.json")
	if err != nil {
		t.Fatal(err)
	}
	var want benchStories
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("testdata/benchpages.json: %v", err)
	}
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_CLIENT_RATE": "0"}))

	posted := map[string]benchPosted{} // by ground-truth URL
	canonical := map[string]string{}
	for _, p := range pages {
		c, code, err := postBenchPage(ts.URL, p.URL, p.HTML)
		if err != nil {
			t.Fatalf("%s: %v", p.URL, err)
		}
		if code == "foreign_page" {
			if declared := declaredURL(p); declared != "" {
				c, code, err = postBenchPage(ts.URL, declared, p.HTML)
				if err != nil {
					t.Fatalf("%s as %s: %v", p.URL, declared, err)
				}
			}
		}
		for range maxComplexRetries {
			if code != "page_too_complex" {
				break
			}
			if c, code, err = postBenchPage(ts.URL, p.URL, p.HTML); err != nil {
				t.Fatalf("%s: %v", p.URL, err)
			}
		}
		if code != "" {
			posted[p.URL] = benchPosted{refused: code}
			continue
		}
		canonical[p.URL] = c
	}
	// The stories as they stand once every page is in: a later page may have
	// joined an earlier one's story.
	members := map[string][]string{}
	for _, p := range pages {
		c, ok := canonical[p.URL]
		if !ok {
			continue
		}
		resp, err := http.Get(ts.URL + "/api/v1/lookup?url=" + url.QueryEscape(c))
		if err != nil {
			t.Fatal(err)
		}
		body := decode(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: indexed lookup: status %d %v", p.URL, resp.StatusCode, body)
		}
		title, _ := path(body, "article", "title").(string)
		story, _ := path(body, "story", "id").(string)
		posted[p.URL] = benchPosted{title: title, story: story}
		members[story] = append(members[story], p.URL)
	}
	logStories(t, members, posted)
	var refused []string
	for u, p := range posted {
		if p.refused != "" {
			refused = append(refused, p.refused+" "+u)
		}
	}
	slices.Sort(refused)
	t.Logf("%d pages, %d indexed in %d stories; not indexed: %s", len(pages), len(canonical), len(members), strings.Join(refused, ", "))

	var violations, open []string
	violated := func(entry, msg string) {
		if entry != "" {
			open = append(open, msg+" [open: "+entry+"]")
			return
		}
		violations = append(violations, msg)
	}
	check := func(u string) (benchPosted, bool) {
		p, ok := posted[u]
		switch {
		case !ok:
			violations = append(violations, "not a page of the benchmark: "+u)
		case p.refused == "page_too_complex":
			// The CPU budget, not the page: say so, but do not fail on a busy machine.
			t.Logf("not checked: %s was refused as page_too_complex %d times", u, maxComplexRetries+1)
		case p.refused != "":
			violations = append(violations, fmt.Sprintf("not indexed (%s): %s", p.refused, u))
		default:
			return p, true
		}
		return p, false
	}
	for _, j := range want.Join {
		for i, a := range j.Pages {
			for _, b := range j.Pages[i+1:] {
				pa, oka := check(a)
				pb, okb := check(b)
				if oka && okb && pa.story != pb.story {
					violated(j.Open, fmt.Sprintf("apart, should join: %q and %q (%s)", pa.title, pb.title, j.Why))
				}
			}
		}
	}
	for _, ap := range want.Apart {
		for _, a := range ap.Sides[0] {
			for _, b := range ap.Sides[1] {
				pa, oka := check(a)
				pb, okb := check(b)
				if oka && okb && pa.story == pb.story {
					violated(ap.Open, fmt.Sprintf("joined, should stay apart: %q and %q (%s)", pa.title, pb.title, ap.Why))
				}
			}
		}
	}
	if len(open) > 0 {
		t.Logf("%d known violations (entries marked open):\n%s", len(open), strings.Join(open, "\n"))
	}
	if len(violations) > 0 {
		t.Errorf("%d of the stories testdata/benchpages.json asks for do not hold:\n%s", len(violations), strings.Join(violations, "\n"))
	}
}

// postBenchPage posts a page as the extension does. It returns the article's
// canonical URL, or the API's error code for a 4xx answer; err is for anything
// else (a 5xx is a bug, not a page the API may refuse).
func postBenchPage(base, pageURL string, page []byte) (canonicalURL, code string, err error) {
	resp, err := http.Post(base+"/api/v1/lookup?url="+url.QueryEscape(pageURL), "text/html; charset=utf-8", bytes.NewReader(page))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var answer struct {
		Article struct {
			CanonicalURL string `json:"canonical_url"`
		} `json:"article"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return "", "", fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return answer.Article.CanonicalURL, "", nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && answer.Error.Code != "":
		return "", answer.Error.Code, nil
	}
	return "", "", fmt.Errorf("status %d", resp.StatusCode)
}

// declaredURL is the URL a page gives as its own, "" when it gives none or
// cannot be read.
func declaredURL(p corpus.ExtractionPage) string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return ""
	}
	art, err := extract.Parse(p.HTML, u)
	if err != nil && !errors.Is(err, extract.ErrNotArticle) {
		return ""
	}
	return art.CanonicalURL
}

// logStories logs every story of two or more of the pages, their titles sorted.
func logStories(t *testing.T, members map[string][]string, posted map[string]benchPosted) {
	var out []string
	for _, urls := range members {
		if len(urls) < 2 {
			continue
		}
		var titles []string
		for _, u := range urls {
			titles = append(titles, fmt.Sprintf("    %s  <%s>", posted[u].title, u))
		}
		slices.Sort(titles)
		out = append(out, strings.Join(titles, "\n"))
	}
	slices.Sort(out)
	t.Logf("%d stories of two or more pages:\n%s", len(out), strings.Join(out, "\n  --\n"))
}
