package web

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/parallax-news/parallax/internal/stories"
)

// TestHostileInput feeds the pages what a hostile feed or page could put in a
// headline, an excerpt, a link or a query: it must stay text, and only http(s)
// article URLs may become links.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	p := pages(t)
	const script = `<script>alert(1)</script>`
	hostile := []stories.Article{
		{URL: "javascript:alert(1)", Title: "JS link " + script, Excerpt: `"><img src=x onerror=alert(1)>`, OutletID: "cnn", Domain: "cnn.com", Published: at("07:00")},
		{URL: "JaVaScRiPt:alert(2)", Title: "Mixed-case JS link", OutletID: "bbc-news", Domain: "bbc.co.uk", Published: at("07:10")},
		{URL: "data:text/html,<script>alert(3)</script>", Title: "Data link", OutletID: "fox-news", Domain: "foxnews.com", Published: at("07:20")},
		{URL: "//evil.example/x", Title: "Scheme-relative link", OutletID: "reuters", Domain: "reuters.com", Published: at("07:30")},
		{URL: "https://ok.example/a?b=1&c=<2>", Title: "Safe link", OutletID: "guardian", Domain: "theguardian.com", Published: at("07:40")},
	}
	s := stories.Story{ID: `s"><script>`, Title: script, Articles: hostile}
	var b strings.Builder
	if err := p.RenderStory(&b, NewStoryPage(s, reg)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Script, atom.Img:
			t.Errorf("hostile input made a <%s> element", n.Data)
		case atom.A:
			if href := attr(n, "href"); !strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "#") {
				links = append(links, href)
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("hostile input made an %s attribute", a.Key)
			}
		}
	}
	if len(links) != 1 || links[0] != "https://ok.example/a?b=1&c=%3c2%3e" {
		t.Errorf("external links %q, want only the https one", links)
	}
	for _, want := range []string{
		"<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>",
		"JS link &lt;script&gt;alert(1)&lt;/script&gt;", // the headline, as text and not a link
		"&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",   // the excerpt
		"<title>&lt;script&gt;alert(1)&lt;/script&gt; · Parallax</title>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}

	// The search page shows the query back as text, in the field and the heading.
	const q = `"><script>alert(1)</script>`
	b.Reset()
	if err := p.RenderSearch(&b, NewSearchPage(q, nil, reg)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") {
		t.Error("the search page echoes the query as markup")
	}
	if !strings.Contains(b.String(), `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) || !strings.Contains(b.String(), "No story matches “&#34;&gt;&lt;script&gt;") {
		t.Errorf("the search page does not show the query back escaped:\n%s", between(b.String(), "<main", "</main>"))
	}

	// A hostile list item: title and id stay text, the link stays on the site.
	b.Reset()
	items := []StoryItem{{ID: "../../admin?x=1", Title: script, Sources: []string{"cnn", "domain:" + script}}}
	if err := p.RenderHome(&b, NewHomePage(nil, items, 1, false, reg)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), `href="/stories/..%2F..%2Fadmin%3Fx=1"`) {
		t.Errorf("hostile list item:\n%s", between(b.String(), "<main", "</main>"))
	}
}

func TestSafeLink(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://example.com/a":  "https://example.com/a",
		"http://example.com/a":   "http://example.com/a",
		"HTTPS://example.com/a":  "https://example.com/a",
		"javascript:alert(1)":    "",
		" javascript:alert(1)":   "",
		"vbscript:x":             "",
		"data:text/html,x":       "",
		"//example.com/a":        "",
		"/relative":              "",
		"https:///no-host":       "",
		"ftp://example.com/file": "",
		"":                       "",
	}
	for in, want := range tests {
		if got := safeLink(in); got != want {
			t.Errorf("safeLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"  spaced \n\t out  ", 20, "spaced out"},
		{"one two three four five six", 16, "one two three…"},
		{"ééééééééééé", 5, "ééééé…"},
		{"abcdefghijkl", 6, "abcdef…"},
		{"a\u00a0b\nc  d", 10, "a b c d"},
		{"abc   ", 3, "abc"},
		{"abc def ", 7, "abc def"},
		{"abc de  f", 5, "abc d…"},
		{"", 5, ""},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCutFolds(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"":              true,
		"one two":       true,
		"élan vital":    true,
		" lead":         false,
		"trail ":        false,
		"two  spaces":   false,
		"tab\there":     false,
		"line\nbreak":   false,
		"nbsp\u00a0sep": false,
		"ideo\u3000sep": false,
	} {
		if got := cut(s, 100) == s; got != want {
			t.Errorf("cut(%q) leaves it as it is: %v, want %v", s, got, want)
		}
	}
}
