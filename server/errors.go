package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
)

// apiError is the one error shape every endpoint answers with:
// {"error": {"code": "...", "message": "..."}}. Codes are stable; messages are for
// people and may change.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// busyRetryAfter is the Retry-After of a busy answer, in seconds: a few times the
// lookup queue's longest wait (0.1 s), so a client that obeys it finds the queue
// drained.
const busyRetryAfter = 2

// statusClientClosed is the status recorded for a request whose client went away
// before the answer was ready (nginx's 499; no standard status says it).
const statusClientClosed = 499

// errBadRequest makes a 400 for a request the handler itself finds invalid.
func errBadRequest(code, msg string) error {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// errorMap lists, in order, the domain errors and what the API says about them.
var errorMap = []struct {
	target error
	apiError
}{
	{canon.ErrMalformed, apiError{http.StatusBadRequest, "invalid_url", "The URL is not a valid absolute http(s) address."}},
	{canon.ErrScheme, apiError{http.StatusBadRequest, "unsupported_scheme", "Only http and https pages can be looked up."}},
	{fetch.ErrInvalidURL, apiError{http.StatusBadRequest, "invalid_url", "The URL is not a valid absolute http(s) address."}},
	{lookup.ErrPageTooLarge, apiError{http.StatusRequestEntityTooLarge, "page_too_large", "The posted page is larger than 5 MiB."}},
	{lookup.ErrForeignPage, apiError{http.StatusUnprocessableEntity, "foreign_page", "The posted page declares itself a page of another site than the URL it was posted for, so it is not indexed under that URL."}},
	{extract.ErrNotArticle, apiError{http.StatusUnprocessableEntity, "not_an_article", "This page does not look like a news article."}},
	{fetch.ErrBlockedAddress, apiError{http.StatusUnprocessableEntity, "blocked_address", "The server does not fetch pages from private or local network addresses."}},
	{fetch.ErrContentType, apiError{http.StatusUnprocessableEntity, "not_html", "The address does not serve an HTML page."}},
	{fetch.ErrTooLarge, apiError{http.StatusUnprocessableEntity, "page_too_large", "The publisher's page is larger than 5 MiB."}},
	{fetch.ErrTooManyRedirects, apiError{http.StatusBadGateway, "too_many_redirects", "The publisher redirected too many times."}},
	{fetch.ErrTimeout, apiError{http.StatusGatewayTimeout, "publisher_timeout", "The publisher did not answer in time."}},
	{fetch.ErrUnreachable, apiError{http.StatusBadGateway, "publisher_unreachable", "The publisher's site could not be reached."}},
	{lookup.ErrOverloaded, apiError{http.StatusServiceUnavailable, "busy", "The server is busy with other lookups; try again in a few seconds."}},
	{store.ErrClusterDown, apiError{http.StatusServiceUnavailable, "cluster_down", "Part of the story index has no reachable Redis master (a failover may be under way); try again shortly."}},
	{store.ErrTimeout, apiError{http.StatusServiceUnavailable, "busy", "The server is too busy to answer in time; try again in a few seconds."}},
	{store.ErrUnavailable, apiError{http.StatusServiceUnavailable, "store_unavailable", "The story index is unavailable; try again shortly."}},
	{store.ErrNotDurable, apiError{http.StatusServiceUnavailable, "snapshot_failing", "The embedded store cannot write its snapshot to disk (see the server log): a restart would lose recent changes."}},
	{lookup.ErrBusy, apiError{http.StatusServiceUnavailable, "busy", "The story index is busy; try again shortly."}},
	{store.ErrArticleNotFound, apiError{http.StatusNotFound, "article_not_found", "No such article (it may have expired)."}},
	{store.ErrNotInStory, apiError{http.StatusConflict, "not_in_story", "The article is not in this story."}},
	{store.ErrSoleArticle, apiError{http.StatusConflict, "sole_article", "The article is the story's only one: it is a story of its own already."}},
	{store.ErrNotFound, apiError{http.StatusNotFound, "not_found", "No such story (it may have expired)."}},
}

// toAPIError maps any error to the API's error shape.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *fetch.StatusError
	if errors.As(err, &se) {
		return &apiError{http.StatusBadGateway, "publisher_error", fmt.Sprintf("The publisher answered with HTTP status %d.", se.Code)}
	}
	var le *extract.LimitError
	if errors.As(err, &le) {
		// Name the limit the page is over: "larger than 5 MiB" for a small page
		// of 100,000 nested elements sends the reader looking for the wrong fault.
		msg := fmt.Sprintf("The page has more than %s %s; Parallax reads pages of at most that many.", thousands(le.Limit), le.What)
		if le.Got > 0 {
			msg = fmt.Sprintf("The page has %s %s; Parallax reads pages of at most %s.", thousands(le.Got), le.What, thousands(le.Limit))
		}
		return &apiError{http.StatusRequestEntityTooLarge, "page_too_large", msg}
	}
	var ce *extract.ComplexityError
	if errors.As(err, &ce) {
		// A page within the size limits that would cost more work than one
		// page may: say which bound, so that a reader (or the extension's
		// author) knows it is the page's shape, not its size.
		msg := fmt.Sprintf("The page is too complex to read: it has %s %s; Parallax reads pages of at most %s.", thousands(ce.Got), ce.What, thousands(ce.Limit))
		if ce.What == extract.CPUTime {
			msg = fmt.Sprintf("The page is too complex to read: it needs more than %s %s; Parallax spends at most that on one page.", thousands(ce.Limit), ce.What)
		}
		return &apiError{http.StatusUnprocessableEntity, "page_too_complex", msg}
	}
	for _, m := range errorMap {
		if errors.Is(err, m.target) {
			e := m.apiError
			return &e
		}
	}
	// Echo's own errors (*echo.HTTPError, and the unexported type of
	// echo.ErrStatusRequestEntityTooLarge and friends) carry their status.
	if status := echo.StatusCode(err); status != 0 {
		return fromHTTPError(status)
	}
	if errors.Is(err, context.Canceled) {
		// The client went away (closed the popup, navigated): nobody reads this
		// answer, and it is not the server's failure, so no 5xx in the metrics.
		return &apiError{statusClientClosed, "canceled", "The request was canceled by the client."}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{http.StatusGatewayTimeout, "timeout", "The request took too long."}
	}
	return &apiError{http.StatusInternalServerError, "internal", "Something went wrong on the server; it has been logged."}
}

func fromHTTPError(status int) *apiError {
	switch status {
	case http.StatusNotFound:
		return &apiError{status, "not_found", "No such endpoint."}
	case http.StatusMethodNotAllowed:
		return &apiError{status, "method_not_allowed", "This endpoint does not accept that method."}
	case http.StatusRequestEntityTooLarge:
		return &apiError{status, "body_too_large", "The request body is larger than 5 MiB."}
	case http.StatusUnsupportedMediaType:
		return &apiError{status, "unsupported_media_type", "Send the request body as application/json (or the page as text/html)."}
	case http.StatusUnauthorized:
		return &apiError{status, "unauthorized", "A valid API token is required."}
	}
	if status >= 400 && status < 500 {
		return &apiError{status, "bad_request", http.StatusText(status) + "."}
	}
	return &apiError{http.StatusInternalServerError, "internal", "Something went wrong on the server; it has been logged."}
}

// errorHandler is the one place errors become responses. Server-side failures are
// logged in full and answered with a generic message: the client learns the class of
// failure, never internals.
func errorHandler(log *slog.Logger, pg *pages) echo.HTTPErrorHandler {
	return func(c *echo.Context, err error) {
		if resp, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && resp.Committed {
			return
		}
		ae := toAPIError(err)
		level := slog.LevelDebug
		switch {
		case errors.Is(err, context.Canceled):
			// The client went away; nobody reads the answer.
		case ae.Status >= 500:
			level = slog.LevelError
			if ae.Status == http.StatusBadGateway || ae.Status == http.StatusGatewayTimeout || ae.Status == http.StatusServiceUnavailable {
				level = slog.LevelWarn // the publisher's or Redis' trouble, not ours
			}
		}
		log.Log(c.Request().Context(), level, "request failed", "route", routeOf(c), "status", ae.Status, "code", ae.Code, "err", err)
		if ae.Code == "busy" {
			// Tell well-behaved clients when to come back rather than retry at once.
			c.Response().Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(ae.Status)
		} else if pg != nil && isPagePath(c.Request().URL.Path) && pg.pageError(c, ae) {
			err = nil // answered in HTML, in the site's layout
		} else {
			err = c.JSON(ae.Status, map[string]*apiError{"error": ae})
		}
		if err != nil {
			log.Debug("writing error response", "err", err)
		}
	}
}

// thousands writes n with comma separators: 5,242,880.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
