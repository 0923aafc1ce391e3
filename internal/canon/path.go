package canon

import (
	"strings"
)

const upperHex = "0123456789ABCDEF"

// normalizeEscapes normalises the percent-encoding of one URL component (RFC 3986
// §6.2.2.1-2): escapes of unreserved characters are decoded, the hex of the others is
// upper-cased, and bytes that allowed says may not appear literally (quotes, brackets,
// non-ASCII UTF-8 ...) are encoded, as is a '%' that starts no valid escape. Reserved
// characters keep the form they were given in, since "/" and "%2F" mean different things.
func normalizeEscapes(s string, allowed func(byte) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isEscape(s, i) {
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
			if isUnreserved(d) {
				b.WriteByte(d)
				continue
			}
			c = d
		} else if c != '%' && allowed(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// escapeStrayPercents encodes each '%' that does not start a valid escape as "%25", as
// browsers effectively do for links like "/save-50%-now", so that net/url accepts them.
func escapeStrayPercents(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !isEscape(s, i) {
			b.WriteString(s[last:i])
			b.WriteString("%25")
			last = i + 1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isEscape reports whether s[i:] starts with a percent-encoded octet.
func isEscape(s string, i int) bool {
	return s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// isUnreserved reports RFC 3986 §2.3 unreserved characters, which mean the same
// encoded or not.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathByte reports the bytes allowed literally in a path (RFC 3986 §3.3: pchar and "/").
func isPathByte(c byte) bool {
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/':
		return true
	}
	return isUnreserved(c)
}

// isQueryByte reports the bytes allowed literally in a query (RFC 3986 §3.4).
func isQueryByte(c byte) bool { return c == '?' || isPathByte(c) }

// cleanPath normalises the escapes of an escaped path, collapses duplicate slashes and
// resolves dot segments; an empty path becomes "/".
func cleanPath(escaped string) string {
	p := normalizeEscapes(escaped, isPathByte)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // net/url gives "" for "https://host" and "?q" alone
	}
	return removeDotSegments(collapseSlashes(p))
}

// normalizePath folds the AMP variants of a path that cleanPath has cleaned, cleaning and
// folding again after each change until nothing changes, so that the result is stable
// (".amp" can leave a dot segment behind). Each step only ever shortens the path, so the
// loop ends.
func normalizePath(clean string) string {
	p := clean
	for {
		folded := foldAMPPath(p)
		if folded == p {
			return p
		}
		p = removeDotSegments(collapseSlashes(folded))
	}
}

// collapseSlashes turns each run of slashes into one: "//news///a" → "/news/a". Servers
// and CMSs treat them alike, and feeds that glue a base URL to a path often double them.
func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// removeDotSegments resolves "." and ".." segments of an absolute path (RFC 3986 §5.2.4).
// A ".." above the root is dropped, as browsers do. In a path that starts with "/" every
// segment follows a slash, so a path without "/." has no dot segment and is returned as
// it is.
func removeDotSegments(p string) string {
	if !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
			continue
		}
		if last {
			out = append(out, "") // "/a/b/.." is the directory "/a/", with its slash
		}
	}
	return "/" + strings.Join(out, "/")
}

// foldAMPPath removes the AMP markers publishers put in article paths:
//   - an "amp" segment anywhere: WordPress "/post/amp/", BBC and NBC "/news/amp/<id>",
//     Reuters "/article/amp/<id>", CBS "/amp/news/...";
//   - Times Internet's "amp_articleshow" (Times of India, Economic Times) → "articleshow";
//   - on the last segment, NYT's ".amp.html" → ".html", Fox News' ".amp" suffix, and a
//     final "amp.html".
//
// Removing a segment only merges two distinct articles when a site publishes both X and
// X with an "amp" segment as different pages, which nothing but AMP variants do.
func foldAMPPath(p string) string {
	if !strings.Contains(p, "amp") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := segs[:0]
	for _, s := range segs {
		if s == "amp" {
			continue
		}
		if rest, ok := strings.CutPrefix(s, "amp_"); ok && isLetters(rest) {
			s = rest
		}
		out = append(out, s)
	}
	if n := len(out); n > 0 {
		last := out[n-1]
		switch {
		case last == "amp.html":
			out = out[:n-1]
		case len(last) > len(".amp.html") && strings.HasSuffix(last, ".amp.html"):
			out[n-1] = strings.TrimSuffix(last, ".amp.html") + ".html"
		case len(last) > len(".amp") && strings.HasSuffix(last, ".amp"):
			out[n-1] = strings.TrimSuffix(last, ".amp")
		}
	}
	return "/" + strings.Join(out, "/")
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
