package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors. Every error Do returns matches exactly one of them with
// errors.Is (or is a caller cancellation matching context.Canceled), so the
// server can map it to a status without looking at the message.
var (
	// ErrInvalidURL means the URL is not an absolute http or https URL we are
	// willing to fetch (userinfo, odd numeric hosts, bad port, too long, ...).
	ErrInvalidURL = errors.New("fetch: invalid URL")
	// ErrBlockedAddress means the host is, or resolved to, an address or port
	// that Parallax refuses to connect to (private, loopback, metadata, ...).
	ErrBlockedAddress = errors.New("fetch: address not allowed")
	// ErrTooManyRedirects means the site redirected more than MaxRedirects times.
	ErrTooManyRedirects = errors.New("fetch: too many redirects")
	// ErrTooLarge means the body, after decompression, is larger than MaxBytes.
	ErrTooLarge = errors.New("fetch: response too large")
	// ErrContentType means the answer is not of a kind we asked for (a PDF when
	// we wanted a page, HTML when we wanted a feed) or uses an encoding we
	// cannot decode.
	ErrContentType = errors.New("fetch: unsupported content type")
	// ErrTimeout means the fetch did not complete in time: the Client's total
	// timeout, the caller's context deadline or a per-phase timeout.
	ErrTimeout = errors.New("fetch: timed out")
	// ErrUnreachable means we could not get a usable answer from the site: DNS
	// failure, connection refused or reset, TLS failure, a corrupt compressed
	// body, or a redirect to something that is not an http(s) URL.
	ErrUnreachable = errors.New("fetch: site unreachable")
	// ErrStatus matches every *StatusError.
	ErrStatus = errors.New("fetch: unexpected HTTP status")
)

// maxRetryAfter caps StatusError.RetryAfter. A site asking us to wait longer
// than a day is either misconfigured or hostile; a day keeps a feed from being
// silenced indefinitely by one answer while still honouring real maintenance
// windows (RFC 9110 §10.2.3 leaves the interpretation to the client).
const maxRetryAfter = 24 * time.Hour

// StatusError is returned, wrapped with the host, when the site answers with a
// status other than 2xx (or 304 to a conditional request).
type StatusError struct {
	Code int
	// RetryAfter is the wait the site asked for with Retry-After on 429 and 503
	// answers (RFC 9110 §10.2.3, RFC 6585 §4), capped at 24h; zero otherwise.
	RetryAfter time.Duration
}

// Error says which status the site answered, in words a reader understands.
func (e *StatusError) Error() string {
	msg := "site answered " + strconv.Itoa(e.Code)
	if text := http.StatusText(e.Code); text != "" {
		msg += " " + text
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrStatus) true for every StatusError.
func (e *StatusError) Is(target error) bool { return target == ErrStatus }

// newStatusError builds the StatusError for resp, reading Retry-After only on
// the two statuses that define it for "come back later".
func newStatusError(resp *http.Response, now time.Time) *StatusError {
	e := &StatusError{Code: resp.StatusCode}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
// Anything unparseable, negative or in the past yields zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// fetchError is every non-status error Do returns. Its message is written for
// end users: it names the host of the URL being fetched and never the resolved
// IP, the internal network path or Go's error text (a resolved address is
// internal information when a name points inside the operator's network).
// The underlying cause stays reachable with errors.As and is added to logs by
// LogValue.
type fetchError struct {
	kind  error  // one of the sentinels
	host  string // host of the URL being fetched when it failed; may be empty
	msg   string // safe for end users
	cause error  // for logs and errors.As; may be nil
	limit int64  // the size limit an ErrTooLarge error exceeded; 0 for other kinds
}

// Reason returns what went wrong in an error from Do, in the words of its
// message but without the "fetch: " prefix and the host: "connection
// refused", "answer is larger than the 5 MiB limit", "site answered 404 Not
// Found". Callers that word their own message use it rather than taking Error
// apart. It returns "" for an error Do did not produce or a cancellation.
func Reason(err error) string {
	var fe *fetchError
	var se *StatusError
	switch {
	case errors.As(err, &fe):
		return fe.msg
	case errors.As(err, &se):
		return se.Error()
	}
	return ""
}

// SizeLimit returns the limit an ErrTooLarge error from Do exceeded, written
// as in its message ("5 MiB"), or "" for any other error.
func SizeLimit(err error) string {
	var fe *fetchError
	if errors.As(err, &fe) && fe.limit > 0 {
		return formatBytes(fe.limit)
	}
	return ""
}

func (e *fetchError) Error() string {
	if e.host == "" {
		return "fetch: " + e.msg
	}
	return "fetch: " + e.host + ": " + e.msg
}

func (e *fetchError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// LogValue adds the underlying cause when the error is logged with slog, so
// operators see what end users must not.
func (e *fetchError) LogValue() slog.Value {
	if e.cause == nil {
		return slog.StringValue(e.Error())
	}
	return slog.StringValue(e.Error() + ": " + e.cause.Error())
}

// withHost returns e naming host, unless it already names one.
func (e *fetchError) withHost(host string) *fetchError {
	if e.host != "" || host == "" {
		return e
	}
	c := *e
	c.host = host
	return &c
}

// classify turns an error from the transport or the body read into a
// fetchError. host is the host being fetched; ctx is the fetch's own context
// (carrying the total timeout); ownLimit is that timeout when it, and not the
// caller's deadline, is what bounds the fetch; it is quoted only when it is
// what expired (a dial or header timeout is shorter).
func classify(ctx context.Context, err error, host string, ownLimit time.Duration) error {
	// The client reports the hop that failed; name that host, not the first.
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
	}
	var fe *fetchError
	if errors.As(err, &fe) {
		return fe.withHost(host)
	}
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		msg := "took too long to answer"
		if ownLimit > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg += " (limit " + ownLimit.String() + ")"
		}
		return &fetchError{kind: ErrTimeout, host: host, msg: msg, cause: err}
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		// The caller gave up; no sentinel fits and nobody is waiting for a message.
		return fmt.Errorf("fetch: %s: canceled: %w", host, context.Canceled)
	}
	return &fetchError{kind: ErrUnreachable, host: host, msg: unreachableReason(err), cause: err}
}

// unreachableReason names a connection failure in a few safe words.
func unreachableReason(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var alertErr tls.AlertError
	var recordErr tls.RecordHeaderError
	var authErr x509.UnknownAuthorityError
	var nameErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return "DNS lookup failed"
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &nameErr), errors.As(err, &invalidErr):
		return "TLS certificate not valid"
	case errors.As(err, &alertErr), errors.As(err, &recordErr):
		return "TLS handshake failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed unexpectedly"
	}
	return "could not get an answer"
}
