// Package canon turns article URLs into canonical URLs, the identity of an article in
// Parallax's index, and knows registrable domains.
//
// Two readers who reach the same article through different links (an AMP page, a mobile
// host, a share link full of tracking parameters, a Google AMP cache address, a pasted URL
// with a fragment) must get the same key, so URL folds those variants into one form:
//
//   - scheme and host lower-cased, http upgraded to https (see below), default ports,
//     userinfo and fragments removed, a trailing dot on the host removed, IDN hosts in
//     punycode so the key is ASCII;
//   - the path percent-encoding normalised (RFC 3986 §6.2.2: escapes of unreserved
//     characters decoded, hex upper-cased, bytes that may not appear literally encoded),
//     duplicate slashes collapsed, dot segments resolved (RFC 3986 §5.2.4), an empty
//     path made "/", trailing slashes otherwise kept as given (sites differ);
//   - tracking parameters removed, the remaining query parameters sorted;
//   - AMP and mobile variants folded, Google AMP cache addresses unwrapped.
//
// A canonical URL is a key, not an address to fetch: http is upgraded to https because
// the same article is linked with both schemes and browsers upgrade these hosts anyway
// (HSTS, HTTPS-First), so identity must not depend on it, but a site that only serves
// http is then not reachable through its key. Fetch the URL the reader or the feed gave.
//
// Every folding rule errs on the side of keeping things apart: a missed fold costs one
// duplicate key, which the page's own rel=canonical usually repairs through Prefer, while
// a wrong fold merges two different articles and shows a reader the wrong story.
package canon

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxLength bounds the length of a URL, before and after canonicalisation. RFC 9110 §4.1
// recommends that senders and recipients support URIs of at least 8000 octets; article
// links are far shorter (sitemaps cap them at 2,048 characters), so anything longer is
// not an article link and must not cost more work than this.
const MaxLength = 8 << 10

// maxUnwrap bounds how many AMP cache wrappers URL peels off one link. A real link has
// one; a cache address that wraps another cache address is already suspicious.
const maxUnwrap = 3

var (
	// ErrMalformed means the input is not an absolute URL with a host: empty, relative,
	// too long, with spaces or control characters, a bad port or host name.
	ErrMalformed = errors.New("malformed URL")
	// ErrScheme means the URL has a scheme other than http or https (javascript:, ftp:,
	// data:, file:, chrome:, about: ...).
	ErrScheme = errors.New("unsupported URL scheme")
)

// URL returns the canonical form of an absolute http(s) article URL.
func URL(raw string) (string, error) {
	p, err := parse(raw, 0)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// Prefer returns the canonical form of declared (the page's own <link rel=canonical> or
// og:url, possibly relative to pageURL) when it is a valid http(s) URL on the same
// registrable domain as pageURL; otherwise the canonical form of pageURL. Errors only
// when pageURL itself is invalid.
//
// The declared URL is trusted only as far as it cannot hurt: a foreign domain could
// claim somebody else's article, a path-relative reference ("undefined", "null",
// "{{url}}") is in practice a template bug, and a canonical pointing at the bare home
// page (a common CMS misconfiguration) would merge every article of the site into one.
func Prefer(pageURL, declared string) (string, error) {
	page, err := parse(pageURL, 0)
	if err != nil {
		return "", err
	}
	d := strings.TrimSpace(declared)
	if d == "" || len(d) > MaxLength || hasSpaceOrControl(d) {
		return page.String(), nil
	}
	if _, ok := splitScheme(d); !ok && !strings.HasPrefix(d, "/") {
		return page.String(), nil
	}
	// Only absolute, scheme-relative and root-relative references get here, so the base
	// contributes its scheme and host only; the canonical page (unwrapped from any AMP
	// cache) is the right one to lend them.
	base, err := url.Parse(page.String())
	if err != nil {
		return page.String(), nil // a canonical URL always parses
	}
	ref, err := url.Parse(escapeStrayPercents(d))
	if err != nil {
		return page.String(), nil
	}
	cand, err := parse(base.ResolveReference(ref).String(), 0)
	if err != nil {
		return page.String(), nil
	}
	if Domain(cand.host) != Domain(page.host) {
		return page.String(), nil
	}
	if cand.isRoot() && !page.isRoot() {
		return page.String(), nil
	}
	return cand.String(), nil
}

// parts is a URL in canonical form, split so that Prefer can compare hosts.
type parts struct {
	scheme string // "http" or "https"
	host   string // DNS name (punycode), IPv4 literal, or IPv6 literal without brackets
	ipv6   bool
	port   string // empty for the scheme's default
	path   string // escaped, never empty
	query  string // escaped, without "?"
}

func (p parts) String() string {
	var b strings.Builder
	b.Grow(len(p.scheme) + len(p.host) + len(p.port) + len(p.path) + len(p.query) + 8)
	b.WriteString(p.scheme)
	b.WriteString("://")
	if p.ipv6 {
		b.WriteString("[" + p.host + "]")
	} else {
		b.WriteString(p.host)
	}
	if p.port != "" {
		b.WriteString(":" + p.port)
	}
	b.WriteString(p.path)
	if p.query != "" {
		b.WriteString("?" + p.query)
	}
	return b.String()
}

// isRoot reports whether p is a site's bare home page.
func (p parts) isRoot() bool { return p.path == "/" && p.query == "" }

// parse canonicalises raw; depth counts the AMP cache wrappers already removed.
func parse(raw string, depth int) (parts, error) {
	if len(raw) > MaxLength {
		return parts{}, fmt.Errorf("canon: %w: longer than %d bytes", ErrMalformed, MaxLength)
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return parts{}, fmt.Errorf("canon: %w: empty", ErrMalformed)
	}
	// The scheme is checked first so that "javascript:alert('hi there')" is reported as
	// the wrong kind of link rather than as a link with a space in it.
	scheme, ok := splitScheme(s)
	if !ok {
		return parts{}, fmt.Errorf("canon: %w: not an absolute address (it must start with http:// or https://)", ErrMalformed)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return parts{}, fmt.Errorf("canon: %w: %q (only http and https pages can be looked up)", ErrScheme, truncate(scheme, maxSchemeInMessage))
	}
	if !strings.HasPrefix(s[len(scheme)+1:], "//") {
		return parts{}, fmt.Errorf("canon: %w: missing \"//\" after %q", ErrMalformed, scheme+":")
	}
	if hasSpaceOrControl(s) {
		return parts{}, fmt.Errorf("canon: %w: contains spaces or control characters", ErrMalformed)
	}
	u, err := url.Parse(escapeStrayPercents(s))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error's own message repeats the whole URL; keep only the reason.
			err = ue.Err
		}
		return parts{}, fmt.Errorf("canon: %w: %w", ErrMalformed, err)
	}
	p := parts{scheme: scheme}
	if err := p.setHost(u); err != nil {
		return parts{}, err
	}
	clean := cleanPath(u.EscapedPath())
	p.path = normalizePath(clean)
	if inner, ok := ampCacheTarget(p, clean, u.RawQuery); ok {
		if depth >= maxUnwrap {
			return parts{}, fmt.Errorf("canon: %w: more than %d nested AMP cache addresses", ErrMalformed, maxUnwrap)
		}
		return parse(inner, depth+1)
	}
	p.query = normalizeQuery(u.RawQuery, pathIdentified(p.host))
	if n := len(p.String()); n > MaxLength {
		// Escaping can triple a URL's length; bounding the result too keeps URL(URL(x))
		// equal to URL(x).
		return parts{}, fmt.Errorf("canon: %w: canonical form longer than %d bytes", ErrMalformed, MaxLength)
	}
	return p, nil
}

// maxSchemeInMessage bounds how much of an unknown scheme an error message repeats.
const maxSchemeInMessage = 24

// splitScheme returns the scheme of s (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" /
// "-" / "." ) followed by ":"), or false when s has none. A "scheme" with a dot or one
// followed by digits is a host and port typed without a scheme ("www.example.com:8080/a",
// "localhost:3000"), and is reported as such.
func splitScheme(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-':
			if i == 0 {
				return "", false
			}
		case c == ':':
			if i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9' {
				return "", false
			}
			return s[:i], i > 0
		default:
			return "", false
		}
	}
	return "", false
}

// hasSpaceOrControl reports whether s holds an ASCII space or control character. Links
// from a browser tab or a feed are already percent-encoded; a raw space means the input
// is not a URL (a pasted sentence, a broken template).
func hasSpaceOrControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
