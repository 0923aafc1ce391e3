package store

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
)

// readAll decodes a whole snapshot or journal file held in memory, as restore
// reads one, returning its segments and their records.
func readAll(b []byte) ([]segment, []entry, error) {
	fr := &frameReader{r: bufio.NewReader(bytes.NewReader(b)), remain: int64(len(b))}
	format, err := readHeader(fr)
	if err != nil {
		return nil, nil, err
	}
	if format != snapshotFormat {
		return nil, nil, errDamaged
	}
	sr := &segmentReader{fr: fr}
	var segs []segment
	var ents []entry
	for {
		seg, err := sr.next(func(segment) func(*entry) error {
			return func(e *entry) error { ents = append(ents, cloneEntry(e)); return nil }
		})
		if err == io.EOF {
			return segs, ents, nil
		}
		if err != nil {
			return segs, ents, err
		}
		segs = append(segs, seg)
	}
}

// writeAll encodes entries as one segment of a file.
func writeAll(kind byte, seq uint64, ents []entry) []byte {
	var buf bytes.Buffer
	writeHeader(&buf)
	fw := &frameWriter{w: &buf}
	fw.start(seq, kind, 1764000000000)
	for i := range ents {
		fw.record(&ents[i])
	}
	fw.end(seq)
	return buf.Bytes()
}

var sampleEntries = []entry{
	{Key: "{px}:a:abc", Type: 's', ExpiresAt: 1766000000000, Values: []string{"sabc\n{\"v\":1,\"u\":\"https://example.com/a\"}"}},
	{Key: "{px}:s:sabc", Type: 'h', Values: []string{"v", "3", "n", "2", "@bbc-news", "1"}},
	{Key: "{px}:k:bridge", Type: 'z', Values: []string{"sabc", "sdef"}, Scores: []float64{12, 14.5}},
	{Key: "{px}:set", Type: 'S', Values: []string{"x"}},
	{Key: "{px}:list", Type: 'l', Values: []string{"1", "2"}},
	{Key: "{px}:gone"},
}

// FuzzSnapshot checks the snapshot and journal decoder on any bytes: it never
// panics or allocates beyond what the input can hold, refuses what it cannot read
// with errDamaged or errTruncated, and what it accepts encodes back to records that
// decode the same. Seeded with a valid file and cut and damaged copies of it.
func FuzzSnapshot(f *testing.F) {
	good := writeAll(segmentBase, 7, sampleEntries)
	f.Add(good)
	f.Add(good[:len(good)/2])
	damaged := bytes.Clone(good)
	copy(damaged[len(damaged)/2:], "\xde\xad\xbe\xef")
	f.Add(damaged)
	f.Add(append(bytes.Clone(good), writeAll(segmentJournal, 8, sampleEntries[:2])[len(snapshotMagic2)+1:]...))
	f.Add([]byte(snapshotMagic2 + "\x02\x05Sxxxx"))
	f.Fuzz(func(t *testing.T, b []byte) {
		segs, ents, err := readAll(b)
		if err != nil {
			if !errors.Is(err, errDamaged) && !errors.Is(err, errTruncated) {
				t.Fatalf("error %v is neither damaged nor cut short", err)
			}
			return
		}
		total := 0
		for _, s := range segs {
			total += s.Entries
		}
		if total != len(ents) {
			t.Fatalf("segments count %d records, %d decoded", total, len(ents))
		}
		for i := range ents {
			e := &ents[i]
			if e.Key == "" {
				t.Fatal("a record without a key")
			}
			if e.Type == 'z' && len(e.Scores) != len(e.Values) {
				t.Fatalf("sorted set %q: %d members, %d scores", e.Key, len(e.Values), len(e.Scores))
			}
			var d snapDecoder
			d.b = encodeEntry(nil, e)
			var back entry
			if !d.entry(&back) || d.rest() != 0 || !sameEntry(e, &back) {
				t.Fatalf("record %+v does not survive encoding: %+v", e, back)
			}
		}
	})
}

func sameEntry(a, b *entry) bool {
	if a.Key != b.Key || a.Type != b.Type || a.ExpiresAt != b.ExpiresAt || len(a.Values) != len(b.Values) || len(a.Scores) != len(b.Scores) {
		return false
	}
	for i := range a.Values {
		if a.Values[i] != b.Values[i] {
			return false
		}
	}
	for i := range a.Scores {
		if math.Float64bits(a.Scores[i]) != math.Float64bits(b.Scores[i]) {
			return false
		}
	}
	return true
}

// TestSnapshotRoundTrip: what a writer encodes, a reader decodes the same.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	segs, ents, err := readAll(writeAll(segmentBase, 7, sampleEntries))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 1 || segs[0].Seq != 7 || segs[0].Kind != segmentBase || segs[0].Entries != len(sampleEntries) {
		t.Fatalf("segments %+v", segs)
	}
	for i := range sampleEntries {
		if !sameEntry(&sampleEntries[i], &ents[i]) {
			t.Errorf("record %d: %+v, want %+v", i, ents[i], sampleEntries[i])
		}
	}
}

// FuzzStoredRecords checks the readers of values read back from Redis (articles
// and centroids with their version, packed or not, millisecond times) on any
// bytes: no panic, and an article they accept encodes back to the same article.
func FuzzStoredRecords(f *testing.F) {
	a := stories.Article{URL: "https://www.example.com/a", Title: "Bridge", Excerpt: "Four hurt.", Lang: "en", OutletID: "bbc-news",
		Domain: "example.com", Published: time.UnixMilli(1763600400000).UTC(), Added: time.UnixMilli(1763604000000).UTC(),
		Candidates: []stories.Candidate{{Text: "The bridge fell.", Pos: 0}, {Text: "Four were hurt.", Pos: 2}}}
	v, err := encodeArticle(a, 99)
	if err != nil {
		f.Fatal(err)
	}
	pack := newPacking()
	packed, err := pack.record(a, 99)
	if err != nil || !pack.records.Packed(packed) {
		f.Fatalf("record not packed (%v)", err)
	}
	f.Add("sabc\n" + v)
	f.Add("sabc\n" + packed)
	f.Add("sabc\n" + packed[:len(packed)/2])
	f.Add("sabc\n{\"v\":2,\"u\":\"x\"}")
	f.Add("sabc\n{\"u\":\"https://x\",\"p\":-1e300}")
	f.Add("sabc\n{\"u\":\"https://x\",\"c\":[\"a\",\"b\"],\"cp\":[1]}")
	var c stories.Centroid
	blob, _ := c.MarshalBinary()
	f.Add("3\n" + string(blob))
	c.Body = stories.Vector{"bridge": 0.5, "fell": 0.25, "river": 0.125, "bridges": 0.5, "falls": 0.25}
	c.Entities = stories.Vector{"e:river thames": 1, "e:thames": 0.5, "e:london": 0.25}
	pc, err := pack.centroid(&c)
	if err != nil || !pack.centroids.Packed(pc) {
		f.Fatalf("centroid not packed (%v)", err)
	}
	f.Add("3\n" + pc)
	f.Add("3\n" + pc[:len(pc)-3])
	f.Add("1763600400000")
	f.Fuzz(func(t *testing.T, v string) {
		if art, sid, status := pack.decodeRecord(v); status == articleOK {
			if strings.Contains(sid, "\n") || art.URL == "" {
				t.Fatalf("decoded %q into story %q, article %+v", v, sid, art)
			}
			again, err := pack.record(art, 0)
			if err != nil {
				t.Fatal(err)
			}
			back, _, status := pack.decodeRecord(sid + "\n" + again)
			if status != articleOK || !reflect.DeepEqual(back, art) {
				t.Fatalf("article %+v does not survive encoding: %+v", art, back)
			}
		}
		if version, blob, ok := pack.storedCentroid(v); ok {
			if version <= 0 {
				t.Fatalf("centroid version %d accepted", version)
			}
			var c stories.Centroid
			if err := c.Decode(blob); err != nil && !errors.Is(err, stories.ErrCorrupt) {
				t.Fatalf("centroid decode error %v is not ErrCorrupt", err)
			}
		}
		msTime(v)
	})
}

func cloneEntry(e *entry) entry {
	c := *e
	c.Values = append([]string(nil), e.Values...)
	c.Scores = append([]float64(nil), e.Scores...)
	return c
}
