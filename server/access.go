package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/parallax-news/parallax/internal/web"
)

// corsPreflightMaxAge lets the browser cache a preflight answer for ten minutes, the
// popup's own result cache lifetime: one preflight per reading session.
const corsPreflightMaxAge = 600

// extensionCORS allows the Parallax extension, whose pages have origins like
// chrome-extension://<id> and moz-extension://<uuid>, to call the API and /readyz:
// any extension, or only those PARALLAX_EXTENSION_ORIGINS lists. Web pages are not
// allowed: a site a reader visits must not be able to use the reader's Parallax
// server (and its token) from their browser.
func extensionCORS(p originPolicy) echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper: func(c *echo.Context) bool { return !corsPath(c.Request().URL.Path) },
		UnsafeAllowOriginFunc: func(_ *echo.Context, origin string) (string, bool, error) {
			if p.extension(origin) {
				return origin, true, nil
			}
			return "", false, nil
		},
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowHeaders: []string{"Content-Type", "Authorization"},
		MaxAge:       corsPreflightMaxAge,
	})
}

func corsPath(p string) bool { return strings.HasPrefix(p, "/api/") || p == "/readyz" }

// tokenSet holds the API tokens as SHA-256 digests, compared in constant time and
// all of them every time, so neither the length nor the position of a match leaks
// through timing.
type tokenSet struct{ digests [][32]byte }

func newTokenSet(tokens []string) *tokenSet {
	t := &tokenSet{digests: make([][32]byte, len(tokens))}
	for i, tok := range tokens {
		t.digests[i] = sha256.Sum256([]byte(tok))
	}
	return t
}

// required reports whether tokens are configured at all.
func (t *tokenSet) required() bool { return len(t.digests) > 0 }

// valid reports whether given is one of the tokens.
func (t *tokenSet) valid(given string) bool {
	if given == "" {
		return false
	}
	d := sha256.Sum256([]byte(given))
	match := 0
	for _, want := range t.digests {
		match |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return match == 1
}

// tokenID names an API token in the index and to the operator without keeping the
// token: the first 12 hex digits of its SHA-256 (printf %s "$TOKEN" | sha256sum |
// cut -c1-12 gives it too). A prefix is enough to tell a deployment's few tokens
// apart, and too short to be a credential.
func tokenID(token string) string {
	d := sha256.Sum256([]byte(token))
	return hex.EncodeToString(d[:6])
}

// tokenAuth guards /api/* and the HTML pages when the operator configured API
// tokens. The API takes "Authorization: Bearer <token>" only; a page also takes
// the token from the cookie /login sets, since a browser cannot send a header
// when the reader follows a link. The cookie is SameSite=Strict and the API never
// reads it, so another site's page cannot use a reader's session against the API.
func tokenAuth(tokens *tokenSet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			r := c.Request()
			path := r.URL.Path
			page := isPagePath(path) && path != web.LoginPath && !strings.HasPrefix(path, web.AssetsPrefix)
			// The operator routes take the admin token instead (adminAuth).
			if !tokens.required() || r.Method == http.MethodOptions || (!strings.HasPrefix(path, "/api/") && !page) || strings.HasPrefix(path, adminPrefix) {
				return next(c)
			}
			given, ok := bearerToken(r.Header.Get("Authorization"))
			if !ok && page {
				if ck, err := r.Cookie(sessionCookie); err == nil {
					given, ok = ck.Value, true
				}
			}
			if !ok || !tokens.valid(given) {
				return echo.ErrUnauthorized
			}
			return next(c)
		}
	}
}

// bearerToken returns the token of an Authorization header of the Bearer scheme.
// The scheme is matched case-insensitively and may be followed by several spaces,
// as RFC 9110 allows (§11.1: "auth-scheme is case-insensitive"; §11.4:
// credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]); clients and
// proxies send "bearer" and "BEARER" too.
func bearerToken(header string) (string, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.TrimSpace(rest)
	return token, token != ""
}

// adminPrefix is where the operator routes live.
const adminPrefix = "/api/v1/admin/"

// adminAuth guards the operator routes with PARALLAX_ADMIN_TOKEN. With none set
// they are off: no API token opens them, since on a shared server every reader
// holds one.
func adminAuth(token string) echo.MiddlewareFunc {
	want := newTokenSet([]string{token})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if token == "" {
				return &apiError{Status: http.StatusForbidden, Code: "admin_disabled", Message: "The operator routes are off; set PARALLAX_ADMIN_TOKEN to use them."}
			}
			given, ok := bearerToken(c.Request().Header.Get("Authorization"))
			if !ok || !want.valid(given) {
				return echo.ErrUnauthorized
			}
			return next(c)
		}
	}
}

// metricsAuth guards /metrics with PARALLAX_METRICS_TOKEN when one is set: the
// metrics name routes and counts (feeds, failures, rates) an operator may not want
// public, and a scraper sends a bearer token easily. The API tokens do not open it,
// so a reader's token is not a monitoring credential.
func metricsAuth(token string) echo.MiddlewareFunc {
	want := newTokenSet([]string{token})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if token == "" {
				return next(c)
			}
			given, ok := bearerToken(c.Request().Header.Get("Authorization"))
			if !ok || !want.valid(given) {
				return echo.ErrUnauthorized
			}
			return next(c)
		}
	}
}
