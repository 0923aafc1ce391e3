// Package blob packs the small values the index keeps one of per article or per
// story (article records, story centroids): raw DEFLATE (RFC 1951) with a preset
// dictionary, behind a one-byte marker so that a reader tells a packed value from
// one written before packing, or by a Parallax that did not pack.
//
// A preset dictionary is what makes DEFLATE pay on values of a few hundred bytes:
// without one, the first occurrence of every JSON key and every common word is
// sent literally. A dictionary is part of the format: a value packed with one can
// only be read with the same bytes, so a Codec's dictionary never changes once
// released; a new one needs a new marker.
package blob

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrCorrupt marks a packed value that does not inflate, or inflates past the
// codec's limit.
var ErrCorrupt = errors.New("blob: corrupt packed value")

// Codec packs and unpacks values with one marker and one dictionary. It is safe
// for concurrent use. Its compressors and decompressors are pooled: a DEFLATE
// compressor holds some 600 KB of tables, far more than the values it packs.
type Codec struct {
	marker byte
	dict   []byte
	limit  int // the most bytes a value may inflate to

	writers sync.Pool // *flate.Writer
	readers sync.Pool // io.ReadCloser that is a flate.Resetter
}

// New returns a codec whose packed values start with marker, a byte the values
// it packs never start with (so that unpacked values read as they are), and
// inflate to at most limit bytes.
func New(marker byte, dict string, limit int) *Codec {
	return &Codec{marker: marker, dict: []byte(dict), limit: limit}
}

// Pack returns value packed, or value itself when packing would not make it
// shorter (a short value, or one that does not compress).
func (c *Codec) Pack(value []byte) []byte {
	if len(value) == 0 || len(value) > c.limit {
		return value
	}
	var buf bytes.Buffer
	buf.Grow(len(value))
	buf.WriteByte(c.marker)
	w, _ := c.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriterDict(&buf, flate.DefaultCompression, c.dict); err != nil {
			return value // cannot happen: the level is valid
		}
	} else {
		w.Reset(&buf)
	}
	// Writes to a bytes.Buffer do not fail.
	_, werr := w.Write(value)
	cerr := w.Close()
	c.writers.Put(w)
	if werr != nil || cerr != nil || buf.Len() >= len(value) {
		return value
	}
	return buf.Bytes()
}

// Packed reports whether value is one Pack packed.
func (c *Codec) Packed(value string) bool { return value != "" && value[0] == c.marker }

// Unpack returns what Pack was given: value itself when it is not packed.
func (c *Codec) Unpack(value string) (string, error) {
	if !c.Packed(value) {
		return value, nil
	}
	src := bytes.NewReader([]byte(value[1:]))
	r, _ := c.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, c.dict)
	} else if err := r.(flate.Resetter).Reset(src, c.dict); err != nil {
		return "", fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer c.readers.Put(r)
	var out bytes.Buffer
	out.Grow(3 * len(value))
	// One byte past the limit tells a value at the limit from a longer one.
	n, err := out.ReadFrom(io.LimitReader(r, int64(c.limit)+1))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if n > int64(c.limit) {
		return "", fmt.Errorf("%w: over %d bytes", ErrCorrupt, c.limit)
	}
	return out.String(), nil
}
