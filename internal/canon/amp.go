package canon

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// ampCacheTarget returns the publisher URL inside a Google AMP viewer or AMP cache
// address, or false when p is neither:
//
//	https://www.google.com/amp/s/<host>/<path>               (https publisher)
//	https://www.google.com/amp/<host>/<path>                 (http publisher)
//	https://<host-with-dashes>.cdn.ampproject.org/c/s/<host>/<path>
//	https://<host-with-dashes>.cdn.ampproject.org/v/s/<host>/<path>
//
// clean is the wrapper's path with escapes normalised, slashes collapsed and dot segments
// resolved, but AMP markers not yet folded (folding would eat Google's "/amp/"); p.path,
// fully folded, is checked as well, so that no canonical URL is itself a cache address
// and URL stays idempotent. The cache appends its own parameters (amp_js_v, usqp ...) to
// the publisher's query; those are tracking parameters, dropped with the rest.
func ampCacheTarget(p parts, clean, rawQuery string) (string, bool) {
	if p.ipv6 {
		return "", false
	}
	var prefixes []string
	switch {
	case isGoogle(p.host):
		prefixes = []string{"/amp/"}
	case p.host == "cdn.ampproject.org" || strings.HasSuffix(p.host, ".cdn.ampproject.org"):
		prefixes = []string{"/c/", "/v/"}
	default:
		return "", false
	}
	for _, path := range []string{clean, p.path} {
		for _, prefix := range prefixes {
			rest, ok := strings.CutPrefix(path, prefix)
			if !ok {
				continue
			}
			scheme := "http"
			if r, secure := strings.CutPrefix(rest, "s/"); secure {
				scheme, rest = "https", r
			}
			if rest == "" {
				return "", false // the viewer's own page, not a wrapped article
			}
			inner := scheme + "://" + rest
			if rawQuery != "" {
				inner += "?" + rawQuery
			}
			return inner, true
		}
	}
	return "", false
}

// isGoogle reports whether host is Google's search front end ("google.com",
// "www.google.co.uk" ...). Only ICANN suffixes count: "google.blogspot.com" is a blog.
func isGoogle(host string) bool {
	suffix, icann := publicsuffix.PublicSuffix(host)
	if !icann {
		return false
	}
	d := "google." + suffix
	return host == d || host == "www."+d
}
