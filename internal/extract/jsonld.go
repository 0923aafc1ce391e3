package extract

import (
	"encoding/json"
	"strings"

	"golang.org/x/net/html"
)

// maxJSONLDScripts bounds the JSON-LD scripts read from a page. News pages carry
// one to five (article, breadcrumbs, organisation, video); more is junk.
const maxJSONLDScripts = 32

// maxJSONLDDepth bounds how deep Parse looks for the article object: a
// top-level array, an @graph, a mainEntity, each nesting one level; six levels
// cover every layout seen in the wild with room to spare.
const maxJSONLDDepth = 6

// maxJSONLDObjects bounds the objects visited per script (an @graph of a few
// dozen is typical).
const maxJSONLDObjects = 1000

// maxJSONLDBytes skips a JSON-LD script longer than this: an article's
// structured data, articleBody included, runs to tens of kilobytes, and
// decoding a 5 MiB one (then comparing its body with the page's) cost 120 ms,
// more than MaxCPUTime allows.
const maxJSONLDBytes = 512 << 10

// articleTypes are the schema.org types of an article (schema.org/Article and
// its subtypes).
var articleTypes = map[string]bool{
	"Article": true, "NewsArticle": true, "AnalysisNewsArticle": true, "AskPublicNewsArticle": true,
	"BackgroundNewsArticle": true, "OpinionNewsArticle": true, "ReportageNewsArticle": true,
	"ReviewNewsArticle": true, "Report": true, "SatiricalArticle": true, "ScholarlyArticle": true,
	"MedicalScholarlyArticle": true, "SocialMediaPosting": true, "BlogPosting": true,
	"LiveBlogPosting": true, "DiscussionForumPosting": true, "TechArticle": true, "APIReference": true,
	"AdvertiserContentArticle": true,
}

// structured is what Parse uses from a page's schema.org JSON-LD article.
type structured struct {
	headline, name, description, publisher string
	lang, published, image, body           string
	url                                    string // the article's url, else its mainEntityOfPage
	authors                                []string
}

// readJSONLD finds the page's schema.org article object, in any of the shapes
// publishers use: a lone object, a top-level array, an @graph, a mainEntity.
// When several articles are declared, the one with an articleBody wins.
func readJSONLD(doc *html.Node) structured {
	ids := map[string]map[string]any{}
	var found []map[string]any
	scripts := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "script" || !isJSONLD(attr(n, "type")) {
			continue
		}
		if scripts++; scripts > maxJSONLDScripts {
			break
		}
		if len(scriptText(n)) > maxJSONLDBytes {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(jsonText(n)), &v); err != nil {
			continue // broken JSON-LD is common; the meta tags remain
		}
		visited := 0
		collectArticles(v, 0, &visited, ids, &found)
	}
	if len(found) == 0 {
		return structured{}
	}
	obj := found[0]
	for _, f := range found {
		if _, ok := f["articleBody"].(string); ok {
			obj = f
			break
		}
	}
	s := structured{
		headline:    str(obj["headline"]),
		name:        str(obj["name"]),
		description: str(obj["description"]),
		lang:        str(obj["inLanguage"]),
		published:   firstNonEmpty(str(obj["datePublished"]), str(obj["dateCreated"])),
		image:       imageURL(obj["image"], ids),
		body:        bodyText(str(obj["articleBody"])),
		url:         firstNonEmpty(str(obj["url"]), pageOf(obj["mainEntityOfPage"], ids)),
	}
	if p := resolve(obj["publisher"], ids); p != nil {
		s.publisher = str(p["name"])
	} else {
		s.publisher = str(obj["publisher"])
	}
	s.authors = authorNames(obj["author"], ids)
	return s
}

// pageOf returns the URL of a mainEntityOfPage value: a URL string, or a WebPage
// object (or a reference to one) with its @id or url.
func pageOf(v any, ids map[string]map[string]any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if m := resolve(v, ids); m != nil {
		return firstNonEmpty(str(m["@id"]), str(m["url"]))
	}
	return ""
}

// isJSONLD reports whether a script type attribute is application/ld+json.
func isJSONLD(typ string) bool {
	typ, _, _ = strings.Cut(typ, ";")
	return strings.EqualFold(strings.TrimSpace(typ), "application/ld+json")
}

// jsonText returns a script's JSON, without the wrappers and raw control
// characters that make many publishers' JSON-LD invalid: CDATA and comment
// markers, a trailing semicolon, raw newlines and tabs inside strings (which
// JSON forbids; outside strings they are only white space).
func jsonText(script *html.Node) string {
	s := strings.TrimSpace(scriptText(script))
	for _, w := range [][2]string{{"//<![CDATA[", "//]]>"}, {"<![CDATA[", "]]>"}, {"<!--", "-->"}} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, w[0]), w[1]))
	}
	s = strings.TrimSuffix(s, ";")
	return strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, s)
}

// scriptText returns the text of a script element (one text node in practice).
func scriptText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// collectArticles walks a decoded JSON-LD value, indexing objects by @id and
// collecting the article objects.
func collectArticles(v any, depth int, visited *int, ids map[string]map[string]any, found *[]map[string]any) {
	if depth > maxJSONLDDepth || *visited > maxJSONLDObjects {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			collectArticles(e, depth+1, visited, ids, found)
		}
	case map[string]any:
		*visited++
		if id, ok := t["@id"].(string); ok && len(t) > 1 {
			ids[id] = t
		}
		if isArticle(t["@type"]) {
			*found = append(*found, t)
		}
		for _, k := range []string{"@graph", "mainEntity"} {
			if e, ok := t[k]; ok {
				collectArticles(e, depth+1, visited, ids, found)
			}
		}
	}
}

// isArticle reports whether an @type value (a string or a list of strings,
// bare or as a schema.org URL) names an article type.
func isArticle(typ any) bool {
	switch t := typ.(type) {
	case string:
		for _, p := range []string{"http://schema.org/", "https://schema.org/", "schema:"} {
			t = strings.TrimPrefix(t, p)
		}
		return articleTypes[t]
	case []any:
		for _, e := range t {
			if isArticle(e) {
				return true
			}
		}
	}
	return false
}

// str returns a JSON-LD text value: a string, the first of a list, or an
// object's @value.
func str(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		for _, e := range t {
			if s := str(e); s != "" {
				return s
			}
		}
	case map[string]any:
		if s, ok := t["@value"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// resolve returns v as an object, following an {"@id": ...} reference into the
// page's other JSON-LD objects.
func resolve(v any, ids map[string]map[string]any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if id, ok := m["@id"].(string); ok && len(m) == 1 {
		if full, ok := ids[id]; ok {
			return full
		}
	}
	return m
}

// authorNames lists the names in an author value: a string, a Person or
// Organization object (possibly an @id reference), or a list of those.
func authorNames(v any, ids map[string]map[string]any) []string {
	var names []string
	add := func(name string) {
		name = personName(name)
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return
			}
		}
		if name != "" {
			names = append(names, name)
		}
	}
	var walk func(any, int)
	walk = func(v any, depth int) {
		switch t := v.(type) {
		case string:
			add(t)
		case []any:
			if depth > 0 {
				return
			}
			for _, e := range t {
				walk(e, depth+1)
			}
		case map[string]any:
			if m := resolve(t, ids); m != nil {
				add(str(m["name"]))
			}
		}
	}
	walk(v, 0)
	return names
}

// imageURL returns the URL in an image value: a URL string, an ImageObject
// (possibly an @id reference), or a list of those.
func imageURL(v any, ids map[string]map[string]any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		for _, e := range t {
			if _, isList := e.([]any); isList {
				continue
			}
			if s := imageURL(e, ids); s != "" {
				return s
			}
		}
	case map[string]any:
		if m := resolve(t, ids); m != nil {
			return firstNonEmpty(str(m["url"]), str(m["contentUrl"]))
		}
	}
	return ""
}

// bodyText turns an articleBody into plain text. Most are text already; some
// publishers put the article's HTML there.
func bodyText(s string) string {
	if !strings.Contains(s, "<") {
		return normalizeText(html.UnescapeString(s))
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return ""
	}
	return renderText(doc)
}
