// Package fetch is Parallax's only outbound HTTP client. It downloads the web
// pages and feeds that readers and outlet lists point at, and it is a security
// boundary: readers send the server arbitrary URLs, so it must never be
// tricked into reaching the operator's internal network (server-side request
// forgery).
//
// The rules, each enforced here and tested against httptest servers:
//
//   - Only absolute http and https URLs, without userinfo, are fetched.
//   - Every connection, including each redirect hop, is checked after DNS
//     resolution and before connect(2), in net.Dialer.Control: private,
//     loopback, link-local (cloud metadata), CGNAT, multicast, reserved and
//     documentation addresses are refused, as are IPv4-mapped, NAT64 and 6to4
//     IPv6 forms of them. This also defeats DNS rebinding. IP-literal URLs are
//     refused before dialing, for a clearer error.
//   - Public addresses are reached on ports 80 and 443 only.
//   - No proxy from the environment: a proxy would dial for us, past the check.
//   - At most MaxRedirects redirects, to http or https only.
//   - One total timeout covers connecting, redirects and reading the body,
//     with shorter per-phase timeouts inside it.
//   - The body is capped at MaxBytes after decompression; a gzip bomb stops at
//     the cap.
//   - The content type must fit the Kind asked for; HTML is converted to UTF-8.
//   - We say who we are: User-Agent "Parallax/<version> (+repository URL)".
//
// Options.AllowPrivate and Options.Allow lift the address and port rules for
// trusted deployments, internal mirrors and tests.
//
// Errors match one of the package's sentinels with errors.Is (or are a
// *StatusError). Their messages are meant for end users: they name the host
// of the URL and never the address it resolved to; slog adds the underlying
// cause when it logs one.
package fetch

import (
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Defaults for zero Options fields.
const (
	// defaultTimeout bounds a whole fetch. A news page or feed from a healthy
	// site arrives in well under a few seconds; 15s tolerates slow sites while
	// keeping a reader's lookup from hanging.
	defaultTimeout = 15 * time.Second
	// defaultMaxBytes caps the decoded body. Measured on the 121 news pages
	// of the Zyte article-extraction benchmark (../shared/data): median 117
	// KB, 90th percentile 386 KB, largest 1.49 MB of HTML. 5 MiB is over
	// three times the largest and also fits big feeds.
	defaultMaxBytes = 5 << 20
	// defaultMaxRedirects matches what real article links need (tracking
	// redirector -> http -> https -> canonical); browsers allow 20, but a
	// longer chain is more likely a loop than an article.
	defaultMaxRedirects = 5
	// defaultVersion goes into the User-Agent when Options.Version is empty.
	defaultVersion = "dev"
)

// Per-phase limits inside the total timeout; each also bounds the work a
// hostile or broken server can make us do.
const (
	// dialTimeout: a TCP handshake takes one round trip; 5s also covers two
	// lost SYNs (initial RTO 1s, then 2s: RFC 6298 §2).
	dialTimeout = 5 * time.Second
	// tlsHandshakeTimeout: two round trips in TLS 1.3 (RFC 8446), three in 1.2.
	tlsHandshakeTimeout = 5 * time.Second
	// responseHeaderTimeout: time for the server to start answering after the
	// request is sent; dynamic pages may render slowly, but not for 10s.
	responseHeaderTimeout = 10 * time.Second
	// maxResponseHeaderBytes: Chromium refuses response headers over 256 KiB
	// (net/http/http_stream_parser.cc); net/http's default is 1 MiB.
	maxResponseHeaderBytes = 256 << 10
	// maxIdleConns, maxIdleConnsPerHost, idleConnTimeout bound the sockets
	// kept open between fetches; feeds are polled per site, so a few per host
	// is enough to reuse connections within a poll round.
	maxIdleConns        = 64
	maxIdleConnsPerHost = 2
	idleConnTimeout     = 30 * time.Second
	// maxConnsPerHost keeps us polite: browsers open at most 6 connections
	// per host over HTTP/1.1; we need fewer.
	maxConnsPerHost = 4
)

// MaxURLLength is the longest URL the client requests. RFC 9110 §4.1 recommends
// supporting URLs of 8000 octets; longer ones are not article links. It equals
// canon.MaxLength: lookup fetches canonical URLs, so every URL canon accepts must
// be fetchable.
const MaxURLLength = 8 << 10

// userAgentURL identifies the project to site operators (RFC 9110 §10.1.5:
// a User-Agent should not be spoofed and may carry a contact URL).
const userAgentURL = "https://github.com/parallax-news/parallax"

// Options configure a Client. Zero values mean the defaults.
type Options struct {
	Timeout      time.Duration  // total time for one fetch incl. redirects and body; default 15s
	AllowPrivate bool           // allow every address and port (tests, trusted deployments); default false
	Allow        []netip.Prefix // extra prefixes allowed, on any port, even though private (internal mirrors; tests)
	MaxBytes     int64          // cap on the DECOMPRESSED body; default 5 MiB
	MaxRedirects int            // default 5
	Version      string         // goes into User-Agent: "Parallax/<version> (+https://github.com/parallax-news/parallax)"
}

// Request is one fetch.
type Request struct {
	URL          string
	Kind         Kind
	ETag         string // conditional GET (If-None-Match), from a previous Response
	LastModified string // conditional GET (If-Modified-Since), from a previous Response
}

// Response is a successful fetch.
type Response struct {
	URL         string // final URL after redirects
	StatusCode  int
	ContentType string // media type without parameters, lowercase; sniffed when the header was missing
	// Body is the decoded (decompressed) body. HTML is always converted to
	// UTF-8. A feed is converted to UTF-8, with its XML declaration rewritten
	// to say so, when a byte order mark, the header or the declaration names
	// its encoding, and is left as received otherwise (see feedToUTF8).
	Body               []byte
	ETag, LastModified string // validators for the next conditional request
	NotModified        bool   // 304 answered a conditional request; Body empty
}

// Client fetches pages and feeds. It is safe for concurrent use and reuses
// connections; create one per process.
type Client struct {
	http         *http.Client
	transport    *http.Transport
	guard        *guard
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
	userAgent    string
	now          func() time.Time
}

// New returns a Client configured by opts; zero (or negative) fields take the defaults.
func New(opts Options) *Client { return newClient(opts, nil) }

// newClient is New with the resolver used to look up hosts, so tests can
// make a name resolve to any address. nil means the system's.
func newClient(opts Options, resolver *net.Resolver) *Client {
	c := &Client{
		timeout:      opts.Timeout,
		maxBytes:     opts.MaxBytes,
		maxRedirects: opts.MaxRedirects,
		userAgent:    userAgent(opts.Version),
		now:          time.Now,
		guard:        &guard{allowPrivate: opts.AllowPrivate},
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.maxBytes <= 0 {
		c.maxBytes = defaultMaxBytes
	}
	if c.maxRedirects <= 0 {
		c.maxRedirects = defaultMaxRedirects
	}
	for _, p := range opts.Allow {
		if p.IsValid() {
			c.guard.allow = append(c.guard.allow, p.Masked())
		}
	}
	dialer := &net.Dialer{
		Timeout:  dialTimeout,
		Resolver: resolver,
		Control:  c.guard.control,
	}
	c.transport = &http.Transport{
		Proxy:                  nil, // never from the environment: a proxy would connect for us, past guard.control
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true, // a custom DialContext turns HTTP/2 off unless asked for
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		MaxConnsPerHost:        maxConnsPerHost,
		IdleConnTimeout:        idleConnTimeout,
		DisableCompression:     true, // we decode ourselves, after the size cap (body.go)
	}
	c.http = &http.Client{
		Transport:     c.transport,
		CheckRedirect: c.checkRedirect,
		// No Jar: cookies would let one reader's fetch influence another's.
	}
	return c
}

// userAgent builds the User-Agent, falling back to defaultVersion when version
// is empty or not an RFC 9110 token (it would make every request invalid).
func userAgent(version string) string {
	if version == "" || strings.IndexFunc(version, func(r rune) bool { return !httpguts.IsTokenRune(r) }) >= 0 {
		version = defaultVersion
	}
	return "Parallax/" + version + " (+" + userAgentURL + ")"
}

// Page fetches a web page: Do with Kind HTML.
func (c *Client) Page(ctx context.Context, url string) (*Response, error) {
	return c.Do(ctx, Request{URL: url, Kind: HTML})
}

// Do fetches req.URL, following redirects, and returns the decoded body. See
// the package documentation for the rules it enforces and the errors it returns.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	accept := req.Kind.accept()
	if accept == "" {
		return nil, fmt.Errorf("fetch: unknown kind %d", int(req.Kind))
	}
	u, err := c.checkURL(req.URL, ErrInvalidURL)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()

	ownLimit := c.timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < c.timeout {
		ownLimit = 0 // the caller's deadline comes first; don't quote ours
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &fetchError{kind: ErrInvalidURL, host: host, msg: "not a valid URL", cause: err}
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept", accept)
	hreq.Header.Set("Accept-Encoding", acceptEncoding)
	// Validators come from earlier answers; an invalid one would fail the
	// whole request, and dropping it only costs a full download.
	conditional := false
	if req.ETag != "" && httpguts.ValidHeaderFieldValue(req.ETag) {
		hreq.Header.Set("If-None-Match", req.ETag)
		conditional = true
	}
	if req.LastModified != "" && httpguts.ValidHeaderFieldValue(req.LastModified) {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
		conditional = true
	}

	resp, err := c.http.Do(hreq)
	if err != nil {
		// On a CheckRedirect error resp is non-nil but its body is closed.
		return nil, classify(ctx, err, host, ownLimit)
	}
	defer resp.Body.Close()
	host = resp.Request.URL.Hostname()

	out := &Response{
		URL:          resp.Request.URL.String(),
		StatusCode:   resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		// RFC 9110 §15.4.5: a 304 carries the validators a 200 would; keep
		// the caller's if the server left them out.
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("fetch: %s: %w", host, newStatusError(resp, c.now()))
	}

	out.ContentType, out.Body, err = c.readContent(ctx, resp, req.Kind, ownLimit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readContent checks the content type, reads the capped, decoded body and
// converts it to UTF-8. It refuses on the headers (type, Content-Length)
// before downloading anything when it can.
func (c *Client) readContent(ctx context.Context, resp *http.Response, kind Kind, ownLimit time.Duration) (string, []byte, error) {
	host := resp.Request.URL.Hostname()
	header := resp.Header.Get("Content-Type")
	var mediaType string
	if header != "" {
		var err error
		mediaType, _, err = mime.ParseMediaType(header)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return "", nil, &fetchError{kind: ErrContentType, host: host, msg: "malformed content type, not a " + kind.String(), cause: err}
		}
		if !kind.accepts(mediaType) {
			return "", nil, &fetchError{kind: ErrContentType, host: host, msg: "content type " + strconv.Quote(mediaType) + " is not a " + kind.String()}
		}
	}
	encoding := resp.Header.Get("Content-Encoding")
	wireLimit := c.maxBytes
	if !identityEncoding(encoding) {
		wireLimit = wireCap(c.maxBytes)
	}
	if resp.ContentLength > wireLimit {
		return "", nil, c.tooLarge(host)
	}

	body, err := readBody(resp.Body, encoding, c.maxBytes, resp.ContentLength)
	switch {
	case errors.Is(err, errOverCap):
		return "", nil, c.tooLarge(host)
	case errors.Is(err, errUnsupportedEncoding):
		return "", nil, &fetchError{kind: ErrContentType, host: host, msg: "unsupported content encoding " + strconv.Quote(encoding)}
	case err != nil && corrupt(err):
		return "", nil, &fetchError{kind: ErrUnreachable, host: host, msg: "answer is corrupt (bad compression)", cause: err}
	case err != nil:
		return "", nil, classify(ctx, err, host, ownLimit)
	}

	if header == "" {
		mediaType = sniff(body, kind)
		if !kind.accepts(mediaType) {
			return "", nil, &fetchError{kind: ErrContentType, host: host, msg: "content looks like " + strconv.Quote(mediaType) + ", not a " + kind.String()}
		}
	}
	if kind == HTML {
		body, err = htmlToUTF8(body, header)
	} else {
		body, err = feedToUTF8(body, header)
	}
	if err != nil {
		return "", nil, &fetchError{kind: ErrContentType, host: host, msg: "cannot decode the character encoding", cause: err}
	}
	return mediaType, body, nil
}

func (c *Client) tooLarge(host string) error {
	return &fetchError{kind: ErrTooLarge, host: host, msg: "answer is larger than the " + formatBytes(c.maxBytes) + " limit", limit: c.maxBytes}
}

// corrupt reports whether a body read failed on the compressed data itself,
// rather than on the connection or the clock.
func corrupt(err error) bool {
	var flateErr flate.CorruptInputError
	return errors.As(err, &flateErr) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, zlib.ErrHeader) || errors.Is(err, zlib.ErrChecksum) || errors.Is(err, zlib.ErrDictionary)
}

// formatBytes writes a size the way users read it.
func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + "-byte"
}

// checkRedirect is http.Client.CheckRedirect: it counts hops and checks each
// target like the first URL. A bad target is the site's fault, not the
// reader's, so it is ErrUnreachable (502), not ErrInvalidURL (400).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.maxRedirects {
		return &fetchError{kind: ErrTooManyRedirects, host: via[0].URL.Hostname(),
			msg: "more than " + strconv.Itoa(c.maxRedirects) + " redirects"}
	}
	if _, err := c.checkURL(req.URL.String(), ErrUnreachable); err != nil {
		return err
	}
	// Don't tell the next site which page the reader was reading.
	req.Header.Del("Referer")
	return nil
}

// checkURL parses and vets a URL before any network access. Malformed URLs
// fail with invalid (ErrInvalidURL for the reader's URL, ErrUnreachable for a
// redirect target); IP literals and ports are checked by the guard now, for a
// clear early error, and again at dial time.
func (c *Client) checkURL(raw string, invalid error) (*url.URL, error) {
	bad := func(host, msg string, cause error) error {
		if invalid == ErrUnreachable {
			msg = "redirected to an unusable URL: " + msg
		}
		return &fetchError{kind: invalid, host: host, msg: msg, cause: cause}
	}
	if len(raw) > MaxURLLength {
		return nil, bad("", "URL is longer than "+strconv.Itoa(MaxURLLength)+" characters", nil)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("", "not a valid URL", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("", "only http and https URLs can be fetched", nil)
	}
	host := u.Hostname()
	switch {
	case u.Opaque != "" || host == "":
		return nil, bad("", "URL has no host", nil)
	case u.User != nil:
		return nil, bad(host, "URLs with a user name or password are not fetched", nil)
	}
	port := portHTTP
	if u.Scheme == "https" {
		port = portHTTPS
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, bad(host, "invalid port", err)
		}
		port = n
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return nil, bad(host, "IPv6 zones are not allowed", nil)
		}
		if err := c.guard.check(netip.AddrPortFrom(addr, uint16(port)), host); err != nil {
			return nil, err
		}
	} else {
		if numericHost(host) {
			return nil, bad(host, "numeric host is not a valid IP address", nil)
		}
		if c.guard.portsRestricted() && port != portHTTP && port != portHTTPS {
			return nil, &fetchError{kind: ErrBlockedAddress, host: host, msg: portMessage(port)}
		}
	}
	u.Fragment, u.RawFragment = "", "" // never sent; keeps Response.URL clean
	return u, nil
}
