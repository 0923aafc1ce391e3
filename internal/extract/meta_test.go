package extract

import (
	"strings"
	"testing"
	"time"
)

// page wraps head elements and the standard article body into a document.
func page(head string) []byte {
	return []byte("<!DOCTYPE html><html><head>" + head + "</head><body><article>" + articleBody + "</article></body></html>")
}

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pageURL string
		doc           []byte
		check         func(a Article) string // "" when the article is right
	}{
		{"every URL the page declares as its own", "https://a.example/x", page(`<link rel="canonical" href="/x">
			<meta property="og:url" content="https://a.example/x">
			<script type="application/ld+json">{"@type":"NewsArticle","headline":"H","url":"https://b.example/y"}</script>`),
			func(a Article) string {
				return want(a.CanonicalURL, "https://a.example/x") + want(strings.Join(a.DeclaredURLs, " "), "https://a.example/x https://b.example/y")
			}},
		{"json-ld mainEntityOfPage as a WebPage", "https://a.example/x", page(`<script type="application/ld+json">
			{"@type":"NewsArticle","headline":"H","mainEntityOfPage":{"@type":"WebPage","@id":"https://c.example/z"}}</script>`),
			func(a Article) string {
				return want(a.CanonicalURL, "") + want(strings.Join(a.DeclaredURLs, " "), "https://c.example/z")
			}},
		{"json-ld top-level array", "https://a.example/x", page(`<script type="application/ld+json">[
			{"@type":"BreadcrumbList"},
			{"@context":"https://schema.org","@type":"ReportageNewsArticle","headline":"Headline from JSON-LD",
			 "author":"Ann Author","datePublished":"2020-01-02T03:04:05Z","inLanguage":"fr-CA"}]</script>`),
			func(a Article) string {
				return want(a.Title, "Headline from JSON-LD") + want(a.Byline, "Ann Author") +
					wantTime(a.Published, "2020-01-02T03:04:05Z") + want(a.Lang, "fr-CA")
			}},
		{"json-ld graph with @id references", "https://a.example/x", page(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
			{"@type":"Person","@id":"#p1","name":"First Writer"},{"@type":"Organization","@id":"#org","name":"Graph News"},
			{"@type":["Article","NewsArticle"],"headline":"Graph headline","author":[{"@id":"#p1"},{"@type":"Person","name":"Second Writer"}],
			 "publisher":{"@id":"#org"},"image":{"@id":"#img"}},{"@type":"ImageObject","@id":"#img","url":"/lead.jpg"}]}</script>`),
			func(a Article) string {
				return want(a.Title, "Graph headline") + want(a.Byline, "First Writer, Second Writer") +
					want(a.SiteName, "Graph News") + want(a.Image, "https://a.example/lead.jpg")
			}},
		{"json-ld mainEntity and schema URL type", "https://a.example/x", page(`<script type="application/ld+json">{"@type":"WebPage",
			"mainEntity":{"@type":"http://schema.org/BlogPosting","headline":"Main entity post","author":{"@type":"Person","name":"Blog Gger"}}}</script>`),
			func(a Article) string { return want(a.Title, "Main entity post") + want(a.Byline, "Blog Gger") }},
		{"json-ld with raw newlines and CDATA", "https://a.example/x", page("<script type=\"application/ld+json\">//<![CDATA[\n{\"@type\":\"NewsArticle\",\"headline\":\"Line\none\",\n\"datePublished\":\"2021-06-01\"}\n//]]></script>"),
			func(a Article) string {
				return want(a.Title, "Line one") + wantTime(a.Published, "2021-06-01T00:00:00Z")
			}},
		{"json-ld escaped entities", "https://a.example/x", page(`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Fish &amp; chips"}</script>`),
			func(a Article) string { return want(a.Title, "Fish & chips") }},
		{"meta fallbacks", "https://a.example/news/x", page(`<title>Ignored title</title>
			<meta name="parsely-title" content="Parsely title"><meta name="parsely-author" content="Pat Parsely">
			<meta name="parsely-pub-date" content="2019-11-19T14:00:00+01:00"><meta name="twitter:description" content="Short summary.">
			<meta name="twitter:image" content="//cdn.a.example/t.jpg">`),
			func(a Article) string {
				return want(a.Title, "Parsely title") + want(a.Byline, "Pat Parsely") +
					wantTime(a.Published, "2019-11-19T14:00:00+01:00") + want(a.Excerpt, "Short summary.") +
					want(a.Image, "https://cdn.a.example/t.jpg")
			}},
		{"dc.date and itemprop", "https://a.example/x", []byte(`<html><head><meta name="dc.date" content="2018-03-04"></head><body>
			<article><span itemprop="author" itemscope><span itemprop="name">Ivy Itemprop</span></span>` + articleBody + `</article></body></html>`),
			func(a Article) string {
				return wantTime(a.Published, "2018-03-04T00:00:00Z") + want(a.Byline, "Ivy Itemprop")
			}},
		{"time element in article", "https://a.example/x", []byte(`<html><body><aside><time datetime="2001-01-01">old</time></aside>
			<article><time datetime="2022-02-22T10:00:00Z">Feb 22</time>` + articleBody + `</article></body></html>`),
			func(a Article) string { return wantTime(a.Published, "2022-02-22T10:00:00Z") }},
		{"unparseable date ignored", "https://a.example/x", page(`<meta property="article:published_time" content="yesterday-ish">
			<meta name="sailthru.date" content="Tue, 19 Nov 2019 10:48:00 GMT">`),
			func(a Article) string { return wantTime(a.Published, "2019-11-19T10:48:00Z") }},
		{"canonical relative to base", "https://a.example/amp/x", page(`<base href="https://www.a.example/news/"><link rel="canonical" href="story-1">`),
			func(a Article) string { return want(a.CanonicalURL, "https://www.a.example/news/story-1") }},
		{"canonical over og:url", "https://a.example/x", page(`<meta property="og:url" content="https://a.example/og"><link rel="Canonical  alternate" href="https://a.example/canon">`),
			func(a Article) string { return want(a.CanonicalURL, "https://a.example/canon") }},
		{"og:url when no canonical", "https://a.example/x", page(`<meta property="og:url" content="/og-path">`),
			func(a Article) string { return want(a.CanonicalURL, "https://a.example/og-path") }},
		{"non-http canonical dropped", "https://a.example/x", page(`<link rel="canonical" href="javascript:alert(1)">`),
			func(a Article) string { return want(a.CanonicalURL, "") }},
		{"no canonical", "https://a.example/x", page(``),
			func(a Article) string { return want(a.CanonicalURL, "") }},
		{"author url dropped", "https://a.example/x", page(`<meta property="article:author" content="https://facebook.com/someone"><meta name="author" content="Real Name">`),
			func(a Article) string { return want(a.Byline, "Real Name") }},
		// The HTML parser unescapes once and tidy once more; the URL check
		// must see what the reader would.
		{"double-escaped author url dropped", "https://a.example/x", page(`<meta property="article:author" content="&amp;#104;ttps://facebook.com/someone">
			<script type="application/ld+json">{"@type":"NewsArticle","author":["&#104;ttps://a.example/me","Real Name"]}</script>`),
			func(a Article) string { return want(a.Byline, "Real Name") }},
		{"html lang wins", "https://a.example/x", []byte(`<html lang="pt_BR"><head><meta property="og:locale" content="en_US"></head><body>` + articleBody + `</body></html>`),
			func(a Article) string { return want(a.Lang, "pt-BR") }},
		{"invalid lang skipped", "https://a.example/x", []byte(`<html lang="not a language"><head><meta property="og:locale" content="es_ES"></head><body>` + articleBody + `</body></html>`),
			func(a Article) string { return want(a.Lang, "es-ES") }},
		{"site suffix from host", "https://www.dailyplanet.example/x", page(`<title>Hero saves city - DailyPlanet.example</title>`),
			func(a Article) string { return want(a.Title, "Hero saves city") }},
		{"site prefix", "https://a.example/x", page(`<meta property="og:site_name" content="The Gazette"><meta property="og:title" content="Gazette | Bridge reopens after repairs">`),
			func(a Article) string { return want(a.Title, "Bridge reopens after repairs") }},
		{"separator kept when not the site", "https://a.example/x", page(`<meta property="og:site_name" content="The Gazette"><meta property="og:title" content="Brexit - what happens next">`),
			func(a Article) string { return want(a.Title, "Brexit - what happens next") }},
		{"nil page URL", "", page(`<link rel="canonical" href="/relative"><meta property="og:image" content="https://a.example/i.jpg">`),
			func(a Article) string { return want(a.CanonicalURL, "") + want(a.Image, "https://a.example/i.jpg") }},
		{"long description truncated", "https://a.example/x", page(`<meta name="description" content="` + strings.Repeat("word ", 200) + `">`),
			func(a Article) string {
				if n := len([]rune(a.Excerpt)); n > maxExcerptRunes || !strings.HasSuffix(a.Excerpt, "…") {
					return "Excerpt not cut to size: " + a.Excerpt
				}
				return ""
			}},
		{"excerpt from first paragraph", "https://a.example/x", page(``),
			func(a Article) string {
				return want(a.Excerpt, "The regional water authority said on Monday that reservoirs were at their lowest level in twenty years, and asked households in the valley to cut their use by a fifth until the autumn rains.")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var u = mustURL(t, tc.pageURL)
			if tc.pageURL == "" {
				u = nil
			}
			a, err := Parse(tc.doc, u)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg := tc.check(a); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func want(got, want string) string {
	if got != want {
		return "got " + quote(got) + ", want " + quote(want) + "; "
	}
	return ""
}

func wantTime(got time.Time, want string) string {
	w, err := time.Parse(time.RFC3339, want)
	if err != nil {
		return err.Error()
	}
	if !got.Equal(w) {
		return "got time " + got.Format(time.RFC3339) + ", want " + want + "; "
	}
	return ""
}

func quote(s string) string { return `"` + s + `"` }
