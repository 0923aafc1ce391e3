package feeds

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Bounds on the text kept per item. Feeds are untrusted: one item's
// description may be a whole article or megabytes of junk.
const (
	// maxTitleRunes: news headlines run 60-120 characters and rarely pass
	// 200; 300 keeps every real one whole.
	maxTitleRunes = 300
	// maxSummaryRunes: the summary is shown under a headline and helps match
	// stories; a lede paragraph is 200-600 characters, and 2,000 keeps the
	// first few paragraphs of a feed that puts the whole article in it.
	maxSummaryRunes = 2000
	// maxGUIDBytes: GUIDs are URLs or tag: URIs (RFC 4151) well under 1 KiB;
	// longer ones are cut, consistently, so the same item keeps one GUID.
	maxGUIDBytes = 1024
	// ellipsis marks text cut at a bound.
	ellipsis = "…"
)

// plainText turns a feed's text construct, which may be HTML (RSS
// descriptions, Atom type="html"/"xhtml", JSON Feed content_html), into
// plain text of at most limit runes: tags dropped, entities decoded,
// whitespace collapsed, the contents of script, style and similar elements
// dropped, block elements separated by a space. It stops reading once it has
// enough, so a huge description costs no more than a short one.
func plainText(s string, limit int) string {
	if !strings.ContainsAny(s, "<&") {
		return truncate(collapse(s), limit)
	}
	var w textWriter
	w.limit = limit + 1 // one more rune tells truncate that there was more
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not prose
	for !w.full() {
		switch z.Next() {
		case html.ErrorToken: // io.EOF: a strings.Reader fails no other way
			return truncate(w.String(), limit)
		case html.TextToken:
			if skip == 0 {
				w.write(string(z.Text()))
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden[a] {
				skip++
			} else if block[a] {
				w.space()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden[a] && skip > 0 {
				skip--
			} else if block[a] {
				w.space()
			}
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			if block[atom.Lookup(name)] {
				w.space()
			}
		}
	}
	return truncate(w.String(), limit)
}

// hidden are elements whose content is not text a reader sees. The tokenizer
// returns the raw content of script, style, noscript, iframe, noembed,
// noframes and title as one text token. Read-only.
var hidden = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true,
	atom.Svg: true, atom.Math: true, atom.Head: true, atom.Title: true,
}

// block are elements that separate words: "<p>a</p><p>b</p>" reads "a b",
// while inline elements such as <b> do not ("<b>Hel</b>lo" reads "Hello").
// Read-only.
var block = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Br: true,
	atom.Dd: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Header: true, atom.Hr: true, atom.Img: true, atom.Li: true, atom.Main: true,
	atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Table: true,
	atom.Td: true, atom.Th: true, atom.Tr: true, atom.Ul: true,
}

// textWriter collects text with whitespace collapsed to single spaces and no
// leading space, counting runes up to limit.
type textWriter struct {
	b       strings.Builder
	runes   int
	limit   int
	pending bool // a space is owed before the next visible rune
}

func (w *textWriter) full() bool { return w.runes >= w.limit }

func (w *textWriter) space() { w.pending = w.runes > 0 }

func (w *textWriter) write(s string) {
	for _, r := range s {
		if w.full() {
			return
		}
		switch {
		case unicode.IsSpace(r):
			w.space()
			continue
		case unicode.IsControl(r), r == '\u200b', r == '\ufeff':
			continue // invisible; C0/C1 controls would also break JSON consumers' displays
		}
		if w.pending {
			w.b.WriteByte(' ')
			w.runes++
			w.pending = false
			if w.full() {
				return
			}
		}
		w.b.WriteRune(r)
		w.runes++
	}
}

func (w *textWriter) String() string { return w.b.String() }

// collapse is plain text with whitespace collapsed and invisible characters
// dropped.
func collapse(s string) string {
	var w textWriter
	w.limit = len(s) + 1 // a rune is at least a byte: never full
	w.write(s)
	return w.String()
}

// truncate cuts s to at most limit runes, at a word boundary when one is
// near the end, and marks the cut with an ellipsis.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	if limit < 2 {
		return string([]rune(s)[:limit])
	}
	cut := []rune(s)[:limit-1] // room for the ellipsis (one rune)
	// Prefer the last space in the final tenth; a long word is cut mid-way.
	for i := len(cut) - 1; i >= len(cut)-len(cut)/10 && i > 0; i-- {
		if cut[i] == ' ' {
			cut = cut[:i]
			break
		}
	}
	return strings.TrimRight(string(cut), " ") + ellipsis
}

// truncateBytes cuts s to at most limit bytes without splitting a rune.
func truncateBytes(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}
