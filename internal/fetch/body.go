package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"
)

// acceptEncoding is what we advertise. We decode ourselves rather than let
// http.Transport do it so that the size cap applies to the decoded bytes and
// deflate is handled too. Brotli and zstd would need modules outside the
// standard library; no news site we know of requires them.
const acceptEncoding = "gzip, deflate"

// errOverCap is returned by capReader when its source has more than the cap.
var errOverCap = errors.New("fetch: over size cap")

// capReader reads at most limit+1 bytes from r; once it has seen the byte that
// proves r holds more than limit, it fails with errOverCap. Unlike
// io.LimitReader it tells "exactly limit" from "more than limit" without reading
// further.
type capReader struct {
	r    io.Reader
	left int64 // limit+1 minus what was read
}

func newCapReader(r io.Reader, limit int64) *capReader { return &capReader{r: r, left: limit + 1} }

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errOverCap
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return n, errOverCap
	}
	return n, err
}

// wireCap is how many compressed bytes we accept for a body capped at limit
// decoded bytes. Compression can expand incompressible data a little: deflate
// stored blocks add 5 bytes per 65,535 (RFC 1951 §3.2.4) and gzip 18 bytes of
// header and trailer (RFC 1952 §2.3), both well under 1/1024 plus 1 KiB.
// Without this cap a stream of empty deflate blocks could keep us reading
// forever while decoding nothing.
func wireCap(limit int64) int64 { return limit + limit/1024 + 1024 }

// identityEncoding reports whether a Content-Encoding value leaves the body as
// it is: none, or "identity" (RFC 9110 §8.4.1, §12.5.3).
func identityEncoding(contentEncoding string) bool {
	enc := strings.TrimSpace(contentEncoding)
	return enc == "" || strings.EqualFold(enc, "identity")
}

// errUnsupportedEncoding reports a Content-Encoding we did not offer.
var errUnsupportedEncoding = errors.New("fetch: unsupported content encoding")

// readBody reads body decoded per contentEncoding, failing with errOverCap as
// soon as the decoded bytes exceed limit (so a gzip bomb costs at most limit+1
// decoded bytes and wireCap(limit) compressed ones). sizeHint is the declared
// Content-Length, or -1.
func readBody(body io.Reader, contentEncoding string, limit, sizeHint int64) ([]byte, error) {
	var decoded io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(contentEncoding)); {
	case identityEncoding(enc):
		decoded = body
	case enc == "gzip", enc == "x-gzip": // x-gzip: RFC 9110 §8.4.1.3
		zr, err := gzip.NewReader(newCapReader(body, wireCap(limit)))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		decoded = zr
		sizeHint = -1
	case enc == "deflate":
		zr, err := newDeflateReader(newCapReader(body, wireCap(limit)))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		decoded = zr
		sizeHint = -1
	default:
		return nil, errUnsupportedEncoding
	}
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= limit {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(newCapReader(decoded, limit))
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newDeflateReader decodes "deflate", which RFC 9110 §8.4.1.2 defines as a
// zlib stream (RFC 1950) but which some servers send as raw deflate (RFC
// 1951), so the zlib header is checked first: CM=8 and a header checksum
// divisible by 31 (RFC 1950 §2.2).
func newDeflateReader(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err == nil && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return flate.NewReader(br), nil
}
