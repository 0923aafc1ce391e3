package extract

import (
	"bytes"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// The work one page may cost. A posted page is up to MaxHTMLBytes of anybody's
// choosing, and readability is not interruptible: before these bounds one 4.9 MiB
// text node cost 0.35 s of CPU, one 4.9 MiB class attribute 1.7 s (readability
// matches its class and id regexps against every element's names, several passes
// over), and 476,000 nested divs 3 s of parsing before the element count could
// refuse them. The benchmark's 121 pages take a median 4.4 ms each (24 ms the
// costliest) on the 2-core machine Parallax is measured on; with these bounds the
// worst page measured costs about ten times the median
// (BenchmarkHostilePages prints the ratio: 8 to 12 over its 19 page shapes).
//
// The caps are measured on the parsed page, before readability sees it, and are
// far above the benchmark pages' own maxima (in brackets), to leave room for the
// live DOMs the extension sends, which are bigger than the captured pages.
const (
	// MaxCPUTime is the CPU time Parse may spend on one page. It is checked as
	// the HTML is parsed (every parseChunk bytes) and between Parse's steps, so
	// what readability itself costs must be bounded by the caps below. Flat
	// 5 MiB of text takes about 30 ms to parse; anything costlier per byte
	// (deep nesting, hundreds of thousands of tags) runs into the budget.
	MaxCPUTime = 50 * time.Millisecond
	// maxTextNodeBytes truncates any one text node [3,731 bytes]: no paragraph
	// runs to 64 KiB, and readability and the clean-up pass go over each node's
	// text once per pass.
	maxTextNodeBytes = 64 << 10
	// maxTextBytes is the most text, outside scripts and styles, a page may
	// hold [101,853 bytes]: the longest feature articles run to 60 kB, a long
	// live blog's DOM to a few hundred. Each extra MiB costs readability and
	// the clean-up pass about 70 ms.
	maxTextBytes = 512 << 10
	// maxNameBytes is the most bytes of class and id values a page may hold
	// [51,981 bytes]: readability matches a dozen regexps against every
	// element's names on every pass, about 0.3 µs a byte.
	maxNameBytes = 256 << 10
	// maxAttrBytes truncates any one attribute value [21,865 bytes, a style];
	// readability also matches image attributes against regexps.
	maxAttrBytes = 32 << 10
	// maxAttrs is the most attributes a page's elements may have in all
	// [3,823]: four per element at MaxElemsToParse elements.
	maxAttrs = 4 * MaxElemsToParse
	// parseChunk is how many bytes the HTML parser reads between two looks at
	// the clock. Parsing 4 KiB costs at most a few milliseconds even at the
	// parser's deepest nesting (512 levels, every tag walking the stack).
	parseChunk = 4 << 10
	// readabilityShare is the share of MaxCPUTime that must be left when
	// readability starts, since it cannot be stopped: on pages within the
	// caps it costs at most about as much as parsing them did (59,000 tiny
	// paragraphs: 25 ms to parse, 60 ms in all).
	readabilityShare = 0.5
)

// ErrTooComplex means the page is within the size limits but would cost more
// work than Parse spends on one page (see ComplexityError).
var ErrTooComplex = errors.New("extract: page too complex")

// What a ComplexityError can name.
const (
	CPUTime   = "milliseconds of CPU time"
	TextBytes = "bytes of text"
	NameBytes = "bytes of class and id names"
	Attrs     = "attributes"
)

// ComplexityError says which of Parse's work bounds a page is over. It matches
// ErrTooComplex with errors.Is.
type ComplexityError struct {
	What  string // one of CPUTime, TextBytes, NameBytes, Attrs
	Got   int    // the page's count; 0 when Parse stopped before counting (CPUTime)
	Limit int
}

func (e *ComplexityError) Error() string {
	if e.Got == 0 {
		return fmt.Sprintf("extract: page too complex: more than %d %s", e.Limit, e.What)
	}
	return fmt.Sprintf("extract: page too complex: %d %s (limit %d)", e.Got, e.What, e.Limit)
}

func (e *ComplexityError) Is(target error) bool { return target == ErrTooComplex }

// budget is the CPU time one Parse may still spend.
type budget struct {
	clock *threadClock
	limit time.Duration
}

// check returns a ComplexityError once the budget is spent.
func (b *budget) check() error { return b.checkLeft(0) }

// checkLeft returns a ComplexityError unless at least the share left (0 to 1)
// of the budget remains: a step that cannot be stopped half-way is only begun
// with the time it may need still in hand.
func (b *budget) checkLeft(left float64) error {
	if b == nil || b.clock.elapsed() <= time.Duration(float64(b.limit)*(1-left)) {
		return nil
	}
	return &ComplexityError{What: CPUTime, Limit: int(b.limit / time.Millisecond)}
}

// budgetReader hands the HTML parser its input parseChunk bytes at a time and
// stops it, with the budget's error, once the budget is spent: html.Parse
// returns the first error its reader returns.
type budgetReader struct {
	r *bytes.Reader
	b *budget
}

func (r *budgetReader) Read(p []byte) (int, error) {
	if err := r.b.check(); err != nil {
		return 0, err
	}
	if len(p) > parseChunk {
		p = p[:parseChunk]
	}
	return r.r.Read(p)
}

// bound applies the caps to a parsed page: it truncates over-long text nodes
// and attribute values, then refuses a page over the totals. Text in elements
// whose text is never shown (scripts, styles) is left alone: JSON-LD is read
// from it, bounded by its own limits, and readability drops the rest unread.
func bound(doc *html.Node) error {
	var text, names, attrs int
	for n := range doc.Descendants() {
		switch n.Type {
		case html.TextNode:
			if rawText(n) {
				continue
			}
			n.Data = truncateUTF8(n.Data, maxTextNodeBytes)
			text += len(n.Data)
		case html.ElementNode:
			attrs += len(n.Attr)
			for i := range n.Attr {
				a := &n.Attr[i]
				a.Val = truncateUTF8(a.Val, maxAttrBytes)
				if a.Namespace == "" && (a.Key == "class" || a.Key == "id") {
					names += len(a.Val)
				}
			}
		}
	}
	switch {
	case attrs > maxAttrs:
		return &ComplexityError{What: Attrs, Got: attrs, Limit: maxAttrs}
	case names > maxNameBytes:
		return &ComplexityError{What: NameBytes, Got: names, Limit: maxNameBytes}
	case text > maxTextBytes:
		return &ComplexityError{What: TextBytes, Got: text, Limit: maxTextBytes}
	}
	return nil
}

// rawText reports whether a text node is the content of a script, style or
// other element whose text is data rather than prose.
func rawText(n *html.Node) bool {
	if n.Parent == nil || n.Parent.Type != html.ElementNode {
		return false
	}
	switch n.Parent.Data {
	case "script", "style", "template", "noscript", "xmp", "iframe", "noembed", "noframes", "plaintext":
		return true
	}
	return false
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
