package stories

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Centroid is what a story remembers of its articles for matching: the running sums
// of their unit TF-IDF vectors, cut to the heaviest terms so that a story of any size
// costs the same to store and to compare, plus the headline nearest the centroid and
// the fingerprints of its latest articles for the copy check.
//
// A centroid read from the store with Decode stays in its encoded form until it is
// changed: every article is scored against dozens of candidate stories, and scanning
// the encoding is far cheaper than building their term maps. Title, Body, Entities
// and HeadlineVec are nil until then; Add, IndexKeys and UnmarshalBinary fill them.
type Centroid struct {
	Title    Vector
	Body     Vector
	Entities Vector
	Count    int       // articles added
	Newest   time.Time // publication time of the newest article
	// Oldest is the publication time of the oldest dated article: with Newest
	// the story's span, which the time term measures from (see timeEnds). Like
	// Newest it stays when an article is removed. A centroid stored before it
	// was kept reads Newest.
	Oldest      time.Time
	Headline    string  // the member headline nearest the title centroid
	HeadlineVec Vector  // that headline's vector, to re-score it as the centroid moves
	Prints      []Print // fingerprints of the latest articles, oldest first

	encoded   bool      // the vectors are still in sections
	sections  [4]string // encoded entries of HeadlineVec, Title, Body, Entities
	counts    [4]int
	norms     [3]float64                 // of Title, Body, Entities; 0 = not yet known
	normsRead bool                       // norms are the encoding's float32 figures
	unitsMemo map[string]map[string]bool // numbers by unit, from Entities
	// The story's protagonists (see protagonists), for the share peopleShare.
	peopleMemo  []string
	peopleShare float64
	peopleDone  bool
}

// Print is one article's body fingerprint, for finding copies.
type Print struct {
	Ref     string // a short reference to the article (its store id)
	SimHash uint64
}

// ErrCorrupt marks a stored centroid that cannot be decoded.
var ErrCorrupt = errors.New("stories: corrupt centroid")

const centroidCodecVersion = 4

// maxDecodedTerms bounds decoding so a corrupt length cannot allocate without limit.
const maxDecodedTerms = 4096

// Parts of a centroid, in encoding order.
const (
	partHeadline = iota
	partTitle
	partBody
	partEntities
)

// norm returns the length of part i (0 Title, 1 Body, 2 Entities), never 0.
func (c *Centroid) norm(i int) float64 {
	if c.norms[i] == 0 {
		v := [3]Vector{c.Title, c.Body, c.Entities}[i]
		c.norms[i] = max(v.Norm(), 1e-12)
	}
	return c.norms[i]
}

// unitScale is what part i is divided by to scale it to unit length, as normalize
// does: its norm, or 1 when that is 0. The norm cached for scoring serves unless
// Decode read it (a float32 figure) or it is norm's floor.
func (c *Centroid) unitScale(i int) float64 {
	if n := c.norm(i); !c.normsRead && n > 1e-12 {
		return n
	}
	if n := [3]Vector{c.Title, c.Body, c.Entities}[i].Norm(); n != 0 {
		return n
	}
	return 1
}

// size returns how many terms part i (0 Title, 1 Body, 2 Entities) holds.
func (c *Centroid) size(i int) int {
	if c.encoded {
		return c.counts[i+1]
	}
	return len([3]Vector{c.Title, c.Body, c.Entities}[i])
}

// dot returns the inner product of doc with part i (0 Title, 1 Body, 2 Entities).
func (c *Centroid) dot(i int, doc Vector) float64 {
	if !c.encoded {
		return doc.Dot([3]Vector{c.Title, c.Body, c.Entities}[i])
	}
	// Most of a story's terms are not in the document: look each up first and decode
	// the weight only for a hit. Adding the misses' zero products changed nothing.
	// The loop is eachEntry's, inlined: a callback per entry made matching ~8% slower.
	var s float64
	d := decoder{b: c.sections[i+1]}
	for d.b != "" && !d.err {
		t := d.string()
		if len(d.b) < 2 {
			break
		}
		if x, ok := doc[t]; ok {
			s += fromHalf(uint16(d.b[0])|uint16(d.b[1])<<8) * x
		}
		d.b = d.b[2:]
	}
	return s
}

// units returns the numbers the story gives per unit ("pirate" → {"23"}).
func (c *Centroid) units() map[string]map[string]bool {
	if c.unitsMemo != nil {
		return c.unitsMemo
	}
	c.unitsMemo = map[string]map[string]bool{}
	add := func(k string) {
		if num, unit, ok := splitNumber(k); ok {
			if c.unitsMemo[unit] == nil {
				c.unitsMemo[unit] = map[string]bool{}
			}
			c.unitsMemo[unit][num] = true
		}
	}
	if c.encoded {
		eachEntry(c.sections[partEntities], func(term string, _ float64) {
			if strings.HasPrefix(term, "n:") {
				add(term)
			}
		})
	} else {
		for k := range c.Entities {
			add(k)
		}
	}
	return c.unitsMemo
}

// shared returns how many of the terms of set part i (0 Title, 1 Body, 2
// Entities) holds.
func (c *Centroid) shared(i int, set Vector) int {
	if !c.encoded {
		n := 0
		for t := range set {
			if _, ok := [3]Vector{c.Title, c.Body, c.Entities}[i][t]; ok {
				n++
			}
		}
		return n
	}
	n := 0
	d := decoder{b: c.sections[i+1]}
	for d.b != "" && !d.err && n < len(set) {
		if _, ok := set[d.string()]; ok {
			n++
		}
		if len(d.b) < 2 {
			break
		}
		d.b = d.b[2:]
	}
	return n
}

// materialize builds the term maps of an encoded centroid.
func (c *Centroid) materialize() {
	if !c.encoded {
		if c.Title == nil {
			c.Title, c.Body, c.Entities = Vector{}, Vector{}, Vector{}
		}
		return
	}
	vs := make([]Vector, 4)
	for i, sec := range c.sections {
		v := make(Vector, c.counts[i])
		eachEntry(sec, func(term string, w float64) { v[term] = w })
		vs[i] = v
	}
	c.HeadlineVec, c.Title, c.Body, c.Entities = vs[0], vs[1], vs[2], vs[3]
	c.encoded = false
	c.sections = [4]string{}
}

// reset drops the derived values after a change.
func (c *Centroid) reset() {
	c.norms = [3]float64{}
	c.normsRead = false
	c.unitsMemo = nil
	c.peopleMemo, c.peopleDone = nil, false
}

// protagonists returns the story's protagonists (see the package's protagonists),
// read once from either form of the centroid.
func (c *Centroid) protagonists(share float64) []string {
	if c.peopleDone && c.peopleShare == share {
		return c.peopleMemo
	}
	c.peopleMemo = protagonists(func(fn func(string, float64)) {
		if c.encoded {
			eachEntry(c.sections[partEntities], fn)
			return
		}
		for t, w := range c.Entities {
			fn(t, w)
		}
	}, share)
	c.peopleShare, c.peopleDone = share, true
	return c.peopleMemo
}

// MarshalBinary encodes c compactly (varint lengths, half-precision weights, each
// part's norm): the store keeps one centroid per story and memory per article is a
// budgeted figure.
func (c *Centroid) MarshalBinary() ([]byte, error) {
	c.materialize()
	b := make([]byte, 0, 1024)
	b = append(b, centroidCodecVersion)
	b = binary.AppendUvarint(b, uint64(c.Count))
	var newest int64
	if !c.Newest.IsZero() {
		newest = c.Newest.Unix()
	}
	b = binary.AppendVarint(b, newest)
	var span uint64 // Oldest as seconds before Newest: a byte or three
	if !c.Oldest.IsZero() && !c.Newest.IsZero() && c.Oldest.Before(c.Newest) {
		span = uint64(c.Newest.Unix() - c.Oldest.Unix())
	}
	b = binary.AppendUvarint(b, span)
	b = appendString(b, c.Headline)
	b = binary.AppendUvarint(b, uint64(len(c.Prints)))
	for _, p := range c.Prints {
		b = appendString(b, p.Ref)
		b = binary.LittleEndian.AppendUint64(b, p.SimHash)
	}
	for _, v := range []Vector{c.HeadlineVec, c.Title, c.Body, c.Entities} {
		b = appendVector(b, v)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, term maps included.
func (c *Centroid) UnmarshalBinary(b []byte) error {
	if err := c.Decode(string(b)); err != nil {
		return err
	}
	c.materialize()
	return nil
}

// Decode decodes what MarshalBinary wrote, leaving the vectors encoded (see
// Centroid). The centroid keeps references into blob.
func (c *Centroid) Decode(blob string) error {
	d := decoder{b: blob}
	version := d.byte()
	if version != centroidCodecVersion && version != 3 { // 3: no Oldest
		return fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	*c = Centroid{encoded: true, normsRead: true}
	c.Count = int(d.uvarint())
	if n := d.varint(); n != 0 {
		c.Newest = time.Unix(n, 0).UTC()
	}
	if version >= 4 {
		span := d.uvarint()
		if !c.Newest.IsZero() {
			c.Oldest = c.Newest.Add(-time.Duration(span) * time.Second)
		}
	} else {
		c.Oldest = c.Newest
	}
	c.Headline = d.string()
	n := d.uvarint()
	if n > maxDecodedTerms {
		d.err = true
	}
	for i := uint64(0); i < n && !d.err; i++ {
		ref := d.string()
		c.Prints = append(c.Prints, Print{Ref: ref, SimHash: d.uint64()})
	}
	for i := range c.sections {
		count, norm, sec := d.section()
		c.counts[i], c.sections[i] = count, sec
		if i > 0 {
			c.norms[i-1] = max(norm, 1e-12)
		}
	}
	if d.err || d.b != "" {
		return ErrCorrupt
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendVector writes a vector as its term count, its norm and its entries sorted by
// term (a deterministic encoding: equal centroids encode equal).
func appendVector(b []byte, v Vector) []byte {
	terms := v.terms()
	var norm float64
	for _, t := range terms {
		norm += v[t] * v[t]
	}
	b = binary.AppendUvarint(b, uint64(len(terms)))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(math.Sqrt(norm))))
	for _, t := range terms {
		b = appendString(b, t)
		b = binary.LittleEndian.AppendUint16(b, toHalf(v[t]))
	}
	return b
}

// eachEntry calls fn for each (term, weight) of an encoded section; the section was
// checked by Decode.
func eachEntry(sec string, fn func(term string, w float64)) {
	d := decoder{b: sec}
	for d.b != "" && !d.err {
		t := d.string()
		if len(d.b) < 2 {
			return
		}
		fn(t, fromHalf(uint16(d.b[0])|uint16(d.b[1])<<8))
		d.b = d.b[2:]
	}
}

type decoder struct {
	b   string
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
	x, n := uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err = true
		return 0
	}
	var x uint64
	for i := 7; i >= 0; i-- {
		x = x<<8 | uint64(d.b[i])
	}
	d.b = d.b[8:]
	return x
}

// section reads one encoded vector: its term count, its norm and the substring of
// its entries, checking every entry.
func (d *decoder) section() (count int, norm float64, sec string) {
	n := d.uvarint()
	if d.err || n > maxDecodedTerms || len(d.b) < 4 {
		d.err = true
		return 0, 0, ""
	}
	norm = float64(math.Float32frombits(uint32(d.b[0]) | uint32(d.b[1])<<8 | uint32(d.b[2])<<16 | uint32(d.b[3])<<24))
	d.b = d.b[4:]
	start := d.b
	for i := uint64(0); i < n && !d.err; i++ {
		d.string()
		if len(d.b) < 2 {
			d.err = true
			break
		}
		d.b = d.b[2:]
	}
	if d.err {
		return 0, 0, ""
	}
	return int(n), norm, start[:len(start)-len(d.b)]
}

// uvarint is binary.Uvarint over a string.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// toHalf converts a non-negative weight to IEEE 754 half precision (binary16),
// rounding to nearest; 11 significant bits are plenty for term weights and halve
// the centroid's size against float32.
func toHalf(f float64) uint16 {
	x := math.Float32bits(float32(f))
	sign := uint16(x>>16) & 0x8000
	exp := int((x>>23)&0xff) - 127 + 15
	mant := x & 0x7fffff
	switch {
	case exp >= 31:
		return sign | 0x7bff // clamp to the largest finite half
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		half := uint16(mant >> shift)
		if mant>>(shift-1)&1 == 1 {
			half++
		}
		return sign | half
	}
	half := sign | uint16(exp)<<10 | uint16(mant>>13)
	if mant&0x1000 != 0 { // round to nearest
		half++
	}
	return half
}

// fromHalf converts binary16 back. Every half is exactly a float32, so a normal
// one converts by moving its exponent and mantissa into float32's fields; scoring
// decodes thousands of weights per article, and math.Ldexp was most of the cost.
func fromHalf(h uint16) float64 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0: // zero or subnormal: mant·2^-24, exact in a float64
		f := float64(mant) * 0x1p-24
		if sign != 0 {
			f = -f
		}
		return f
	case 31: // toHalf never writes infinities or NaNs; read them as the largest half
		if sign != 0 {
			return -65504
		}
		return 65504
	}
	return float64(math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13))
}

// nearest returns the time of the story's span nearest t: t itself when it lies
// between the story's oldest and newest dated articles, else the nearer end.
func (c *Centroid) nearest(t time.Time) time.Time {
	if t.IsZero() || c.Newest.IsZero() {
		return c.Newest
	}
	oldest := c.Oldest
	if oldest.IsZero() || oldest.After(c.Newest) {
		oldest = c.Newest
	}
	switch {
	case t.After(c.Newest):
		return c.Newest
	case t.Before(oldest):
		return oldest
	}
	return t
}
