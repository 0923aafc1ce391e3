package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// corsPreflightMaxAge lets the browser cache a preflight answer for ten minutes, the
// popup's own result cache lifetime: one preflight per reading session.
const corsPreflightMaxAge = 600

// extensionCORS allows the Parallax extension, whose pages have origins like
// chrome-extension://<id> and moz-extension://<uuid>, to call the API and /readyz.
// Web pages are not allowed: a site a reader visits must not be able to use the
// reader's Parallax server (and its token) from their browser.
func extensionCORS() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper: func(c *echo.Context) bool { return !corsPath(c.Request().URL.Path) },
		UnsafeAllowOriginFunc: func(_ *echo.Context, origin string) (string, bool, error) {
			if strings.HasPrefix(origin, "chrome-extension://") || strings.HasPrefix(origin, "moz-extension://") {
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

// tokenAuth guards /api/* when the operator configured API tokens: a request must
// carry "Authorization: Bearer <token>" with one of them. Tokens are compared as
// SHA-256 digests in constant time, and every token is compared, so neither the
// length nor the position of a match leaks through timing.
func tokenAuth(tokens []string) echo.MiddlewareFunc {
	digests := make([][32]byte, len(tokens))
	for i, t := range tokens {
		digests[i] = sha256.Sum256([]byte(t))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if len(digests) == 0 || !strings.HasPrefix(c.Request().URL.Path, "/api/") || c.Request().Method == http.MethodOptions {
				return next(c)
			}
			given, ok := bearerToken(c.Request().Header.Get("Authorization"))
			if !ok {
				return echo.ErrUnauthorized
			}
			d := sha256.Sum256([]byte(given))
			match := 0
			for _, want := range digests {
				match |= subtle.ConstantTimeCompare(d[:], want[:])
			}
			if match != 1 {
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
