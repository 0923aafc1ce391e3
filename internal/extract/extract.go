// Package extract turns a news page's HTML into an article: its title, byline,
// site name, plain text, language, publication time, declared canonical URL and
// lead image. It never touches the network; pages come in as bytes (from
// internal/fetch or from the browser extension).
//
// The body is found by readeck's go-readability (a port of Mozilla's
// Readability.js) after a clean-up pass that drops what readers never count as
// the article: navigation, captions, share and "read more" blocks, author
// boxes, newsletter prompts. Metadata comes from the page's schema.org JSON-LD
// and meta tags first, since publishers fill those in for search engines and
// they beat any guess made from the DOM; the DOM is the fallback.
//
// On the 121 development pages of the Zyte article-extraction benchmark
// (../shared/data/article-extraction), Text scores F1 0.982 (precision 0.979,
// recall 0.985), against 0.954 for go-readability on its own and 0.967 for
// go-trafilatura; about 3 ms per page. TestExtractionCorpus computes the
// benchmark's metric:
//
//	go test ./internal/extract -run TestExtractionCorpus -v
//
// Every step is bounded: input size (MaxHTMLBytes), element count
// (MaxElemsToParse), nesting depth (512, enforced by golang.org/x/net/html),
// the CPU time one page may cost (MaxCPUTime), text, class names and attributes
// (budget.go), JSON-LD scripts and depth, and the length of the strings kept.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// MaxHTMLBytes is the largest page Parse accepts. The biggest of the 121
// benchmark news pages is 1.5 MB (the median 117 kB), mostly inline scripts and
// styles; 5 MB is three times that. Together with MaxElemsToParse it bounds the
// work and memory one page can cost: readability clones the document once per
// pass, up to four passes, and a hostile page must not stall the server.
const MaxHTMLBytes = 5 << 20

// MaxElemsToParse is the most elements a page may have, counted as sent, before
// Parse changes anything. It is the only element bound: the library's own
// Parser.MaxElemsToParse is left unset, since it would count again after Parse
// has added an element and fail a page at the limit with an error that is
// neither ErrTooLarge nor ErrNotArticle. The benchmark's busiest page has 1,587
// elements (captured without scripts); live DOMs of heavy news pages, which is
// what the extension sends, have a few thousand, long live blogs tens of
// thousands. Readability's passes are O(elements × depth) in places (ancestor
// walks, subtree scans per <div>), and golang.org/x/net/html caps the depth at
// 512: at 59,000 elements the worst shapes measured (chains of 500 nested
// divs, 59,000 paragraphs, 59,000 images) take 0.13–0.2 s on one core.
const MaxElemsToParse = 60_000

// minArticleWords is the fewest words a page's text needs to count as an
// article. The shortest ground-truth body in the benchmark is 66 words (a
// paywalled teaser), short wire briefs run 40–60 words, while login walls,
// cookie notices and "page not found" texts stay under 30. The story matcher
// needs a few sentences to work with anyway.
const minArticleWords = 40

// minArticleRunes replaces the word count for scripts written without spaces
// (Chinese, Japanese, Thai), where a whole sentence is one "word": 150
// characters is about the length of two or three sentences.
const minArticleRunes = 150

// maxLinkDensity is the share of readability's text that may sit inside
// links. Article prose links a few phrases (the benchmark's 121 articles: at
// most 0.42, a list-heavy shopping guide; the median is under 0.05); menus,
// link lists and tag clouds, which readability still returns as "content" on
// pages without an article, are mostly links.
const maxLinkDensity = 0.6

// An index page (a home page, section front or search results) is a run of
// teasers, each a linked headline and a sentence or two; readability picks the
// run as the "article". Parse calls a pick an index when it has at least
// minLinkedHeadings headings that are links and fewer than maxTeaserWords
// words per linked heading. Articles with a "Read more" box of linked
// headlines have hundreds of words per such heading (the benchmark's worst
// case: 3 linked headings over 800 words).
const (
	minLinkedHeadings = 3
	maxTeaserWords    = 80
)

// maxExcerptRunes caps the Excerpt; meta descriptions are written for search
// results, which show about 160 characters, and a first paragraph can run on.
const maxExcerptRunes = 300

// maxNesting is golang.org/x/net/html's own depth limit: it refuses a document
// nested deeper, and that refusal is the only error it returns for in-memory input.
const maxNesting = 512

// ErrNotArticle means the page holds no article: an empty page, a home page or
// index of links, a search page, a login or cookie wall with no text.
var ErrNotArticle = errors.New("extract: not an article")

// ErrTooLarge means the page is over one of Parse's size limits (bytes,
// elements or nesting depth) and was not processed.
var ErrTooLarge = errors.New("extract: page too large")

// LimitError says which of Parse's limits a page is over, so that the reader is
// told what to change (a page of 100,000 nested divs is not "larger than 5 MiB").
// It matches ErrTooLarge with errors.Is.
type LimitError struct {
	What  string // "bytes", "elements", "levels of nesting"
	Got   int    // the page's count; 0 when parsing stopped before counting
	Limit int
}

func (e *LimitError) Error() string {
	if e.Got == 0 {
		return fmt.Sprintf("extract: page too large: more than %d %s", e.Limit, e.What)
	}
	return fmt.Sprintf("extract: page too large: %d %s (limit %d)", e.Got, e.What, e.Limit)
}

func (e *LimitError) Is(target error) bool { return target == ErrTooLarge }

// Article is what Parse finds in a page.
type Article struct {
	Title        string    // the headline, without the site's name ("Title | Site")
	Byline       string    // the authors' names, comma-separated; "" if unknown
	SiteName     string    // the publication's name as the page gives it; "" if unknown
	Excerpt      string    // a short summary (meta description, else the first paragraph), at most 300 characters
	Text         string    // plain text, paragraphs separated by one blank line, trimmed
	Lang         string    // BCP 47 tag ("en-US") from <html lang>, og:locale or JSON-LD inLanguage; "" if unknown
	Published    time.Time // from JSON-LD datePublished, article:published_time and the like; zero if unknown
	CanonicalURL string    // what the page declares (link rel=canonical, else og:url), absolute; "" if none. Not verified: the caller decides whether to trust it.
	Image        string    // absolute lead image URL; "" if none
	// DeclaredURLs is every URL the page gives as its own (canonical link,
	// og:url, JSON-LD url or mainEntityOfPage), absolute: a page passed off
	// under another site's URL often still names its own in one of them.
	DeclaredURLs []string
}

// Parse extracts the article from a page's HTML. pageURL (which may be nil)
// resolves relative URLs. It returns ErrNotArticle when the page has no
// article, an error wrapping ErrTooLarge when the page is over the size limits
// (a LimitError), and one wrapping ErrTooComplex when reading it would cost more
// than one page's share of work (a ComplexityError; see MaxCPUTime).
func Parse(page []byte, pageURL *url.URL) (Article, error) {
	return parse(page, pageURL, MaxCPUTime*raceSlowdown)
}

// parse is Parse with a CPU budget of its own, so that tests can give one that
// is always spent (or never).
func parse(page []byte, pageURL *url.URL, cpu time.Duration) (Article, error) {
	if len(page) > MaxHTMLBytes {
		return Article{}, &LimitError{What: "bytes", Got: len(page), Limit: MaxHTMLBytes}
	}
	clock := startClock()
	defer clock.stop()
	b := &budget{clock: clock, limit: cpu}
	doc, err := parseHTMLWithin(page, b)
	if err != nil {
		return Article{}, err
	}
	if n := countElements(doc); n > MaxElemsToParse {
		return Article{}, &LimitError{What: "elements", Got: n, Limit: MaxElemsToParse}
	}
	if err := bound(doc); err != nil {
		return Article{}, err
	}

	// Metadata first: readability rewrites the document it is given.
	base := baseURL(doc, pageURL)
	meta := readMetadata(doc, base)

	removeBoilerplate(doc)
	declareByline(doc)
	if err := b.checkLeft(readabilityShare); err != nil {
		return Article{}, err
	}

	p := readability.NewParser()
	p.Logger = slog.New(slog.DiscardHandler)
	ra, err := p.ParseAndMutate(doc, pageURL)
	if err != nil {
		return Article{}, fmt.Errorf("extract: readability: %w", err)
	}
	if err := b.check(); err != nil {
		return Article{}, err
	}

	title := stripSiteName(firstNonEmpty(meta.title, tidy(ra.Title())), meta.siteName, base)
	var text string
	// ra.Node is nil when the page has no body or no text at all.
	if ra.Node != nil && !looksLikeIndex(ra.Node) {
		cleanArticle(ra.Node, title, meta.byline)
		text = renderText(ra.Node)
	}
	text = preferStructuredBody(text, meta.body)
	if !longEnough(text) {
		return Article{}, ErrNotArticle
	}

	a := Article{
		Title:        title,
		Byline:       meta.byline,
		SiteName:     meta.siteName,
		Text:         text,
		Lang:         meta.lang,
		Published:    meta.published,
		CanonicalURL: meta.canonical,
		DeclaredURLs: meta.declared,
		Image:        firstNonEmpty(meta.image, absoluteURL(base, ra.ImageURL())),
	}
	a.Excerpt = truncate(firstNonEmpty(meta.description, firstParagraph(text)), maxExcerptRunes)
	return a, nil
}

// parseHTML decodes the page to UTF-8 and parses it.
//
// Bytes that are valid UTF-8 are read as UTF-8 whatever the page declares: a
// DOM serialised by the browser extension (or by a headless browser, as in the
// benchmark) is UTF-8 but keeps its original <meta charset="iso-8859-1">, and
// legacy-encoded text with non-ASCII letters is almost never valid UTF-8 by
// accident. Other bytes are decoded as the page declares (BOM, <meta>), else
// as windows-1252, the HTML default (WHATWG Encoding §4.2, HTML §13.2.3.2).
func parseHTML(page []byte) (*html.Node, error) { return parseHTMLWithin(page, nil) }

// parseHTMLWithin is parseHTML stopping once b (nil: no budget) is spent.
func parseHTMLWithin(page []byte, b *budget) (*html.Node, error) {
	if !utf8.Valid(page) {
		enc, name, _ := charset.DetermineEncoding(page, "")
		if name != "utf-8" {
			if decoded, err := enc.NewDecoder().Bytes(page); err == nil {
				page = decoded
			}
		}
	}
	if !utf8.Valid(page) {
		page = bytes.ToValidUTF8(page, []byte("\uFFFD"))
	}
	doc, err := html.Parse(&budgetReader{r: bytes.NewReader(page), b: b})
	var ce *ComplexityError
	if errors.As(err, &ce) {
		return nil, err
	}
	if err != nil {
		// Besides its reader's errors, the only error html.Parse returns is
		// its refusal of documents nested deeper than 512 elements.
		return nil, &LimitError{What: "levels of nesting", Limit: maxNesting}
	}
	return doc, nil
}

// countElements counts the element nodes of a document.
func countElements(doc *html.Node) int {
	n := 0
	for d := range doc.Descendants() {
		if d.Type == html.ElementNode {
			n++
		}
	}
	return n
}

// longEnough reports whether a text is long enough to be an article; see
// minArticleWords and minArticleRunes.
func longEnough(text string) bool {
	if wordCount(text) >= minArticleWords {
		return true
	}
	return spaceless(text) && utf8.RuneCountInString(text) >= minArticleRunes
}

// firstNonEmpty returns the first argument that is not empty.
func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// declareByline adds a <meta name="author"> to the document, so that
// readability skips its own byline hunt. That hunt removes the first element
// whose class or itemprop says "author" and holds an itemprop=name, however big
// it is: on WordPress sites (class="post author-jane ...") that is the whole
// article. Parse finds the byline itself (readMetadata) and removes byline
// elements as furniture (removeBoilerplate).
func declareByline(doc *html.Node) {
	head := findElement(doc, "head")
	if head == nil {
		return
	}
	head.AppendChild(&html.Node{Type: html.ElementNode, Data: "meta", DataAtom: atom.Meta, Attr: []html.Attribute{
		{Key: "name", Val: "author"}, {Key: "content", Val: "-"},
	}})
}

// looksLikeIndex reports whether readability's pick is a list of teasers
// rather than an article: mostly link text, or headline links with little text
// under each (see maxLinkDensity, minLinkedHeadings).
func looksLikeIndex(n *html.Node) bool {
	if linkDensity(n) > maxLinkDensity {
		return true
	}
	linked := 0
	for d := range n.Descendants() {
		if d.Type != html.ElementNode {
			continue
		}
		switch d.Data {
		case "h1", "h2", "h3", "h4", "h5", "h6":
			if linkDensity(d) > maxBlockLinkDensity {
				linked++
			}
		}
	}
	return linked >= minLinkedHeadings && wordCount(renderText(n)) < maxTeaserWords*linked
}
