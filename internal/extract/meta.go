package extract

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itlightning/dateparse"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

// maxMetaValue caps a metadata string kept from a page. Titles, names, dates
// and URLs are far shorter; a longer value is junk or an attack.
const maxMetaValue = 2048

// maxDateLen caps the strings handed to the date parser: real timestamps are at
// most ~40 characters ("Tuesday, November 19, 2019 10:48:00 AM GMT+01:00").
const maxDateLen = 64

// metadata is what a page declares about itself, in the order of trust Parse
// gives it (JSON-LD, then meta tags, then markup).
type metadata struct {
	title, byline, siteName, description string
	lang, canonical, image               string
	published                            time.Time
	body                                 string // JSON-LD articleBody as plain text
	// declared is every URL the page gives as its own: the canonical link,
	// og:url and the JSON-LD article's url, absolute, each once.
	declared []string
}

// metaTags maps a meta tag's lower-cased name (name=, property=, itemprop= or
// http-equiv=) to the content of its first occurrence.
type metaTags map[string]string

// readMetadata collects a page's metadata. base resolves relative URLs.
func readMetadata(doc *html.Node, base *url.URL) metadata {
	tags := metaTags{}
	var htmlLang, canonical, imageSrc string
	var times []string // <time datetime> and itemprop=datePublished outside <meta>
	var markupAuthor string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "html":
			if htmlLang == "" {
				htmlLang = firstNonEmpty(attr(n, "lang"), attr(n, "xml:lang"))
			}
		case "meta":
			content := attr(n, "content")
			if content == "" {
				continue
			}
			for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
				key := strings.ToLower(strings.TrimSpace(attr(n, k)))
				if _, seen := tags[key]; key != "" && !seen {
					tags[key] = content
				}
			}
		case "link":
			rel := strings.Fields(strings.ToLower(attr(n, "rel")))
			for _, r := range rel {
				switch {
				case r == "canonical" && canonical == "":
					canonical = attr(n, "href")
				case r == "image_src" && imageSrc == "":
					imageSrc = attr(n, "href")
				}
			}
		case "time":
			if dt := attr(n, "datetime"); dt != "" && (attr(n, "itemprop") == "datePublished" ||
				hasAttr(n, "pubdate") || insideTag(n, "article")) {
				times = append(times, dt)
			}
		default:
			if attr(n, "itemprop") == "datePublished" {
				times = append(times, firstNonEmpty(attr(n, "datetime"), attr(n, "content"), textOf(n)))
			}
		}
		if markupAuthor == "" {
			markupAuthor = bylineIn(n)
		}
	}
	ld := readJSONLD(doc)

	var m metadata
	m.siteName = tidy(firstNonEmpty(tags["og:site_name"], ld.publisher, tags["application-name"]))
	m.title = tidy(firstNonEmpty(ld.headline, tags["og:title"], tags["twitter:title"],
		tags["parsely-title"], tags["sailthru.title"], tags["dc.title"], ld.name))
	// Every candidate is tidy already: tidying again would unescape again and
	// could turn a name personName checked into a URL.
	m.byline = truncate(firstNonEmpty(strings.Join(ld.authors, ", "), personName(tags["article:author"]),
		personName(tags["author"]), personName(tags["parsely-author"]), personName(tags["sailthru.author"]),
		personName(tags["dc.creator"]), personName(strings.TrimPrefix(tags["byl"], "By ")), markupAuthor), maxMetaValue)
	m.description = tidy(firstNonEmpty(ld.description, tags["og:description"], tags["description"],
		tags["twitter:description"], tags["dc.description"]))
	m.lang = firstLang(htmlLang, tags["og:locale"], ld.lang, tags["content-language"],
		tags["language"], tags["dc.language"])
	m.published = firstTime(append([]string{ld.published, tags["article:published_time"],
		tags["og:article:published_time"], tags["article:published"], tags["datepublished"],
		tags["parsely-pub-date"], tags["sailthru.date"], tags["dc.date"], tags["dc.date.issued"],
		tags["dcterms.date"], tags["dcterms.created"], tags["dcterms.issued"], tags["pubdate"],
		tags["publishdate"], tags["publish-date"], tags["publication_date"], tags["date"],
		tags["citation_publication_date"]}, times...)...)
	m.canonical = absoluteURL(base, firstNonEmpty(canonical, tags["og:url"]))
	for _, u := range []string{canonical, tags["og:url"], ld.url} {
		if u = absoluteURL(base, u); u != "" && !slices.Contains(m.declared, u) {
			m.declared = append(m.declared, u)
		}
	}
	m.image = absoluteURL(base, firstNonEmpty(tags["og:image"], tags["og:image:url"],
		tags["og:image:secure_url"], ld.image, tags["twitter:image"], tags["twitter:image:src"], imageSrc))
	m.body = ld.body
	return m
}

// maxBylineRunes caps a byline read from the markup; longer text is not a
// name but a paragraph that happens to carry an author class.
const maxBylineRunes = 100

// bylineIn returns the author named by an element, if it is one: microdata
// (itemprop=author, preferring its itemprop=name), a rel=author link, or an
// element classed "byline".
func bylineIn(n *html.Node) string {
	var text string
	switch {
	case strings.Contains(attr(n, "itemprop"), "author"):
		text = textOf(n)
		for d := range n.Descendants() {
			if d.Type == html.ElementNode && attr(d, "itemprop") == "name" {
				text = firstNonEmpty(attr(d, "content"), textOf(d))
				break
			}
		}
	case n.Data == "a" && strings.Contains(strings.ToLower(attr(n, "rel")), "author"):
		text = textOf(n)
	case bylineClass.MatchString(strings.ToLower(attr(n, "class"))):
		text = textOf(n)
	default:
		return ""
	}
	text = tidy(text)
	for _, by := range []string{"By ", "by ", "BY "} {
		text = strings.TrimPrefix(text, by)
	}
	if utf8.RuneCountInString(text) > maxBylineRunes || personName(text) == "" {
		return ""
	}
	return text
}

// bylineClass matches the class names CMSs give a byline.
var bylineClass = regexp.MustCompile(`(?:^|[^a-z])(?:byline|author-name|article-author)(?:[^a-z]|$)`)

// baseURL is the URL relative links resolve against: the page's <base href>
// if any (HTML §4.2.3), else the page URL. It may be nil.
func baseURL(doc *html.Node, pageURL *url.URL) *url.URL {
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "base" && hasAttr(n, "href") {
			ref, err := url.Parse(strings.TrimSpace(attr(n, "href")))
			if err != nil {
				return pageURL
			}
			if pageURL != nil {
				return pageURL.ResolveReference(ref)
			}
			if ref.IsAbs() {
				return ref
			}
			return nil
		}
	}
	return pageURL
}

// absoluteURL resolves ref against base and keeps it only if the result is an
// absolute http(s) URL.
func absoluteURL(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > maxMetaValue {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// personName returns an author value tidied, or "" if it is a URL
// (article:author often holds a profile page). The check comes after tidy,
// which unescapes: sites double-escape meta and JSON-LD values, and
// "&#104;ttps://..." shown to a reader is a URL all the same.
func personName(s string) string {
	s = tidy(s)
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//") {
		return ""
	}
	return s
}

// firstLang returns the first candidate that is a valid BCP 47 tag, in its
// canonical form ("en_US" and "en-us" both give "en-US").
func firstLang(candidates ...string) string {
	for _, c := range candidates {
		c, _, _ = strings.Cut(c, ",") // Content-Language may list several
		c = strings.ReplaceAll(strings.TrimSpace(c), "_", "-")
		if c == "" || len(c) > 35 { // RFC 5646 §4.4.1: 35 characters are enough
			continue
		}
		tag, err := language.Parse(c)
		if err != nil || tag == language.Und {
			continue
		}
		return tag.String()
	}
	return ""
}

// firstTime returns the first candidate that parses as a plausible timestamp.
// Times without a zone are taken as UTC so results do not depend on the host.
func firstTime(candidates ...string) time.Time {
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > maxDateLen {
			continue
		}
		t, err := time.Parse(time.RFC3339, c)
		if err != nil {
			t, err = dateparse.ParseIn(c, time.UTC)
		}
		// Years outside this range come from misparsed numbers, not from news.
		if err == nil && t.Year() >= 1800 && t.Year() <= 2200 {
			return t
		}
	}
	return time.Time{}
}

// attr returns the value of a node's attribute, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether a node has an attribute, even an empty one.
func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return true
		}
	}
	return false
}

// insideTag reports whether an ancestor of n is a tag element.
func insideTag(n *html.Node, tag string) bool {
	for p := range n.Ancestors() {
		if p.Type == html.ElementNode && p.Data == tag {
			return true
		}
	}
	return false
}

// textOf concatenates the text below a node, stopping after about
// maxMetaValue bytes (it reads names and dates, not articles).
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			if b.Len() > maxMetaValue {
				break
			}
		}
	}
	return b.String()
}

// tidy collapses white space, trims, unescapes stray entities (many sites
// double-escape JSON-LD and meta values) and caps the length of a metadata value.
func tidy(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, maxMetaValue)
}
