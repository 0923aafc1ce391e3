package main

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"
)

// A reader's browser is a confused deputy: any web page the reader visits can make
// it send requests to the reader's Parallax server, with the reader's network
// position and, for pages, the session cookie. A "simple" request (a form POST, a
// text/plain fetch, an <img src>) goes out without a CORS preflight, so CORS alone
// never stops it reaching a handler; it only stops the page reading the answer,
// which is too late for a request that makes the server fetch a URL or write to the
// index. The guard below refuses such requests before any handler runs.

// simpleContentTypes are the request content types a web page can send
// cross-origin without a preflight (the Fetch standard's CORS-safelisted
// Content-Type values). No API route accepts them.
var simpleContentTypes = []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}

// originPolicy says which browser origins other than the server's own may use the
// routes that fetch or write: the Parallax extension's.
type originPolicy struct {
	// allowed holds the exact extension origins PARALLAX_EXTENSION_ORIGINS lists;
	// empty means any extension origin, since an unpacked extension's id differs on
	// every machine and Firefox gives each installation its own UUID.
	allowed map[string]bool
}

// extensionSchemes are the origins of browser extension pages.
var extensionSchemes = []string{"chrome-extension://", "moz-extension://", "safari-web-extension://"}

// parseExtensionOrigins reads PARALLAX_EXTENSION_ORIGINS: comma-separated origins
// such as chrome-extension://<id> or moz-extension://<uuid>.
func parseExtensionOrigins(v string) (originPolicy, error) {
	p := originPolicy{}
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if !isExtensionOrigin(o) || strings.Count(o, "/") != 2 {
			return originPolicy{}, fmt.Errorf("%q is not an extension origin like chrome-extension://<id> or moz-extension://<uuid>", o)
		}
		if p.allowed == nil {
			p.allowed = map[string]bool{}
		}
		p.allowed[strings.ToLower(o)] = true
	}
	return p, nil
}

func isExtensionOrigin(o string) bool {
	for _, s := range extensionSchemes {
		if strings.HasPrefix(o, s) && len(o) > len(s) {
			return true
		}
	}
	return false
}

// extension reports whether origin is an extension origin the policy allows.
func (p originPolicy) extension(origin string) bool {
	if !isExtensionOrigin(origin) {
		return false
	}
	return p.allowed == nil || p.allowed[strings.ToLower(origin)]
}

// sameOrigin reports whether origin is the server's own, as the request reached it:
// the Host header names the server (behind a proxy that keeps it, its public name).
// The scheme is not compared: behind a TLS-terminating proxy the server sees http
// while the browser says https, and a host and port are what another site cannot
// share with us.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// guarded reports whether a request can make the server fetch a URL or write:
// every POST, and a GET lookup (which fetches the publisher on a miss).
func guarded(r *http.Request) bool {
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
		return true
	}
	return r.Method == http.MethodGet && r.URL.Path == "/api/v1/lookup"
}

// crossSiteGuard refuses, on the routes that fetch or write, what a web page could
// send on a reader's behalf:
//   - a POST of a CORS-safelisted content type to the API (415): the API takes
//     JSON and HTML bodies, which a page cannot send without a preflight, and the
//     preflight is answered for extension origins only;
//   - a request whose Origin is neither an allowed extension's nor the server's
//     own, or, without a usable Origin, one the browser does not mark
//     Sec-Fetch-Site: same-origin or none (403). Clients outside a browser (curl,
//     the ingester, tests) send neither header and pass; they are what the API
//     token is for.
//
// The pages' own forms (login) are same-origin and pass.
func crossSiteGuard(p originPolicy) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			r := c.Request()
			if !guarded(r) {
				return next(c)
			}
			origin := r.Header.Get("Origin")
			site := strings.ToLower(r.Header.Get("Sec-Fetch-Site"))
			switch {
			case origin != "" && origin != "null":
				if !p.extension(origin) && !sameOrigin(origin, r) {
					return errCrossSite("Requests from other web sites are refused; only the Parallax extension and this server's own pages may use this route.")
				}
			case site == "same-origin" || site == "none":
				// The browser itself says the request is the user's or one of our
				// own pages'. Our pages send Referrer-Policy: no-referrer, under
				// which a browser sends "Origin: null" even on a same-origin form
				// post (the login form), so a null origin is judged by this.
			case origin == "null":
				// Sandboxed frames, some redirects, a browser too old to say more.
				return errCrossSite("Requests from an opaque origin are refused.")
			case site != "":
				// cross-site, or same-site: a sibling subdomain is another site's page.
				return errCrossSite("Requests another web site makes a browser send are refused.")
			}
			if strings.HasPrefix(r.URL.Path, "/api/") && r.Method != http.MethodGet && simpleContentType(r.Header.Get("Content-Type")) {
				return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type",
					"Send the body as application/json (or the page as text/html); text/plain and form bodies are refused, since any web page can send them."}
			}
			return next(c)
		}
	}
}

func errCrossSite(msg string) error {
	return &apiError{http.StatusForbidden, "cross_site", msg}
}

// simpleContentType reports whether ct is one a page can send without a preflight.
// An unparsable type counts as one: browsers send what a page writes there.
func simpleContentType(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	for _, s := range simpleContentTypes {
		if mt == s {
			return true
		}
	}
	return false
}
