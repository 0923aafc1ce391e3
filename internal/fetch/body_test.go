package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// gzipMember compresses n zero bytes into one gzip member.
func gzipMember(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombMembers is how many 1 MiB members make the 1 GiB gzip bomb. Gzip allows
// a file to be a series of members (RFC 1952 §2.2), which Go's reader
// decodes as one stream; repeating a ~1 KiB member builds the bomb in
// microseconds instead of compressing 1 GiB in every test run.
const (
	bombMember  = 1 << 20
	bombMembers = 1 << 10
)

// bombReader streams a gzip body that decodes to 1 GiB of zeros.
func bombReader(t testing.TB) io.Reader {
	member := gzipMember(t, bombMember)
	readers := make([]io.Reader, bombMembers)
	for i := range readers {
		readers[i] = bytes.NewReader(member)
	}
	return io.MultiReader(readers...)
}

// TestReadBodyGzipBomb is deliberately not parallel: it measures allocation,
// which other tests running at the same time would inflate.
func TestReadBodyGzipBomb(t *testing.T) {
	const limit = 5 << 20
	src := &countingReader{r: bombReader(t)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBody(src, "gzip", limit, -1)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errOverCap) {
		t.Fatalf("readBody(gzip bomb) = %v, want errOverCap", err)
	}
	// About 1 KiB of compressed input per decoded MiB: reading ~6 MiB of
	// zeros must consume a few KiB, not the whole 1 MiB bomb.
	if src.n > 64<<10 {
		t.Errorf("read %d compressed bytes, want < 64 KiB (decoding should stop at the cap)", src.n)
	}
	// Decoding 1 GiB into memory would allocate over a GiB; the cap keeps it
	// to the body buffer's doublings (16 MiB measured for a 5 MiB cap, twice
	// that under -race).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d bytes, want < 64 MiB", alloc)
	}
}

// emptyBlocks is an endless deflate stream of empty stored blocks (BFINAL=0,
// BTYPE=00, LEN=0, NLEN=0xffff: RFC 1951 §3.2.4): it decodes to nothing forever.
type emptyBlocks struct{ i int }

func (e *emptyBlocks) Read(p []byte) (int, error) {
	block := []byte{0x00, 0x00, 0x00, 0xff, 0xff}
	for n := range p {
		p[n] = block[e.i%len(block)]
		e.i++
	}
	return len(p), nil
}

func TestReadBodyEndlessEmptyBlocksStopsAtWireCap(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	header := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff} // RFC 1952 §2.3, no flags
	src := &countingReader{r: io.MultiReader(bytes.NewReader(header), &emptyBlocks{})}
	_, err := readBody(src, "gzip", limit, -1)
	if !errors.Is(err, errOverCap) {
		t.Fatalf("readBody = %v, want errOverCap", err)
	}
	if src.n > wireCap(limit)+1 {
		t.Errorf("read %d compressed bytes, want at most wireCap+1 = %d", src.n, wireCap(limit)+1)
	}
}

func TestReadBodyEncodings(t *testing.T) {
	t.Parallel()
	page := strings.Repeat("<p>Ein Bericht über die Wahl.</p>\n", 200)
	compress := func(newWriter func(io.Writer) io.WriteCloser) []byte {
		var buf bytes.Buffer
		w := newWriter(&buf)
		if _, err := io.WriteString(w, page); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	gz := compress(func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })
	zl := compress(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	raw := compress(func(w io.Writer) io.WriteCloser {
		fw, err := flate.NewWriter(w, flate.DefaultCompression)
		if err != nil {
			t.Fatal(err)
		}
		return fw
	})
	tests := []struct {
		name     string
		encoding string
		body     []byte
		max      int64
		want     string
		wantErr  error
	}{
		{"identity", "", []byte(page), 1 << 20, page, nil},
		{"identity explicit", "identity", []byte(page), 1 << 20, page, nil},
		{"identity any case and spacing", " Identity ", []byte(page), 1 << 20, page, nil},
		{"gzip", "gzip", gz, 1 << 20, page, nil},
		{"x-gzip uppercase", "X-GZIP", gz, 1 << 20, page, nil},
		{"deflate as zlib (RFC 9110)", "deflate", zl, 1 << 20, page, nil},
		{"deflate raw (common misuse)", "deflate", raw, 1 << 20, page, nil},
		{"exactly at cap", "", []byte(page), int64(len(page)), page, nil},
		{"one byte over cap", "", []byte(page), int64(len(page)) - 1, "", errOverCap},
		{"gzip exactly at cap", "gzip", gz, int64(len(page)), page, nil},
		{"gzip one byte over cap", "gzip", gz, int64(len(page)) - 1, "", errOverCap},
		{"brotli not offered", "br", []byte("x"), 1 << 20, "", errUnsupportedEncoding},
		{"stacked encodings", "gzip, gzip", gz, 1 << 20, "", errUnsupportedEncoding},
		{"corrupt gzip", "gzip", []byte("this is not gzip"), 1 << 20, "", gzip.ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readBody(bytes.NewReader(tt.body), tt.encoding, tt.max, -1)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("readBody = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("readBody: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("readBody = %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}
