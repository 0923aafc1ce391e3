package fetch

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// Kind is the kind of document a Request asks for; it sets the Accept header,
// the content types accepted and how the body is converted to UTF-8.
type Kind int

const (
	// HTML is a web page: text/html or application/xhtml+xml.
	HTML Kind = iota
	// Feed is an RSS, Atom, RDF or JSON Feed document.
	Feed
)

// String names the kind in words used in error messages.
func (k Kind) String() string {
	switch k {
	case HTML:
		return "web page"
	case Feed:
		return "feed"
	}
	return "unknown kind"
}

// accept is the Accept header for k (RFC 9110 §12.5.1).
func (k Kind) accept() string {
	switch k {
	case HTML:
		return "text/html, application/xhtml+xml;q=0.9"
	case Feed:
		return "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, " +
			"application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7"
	}
	return ""
}

// accepts reports whether a media type (lowercase, without parameters) is a
// document of kind k. text/html is deliberately not a feed: a site answering
// HTML to a feed URL is showing an error or login page, and the feed parser
// would either fail or, worse, "find" items in it.
func (k Kind) accepts(mediaType string) bool {
	switch k {
	case HTML:
		return mediaType == "text/html" || mediaType == "application/xhtml+xml"
	case Feed:
		switch mediaType {
		case "application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
			"application/feed+json", "application/json",
			"application/rdf+xml": // RSS 1.0 (RDF Site Summary), still served by some news sites
			return true
		}
	}
	return false
}

// sniffLen is how much http.DetectContentType looks at (WHATWG MIME Sniffing §7).
const sniffLen = 512

// sniff guesses the media type of a body served without Content-Type.
// http.DetectContentType only recognises XML by its declaration, so for feeds
// a body that starts with a feed's root element or a JSON object is accepted
// as XML or JSON; the feed parser makes the final call.
func sniff(body []byte, k Kind) string {
	detected, _, _ := mime.ParseMediaType(http.DetectContentType(body[:min(len(body), sniffLen)]))
	if k != Feed || detected != "text/plain" {
		return detected
	}
	head := bytes.TrimLeft(body[:min(len(body), sniffLen)], "\t\n\r \xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(head, []byte("<rss")), bytes.HasPrefix(head, []byte("<feed")),
		bytes.HasPrefix(head, []byte("<rdf:RDF")):
		return "application/xml"
	case bytes.HasPrefix(head, []byte("{")):
		return "application/json"
	}
	return detected
}

// utf8BOM is the UTF-8 byte order mark, dropped from converted bodies.
var utf8BOM = []byte("\xef\xbb\xbf")

// htmlToUTF8 converts a page to UTF-8 following the HTML Standard's encoding
// sniffing (§13.2.3.2, via charset.DetermineEncoding): byte order mark, then
// the charset parameter of contentType, then <meta charset> or http-equiv in
// the first 1024 bytes, then UTF-8 if the bytes are valid UTF-8, else
// windows-1252. The result is always valid UTF-8 without a BOM. A <meta
// charset> in the result still names the original encoding; consumers must
// treat Body as UTF-8 and not re-detect. Converting can grow the body (up to
// 3 bytes per input byte for single-byte encodings).
func htmlToUTF8(body []byte, contentType string) ([]byte, error) {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	return decode(body, enc, name)
}

// feedToUTF8 converts a feed to UTF-8 only when its encoding is declared,
// and leaves it as received otherwise.
//
// Declared means, in order of precedence (RFC 7303 §3 and XML 1.0 Appendix F):
// a byte order mark, the charset parameter of the Content-Type header, the
// encoding of the <?xml ...?> declaration. When one is found (and is a label
// we know), the body is decoded to UTF-8 and the declaration, if present, is
// rewritten to encoding="UTF-8": XML parsers (encoding/xml, gofeed) trust the
// declaration, so leaving encoding="ISO-8859-1" on UTF-8 bytes would make
// them decode twice, and a header charset that contradicts the declaration
// would be ignored by them.
//
// Undeclared bodies are not sniffed as HTML is: XML without a declaration is
// UTF-8 or UTF-16 by definition (XML 1.0 §4.3.3) and JSON is UTF-8 (RFC 8259
// §8.1), so a guess (HTML's windows-1252 fallback) could only corrupt a
// valid document; a broken one is left for the parser to report.
func feedToUTF8(body []byte, contentType string) ([]byte, error) {
	var labels []string
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		labels = append(labels, "utf-8")
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}):
		labels = append(labels, "utf-16be")
	case bytes.HasPrefix(body, []byte{0xff, 0xfe}):
		labels = append(labels, "utf-16le")
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		labels = append(labels, params["charset"])
	}
	if declared, _, _, ok := xmlDeclEncoding(body); ok {
		labels = append(labels, declared)
	}
	for _, label := range labels {
		enc, name := charset.Lookup(label)
		if enc == nil {
			continue // unknown label: try the next declaration, else leave as received
		}
		out, err := decode(body, enc, name)
		if err != nil {
			return nil, err
		}
		return rewriteXMLDecl(out), nil
	}
	return body, nil
}

// decode converts body from enc (canonical WHATWG name) to valid UTF-8
// without a BOM. Bytes invalid in the source encoding become U+FFFD.
func decode(body []byte, enc encoding.Encoding, name string) ([]byte, error) {
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, utf8BOM)
		if utf8.Valid(body) {
			return body, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, err
	}
	return bytes.TrimPrefix(out, utf8BOM), nil
}

// xmlDeclWindow bounds the search for the XML declaration. It must open the
// document (XML 1.0 §2.8) and is some 50 bytes long; 1 KiB tolerates leading
// whitespace that lenient parsers accept.
const xmlDeclWindow = 1024

// xmlDeclEncoding finds the encoding pseudo-attribute of a leading
// <?xml ...?> declaration: its value and the value's byte range in body.
func xmlDeclEncoding(body []byte) (value string, start, end int, ok bool) {
	window := body[:min(len(body), xmlDeclWindow)]
	open := len(window) - len(bytes.TrimLeft(window, "\t\n\r "))
	rest := window[open:]
	if !bytes.HasPrefix(rest, []byte("<?xml")) || len(rest) < 6 || !isXMLSpace(rest[5]) {
		return "", 0, 0, false // not a declaration (<?xml-stylesheet is a processing instruction)
	}
	decl, _, found := bytes.Cut(rest, []byte("?>"))
	if !found {
		return "", 0, 0, false
	}
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return "", 0, 0, false
	}
	j := i + len("encoding")
	for j < len(decl) && isXMLSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return "", 0, 0, false
	}
	j++
	for j < len(decl) && isXMLSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return "", 0, 0, false
	}
	quote := decl[j]
	k := bytes.IndexByte(decl[j+1:], quote)
	if k < 0 {
		return "", 0, 0, false
	}
	start = open + j + 1
	end = start + k
	return string(body[start:end]), start, end, true
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// rewriteXMLDecl sets the declaration's encoding to UTF-8, if it names one.
func rewriteXMLDecl(body []byte) []byte {
	value, start, end, ok := xmlDeclEncoding(body)
	if !ok || strings.EqualFold(value, "utf-8") {
		return body
	}
	out := make([]byte, 0, len(body)-len(value)+len("UTF-8"))
	out = append(out, body[:start]...)
	out = append(out, "UTF-8"...)
	return append(out, body[end:]...)
}
