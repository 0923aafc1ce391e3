package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
)

// The embedded store's files (format 2). Both the base snapshot and the journal are
// a magic line and a format number, then frames:
//
//	frame   = uvarint(len(payload)) payload crc32c(payload) (4 bytes, little endian)
//	payload = kind byte, then
//	  'S' segment start: uvarint seq, byte segment kind ('B' base, 'J' journal), varint unix ms
//	  'R' records:       record*
//	  'E' segment end:   uvarint seq, uvarint records in the segment
//	record  = 1 key record:  string key, byte type, varint expires-at unix ms (0: none), value
//	        | 2 tombstone:   string key (the key no longer exists)
//	value   = string for 's', uvarint n and n (field, value) pairs for 'h',
//	          uvarint n and n (member, float64 bits LE) for 'z', uvarint n strings for 'S' and 'l'
//	string  = uvarint length, bytes
//
// A segment counts only once its end frame is read, so a file cut short by a crash
// is never half applied; every frame's checksum is verified before it is used, so a
// damaged file is refused rather than loaded. Records of one segment apply in order,
// later ones replacing earlier ones for the same key.

const (
	snapshotMagic2 = "PARALLAX SNAPSHOT\n"
	// snapshotFormat is the version of the files this code writes; it reads it and
	// format 1 (the gob snapshot of earlier versions).
	snapshotFormat = 2
	// frameTarget is the payload size at which a writer closes a records frame.
	frameTarget = 64 << 10
	// maxFrame bounds one frame, so that a damaged length cannot make a reader
	// allocate without limit. A frame holds whole records; the largest key (the
	// listing of every story) stays far below it.
	maxFrame = 256 << 20
)

const (
	frameStart   = 'S'
	frameRecords = 'R'
	frameEnd     = 'E'

	segmentBase    = 'B'
	segmentJournal = 'J'

	recordKey       = 1
	recordTombstone = 2
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errDamaged marks a file that is not what it should be (a checksum mismatch, an
// impossible length, a malformed record). errTruncated marks one cut short.
var (
	errDamaged   = errors.New("damaged")
	errTruncated = errors.New("cut short")
)

// entry is one key with its value, as a snapshot holds it.
type entry struct {
	Key       string
	Type      byte  // 's' string, 'h' hash, 'z' sorted set, 'S' set, 'l' list; 0 for a tombstone
	ExpiresAt int64 // unix ms; 0 = no expiry
	Values    []string
	Scores    []float64 // for 'z', one per value
}

// encodeEntry appends e's record to b.
func encodeEntry(b []byte, e *entry) []byte {
	if e.Type == 0 {
		b = append(b, recordTombstone)
		return appendString(b, e.Key)
	}
	b = append(b, recordKey)
	b = appendString(b, e.Key)
	b = append(b, e.Type)
	b = binary.AppendVarint(b, e.ExpiresAt)
	switch e.Type {
	case 's':
		b = appendString(b, e.Values[0])
	case 'h':
		b = binary.AppendUvarint(b, uint64(len(e.Values)/2))
		for _, v := range e.Values {
			b = appendString(b, v)
		}
	case 'z':
		b = binary.AppendUvarint(b, uint64(len(e.Values)))
		for i, v := range e.Values {
			b = appendString(b, v)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Scores[i]))
		}
	default: // 'S', 'l'
		b = binary.AppendUvarint(b, uint64(len(e.Values)))
		for _, v := range e.Values {
			b = appendString(b, v)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// frameWriter writes frames to w.
type frameWriter struct {
	w   io.Writer
	buf []byte // the records frame being filled
	n   int    // records in the current segment
	err error
}

func (f *frameWriter) frame(payload []byte) {
	if f.err != nil {
		return
	}
	var hdr [binary.MaxVarintLen64]byte
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc32.Checksum(payload, crcTable))
	if _, err := f.w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(payload)))]); err != nil {
		f.err = err
		return
	}
	if _, err := f.w.Write(payload); err != nil {
		f.err = err
		return
	}
	if _, err := f.w.Write(sum[:]); err != nil {
		f.err = err
	}
}

func (f *frameWriter) start(seq uint64, kind byte, unixMs int64) {
	p := []byte{frameStart}
	p = binary.AppendUvarint(p, seq)
	p = append(p, kind)
	f.frame(binary.AppendVarint(p, unixMs))
	f.n = 0
}

func (f *frameWriter) record(e *entry) {
	if len(f.buf) == 0 {
		f.buf = append(f.buf, frameRecords)
	}
	f.buf = encodeEntry(f.buf, e)
	f.n++
	if len(f.buf) >= frameTarget {
		f.flushRecords()
	}
}

// records appends already encoded records (see encodeEntry), n of them.
func (f *frameWriter) records(encoded []byte, n int) {
	if n == 0 {
		return
	}
	f.flushRecords()
	f.frame(append([]byte{frameRecords}, encoded...))
	f.n += n
}

func (f *frameWriter) flushRecords() {
	if len(f.buf) > 1 {
		f.frame(f.buf)
	}
	f.buf = f.buf[:0]
}

func (f *frameWriter) end(seq uint64) error {
	f.flushRecords()
	p := []byte{frameEnd}
	p = binary.AppendUvarint(p, seq)
	f.frame(binary.AppendUvarint(p, uint64(f.n)))
	return f.err
}

// writeHeader writes the magic line and format number.
func writeHeader(w io.Writer) error {
	_, err := w.Write(binary.AppendUvarint([]byte(snapshotMagic2), snapshotFormat))
	return err
}

// segment is one complete segment read from a file.
type segment struct {
	Seq     uint64
	Kind    byte
	UnixMs  int64
	Entries int
}

// frameReader reads and verifies frames.
type frameReader struct {
	r      *bufio.Reader
	off    int64 // bytes consumed, for messages
	remain int64 // bytes left in the file, when known (-1 otherwise)
}

// next returns the next frame's payload; io.EOF at a clean end of file.
func (fr *frameReader) next() ([]byte, error) {
	start := fr.off
	n, err := binary.ReadUvarint(fr)
	if err == io.EOF && fr.off == start {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("frame at byte %d: %w", start, errTruncated)
	}
	if n == 0 || n > maxFrame || (fr.remain >= 0 && int64(n)+4 > fr.remain) {
		if fr.remain >= 0 && int64(n)+4 > fr.remain && n <= maxFrame {
			return nil, fmt.Errorf("frame at byte %d: %w", start, errTruncated)
		}
		return nil, fmt.Errorf("frame at byte %d: impossible length %d: %w", start, n, errDamaged)
	}
	buf := make([]byte, n+4)
	if _, err := io.ReadFull(fr, buf); err != nil {
		return nil, fmt.Errorf("frame at byte %d: %w", start, errTruncated)
	}
	payload := buf[:n]
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(buf[n:]) {
		return nil, fmt.Errorf("frame at byte %d: checksum mismatch: %w", start, errDamaged)
	}
	return payload, nil
}

func (fr *frameReader) ReadByte() (byte, error) {
	c, err := fr.r.ReadByte()
	if err == nil {
		fr.off++
		if fr.remain > 0 {
			fr.remain--
		}
	}
	return c, err
}

func (fr *frameReader) Read(p []byte) (int, error) {
	n, err := fr.r.Read(p)
	fr.off += int64(n)
	if fr.remain >= 0 {
		fr.remain -= int64(n)
	}
	return n, err
}

// readHeader checks the magic line and returns the format number. A file without
// the format-2 magic reports format 1 when it may be a gob snapshot of earlier
// versions (the caller tries that decoder) and an error otherwise.
func readHeader(fr *frameReader) (int, error) {
	magic := make([]byte, len(snapshotMagic2))
	if _, err := io.ReadFull(fr, magic); err != nil || string(magic) != snapshotMagic2 {
		return 1, nil
	}
	v, err := binary.ReadUvarint(fr)
	if err != nil {
		return 0, fmt.Errorf("header: %w", errTruncated)
	}
	return int(v), nil
}

// segmentReader reads segments.
type segmentReader struct {
	fr *frameReader
}

// next reads one whole segment. Once its start is read, onStart says what to do
// with its records: apply receives each in order (nil: decode them only, to check
// them). apply runs before the segment is known to be complete, so callers that
// must not apply a segment cut short verify the file first (see restoreJournal).
// io.EOF at a clean end of file.
func (sr *segmentReader) next(onStart func(segment) (apply func(*entry) error)) (segment, error) {
	payload, err := sr.fr.next()
	if err != nil {
		return segment{}, err
	}
	d := snapDecoder{b: payload}
	if d.byte() != frameStart {
		return segment{}, fmt.Errorf("expected a segment start at byte %d: %w", sr.fr.off, errDamaged)
	}
	seg := segment{Seq: d.uvarint(), Kind: d.byte(), UnixMs: d.varint()}
	if d.err != nil || d.rest() != 0 || (seg.Kind != segmentBase && seg.Kind != segmentJournal) {
		return segment{}, fmt.Errorf("segment start at byte %d: %w", sr.fr.off, errDamaged)
	}
	apply := onStart(seg)
	var e entry
	for {
		payload, err := sr.fr.next()
		if err == io.EOF {
			return segment{}, fmt.Errorf("segment %d has no end: %w", seg.Seq, errTruncated)
		}
		if err != nil {
			return segment{}, err
		}
		d := snapDecoder{b: payload}
		switch d.byte() {
		case frameRecords:
			for d.rest() > 0 {
				if !d.entry(&e) {
					return segment{}, fmt.Errorf("record %d of segment %d: %w", seg.Entries+1, seg.Seq, errDamaged)
				}
				seg.Entries++
				if apply != nil {
					if err := apply(&e); err != nil {
						return segment{}, err
					}
				}
			}
		case frameEnd:
			seq, n := d.uvarint(), d.uvarint()
			if d.err != nil || d.rest() != 0 || seq != seg.Seq || n != uint64(seg.Entries) {
				return segment{}, fmt.Errorf("end of segment %d: %w", seg.Seq, errDamaged)
			}
			return seg, nil
		default:
			return segment{}, fmt.Errorf("frame in segment %d: unknown kind: %w", seg.Seq, errDamaged)
		}
	}
}

// snapDecoder reads the fields of a frame payload; err is set at the first bad one.
type snapDecoder struct {
	b   []byte
	err error
}

func (d *snapDecoder) rest() int { return len(d.b) }

func (d *snapDecoder) fail() { d.err = errDamaged }

func (d *snapDecoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *snapDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *snapDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *snapDecoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// count reads a number of items each at least min bytes long, refusing counts the
// payload cannot hold (so a damaged count never makes a large allocation).
func (d *snapDecoder) count(min int) int {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

// entry decodes one record into e (reusing its slices); false when it is malformed.
func (d *snapDecoder) entry(e *entry) bool {
	e.Values, e.Scores = e.Values[:0], e.Scores[:0]
	switch d.byte() {
	case recordTombstone:
		e.Key, e.Type, e.ExpiresAt = d.string(), 0, 0
		return d.err == nil
	case recordKey:
	default:
		return false
	}
	e.Key = d.string()
	e.Type = d.byte()
	e.ExpiresAt = d.varint()
	switch e.Type {
	case 's':
		e.Values = append(e.Values, d.string())
	case 'h':
		n := d.count(2)
		for range n {
			e.Values = append(e.Values, d.string(), d.string())
		}
	case 'z':
		n := d.count(9)
		for range n {
			e.Values = append(e.Values, d.string())
			if len(d.b) < 8 {
				d.fail()
				break
			}
			e.Scores = append(e.Scores, math.Float64frombits(binary.LittleEndian.Uint64(d.b)))
			d.b = d.b[8:]
		}
	case 'S', 'l':
		n := d.count(1)
		for range n {
			e.Values = append(e.Values, d.string())
		}
	default:
		d.fail()
	}
	return d.err == nil && e.Key != ""
}

// encodeRecords encodes entries into one records payload body (without the kind
// byte), for tests and for the pause phase of a checkpoint.
func encodeRecords(es []*entry) []byte {
	var b []byte
	for _, e := range es {
		b = encodeEntry(b, e)
	}
	return b
}

// sortedKeys returns the keys of a set, sorted: checkpoints write keys in a stable
// order, so the same index gives the same file.
func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
