package extract

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Why FuzzParse looked stuck (about 60 executions in 3 minutes): a Parse of
// a seed page takes about 0.4 ms, so the fuzzer runs some 2,000 a second on
// one core, but each input that reaches new code is first minimised, and
// Go's minimiser tries removing every substring of it: O(n²) runs for an
// n-byte input, some 8 million for a 4 KB seed page, cut off after
// -fuzzminimizetime (60 s by default). Runs are counted only once a
// minimisation ends, so a short run printed nearly none. Hence the small
// inputs of FuzzJSONLD and FuzzMetadata, the input caps below, and the
// Makefile's short -fuzzminimizetime.

// maxFuzzPageBytes bounds the pages FuzzParse tries: ten times the largest
// seed. Parse's own size limits are tested in TestParseLimits; bigger inputs
// only make each run and each minimisation slower.
const maxFuzzPageBytes = 64 << 10

// maxFuzzMetaBytes bounds the inputs of FuzzJSONLD and FuzzMetadata: the
// JSON-LD and head of a real page fit in a few KB.
const maxFuzzMetaBytes = 8 << 10

// FuzzParse checks that no input makes Parse panic, and that whatever it
// returns as an article is well-formed. Seeded with the golden test pages:
//
//	go test ./internal/extract -run '^$' -fuzz '^FuzzParse$' -fuzztime 30s
func FuzzParse(f *testing.F) {
	for _, b := range testPages(f) {
		f.Add(b)
	}
	f.Add([]byte(`<script type="application/ld+json">{"@type":"NewsArticle","articleBody":"` + articleBody + `"}</script>`))
	u := mustURL(f, "https://example.com/news/a.html")
	f.Fuzz(func(t *testing.T, page []byte) {
		if len(page) > maxFuzzPageBytes {
			return
		}
		a, err := Parse(page, u)
		if err != nil {
			if !errors.Is(err, ErrNotArticle) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse err = %v, want nil, ErrNotArticle or ErrTooLarge", err)
			}
			return
		}
		checkArticle(t, a)
	})
}

// testPages returns the pages in testdata/.
func testPages(tb testing.TB) [][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.html"))
	if err != nil {
		tb.Fatal(err)
	}
	var pages [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		pages = append(pages, b)
	}
	return pages
}

// jsonLDSeeds are JSON-LD texts in the shapes publishers use (see
// TestParseMetadata) and some they should not.
var jsonLDSeeds = []string{
	`[{"@type":"BreadcrumbList"},{"@context":"https://schema.org","@type":"ReportageNewsArticle","headline":"Headline from JSON-LD",
	  "author":"Ann Author","datePublished":"2020-01-02T03:04:05Z","inLanguage":"fr-CA"}]`,
	`{"@context":"https://schema.org","@graph":[{"@type":"Person","@id":"#p1","name":"First Writer"},{"@type":"Organization","@id":"#org","name":"Graph News"},
	  {"@type":["Article","NewsArticle"],"headline":"Graph headline","author":[{"@id":"#p1"},{"@type":"Person","name":"Second Writer"}],
	  "publisher":{"@id":"#org"},"image":{"@id":"#img"}},{"@type":"ImageObject","@id":"#img","url":"/lead.jpg"}]}`,
	`{"@type":"WebPage","mainEntity":{"@type":"http://schema.org/BlogPosting","headline":"Main entity post","author":{"@type":"Person","name":"Blog Gger"}}}`,
	"//<![CDATA[\n{\"@type\":\"NewsArticle\",\"headline\":\"Line\none\",\n\"datePublished\":\"2021-06-01\"};\n//]]>",
	`{"@type":"NewsArticle","headline":"Fish &amp; chips","author":["https://a.example/me","ann","ANN",{"name":{"@value":" Bo  B "}},[["deep"]]],
	  "image":[[ "x" ],{"contentUrl":"//cdn.a.example/i.jpg"}],"articleBody":"<p>One</p><p>Two &amp; three</p>","dateCreated":"1700-01-01"}`,
	`{"@type":"Article","articleBody":"line one\n\n\n  line   two\t","publisher":"Plain Publisher","description":["", " first "]}`,
	`{"@id":"#a","@type":"Article","author":{"@id":"#a"},"mainEntity":{"@id":"#a"},"@graph":[[[[[[[{"@type":"Article"}]]]]]]]}`,
	`{"@type":"schema:NewsArticle","headline":"\u0000\u200b\ud800 odd","inLanguage":"en_us"}`,
	// Double-escaped, as many sites do: the URL shows only once unescaped.
	`{"@type":"NewsArticle","author":["&#104;ttps://a.example/me", "&#x2F;/a.example/you", {"name": "&amp;#104;ttp://x"}]}`,
}

// FuzzJSONLD checks readJSONLD, and readMetadata on top of it, on any text in
// a page's ld+json script: the strings it keeps are trimmed valid UTF-8, the
// authors distinct names (not URLs), the body plain text, and the metadata
// within its bounds (see checkMetadata). Seeded with the JSON-LD of the test
// pages and of TestParseMetadata:
//
//	go test ./internal/extract -run '^$' -fuzz '^FuzzJSONLD$' -fuzztime 30s
func FuzzJSONLD(f *testing.F) {
	for _, s := range jsonLDSeeds {
		f.Add(s)
	}
	for _, page := range testPages(f) {
		doc, err := parseHTML(page)
		if err != nil {
			f.Fatal(err)
		}
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && n.Data == "script" && isJSONLD(attr(n, "type")) {
				f.Add(scriptText(n))
			}
		}
	}
	base := mustURL(f, "https://a.example/news/story.html")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > maxFuzzMetaBytes {
			return
		}
		doc, err := parseHTML([]byte(`<html><head><script type="application/ld+json">` + text + `</script></head><body></body></html>`))
		if err != nil {
			// Only a text that closes the script and then nests 512 elements.
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("parseHTML: %v, want nil or ErrTooLarge", err)
			}
			return
		}
		s := readJSONLD(doc)
		for name, v := range map[string]string{
			"headline": s.headline, "name": s.name, "description": s.description, "publisher": s.publisher,
			"lang": s.lang, "published": s.published, "image": s.image,
		} {
			if !utf8.ValidString(v) || v != strings.TrimSpace(v) {
				t.Errorf("%s %q: want trimmed valid UTF-8", name, v)
			}
		}
		for i, a := range s.authors {
			checkMetaText(t, "author", a)
			if a == "" || isURL(a) {
				t.Errorf("author %q: want a name, not empty or a URL", a)
			}
			for _, b := range s.authors[:i] {
				if strings.EqualFold(a, b) {
					t.Errorf("authors %q and %q repeat a name", b, a)
				}
			}
		}
		checkBody(t, s.body)
		checkMetadata(t, readMetadata(doc, base))
	})
}

// metaSeeds are heads of pages in the shapes TestParseMetadata covers.
var metaSeeds = []string{
	`<title>Ignored title</title><meta name="parsely-title" content="Parsely title"><meta name="parsely-author" content="Pat Parsely">
	 <meta name="parsely-pub-date" content="2019-11-19T14:00:00+01:00"><meta name="twitter:description" content="Short summary.">
	 <meta name="twitter:image" content="//cdn.a.example/t.jpg">`,
	`<meta name="dc.date" content="2018-03-04"></head><body><article><span itemprop="author" itemscope><span itemprop="name">Ivy Itemprop</span></span></article>`,
	`</head><body><aside><time datetime="2001-01-01">old</time></aside><article><time datetime="2022-02-22T10:00:00Z">Feb 22</time></article>`,
	`<meta property="article:published_time" content="yesterday-ish"><meta name="sailthru.date" content="Tue, 19 Nov 2019 10:48:00 GMT">`,
	`<base href="https://www.a.example/news/"><link rel="canonical" href="story-1"><link rel="image_src" href="/i.png">`,
	`<meta property="og:url" content="https://a.example/og"><link rel="Canonical  alternate" href="https://a.example/canon">`,
	`<link rel="canonical" href="javascript:alert(1)"><meta property="og:image" content="data:image/png,x">`,
	`<meta property="article:author" content="https://facebook.com/someone"><meta name="author" content="Real Name">`,
	`<meta property="article:author" content="&amp;#104;ttps://facebook.com/someone"><meta name="author" content="Real Name">`,
	`<meta property="og:locale" content="en_US"><meta http-equiv="Content-Language" content="de-DE, en"><meta name="dc.language" content="not a language">`,
	`<meta property="og:site_name" content="The Gazette"><meta property="og:title" content="Gazette | Bridge reopens after repairs">`,
	`<meta name="description" content="word word   word &amp;amp; &#x9; word"><meta name="byl" content="By Reporter One">`,
	`</head><body><div class="post-byline">By  Jane   Doe</div><a rel="author" href="/j">J. Doe</a><p itemprop="datePublished" content="2015-05-05">x</p>`,
}

// FuzzMetadata checks readMetadata on any page: what it keeps is within the
// bounds the extract package promises (see checkMetadata). Seeded with the
// test pages and the heads of TestParseMetadata:
//
//	go test ./internal/extract -run '^$' -fuzz '^FuzzMetadata$' -fuzztime 30s
func FuzzMetadata(f *testing.F) {
	for _, head := range metaSeeds {
		f.Add([]byte(`<html lang="en-GB"><head>` + head + `</head><body></body></html>`))
	}
	// The heads of the test pages, not the pages: metadata lives there, and
	// a seed four times longer takes sixteen times longer to minimise.
	for _, page := range testPages(f) {
		if end := bytes.Index(page, []byte("</head>")); end >= 0 {
			page = page[:end+len("</head>")]
		}
		f.Add(page)
	}
	pageURL := mustURL(f, "https://a.example/news/story.html")
	f.Fuzz(func(t *testing.T, page []byte) {
		if len(page) > maxFuzzMetaBytes {
			return
		}
		doc, err := parseHTML(page)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("parseHTML: %v, want nil or ErrTooLarge", err)
			}
			return
		}
		checkMetadata(t, readMetadata(doc, baseURL(doc, pageURL)))
	})
}

// checkMetadata checks what readMetadata found: texts within maxMetaValue
// and collapsed, a byline that is not a URL, a canonical BCP 47 language,
// absolute http(s) URLs, a plausible date, a plain-text body.
func checkMetadata(t *testing.T, m metadata) {
	t.Helper()
	for name, v := range map[string]string{"title": m.title, "byline": m.byline, "site name": m.siteName, "description": m.description} {
		checkMetaText(t, name, v)
	}
	if isURL(m.byline) {
		t.Errorf("byline %q is a URL", m.byline)
	}
	if m.lang != "" && firstLang(m.lang) != m.lang {
		t.Errorf("lang %q is not in canonical form (%q)", m.lang, firstLang(m.lang))
	}
	for name, v := range map[string]string{"canonical": m.canonical, "image": m.image} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !utf8.ValidString(v) {
			t.Errorf("%s %q: want an absolute http(s) URL (%v)", name, v, err)
		}
	}
	if y := m.published.Year(); !m.published.IsZero() && (y < 1800 || y > 2200) {
		t.Errorf("published %v: want a year from 1800 to 2200", m.published)
	}
	checkBody(t, m.body)
}

// checkMetaText checks a metadata text: valid UTF-8, at most maxMetaValue
// runes, white space collapsed to single spaces and trimmed.
func checkMetaText(t *testing.T, name, v string) {
	t.Helper()
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxMetaValue || v != strings.Join(strings.Fields(v), " ") {
		t.Errorf("%s %q: want collapsed valid UTF-8 of at most %d runes", name, v, maxMetaValue)
	}
}

// checkBody checks an articleBody as plain text: valid UTF-8, trimmed, no
// run of blank lines.
func checkBody(t *testing.T, body string) {
	t.Helper()
	if !utf8.ValidString(body) || body != strings.TrimSpace(body) || strings.Contains(body, "\n\n\n") {
		t.Errorf("body %q: want trimmed valid UTF-8 without runs of blank lines", body)
	}
}

// isURL reports whether a name is one of the URLs personName drops.
func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//")
}
