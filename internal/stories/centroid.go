package stories

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Centroid is what a story remembers of its articles for matching: the running sums
// of their unit TF-IDF vectors, cut to the heaviest terms so that a story of any size
// costs the same to store and to compare, plus the headline nearest the centroid and
// the fingerprints of its latest articles for the copy check.
type Centroid struct {
	Title       Vector
	Body        Vector
	Entities    Vector
	Count       int       // articles added
	Newest      time.Time // publication time of the newest article
	Headline    string    // the member headline nearest the title centroid
	HeadlineVec Vector    // that headline's vector, to re-score it as the centroid moves
	Prints      []Print   // fingerprints of the latest articles, oldest first
}

// Print is one article's body fingerprint, for finding copies.
type Print struct {
	Ref     string // the article's URL
	SimHash uint64
}

// ErrCorrupt marks a stored centroid that cannot be decoded.
var ErrCorrupt = errors.New("stories: corrupt centroid")

const centroidCodecVersion = 1

// maxDecodedTerms bounds decoding so a corrupt length cannot allocate without limit.
const maxDecodedTerms = 4096

// MarshalBinary encodes c compactly (varint lengths, float32 weights): the store
// keeps one centroid per story and memory per article is a budgeted figure.
func (c *Centroid) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 1024)
	b = append(b, centroidCodecVersion)
	b = binary.AppendUvarint(b, uint64(c.Count))
	var newest int64
	if !c.Newest.IsZero() {
		newest = c.Newest.Unix()
	}
	b = binary.AppendVarint(b, newest)
	b = appendString(b, c.Headline)
	for _, v := range []Vector{c.HeadlineVec, c.Title, c.Body, c.Entities} {
		b = appendVector(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Prints)))
	for _, p := range c.Prints {
		b = appendString(b, p.Ref)
		b = binary.LittleEndian.AppendUint64(b, p.SimHash)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (c *Centroid) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	if d.byte() != centroidCodecVersion {
		return fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	*c = Centroid{}
	c.Count = int(d.uvarint())
	if n := d.varint(); n != 0 {
		c.Newest = time.Unix(n, 0).UTC()
	}
	c.Headline = d.string()
	c.HeadlineVec = d.vector()
	c.Title = d.vector()
	c.Body = d.vector()
	c.Entities = d.vector()
	n := d.uvarint()
	if n > maxDecodedTerms {
		d.err = true
	}
	for i := uint64(0); i < n && !d.err; i++ {
		ref := d.string()
		c.Prints = append(c.Prints, Print{Ref: ref, SimHash: d.uint64()})
	}
	if d.err {
		return ErrCorrupt
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendVector(b []byte, v Vector) []byte {
	// Sorted order makes the encoding deterministic, so equal centroids encode equal.
	list := v.top(len(v))
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, tw := range list {
		b = appendString(b, tw.term)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(tw.weight)))
	}
	return b
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err = true
		return 0
	}
	x := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return x
}

func (d *decoder) vector() Vector {
	n := d.uvarint()
	if d.err || n > maxDecodedTerms {
		d.err = true
		return nil
	}
	v := make(Vector, n)
	for i := uint64(0); i < n && !d.err; i++ {
		t := d.string()
		if len(d.b) < 4 {
			d.err = true
			break
		}
		v[t] = float64(math.Float32frombits(binary.LittleEndian.Uint32(d.b)))
		d.b = d.b[4:]
	}
	return v
}
