package extract

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// furnitureTags are elements that hold page furniture, never article text:
// menus, site headers and footers (and the title/byline header of the
// article itself, which readers do not count as its text), sidebars, captions,
// form controls. On the 121 benchmark pages these tags and furnitureRoles mark
// 1,392 elements holding about 33,000 words, 0.6% of them (counted as 4-word
// shingles) in the article bodies.
var furnitureTags = map[string]bool{
	"nav": true, "header": true, "footer": true, "aside": true, "figcaption": true,
	"button": true, "select": true, "textarea": true, "input": true, "label": true,
	"time": true, "address": true, "dialog": true, "menu": true,
}

// furnitureRoles are ARIA landmark and widget roles (WAI-ARIA 1.2 §5.3) that
// mark furniture.
var furnitureRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true,
	"dialog": true, "alertdialog": true, "alert": true, "menu": true, "menubar": true,
	"search": true, "toolbar": true,
}

// furnitureWords are the class and id names that publishers and CMSs give to
// furniture: bylines and dates, captions and credits, share and follow
// buttons, related and trending links, newsletter and subscription prompts,
// comments, tags, ads, author boxes. An element's names are furniture when one
// of their words, or two words joined by a hyphen, is in the set (see
// furnitureName): so "share" matches "share-bar" and "c-share" but not
// "shared", "author" also matches "author-bio", and "tags" does not match
// WordPress's "tag-foo" classes. On the benchmark pages it marks 2,397
// elements holding about 36,000 words, 1.5% of them in the article bodies.
var furnitureWords = wordSet(`
	byline bylines dateline timestamp date dates pubdate published updated time
	caption captions credit credits copyright disclaimer
	share sharing social follow print tools utility
	related recommended recommendation recommendations popular trending recirc teaser promo outbrain taboola
	newsletter newsletters subscribe subscription signup sign-up cookie popup
	comment comments tags tag-list pagination prev breadcrumb breadcrumbs skip sr-only visually-hidden
	ads advert masthead menu nav navbar navigation footer gallery headline
	bio author authors`)

// wordSet returns the set of the space-separated words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for w := range strings.FieldsSeq(s) {
		set[w] = true
	}
	return set
}

// maxFurnitureShare is the most of the page's text an element may hold and
// still be removed as furniture. A class name alone can mislead (WordPress puts
// "has-share-buttons" or "comments-open" on the article's own wrapper); real
// furniture is a small part of the page.
const maxFurnitureShare = 0.25

// removeBoilerplate drops, before readability scores the page, the elements
// that are page furniture (see furnitureTags, furnitureRoles, furnitureWords).
func removeBoilerplate(doc *html.Node) {
	body := findElement(doc, "body")
	if body == nil {
		return
	}
	limit := int(maxFurnitureShare * float64(lettersUpTo(body, math.MaxInt)))
	var drop []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if isFurniture(c) && lettersUpTo(c, limit) <= limit {
				drop = append(drop, c)
				continue
			}
			walk(c)
		}
	}
	walk(body)
	for _, n := range drop {
		n.Parent.RemoveChild(n)
	}
}

// isFurniture reports whether an element looks like page furniture: by its
// tag or role, or by its class or id unless it holds prose (see
// minProseParagraphs).
func isFurniture(n *html.Node) bool {
	if furnitureTags[n.Data] || furnitureRoles[attr(n, "role")] {
		return true
	}
	switch n.Data {
	case "body", "html", "main", "article", "a":
		return false
	}
	class, id := attr(n, "class"), attr(n, "id")
	if class == "" && id == "" {
		return false
	}
	return (furnitureName(classWords(class)) || furnitureName(classWords(id))) && !holdsProse(n)
}

// furnitureName reports whether class or id names, as classWords gives them,
// hold a word of furnitureWords: a run of the letters a-z, or two runs joined
// by one hyphen ("sign-up").
func furnitureName(names string) bool {
	notWord := func(r rune) bool { return r != '-' && (r < 'a' || r > 'z') }
	for part := range strings.FieldsFuncSeq(names, notWord) { // "c-share-bar"
		prev := ""
		for w := range strings.SplitSeq(part, "-") {
			if furnitureWords[w] || prev != "" && furnitureWords[prev+"-"+w] {
				return true
			}
			prev = w
		}
	}
	return false
}

// classWords lower-cases class and id names, splitting camelCase words
// ("relatedArticles" reads as "related-articles").
func classWords(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	prevLower := false
	for _, r := range s {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte('-')
		}
		prevLower = unicode.IsLower(r)
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// A class name is weaker evidence than a tag: an element classed like
// furniture but holding minProseParagraphs paragraphs of at least
// minProseLetters letters each is taken for content ("post-body
// social-share-enabled"). Author boxes, newsletter prompts and share bars have
// one or two short paragraphs; comment threads, which do have more, are
// dropped by readability itself.
const (
	minProseParagraphs = 3
	minProseLetters    = 120
)

// holdsProse reports whether n has minProseParagraphs long paragraphs.
func holdsProse(n *html.Node) bool {
	found := 0
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == "p" && lettersUpTo(d, minProseLetters) >= minProseLetters {
			if found++; found >= minProseParagraphs {
				return true
			}
		}
	}
	return false
}

// cleanArticle removes what readability kept but readers do not count as the
// article: the title and byline repeated at its start, lists and short blocks
// that are mostly links ("Read more: ...", "More news from ..."), image
// captions, and headings left with nothing under them.
func cleanArticle(root *html.Node, title, byline string) {
	removeTitleAndByline(root, title, byline)
	var drop []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if isLinkBlock(c) {
				drop = append(drop, c)
				continue
			}
			walk(c)
		}
	}
	walk(root)
	for _, n := range drop {
		n.Parent.RemoveChild(n)
	}
	removeImageCaptions(root)
	removeOrphanHeadings(root)
}

// maxCaptionRunes is the longest text taken for an image's caption and credit;
// captions run to a sentence or two, and an image in a longer block is an
// illustration of a paragraph that readers count as text.
const maxCaptionRunes = 250

// minCaptionedImage is the smallest declared width or height (in CSS pixels)
// of an image that gets a caption; smaller ones are icons and emoji set
// inline in the text.
const minCaptionedImage = 50

// removeImageCaptions removes the captions publishers set under images without
// <figure>/<figcaption> markup: the largest block around an image that holds
// no other image and only a short text. A paragraph is not such a block (an
// image floated in a paragraph illustrates prose), nor is anything inside a
// quotation, list item or table cell, nor a block with a heading or two
// paragraphs; and the search stops at a <figure>, which delimits its caption.
func removeImageCaptions(root *html.Node) {
	var drop []*html.Node
	for n := range root.Descendants() {
		if n.Type != html.ElementNode || (n.Data != "img" && n.Data != "picture") || smallImage(n) {
			continue
		}
		var block *html.Node
	up:
		for p := n.Parent; p != nil && p != root; p = p.Parent {
			if p.Type != html.ElementNode || hasImages(p, 2) || lettersUpTo(p, maxCaptionRunes) > maxCaptionRunes {
				break
			}
			switch p.Data {
			case "blockquote", "li", "td", "th", "table", "dd":
				block = nil
				break up
			case "p":
				continue
			case "figure": // marks up its own caption: it ends the search
				block = p
				break up
			}
			block = p
		}
		if block != nil && lettersUpTo(block, 1) > 0 && !hasParagraphs(block) {
			drop = append(drop, block)
		}
	}
	for _, n := range drop {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

// hasParagraphs reports whether a block holds a heading or more than one
// paragraph of text: a section of prose with a picture, not a caption.
func hasParagraphs(n *html.Node) bool {
	paragraphs := 0
	for d := range n.Descendants() {
		if d.Type != html.ElementNode {
			continue
		}
		switch d.Data {
		case "h1", "h2", "h3", "h4", "h5", "h6":
			return true
		case "p":
			if lettersUpTo(d, 1) > 0 {
				if paragraphs++; paragraphs > 1 {
					return true
				}
			}
		}
	}
	return false
}

// smallImage reports whether an image declares itself icon-sized.
func smallImage(n *html.Node) bool {
	for _, k := range []string{"width", "height"} {
		if v, err := strconv.Atoi(strings.TrimSuffix(attr(n, k), "px")); err == nil && v < minCaptionedImage {
			return true
		}
	}
	return false
}

// hasImages reports whether there are at least k images below n (a <picture>
// and its <img> count once). It stops at the k-th, so that pages with
// thousands of images are not scanned once per image.
func hasImages(n *html.Node, k int) bool {
	c := 0
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && (d.Data == "picture" || d.Data == "img" && !insidePicture(d)) {
			if c++; c >= k {
				return true
			}
		}
	}
	return false
}

// insidePicture reports whether an img is the fallback of a <picture>.
func insidePicture(img *html.Node) bool {
	return img.Parent != nil && img.Parent.Type == html.ElementNode && img.Parent.Data == "picture"
}

// maxLeadLetters is how far into the article (in letters) a repeated title or
// byline is looked for; they sit above the first paragraph.
const maxLeadLetters = 300

// removeTitleAndByline removes the elements near the start of the article
// that repeat its title or byline ("By Jane Doe, staff writer"), which
// readability keeps when they are not in a heading or a byline element.
func removeTitleAndByline(root *html.Node, title, byline string) {
	titleKey := siteKey(title)
	author, _, _ := strings.Cut(byline, ",")
	authorKey := siteKey(author)
	var lead []*html.Node
	letters := 0
	for n := range root.Descendants() {
		if n.Type != html.TextNode || skippedParent(n) {
			continue
		}
		if c := countLetters(n.Data); c > 0 {
			lead = append(lead, n)
			if letters += c; letters > maxLeadLetters {
				break
			}
		}
	}
	for _, t := range lead {
		if t.Parent == nil { // inside an element removed already
			continue
		}
		el := t.Parent
		own := lettersUpTo(el, maxLeadLetters)
		if own > maxLeadLetters { // a paragraph, not a title or byline line
			continue
		}
		for el.Parent != nil && el.Parent != root && lettersUpTo(el.Parent, own) == own {
			el = el.Parent
		}
		if el == root || el.Parent == nil || !standsAlone(el) {
			continue
		}
		key := siteKey(textOf(el))
		isTitle := titleKey != "" && key == titleKey
		isByline := authorKey != "" && strings.Contains(key, authorKey) && len(key) <= len(authorKey)+maxBylineRunes/2
		if isTitle || isByline {
			el.Parent.RemoveChild(el)
		}
	}
}

// standsAlone reports whether an element is a line of its own: a block, or an
// inline element with no text beside it up to the nearest <br>. "By Jane Doe"
// on its own line is a byline; "(Reuters) —" opening a paragraph is not.
func standsAlone(el *html.Node) bool {
	if blocks[el.Data] {
		return true
	}
	for _, next := range []func(*html.Node) *html.Node{
		func(n *html.Node) *html.Node { return n.PrevSibling },
		func(n *html.Node) *html.Node { return n.NextSibling },
	} {
		for s := next(el); s != nil; s = next(s) {
			if s.Type == html.ElementNode && (s.Data == "br" || blocks[s.Data]) {
				break
			}
			if lettersUpTo(s, 1) > 0 || s.Type == html.TextNode && countLetters(s.Data) > 0 {
				return false
			}
		}
	}
	return true
}

// maxBlockLinkDensity is the share of a list's or short block's text that may
// be link text before it counts as navigation rather than prose.
const maxBlockLinkDensity = 0.7

// maxLinkBlockRunes is the length under which a paragraph made mostly of a
// link reads as a teaser ("READ MORE: Plague outbreak confirmed in Beijing")
// rather than prose that happens to be linked.
const maxLinkBlockRunes = 200

// isLinkBlock reports whether an element is a list of links or a short block
// that is mostly a link.
func isLinkBlock(n *html.Node) bool {
	switch n.Data {
	case "ul", "ol":
		return linkDensity(n) > maxBlockLinkDensity
	case "p", "div", "li", "section", "td", "th", "h2", "h3", "h4", "h5", "h6":
		return lettersUpTo(n, maxLinkBlockRunes) < maxLinkBlockRunes && linkDensity(n) > maxBlockLinkDensity
	}
	return false
}

// removeOrphanHeadings removes headings that no longer head any text: those
// followed, in reading order, by a heading of the same or a higher rank, or by
// the end of the article ("Top Video", "Don't miss" once their link lists are
// gone).
func removeOrphanHeadings(root *html.Node) {
	var orphans []*html.Node
	var pending *html.Node // the last heading seen, until text follows it
	for n := range root.Descendants() {
		if n.Type != html.TextNode || countLetters(n.Data) == 0 || skippedParent(n) {
			continue
		}
		h := headingOf(n)
		switch {
		case h == pending:
		case h != nil:
			// A heading followed by a lower-ranked one (h2 then h3) heads it;
			// "h1" < "h2" < ... compares ranks as strings.
			if pending != nil && h.Data <= pending.Data {
				orphans = append(orphans, pending)
			}
			pending = h
		default:
			pending = nil
		}
	}
	if pending != nil {
		orphans = append(orphans, pending)
	}
	for _, h := range orphans {
		if h.Parent != nil {
			h.Parent.RemoveChild(h)
		}
	}
}

// headingOf returns the heading element a node is in, or nil.
func headingOf(n *html.Node) *html.Node {
	for p := range n.Ancestors() {
		if p.Type == html.ElementNode {
			switch p.Data {
			case "h1", "h2", "h3", "h4", "h5", "h6":
				return p
			}
		}
	}
	return nil
}

// minStructuredGain is how much longer than the DOM text a JSON-LD articleBody
// must be to replace it. On the benchmark pages that carry one, a complete
// articleBody has the DOM text's length within 3%, except where the publisher
// appended extra material (+23%), and scores the same; so the DOM text, which
// keeps paragraph breaks, wins unless it clearly lost part of the article.
const minStructuredGain = 1.5

// preferStructuredBody returns the page's JSON-LD articleBody instead of the
// DOM text when the DOM text missed a good part of the article (or all of it:
// pages rendered by scripts carry their text only there). An articleBody
// shorter than the DOM text is a truncated teaser and is never used, nor is
// one that ends in an ellipsis.
func preferStructuredBody(domText, ldBody string) string {
	if ldBody == "" || !longEnough(ldBody) {
		return domText
	}
	trimmed := strings.TrimRightFunc(ldBody, unicode.IsSpace)
	for _, cut := range []string{"...", "…", "[…]", "[...]"} {
		if strings.HasSuffix(trimmed, cut) {
			return domText
		}
	}
	dom, ld := wordCount(domText), wordCount(ldBody)
	if !longEnough(domText) || float64(ld) >= minStructuredGain*float64(dom) {
		return ldBody
	}
	return domText
}

// findElement returns the first element named tag at or below n.
func findElement(n *html.Node, tag string) *html.Node {
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
			return d
		}
	}
	return nil
}

// lettersUpTo counts the non-space characters of the text below n, stopping
// once the count passes limit: callers only ask "more than limit?", and the
// early stop keeps checks on big subtrees from turning quadratic.
func lettersUpTo(n *html.Node, limit int) int {
	c := 0
	for d := range n.Descendants() {
		if d.Type == html.TextNode && !skippedParent(d) {
			if c += countLetters(d.Data); c > limit {
				break
			}
		}
	}
	return c
}

// skippedParent reports whether a text node sits directly in a script, style
// or other element whose text is never shown.
func skippedParent(t *html.Node) bool {
	return t.Parent != nil && t.Parent.Type == html.ElementNode && skipped[t.Parent.Data]
}
