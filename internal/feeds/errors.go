package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/parallax-news/parallax/internal/fetch"
)

// ErrMalformed means the body is not a feed gofeed can parse. The error
// wrapping it carries the parser's reason.
var ErrMalformed = errors.New("feeds: not a feed")

// maxReasonRunes bounds the parser's reason in errors and State.LastError:
// enough for "XML syntax error on line 1234: unexpected EOF", short enough
// for a dashboard cell. Parser messages can quote the document.
const maxReasonRunes = 160

// maxLastErrorRunes bounds State.LastError whatever produced it.
const maxLastErrorRunes = 200

// malformedError is the error for a body gofeed rejected.
type malformedError struct {
	reason string // short, safe to show
	cause  error
}

func (e *malformedError) Error() string { return "not a feed: " + e.reason }

func (e *malformedError) Unwrap() []error { return []error{ErrMalformed, e.cause} }

// parseReason says in a few words why gofeed rejected a body.
func parseReason(err error) string {
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return "not RSS, Atom or JSON Feed"
	}
	return truncate(collapse(err.Error()), maxReasonRunes)
}

// wrap prefixes err with the package and the feed's host.
func wrap(host string, err error) error {
	if host == "" {
		return fmt.Errorf("feeds: %w", err)
	}
	return fmt.Errorf("feeds: %s: %w", host, err)
}

// describe turns a poll error into State.LastError: a short sentence for an
// operator's dashboard or an API, naming neither an address nor Go's error
// text. fetch's own messages are written for end users under the same rule;
// fetch.Reason gives them without the host, which the State's URL names.
func describe(err error) string {
	var se *fetch.StatusError
	var me *malformedError
	var msg string
	switch {
	case errors.As(err, &se):
		msg = "the site answered " + strconv.Itoa(se.Code)
		if text := http.StatusText(se.Code); text != "" {
			msg += " " + text
		}
		if se.RetryAfter > 0 {
			msg += " (retry after " + formatWait(se.RetryAfter) + ")"
		}
	case errors.As(err, &me):
		msg = me.Error()
	case errors.Is(err, fetch.ErrTimeout):
		msg = "timed out"
	case errors.Is(err, fetch.ErrTooLarge):
		msg = "feed too large"
		if limit := fetch.SizeLimit(err); limit != "" {
			msg = "feed larger than " + limit
		}
	case errors.Is(err, fetch.ErrInvalidURL), errors.Is(err, fetch.ErrBlockedAddress),
		errors.Is(err, fetch.ErrTooManyRedirects), errors.Is(err, fetch.ErrContentType),
		errors.Is(err, fetch.ErrUnreachable):
		msg = fetch.Reason(err)
	case errors.Is(err, context.DeadlineExceeded):
		msg = "timed out"
	}
	if msg == "" {
		msg = "could not poll the feed"
	}
	return truncate(msg, maxLastErrorRunes)
}

// formatWait writes a wait the way people say it: "2m", "1h30m", "45s".
func formatWait(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
