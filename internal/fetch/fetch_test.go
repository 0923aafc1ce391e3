package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// testAllow admits the httptest servers (they listen on 127.0.0.1) and
// nothing else: 127.0.0.2, ::1 and every other private address stay blocked.
var testAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// newTestClient returns a client allowed to reach 127.0.0.1 unless opts says
// otherwise.
func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	return newTestClientResolver(t, opts, nil)
}

func newTestClientResolver(t *testing.T, opts Options, r *net.Resolver) *Client {
	t.Helper()
	if opts.Allow == nil && !opts.AllowPrivate {
		opts.Allow = testAllow
	}
	c := newClient(opts, r)
	t.Cleanup(c.transport.CloseIdleConnections)
	return c
}

// newServer starts an httptest server that counts the requests it serves.
func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// servePage answers with body and the given Content-Type; nil means no
// Content-Type header at all (net/http would otherwise sniff one).
func servePage(contentType []string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Write(body)
	}
}

func html(s string) []string { return []string{s} }

var okPage = []byte("<!DOCTYPE html><html><head><title>Story</title></head><body><p>Text.</p></body></html>")

// checkErr asserts err matches want and reads like a user-facing message.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "fetch: ") {
		t.Errorf("message %q lacks the package prefix", msg)
	}
	for _, internal := range []string{"dial tcp", "read tcp", "Get \"", "x509:", "lookup "} {
		if strings.Contains(msg, internal) {
			t.Errorf("message %q leaks Go/network internals (%q)", msg, internal)
		}
	}
}

func TestBlockedByDefault(t *testing.T) {
	t.Parallel()
	srv, hits := newServer(t, servePage(html("text/html"), okPage))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := New(Options{})
	t.Cleanup(c.transport.CloseIdleConnections)
	tests := []struct {
		name string
		url  string
	}{
		{"loopback test server", srv.URL},
		{"loopback literal port 80", "http://127.0.0.1/"},
		{"localhost resolves to loopback (dial-time check)", "http://localhost/"},
		{"IPv6 loopback", "http://[::1]/"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/"},
		{"IPv4-mapped IPv6 loopback", fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port)},
		{"IPv4-mapped IPv6 metadata", "http://[::ffff:a9fe:a9fe]/"},
		{"NAT64 metadata", "http://[64:ff9b::a9fe:a9fe]/"},
		{"6to4 private", "http://[2002:a00:1::1]/"},
		{"unspecified", "http://0.0.0.0/"},
		{"RFC 1918", "https://10.0.0.1/"},
		{"ULA", "http://[fd00::1]/"},
		{"CGNAT", "http://100.64.0.1/"},
		{"broadcast", "http://255.255.255.255/"},
		{"public address, other port", "http://93.184.216.34:8080/"},
		{"public name, redis port", "http://example.com:6379/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Page(context.Background(), tt.url)
			checkErr(t, err, ErrBlockedAddress)
		})
	}
	t.Cleanup(func() {
		if n := hits.Load(); n != 0 {
			t.Errorf("blocked fetches reached the server %d times", n)
		}
	})
}

func TestAllowPrefix(t *testing.T) {
	t.Parallel()
	// A second server on 127.0.0.2: loopback, but outside the Allow prefix.
	var innerHits atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2 (Linux routes all of 127/8 to lo): %v", err)
	}
	inner := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		innerHits.Add(1)
		servePage(html("text/html"), okPage)(w, r)
	}))
	inner.Listener.Close()
	inner.Listener = ln
	inner.Start()
	t.Cleanup(inner.Close)
	innerPort := ln.Addr().(*net.TCPAddr).Port

	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if loc := r.URL.Query().Get("to"); loc != "" {
			http.Redirect(w, r, loc, http.StatusFound)
			return
		}
		servePage(html("text/html"), okPage)(w, r)
	})
	redirect := func(to string) string { return srv.URL + "/?to=" + to }
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	c := newTestClient(t, Options{})
	tests := []struct {
		name    string
		url     string
		wantErr error
	}{
		{"allowed prefix, any port", srv.URL, nil},
		{"localhost resolves into the allowed prefix", fmt.Sprintf("http://localhost:%d/", port), nil},
		{"redirect within the allowed prefix", redirect(srv.URL + "/final"), nil},
		{"redirect to 127.0.0.2", redirect(inner.URL), ErrBlockedAddress},
		{"redirect to mapped 127.0.0.2", redirect(fmt.Sprintf("http://[::ffff:127.0.0.2]:%d/", innerPort)), ErrBlockedAddress},
		{"redirect to 10.0.0.1", redirect("http://10.0.0.1/"), ErrBlockedAddress},
		{"redirect to metadata", redirect("http://169.254.169.254/latest/meta-data/"), ErrBlockedAddress},
		{"direct 127.0.0.2", inner.URL, ErrBlockedAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := c.Page(context.Background(), tt.url)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Page: %v", err)
			}
			if !bytes.Equal(resp.Body, okPage) {
				t.Errorf("Body = %q", resp.Body)
			}
		})
	}
	t.Run("AllowPrivate follows the same redirect", func(t *testing.T) {
		t.Parallel()
		open := newTestClient(t, Options{AllowPrivate: true})
		if _, err := open.Page(context.Background(), redirect(inner.URL)); err != nil {
			t.Fatalf("with AllowPrivate: %v", err)
		}
	})
	t.Cleanup(func() {
		// Only the AllowPrivate fetch may have reached 127.0.0.2.
		if n := innerHits.Load(); n != 1 {
			t.Errorf("127.0.0.2 served %d requests, want 1 (the AllowPrivate one)", n)
		}
	})
}

func TestNameResolvingToPrivateAddress(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, servePage(html("text/html"), okPage))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	answers := map[string]string{
		"ok.test":       "127.0.0.1",
		"intranet.test": "10.0.0.1",
		"metadata.test": "169.254.169.254",
		"loop.test":     "127.0.0.2",
		"public.test":   "93.184.216.34",
	}
	resolver := fakeResolver(t, func(name string) (netip.Addr, bool) {
		a, ok := answers[name]
		if !ok {
			return netip.Addr{}, false
		}
		return netip.MustParseAddr(a), true
	})
	c := newTestClientResolver(t, Options{}, resolver)
	tests := []struct {
		name    string
		url     string
		wantErr error
	}{
		{"name in the allowed prefix", fmt.Sprintf("http://ok.test:%d/", port), nil},
		{"name resolving to RFC 1918", "http://intranet.test/", ErrBlockedAddress},
		{"name resolving to metadata", "http://metadata.test/latest/meta-data/", ErrBlockedAddress},
		{"name resolving to other loopback", fmt.Sprintf("http://loop.test:%d/", port), ErrBlockedAddress},
		// Refused in Control before connect(2), so no packet leaves the machine.
		{"public name on a non-web port", "http://public.test:8080/", ErrBlockedAddress},
		{"unknown name", "http://nxdomain.test/", ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Page(context.Background(), tt.url)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Page: %v", err)
				}
				return
			}
			checkErr(t, err, tt.wantErr)
			for _, a := range answers {
				if strings.Contains(err.Error(), a) {
					t.Errorf("message %q reveals the resolved address %s", err, a)
				}
			}
			host := strings.Split(strings.TrimPrefix(tt.url, "http://"), "/")[0]
			host, _, _ = strings.Cut(host, ":")
			if !strings.Contains(err.Error(), host) {
				t.Errorf("message %q does not name the host %s", err, host)
			}
		})
	}
}

// TestDNSRebinding: the name first resolves to the allowed server, which
// redirects to the same name on a fresh connection; the second lookup answers
// a private address and the dial-time check refuses it.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	var lookups atomic.Int64
	resolver := fakeResolver(t, func(name string) (netip.Addr, bool) {
		if name != "rebind.test" {
			return netip.Addr{}, false
		}
		if lookups.Add(1) == 1 {
			return netip.MustParseAddr("127.0.0.1"), true
		}
		return netip.MustParseAddr("10.0.0.1"), true
	})
	srv, hits := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // force a new dial, hence a new lookup
		http.Redirect(w, r, "/next", http.StatusFound)
	})
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := newTestClientResolver(t, Options{}, resolver)
	_, err := c.Page(context.Background(), fmt.Sprintf("http://rebind.test:%d/start", port))
	checkErr(t, err, ErrBlockedAddress)
	if hits.Load() != 1 || lookups.Load() < 2 {
		t.Errorf("hits = %d, lookups = %d; want the first hop served and a second lookup", hits.Load(), lookups.Load())
	}
}

func TestRedirectLimit(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Referer") != "" {
			http.Error(w, "referer leaked", http.StatusBadRequest)
			return
		}
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if n > 0 {
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusMovedPermanently)
			return
		}
		servePage(html("text/html"), okPage)(w, r)
	})
	tests := []struct {
		name         string
		maxRedirects int
		hops         int
		wantErr      error
	}{
		{"no redirect", 0, 0, nil},
		{"default allows 5", 0, 5, nil},
		{"default refuses 6", 0, 6, ErrTooManyRedirects},
		{"custom 1 allows 1", 1, 1, nil},
		{"custom 1 refuses 2", 1, 2, ErrTooManyRedirects},
		{"endless chain", 0, 1000, ErrTooManyRedirects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Options{MaxRedirects: tt.maxRedirects})
			resp, err := c.Page(context.Background(), srv.URL+"/hop/"+strconv.Itoa(tt.hops))
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Page: %v", err)
			}
			if want := srv.URL + "/hop/0"; resp.URL != want {
				t.Errorf("URL = %q, want the final URL %q", resp.URL, want)
			}
		})
	}
}

func TestRedirectToOtherSchemes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	})
	c := newTestClient(t, Options{})
	for _, to := range []string{
		"ftp://example.com/file",
		"file:///etc/passwd",
		"javascript:alert(1)",
		"gopher://127.0.0.1:70/_INFO",
		"data:text/html,<p>hi",
		"http://user:secret@" + strings.TrimPrefix(srv.URL, "http://") + "/",
	} {
		t.Run(to, func(t *testing.T) {
			t.Parallel()
			_, err := c.Page(context.Background(), srv.URL+"/?to="+urlQueryEscape(to))
			// The site's fault, not the reader's: ErrUnreachable (502), not ErrInvalidURL (400).
			checkErr(t, err, ErrUnreachable)
			if errors.Is(err, ErrInvalidURL) {
				t.Errorf("err = %v also matches ErrInvalidURL", err)
			}
		})
	}
}

func urlQueryEscape(s string) string {
	var b strings.Builder
	for _, r := range []byte(s) {
		if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			b.WriteByte(r)
		} else {
			fmt.Fprintf(&b, "%%%02X", r)
		}
	}
	return b.String()
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	const limit = 200 * time.Millisecond
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-headers":
			<-r.Context().Done() // never answers; returns when the client hangs up
		case "/drip":
			w.Header().Set("Content-Type", "text/html")
			for {
				if _, err := w.Write([]byte("<p>")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	})
	tests := []struct {
		name    string
		path    string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		quoted  bool // whether the message quotes the client's limit
	}{
		{"slow headers", "/slow-headers", limit, nil, true},
		{"slow body drip", "/drip", limit, nil, true},
		{"caller deadline first", "/drip", 0, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), limit)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Options{Timeout: tt.timeout})
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := c.Page(ctx, srv.URL+tt.path)
			checkErr(t, err, ErrTimeout)
			// The server stalls for ever: the message says which limit ended the
			// fetch, the client's own (quoted) or the caller's deadline (no
			// limit quoted, so not the 15 s default either).
			if got := strings.Contains(err.Error(), limit.String()); got != tt.quoted {
				t.Errorf("message %q quotes the limit: %v, want %v", err, got, tt.quoted)
			}
			if !tt.quoted && strings.Contains(err.Error(), "(limit ") {
				t.Errorf("message %q: the client's own limit ended the fetch, not the caller's deadline", err)
			}
		})
	}
	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := c.Page(ctx, srv.URL+"/slow-headers")
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnreachable) {
			t.Fatalf("err = %v, want context.Canceled only", err)
		}
	})
}

func TestSizeCaps(t *testing.T) {
	t.Parallel()
	const limit = 4096
	filler := func(n int) []byte {
		return append([]byte("<html><p>"), bytes.Repeat([]byte("x"), max(n-len("<html><p>"), 0))...)
	}
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Type", "text/html")
		body := filler(n)
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(body)
		case "/chunked":
			for len(body) > 0 { // flushing before the end forces chunked encoding
				k := min(len(body), 512)
				w.Write(body[:k])
				w.(http.Flusher).Flush()
				body = body[k:]
			}
		case "/lying-length":
			// Declares 1 GiB, sends a little, then stalls: only an
			// up-front Content-Length check answers quickly.
			w.Header().Set("Content-Length", strconv.Itoa(1<<30))
			w.Write(body)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/gzip-length":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.FormatInt(wireCap(limit)+1, 10))
			w.Write(make([]byte, wireCap(limit)+1))
		}
	})
	tests := []struct {
		name    string
		path    string
		n       int
		wantErr error
	}{
		{"Content-Length at cap", "/length", limit, nil},
		{"Content-Length over cap", "/length", limit + 1, ErrTooLarge},
		{"chunked at cap", "/chunked", limit, nil},
		{"chunked over cap", "/chunked", limit + 1, ErrTooLarge},
		{"chunked far over cap", "/chunked", 100 * limit, ErrTooLarge},
		{"declared length over cap refused before reading", "/lying-length", 100, ErrTooLarge},
		{"compressed length over wire cap", "/gzip-length", 0, ErrTooLarge},
	}
	c := newTestClient(t, Options{MaxBytes: limit, Timeout: 5 * time.Second})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A cap that waited for the body would meet the stalling handlers'
			// timeout instead, so the error kind tells it answered first.
			resp, err := c.Page(context.Background(), srv.URL+tt.path+"?n="+strconv.Itoa(tt.n))
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				if !strings.Contains(err.Error(), "4 KiB") {
					t.Errorf("message %q does not state the limit", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Page: %v", err)
			}
			if len(resp.Body) != tt.n {
				t.Errorf("len(Body) = %d, want %d", len(resp.Body), tt.n)
			}
		})
	}
}

// TestGzipBomb serves 1 GiB of zeros as ~1 MiB of gzip (see bombReader).
func TestGzipBomb(t *testing.T) {
	t.Parallel()
	member := gzipMember(t, bombMember)
	var sent atomic.Int64
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		for range bombMembers {
			n, err := w.Write(member)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c := newTestClient(t, Options{})
	_, err := c.Page(context.Background(), srv.URL)
	checkErr(t, err, ErrTooLarge)
	// The decoding bound itself (compressed bytes read, memory) is measured
	// in TestReadBodyGzipBomb, away from the socket buffers.
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	rssBody := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title></channel></rss>`)
	tests := []struct {
		name        string
		kind        Kind
		contentType []string // nil: header absent
		body        []byte
		wantType    string
		wantErr     error
	}{
		{"html", HTML, html("text/html; charset=utf-8"), okPage, "text/html", nil},
		{"html uppercase", HTML, html("Text/HTML"), okPage, "text/html", nil},
		{"xhtml", HTML, html("application/xhtml+xml"), okPage, "application/xhtml+xml", nil},
		{"pdf", HTML, html("application/pdf"), []byte("%PDF-1.7"), "", ErrContentType},
		{"png", HTML, html("image/png"), png, "", ErrContentType},
		{"json is not a page", HTML, html("application/json"), []byte("{}"), "", ErrContentType},
		{"rss is not a page", HTML, html("application/rss+xml"), rssBody, "", ErrContentType},
		{"malformed header", HTML, html("text/html/x"), okPage, "", ErrContentType},
		{"missing, sniffed html", HTML, nil, okPage, "text/html", nil},
		{"missing, sniffed png", HTML, nil, png, "", ErrContentType},
		{"feed rss", Feed, html("application/rss+xml"), rssBody, "application/rss+xml", nil},
		{"feed atom", Feed, html("application/atom+xml; charset=utf-8"), []byte(`<feed xmlns="http://www.w3.org/2005/Atom"/>`), "application/atom+xml", nil},
		{"feed text/xml", Feed, html("text/xml"), rssBody, "text/xml", nil},
		{"feed application/xml", Feed, html("application/xml"), rssBody, "application/xml", nil},
		{"feed rdf", Feed, html("application/rdf+xml"), rssBody, "application/rdf+xml", nil},
		{"json feed", Feed, html("application/feed+json"), []byte(`{"version":"https://jsonfeed.org/version/1.1"}`), "application/feed+json", nil},
		{"json", Feed, html("application/json"), []byte(`{}`), "application/json", nil},
		{"html is not a feed", Feed, html("text/html"), okPage, "", ErrContentType},
		{"missing, sniffed xml feed", Feed, nil, rssBody, "text/xml", nil},
		{"missing, sniffed bare rss", Feed, nil, []byte(`<rss version="2.0"></rss>`), "application/xml", nil},
		{"missing, sniffed html is not a feed", Feed, nil, okPage, "", ErrContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, servePage(tt.contentType, tt.body))
			c := newTestClient(t, Options{})
			resp, err := c.Do(context.Background(), Request{URL: srv.URL, Kind: tt.kind})
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", resp.ContentType, tt.wantType)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	t.Parallel()
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		want        string
	}{
		{"windows-1252 header", "text/html; charset=windows-1252", "", []byte("<p>Caf\xe9 \x80 5</p>"), "<p>Café € 5</p>"},
		{"shift_jis header", "text/html; charset=shift_jis", "", shiftJIS(t, "<p>首相が会見</p>"), "<p>首相が会見</p>"},
		{"meta charset only", "text/html", "", []byte("<meta charset=\"windows-1252\"><p>na\xefve</p>"), "<meta charset=\"windows-1252\"><p>naïve</p>"},
		{"meta shift_jis only", "text/html", "", append([]byte(`<meta charset="Shift_JIS"><p>`), shiftJIS(t, "大阪</p>")...), `<meta charset="Shift_JIS"><p>大阪</p>`},
		{"gzip then shift_jis", "text/html; charset=shift_jis", "gzip", gz(shiftJIS(t, "<p>京都</p>")), "<p>京都</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Write(tt.body)
			})
			resp, err := newTestClient(t, Options{}).Page(context.Background(), srv.URL)
			if err != nil {
				t.Fatalf("Page: %v", err)
			}
			if string(resp.Body) != tt.want || !utf8.Valid(resp.Body) {
				t.Errorf("Body = %q, want %q", resp.Body, tt.want)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		code       int
		retryAfter func() string
		wantMin    time.Duration
		wantMax    time.Duration
	}{
		{"404", http.StatusNotFound, nil, 0, 0},
		{"500", http.StatusInternalServerError, nil, 0, 0},
		{"403", http.StatusForbidden, nil, 0, 0},
		{"429 seconds", http.StatusTooManyRequests, func() string { return "120" }, 2 * time.Minute, 2 * time.Minute},
		{"503 seconds", http.StatusServiceUnavailable, func() string { return "7" }, 7 * time.Second, 7 * time.Second},
		{"429 HTTP-date", http.StatusTooManyRequests, func() string {
			return time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
		}, 85 * time.Second, 90 * time.Second},
		{"503 HTTP-date", http.StatusServiceUnavailable, func() string {
			return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
		}, time.Hour - 5*time.Second, time.Hour},
		{"429 without Retry-After", http.StatusTooManyRequests, nil, 0, 0},
		{"429 garbage Retry-After", http.StatusTooManyRequests, func() string { return "later" }, 0, 0},
		{"429 huge Retry-After capped", http.StatusTooManyRequests, func() string { return "31536000" }, maxRetryAfter, maxRetryAfter},
		{"404 ignores Retry-After", http.StatusNotFound, func() string { return "60" }, 0, 0},
		{"3xx without Location", http.StatusMultipleChoices, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != nil {
					w.Header().Set("Retry-After", tt.retryAfter())
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.code)
				w.Write([]byte("<p>error page</p>"))
			})
			_, err := newTestClient(t, Options{}).Page(context.Background(), srv.URL)
			checkErr(t, err, ErrStatus)
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *StatusError", err)
			}
			if se.Code != tt.code {
				t.Errorf("Code = %d, want %d", se.Code, tt.code)
			}
			if se.RetryAfter < tt.wantMin || se.RetryAfter > tt.wantMax {
				t.Errorf("RetryAfter = %v, want in [%v, %v]", se.RetryAfter, tt.wantMin, tt.wantMax)
			}
			if !strings.Contains(err.Error(), "127.0.0.1") || !strings.Contains(err.Error(), strconv.Itoa(tt.code)) {
				t.Errorf("message %q should name the host and the status", err)
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	t.Parallel()
	const etag = `"v1"`
	const lastModified = "Tue, 03 Mar 2026 10:00:00 GMT"
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/always-304":
			w.WriteHeader(http.StatusNotModified)
		case r.Header.Get("If-None-Match") == etag:
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
		case r.Header.Get("If-Modified-Since") == lastModified:
			w.WriteHeader(http.StatusNotModified) // validators left out: the caller's are kept
		default:
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", lastModified)
			w.Write([]byte(`<rss version="2.0"/>`))
		}
	})
	c := newTestClient(t, Options{})
	ctx := context.Background()

	first, err := c.Do(ctx, Request{URL: srv.URL, Kind: Feed})
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if first.NotModified || first.ETag != etag || first.LastModified != lastModified || len(first.Body) == 0 {
		t.Fatalf("first fetch = %+v, want a full answer with validators", first)
	}

	tests := []struct {
		name string
		req  Request
	}{
		{"If-None-Match", Request{URL: srv.URL, Kind: Feed, ETag: first.ETag}},
		{"If-Modified-Since", Request{URL: srv.URL, Kind: Feed, LastModified: first.LastModified}},
		{"both", Request{URL: srv.URL, Kind: Feed, ETag: first.ETag, LastModified: first.LastModified}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := c.Do(ctx, tt.req)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if !resp.NotModified || resp.StatusCode != http.StatusNotModified || len(resp.Body) != 0 {
				t.Errorf("resp = %+v, want NotModified with an empty body", resp)
			}
			if resp.ETag != tt.req.ETag && resp.ETag != etag {
				t.Errorf("ETag = %q, want %q", resp.ETag, etag)
			}
			if tt.req.LastModified != "" && resp.LastModified != lastModified {
				t.Errorf("LastModified = %q, want %q", resp.LastModified, lastModified)
			}
		})
	}
	t.Run("304 to an unconditional request is an error", func(t *testing.T) {
		t.Parallel()
		_, err := c.Do(ctx, Request{URL: srv.URL + "/always-304", Kind: Feed})
		checkErr(t, err, ErrStatus)
	})
	t.Run("invalid validator dropped, not sent", func(t *testing.T) {
		t.Parallel()
		resp, err := c.Do(ctx, Request{URL: srv.URL, Kind: Feed, ETag: "\"v1\"\r\nX-Injected: 1"})
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		if resp.NotModified {
			t.Errorf("an invalid ETag was sent")
		}
	})
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]http.Header{}
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path] = r.Header.Clone()
		mu.Unlock()
		if r.URL.Path == "/feed" {
			w.Header().Set("Content-Type", "application/rss+xml")
		} else {
			w.Header().Set("Content-Type", "text/html")
		}
		w.Write([]byte("<rss/>"))
	})
	tests := []struct {
		name       string
		version    string
		kind       Kind
		path       string
		wantUA     string
		wantAccept string
	}{
		{"page", "1.2.3", HTML, "/page", "Parallax/1.2.3 (+https://github.com/parallax-news/parallax)", "text/html"},
		{"feed", "1.2.3", Feed, "/feed", "Parallax/1.2.3 (+https://github.com/parallax-news/parallax)", "application/rss+xml"},
		{"default version", "", HTML, "/default", "Parallax/dev (+https://github.com/parallax-news/parallax)", "text/html"},
		{"header-breaking version", "1.0\r\nX-Evil: 1", HTML, "/evil", "Parallax/dev (+https://github.com/parallax-news/parallax)", "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Options{Version: tt.version})
			if _, err := c.Do(context.Background(), Request{URL: srv.URL + tt.path, Kind: tt.kind}); err != nil {
				t.Fatalf("Do: %v", err)
			}
			mu.Lock()
			h := got[tt.path]
			mu.Unlock()
			if ua := h.Get("User-Agent"); ua != tt.wantUA {
				t.Errorf("User-Agent = %q, want %q", ua, tt.wantUA)
			}
			if a := h.Get("Accept"); !strings.HasPrefix(a, tt.wantAccept) {
				t.Errorf("Accept = %q, want it to start with %q", a, tt.wantAccept)
			}
			if tt.kind == Feed && strings.Contains(h.Get("Accept"), "text/html") {
				t.Errorf("feed Accept %q asks for HTML", h.Get("Accept"))
			}
			if ae := h.Get("Accept-Encoding"); ae != "gzip, deflate" {
				t.Errorf("Accept-Encoding = %q", ae)
			}
			for _, absent := range []string{"Accept-Language", "Cookie", "Referer", "If-None-Match", "If-Modified-Since", "X-Evil"} {
				if v := h.Get(absent); v != "" {
					t.Errorf("%s = %q, want absent", absent, v)
				}
			}
		})
	}
}

func TestFeeds(t *testing.T) {
	t.Parallel()
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>Le Monde \xe0 la une</title></channel></rss>")
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latin1.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(latin1)
		case "/html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(okPage)
		}
	})
	c := newTestClient(t, Options{})

	resp, err := c.Do(context.Background(), Request{URL: srv.URL + "/latin1.xml", Kind: Feed})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if !utf8.Valid(resp.Body) || !bytes.Contains(resp.Body, []byte(`encoding="UTF-8"`)) {
		t.Fatalf("Body = %q, want UTF-8 with a UTF-8 declaration", resp.Body)
	}
	var doc rss
	if err := xml.Unmarshal(resp.Body, &doc); err != nil {
		t.Fatalf("encoding/xml: %v", err)
	}
	if doc.Title != "Le Monde à la une" {
		t.Errorf("title = %q", doc.Title)
	}

	_, err = c.Do(context.Background(), Request{URL: srv.URL + "/html", Kind: Feed})
	checkErr(t, err, ErrContentType)
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: bind, note, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()

	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(servePage(html("text/html"), okPage)))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	hangup, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	corrupt, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", r.URL.Query().Get("enc"))
		w.Write([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffnot really deflate data at all"))
	})

	tests := []struct {
		name    string
		url     string
		wantErr error
		wantMsg string
	}{
		{"connection refused", closed, ErrUnreachable, "connection refused"},
		{"untrusted TLS certificate", tlsSrv.URL, ErrUnreachable, "TLS certificate"},
		{"server hangs up", hangup.URL, ErrUnreachable, "closed unexpectedly"},
		{"corrupt gzip", corrupt.URL + "/?enc=gzip", ErrUnreachable, "corrupt"},
		{"encoding we did not offer", corrupt.URL + "/?enc=br", ErrContentType, "br"},
	}
	c := newTestClient(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Page(context.Background(), tt.url)
			checkErr(t, err, tt.wantErr)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestInvalidURL(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	tests := []struct {
		name string
		url  string
	}{
		{"empty", ""},
		{"relative", "/news/story"},
		{"no scheme", "example.com/story"},
		{"ftp", "ftp://example.com/file"},
		{"file", "file:///etc/passwd"},
		{"javascript", "javascript:alert(1)"},
		{"mailto", "mailto:news@example.com"},
		{"opaque http", "http:example.com"},
		{"no host", "http:///story"},
		{"userinfo", "https://user:pass@example.com/"},
		{"user only", "https://user@example.com/"},
		{"port zero", "http://example.com:0/"},
		{"port too big", "http://example.com:99999/"},
		{"unclosed IPv6", "http://[::1/"},
		{"IPv6 zone", "http://[fe80::1%25eth0]/"},
		{"decimal IPv4", "http://2130706433/"},
		{"hex IPv4", "http://0x7f000001/"},
		{"short IPv4", "http://127.1/"},
		{"control character", "http://example.com/\x00"},
		{"too long", "https://example.com/" + strings.Repeat("a", MaxURLLength)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Page(context.Background(), tt.url)
			checkErr(t, err, ErrInvalidURL)
		})
	}
}

// TestLongestURL: lookup fetches canonical URLs, which canon accepts up to
// canon.MaxLength bytes, so a URL of exactly that length must be fetched.
func TestLongestURL(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, servePage(html("text/html"), okPage))
	u := srv.URL + "/"
	u += strings.Repeat("a", MaxURLLength-len(u))
	if _, err := newTestClient(t, Options{}).Page(context.Background(), u); err != nil {
		t.Fatalf("Page(%d-byte URL): %v", len(u), err)
	}
}

func TestUnknownKind(t *testing.T) {
	t.Parallel()
	_, err := New(Options{}).Do(context.Background(), Request{URL: "https://example.com/", Kind: Kind(42)})
	if err == nil {
		t.Fatal("Do with an unknown Kind succeeded")
	}
}

// TestNoEnvironmentProxy: a proxy would open the connections itself, past
// the dial-time address check. http.ProxyFromEnvironment caches the
// environment once per process, so the transport is inspected directly.
func TestNoEnvironmentProxy(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	if c.transport.Proxy != nil {
		t.Fatal("Transport.Proxy is set; it must be nil")
	}
	if c.http.Jar != nil {
		t.Fatal("client has a cookie jar")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, hits := newServer(t, servePage(html("text/html"), okPage))
	c := newTestClient(t, Options{})
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			resp, err := c.Page(context.Background(), srv.URL)
			if err == nil && !bytes.Equal(resp.Body, okPage) {
				err = fmt.Errorf("body %q", resp.Body)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if hits.Load() != n {
		t.Errorf("server saw %d requests, want %d", hits.Load(), n)
	}
}
