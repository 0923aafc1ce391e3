package web

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/parallax-news/parallax/internal/stories"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.html golden files")

// TestGolden renders each kind of page from fixed data and compares it with its
// golden file. The pages are one line each; the golden files break the line
// between tags so that a change reads as a diff of a few lines.
func TestGolden(t *testing.T) {
	t.Parallel()
	p, reg := pages(t), registry(t)
	bbc, _ := reg.ByID("bbc-news")
	tests := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"story-three-sided", func(b *bytes.Buffer) error {
			m := NewStoryPage(threeSided(), reg)
			m.Summary = SummaryOf(stories.Summarize(threeSided(), reg.Bias), reg)
			return p.RenderStory(b, m)
		}},
		{"story-blindspot", func(b *bytes.Buffer) error { return p.RenderStory(b, NewStoryPage(oneSided(), reg)) }},
		{"home", func(b *bytes.Buffer) error {
			return p.RenderHome(b, NewHomePage([]StoryItem{itemOf(threeSided())}, []StoryItem{itemOf(oneSided()), itemOf(threeSided())}, 2, true, reg))
		}},
		{"home-empty", func(b *bytes.Buffer) error { return p.RenderHome(b, NewHomePage(nil, nil, 1, false, reg)) }},
		{"blindspots", func(b *bytes.Buffer) error {
			return p.RenderBlindspots(b, NewBlindspotsPage([]StoryItem{itemOf(oneSided()), itemOf(threeSided())}, reg))
		}},
		{"outlet", func(b *bytes.Buffer) error {
			return p.RenderOutlet(b, NewOutletPage(bbc, []StoryItem{itemOf(threeSided()), itemOf(oneSided())}, reg))
		}},
		{"search-empty", func(b *bytes.Buffer) error { return p.RenderSearch(b, NewSearchPage("volcano", nil, reg)) }},
		{"search-form", func(b *bytes.Buffer) error { return p.RenderSearch(b, NewSearchPage("", nil, reg)) }},
		{"error-404", func(b *bytes.Buffer) error {
			return p.RenderError(b, NewErrorPage(http.StatusNotFound, "/stories/gone"))
		}},
		{"error-401", func(b *bytes.Buffer) error {
			return p.RenderError(b, NewErrorPage(http.StatusUnauthorized, "/stories/s1?x=1"))
		}},
		{"error-500", func(b *bytes.Buffer) error { return p.RenderError(b, NewErrorPage(http.StatusInternalServerError, "")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			checkPage(t, b.String())
			// The stylesheet's hash is left out, so a CSS change does not touch
			// every golden file (TestAssets checks the link).
			got := strings.ReplaceAll(b.String(), p.StylePath(), AssetsPrefix+"style.HASH.css")
			got = strings.ReplaceAll(got, "><", ">\n<") + "\n"
			path := filepath.Join("testdata", tt.name+".html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/web -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (run go test ./internal/web -update and review the diff):\n%s", tt.name, path, firstDiff(got, string(want)))
			}
		})
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

// checkPage checks what an accessibility audit and a strict Content-Security-
// Policy would notice in any page: landmarks, one h1 and headings in order,
// unique ids, labelled inputs, no script, no inline style, and links that are
// site-relative, in-page or http(s).
func checkPage(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	labels := map[string]bool{}
	var inputs []string
	count := map[atom.Atom]int{}
	last := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		count[n.DataAtom]++
		if lvl := headingLevel(n.DataAtom); lvl > 0 {
			if lvl > last+1 {
				t.Errorf("h%d follows h%d: %q", lvl, last, text(n))
			}
			last = lvl
		}
		if n.DataAtom == atom.Script {
			t.Error("page has a script element")
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "id":
				if ids[a.Val] {
					t.Errorf("duplicate id %q", a.Val)
				}
				ids[a.Val] = true
			case a.Key == "style" || strings.HasPrefix(a.Key, "on"):
				t.Errorf("<%s> has a %s attribute", n.Data, a.Key)
			case a.Key == "for":
				labels[a.Val] = true
			case a.Key == "href" && n.DataAtom == atom.A:
				if !strings.HasPrefix(a.Val, "/") && !strings.HasPrefix(a.Val, "#") && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") {
					t.Errorf("link to %q", a.Val)
				}
			}
		}
		if n.DataAtom == atom.Input && attr(n, "type") != "hidden" {
			inputs = append(inputs, attr(n, "id"))
		}
	}
	for _, id := range inputs {
		if id == "" || !labels[id] {
			t.Errorf("input %q has no label", id)
		}
	}
	for _, a := range []atom.Atom{atom.Header, atom.Nav, atom.Main, atom.Footer, atom.H1} {
		if count[a] < 1 || (a != atom.Nav && count[a] > 1) {
			t.Errorf("%d <%s> elements", count[a], a)
		}
	}
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// render renders a story page for tests that look into it.
func render(t *testing.T, m StoryPage) string {
	t.Helper()
	var b bytes.Buffer
	if err := pages(t).RenderStory(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestETag(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	p := pages(t)
	tag := p.ETag("/stories/s1", "7")
	if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || strings.HasPrefix(tag, "W/") {
		t.Fatalf("ETag %s is not a strong entity tag", tag)
	}
	if again := pages(t).ETag("/stories/s1", "7"); again != tag {
		t.Errorf("the same build gives %s and %s", tag, again)
	}
	for _, other := range [][2]string{{"/stories/s1", "8"}, {"/stories/s2", "7"}, {"/stories/s17", ""}, {"/", "7"}} {
		if p.ETag(other[0], other[1]) == tag {
			t.Errorf("ETag(%q, %q) equals ETag(/stories/s1, 7)", other[0], other[1])
		}
	}
	// A registry change (an operator's override) is a new tag for the same data.
	all := reg.All()
	all[0].Owner = "Someone else"
	changed, err := outletsNew(all)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := New(changed)
	if err != nil {
		t.Fatal(err)
	}
	if p2.ETag("/stories/s1", "7") == tag {
		t.Error("a registry change keeps the ETag")
	}
}

func TestAssets(t *testing.T) {
	t.Parallel()
	p := pages(t)
	h := p.Assets()
	get := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if !strings.HasPrefix(p.StylePath(), AssetsPrefix+"style.") || !strings.HasSuffix(p.StylePath(), ".css") {
		t.Fatalf("StylePath %q", p.StylePath())
	}
	w := get("GET", p.StylePath())
	if w.Code != 200 || !strings.Contains(w.Body.String(), "prefers-color-scheme: dark") {
		t.Fatalf("GET %s: %d %.60q", p.StylePath(), w.Code, w.Body.String())
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if w := get("GET", p.StylePath(), "If-None-Match", w.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Errorf("conditional GET: %d", w.Code)
	}
	if w := get("GET", AssetsPrefix+"style.0000000000000000.css"); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stylesheet of another version: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	for _, path := range []string{AssetsPrefix + "app.js", AssetsPrefix + "../web.go", "/style.css", AssetsPrefix + "style.x/y.css"} {
		if w := get("GET", path); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	if w := get("POST", p.StylePath()); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
	// Every page links the versioned stylesheet.
	if page := render(t, NewStoryPage(threeSided(), registry(t))); !strings.Contains(page, `href="`+p.StylePath()+`"`) {
		t.Error("the story page does not link the stylesheet")
	}
}
