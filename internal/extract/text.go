package extract

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"
)

// Separators a text writer may put between two words, weakest first.
const (
	sepNone = iota
	sepSpace
	sepLine      // a <br> or a table row
	sepParagraph // a block element: one blank line
)

// skipped are elements whose content is never article text.
var skipped = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "head": true, "title": true,
	"iframe": true, "object": true, "embed": true, "svg": true, "canvas": true, "video": true,
	"audio": true, "map": true, "button": true, "select": true, "textarea": true, "input": true,
	"math": true,
}

// blocks are elements rendered as paragraphs of their own (the CSS display:
// block and list-item elements of the WHATWG rendering section, §15.3).
var blocks = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "center": true,
	"details": true, "dialog": true, "dd": true, "div": true, "dl": true, "dt": true,
	"fieldset": true, "figcaption": true, "figure": true, "footer": true, "form": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "header": true,
	"hgroup": true, "hr": true, "li": true, "main": true, "menu": true, "nav": true, "ol": true,
	"p": true, "pre": true, "section": true, "summary": true, "table": true, "ul": true,
	"caption": true, "body": true, "html": true,
}

// textWriter accumulates words and the strongest separator seen between them,
// so that nested blocks give one blank line, not several.
type textWriter struct {
	b       strings.Builder
	pending int
}

func (w *textWriter) sep(s int) { w.pending = max(w.pending, s) }

func (w *textWriter) word(s string) {
	if w.b.Len() > 0 {
		switch w.pending {
		case sepSpace:
			w.b.WriteByte(' ')
		case sepLine:
			w.b.WriteByte('\n')
		case sepParagraph:
			w.b.WriteString("\n\n")
		}
	}
	w.b.WriteString(s)
	w.pending = sepNone
}

// text writes a text node's words; pre keeps its line breaks.
func (w *textWriter) text(s string, pre bool) {
	start := -1
	for i, r := range s {
		if !unicode.IsSpace(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w.word(s[start:i])
			start = -1
		}
		if pre && r == '\n' {
			w.sep(sepLine)
		} else {
			w.sep(sepSpace)
		}
	}
	if start >= 0 {
		w.word(s[start:])
	}
}

// renderText renders the text of a DOM subtree as plain text: words separated
// by single spaces, <br> and table rows by a line break, blocks (paragraphs,
// headings, list items...) by a blank line. The recursion is bounded by the
// parser's 512-element depth limit.
func renderText(n *html.Node) string {
	var w textWriter
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, pre bool) {
		switch n.Type {
		case html.TextNode:
			w.text(n.Data, pre)
			return
		case html.ElementNode:
			if skipped[n.Data] || hidden(n) {
				return
			}
		case html.DocumentNode:
		default:
			return
		}
		var s int
		switch {
		case n.Type != html.ElementNode:
		case n.Data == "br":
			// Two <br> in a row are how pre-CSS pages end a paragraph.
			if w.pending >= sepLine {
				w.sep(sepParagraph)
			}
			w.sep(sepLine)
			return
		case n.Data == "pre":
			pre, s = true, sepParagraph
		case blocks[n.Data]:
			s = sepParagraph
		case n.Data == "tr":
			s = sepLine
		case n.Data == "td" || n.Data == "th":
			s = sepSpace
		}
		w.sep(s)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, pre)
		}
		w.sep(s)
	}
	walk(n, false)
	return w.b.String()
}

// hidden reports whether an element is hidden from readers.
func hidden(n *html.Node) bool {
	return hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true"
}

// normalizeText tidies plain text (a JSON-LD articleBody): spaces collapsed,
// each non-empty line a paragraph.
func normalizeText(s string) string {
	var paras []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			paras = append(paras, line)
		}
	}
	return strings.Join(paras, "\n\n")
}

// linkDensity is the share of a subtree's non-space characters that sit inside
// links.
func linkDensity(n *html.Node) float64 {
	var all, linked int
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inLink bool) {
		if n.Type == html.TextNode {
			c := countLetters(n.Data)
			all += c
			if inLink {
				linked += c
			}
			return
		}
		if n.Type == html.ElementNode && skipped[n.Data] {
			return
		}
		inLink = inLink || n.Type == html.ElementNode && n.Data == "a" && hasAttr(n, "href")
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(n, false)
	if all == 0 {
		return 0
	}
	return float64(linked) / float64(all)
}

// countLetters counts the non-space characters of s.
func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// wordCount counts the space-separated words of s.
func wordCount(s string) int {
	n := 0
	for range strings.FieldsSeq(s) {
		n++
	}
	return n
}

// spaceless reports whether a text is mostly in scripts written without
// spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar).
func spaceless(s string) bool {
	var wide, letters int
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
			unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			wide++
		}
	}
	return letters > 0 && wide*2 > letters
}

// firstParagraph returns the first paragraph of a text.
func firstParagraph(text string) string {
	p, _, _ := strings.Cut(text, "\n\n")
	return strings.Join(strings.Fields(p), " ")
}

// truncate shortens s to at most n runes, cutting at a word boundary and
// marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if cut >= n-1 {
			s = s[:i]
			break
		}
		cut++
	}
	if i := strings.LastIndexByte(s, ' '); i > len(s)/2 {
		s = s[:i]
	}
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// titleSeparators are what sites put between an article title and their name.
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " / ", ": "}

// stripSiteName removes the site's name from the start or end of a title
// ("Title | Site", "Site - Title"). The name is known from the metadata or
// from the page's host: "Title - nytimes.com", "Valley Gazette :: Title" on
// valleygazette.com.
func stripSiteName(title, site string, base *url.URL) string {
	var names []string
	if k := siteKey(site); k != "" {
		names = append(names, k)
	}
	if base != nil && base.Hostname() != "" {
		host := strings.TrimPrefix(strings.ToLower(base.Hostname()), "www.")
		names = append(names, siteKey(host))
		if domain, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			label, _, _ := strings.Cut(domain, ".")
			names = append(names, siteKey(label))
		}
	}
	if len(names) == 0 {
		return title
	}
	for _, sep := range titleSeparators {
		if i := strings.LastIndex(title, sep); i > 0 && slices.Contains(names, siteKey(title[i+len(sep):])) {
			return strings.TrimSpace(title[:i])
		}
		if i := strings.Index(title, sep); i > 0 && i+len(sep) < len(title) && slices.Contains(names, siteKey(title[:i])) {
			return strings.TrimSpace(title[i+len(sep):])
		}
	}
	return title
}

// siteKey reduces a site name to lower-case letters and digits, without a
// leading "the" ("The Washington Post" and "washingtonpost.com" give
// "washingtonpost" and "washingtonpostcom").
func siteKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "the ")
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
