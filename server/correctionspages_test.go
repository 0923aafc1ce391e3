package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// postForm posts an empty form to a page route as the story page's buttons do
// (a same-origin form post) and returns the answer, not following redirects.
func postForm(t *testing.T, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// What a browser sends for a form of our own under Referrer-Policy: no-referrer.
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestStoryPageCorrections: the story page says why each article is there, offers
// "Not this story" as a plain form that works without script, confirms the detach
// with an undo, links the related stories, and refuses another site's form.
func TestStoryPageCorrections(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	body := postFixtures(t, ts.URL)
	sid, _ := path(body, "story", "id").(string)
	resp, page := getPage(t, ts.URL+"/stories/"+sid, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("story page: %d", resp.StatusCode)
	}
	if n := strings.Count(page, "<summary>Why is this here?</summary>"); n != 3 {
		t.Errorf("%d \"Why is this here?\" disclosures, want 3", n)
	}
	for _, want := range []string{"This article started the story", "It joined with a score of ", "Words in common"} {
		if !strings.Contains(page, want) {
			t.Errorf("the story page does not say %q", want)
		}
	}
	forms := regexp.MustCompile(`<form method="post" action="(/stories/[^"]+/detach)" class="nts">`).FindAllStringSubmatch(page, -1)
	if len(forms) != 3 {
		t.Fatalf("%d \"Not this story\" forms, want 3", len(forms))
	}
	var fox string
	for _, a := range path(body, "story", "articles").([]any) {
		if strings.Contains(path(a, "url").(string), "foxnews") {
			fox = path(a, "article_id").(string)
		}
	}
	action := "/stories/" + sid + "/articles/" + fox + "/detach"
	if !strings.Contains(page, `action="`+action+`"`) {
		t.Fatalf("no form for the Fox article (%s)", action)
	}

	// Another site's form is refused before anything changes.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+action, nil)
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site form: %v %v, want 403", resp, err)
	}

	resp = postForm(t, ts.URL+action)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/stories/"+sid || loc.Query().Get("moved") != fox {
		t.Fatalf("detach form: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	own := loc.Query().Get("to")
	_, page = getPage(t, ts.URL+loc.String(), nil)
	if !strings.Contains(page, "You took an article out of this story") || !strings.Contains(page, `href="/stories/`+own+`"`) {
		t.Error("the page after a detach does not confirm it")
	}
	undo := "/stories/" + sid + "/articles/" + fox + "/attach"
	if !strings.Contains(page, `action="`+undo+`"`) {
		t.Fatal("the page after a detach offers no undo")
	}
	if strings.Count(page, `class="nts"`) != 2 {
		t.Errorf("after the detach the page lists %d articles with the button, want 2", strings.Count(page, `class="nts"`))
	}
	// The detached article's story is close to this one: related, in both ways;
	// a story is never related to itself.
	if !strings.Contains(page, `<h2 id="related">Related stories</h2>`) || !strings.Contains(page, `<li><a href="/stories/`+own+`">`) {
		t.Error("the story page does not link the detached article's story as related")
	}
	if strings.Contains(page, `<li><a href="/stories/`+sid+`">`) {
		t.Error("the story page lists itself as related")
	}
	// Its own story has one article: no button (it cannot be detached).
	if _, p := getPage(t, ts.URL+"/stories/"+own, nil); strings.Contains(p, `class="nts"`) {
		t.Error("a story of one article offers \"Not this story\"")
	}

	resp = postForm(t, ts.URL+undo)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/stories/"+sid {
		t.Fatalf("undo form: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = getPage(t, ts.URL+"/stories/"+sid, nil); strings.Count(page, `class="nts"`) != 3 {
		t.Error("after the undo the story does not list its three articles")
	}
	// An error on a page route is a page.
	if resp := postForm(t, ts.URL+"/stories/"+sid+"/articles/nope/detach"); resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("detach of no article from the page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
