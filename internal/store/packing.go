package store

import (
	"fmt"
	"strings"
	"sync"

	"github.com/parallax-news/parallax/internal/blob"
	"github.com/parallax-news/parallax/internal/stories"
)

// Article records and story centroids are most of the index's bytes (on the
// gun-violence stream, 1,008 and 1,037 of the 4,560 bytes an article cost before
// they were packed), and both are text that compresses: JSON with English
// sentences, and sorted stems and names. They are stored packed with raw DEFLATE
// and a preset dictionary (see package blob): the record's JSON after its story
// line, the centroid's codec bytes after its version line, so that the scripts,
// which read only those lines, are unchanged. Values written before packing, which
// start with "{" and with the centroid codec's version byte, read as they are.
//
// The dictionaries are part of the stored format: never edit them; a new one needs
// a new marker. They hold what every value repeats (the record's JSON keys, the
// codec's entity prefixes) and common words of English news, written by hand, with
// the most frequent last, where DEFLATE reaches them with the shortest distances.
const (
	recordMarker   = 0xF1
	centroidMarker = 0xF2

	// maxRecordBytes and maxCentroidBytes bound what a packed value may inflate
	// to: a record holds a title, an excerpt, a byline and at most
	// stories.MaxCandidates sentences; a centroid at most a few hundred terms.
	maxRecordBytes   = 64 << 10
	maxCentroidBytes = 64 << 10

	recordDictionary = ` the government president minister officials authorities announced ` +
		`reported according statement spokesman spokeswoman department county state city ` +
		`national international company market million billion percent thousand hundred ` +
		`Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March ` +
		`April May June July August September October November December morning afternoon ` +
		`evening night week month year-old years old man woman men women children child ` +
		`family people police officers officer sheriff investigators arrested charged ` +
		`suspect victim killed shot shooting dead died injured hospital fire gun ` +
		`found home house street road avenue school court judge trial attorney ` +
		`between because during before after against about around through would could ` +
		`should which where there their these those other while when what who whose ` +
		`they them then than been have has had were was are is will said says told ` +
		`with from that this into over under also more most first last two three four ` +
		`five one not but its his her him she he it at by on in of to and a an for as or ` +
		`https://www.https://http://.com/.org/.co.uk/news/.html` +
		`"src":"publisher""src":"feed""src":"reader""src":"import""pa":true"dup":"` +
		`"m":{"n":true,"s":0."th":0.155,"t":0."b":0."e":0."g":"f":1},"w":["x":["` +
		`"c":["","cp":[0,1,2,3],"cx":[0,"b":"By "x":"` +
		`{"v":1,"u":"https://www.","t":"","l":"en","p":17,"ad":17,"o":"","d":".com","h":1`

	centroidDictionary = `shoot polic offic year old man woman kill wound hospit injur ` +
		`investig arrest charg suspect victim counti street home found night said ` +
		`e:police department e:county sheriff e:street e:avenue e:road e:city e:st ` +
		`n:1 n:2 n:3 y:20 y:201 y:202 e:the e:new e:police e:`
)

// maxUnpackedBytes bounds the centroids packing keeps unpacked (see packing).
const maxUnpackedBytes = 16 << 20

// packing holds the store's two codecs, and the centroids it unpacked last: the
// matcher reads some thirty candidate centroids per article, most of them
// unchanged since the article before, and inflating them each time cost a fifth
// of a replay's CPU. They are kept by their packed bytes, not by story and
// version: a story that expired and started again under its id has version 1
// again, with another centroid. It is safe for concurrent use.
type packing struct {
	records   *blob.Codec
	centroids *blob.Codec

	mu       sync.Mutex
	unpacked *lru[string]
}

func newPacking() *packing {
	return &packing{
		records:   blob.New(recordMarker, recordDictionary, maxRecordBytes),
		centroids: blob.New(centroidMarker, centroidDictionary, maxCentroidBytes),
		unpacked:  newLRU[string](maxUnpackedBytes),
	}
}

// record returns an article as its record's body: encodeArticle's JSON, packed.
func (p *packing) record(a stories.Article, simhash uint64) (string, error) {
	js, err := encodeArticle(a, simhash)
	if err != nil {
		return "", err
	}
	return string(p.records.Pack([]byte(js))), nil
}

// decodeRecord reads a stored record: "<sid>\n" and its body, packed or not.
func (p *packing) decodeRecord(v string) (stories.Article, string, articleStatus) {
	plain, ok := p.unpackRecord(v)
	if !ok {
		return stories.Article{}, "", articleBad
	}
	return decodeArticle(plain)
}

// unpackRecord returns a stored record with its body unpacked; ok is false for a
// packed body that does not unpack.
func (p *packing) unpackRecord(v string) (string, bool) {
	sid, body, found := strings.Cut(v, "\n")
	if !found || !p.records.Packed(body) {
		return v, true
	}
	js, err := p.records.Unpack(body)
	if err != nil {
		return "", false
	}
	return sid + "\n" + js, true
}

// centroid returns a centroid's stored bytes: its codec's, packed.
func (p *packing) centroid(c *stories.Centroid) (string, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("store: encode centroid: %w", err)
	}
	return string(p.centroids.Pack(b)), nil
}

// storedCentroid splits a centroid key's value into the story version it was
// written with and the centroid codec's bytes, unpacked. The version travels with
// the centroid so that the matcher reads both, consistent with each other, for all
// its candidates in one MGET. ok is false for an empty or malformed value.
func (p *packing) storedCentroid(value string) (version int64, blob string, ok bool) {
	version, blob, ok = splitCentroid(value)
	if !ok || !p.centroids.Packed(blob) {
		return version, blob, ok
	}
	p.mu.Lock()
	plain, hit := p.unpacked.get(blob)
	p.mu.Unlock()
	if hit {
		return version, plain, true
	}
	plain, err := p.centroids.Unpack(blob)
	if err != nil {
		// Left packed, it fails to decode, and the caller reports it as unreadable.
		return version, blob, true
	}
	p.mu.Lock()
	p.unpacked.put(blob, plain, len(blob)+len(plain))
	p.mu.Unlock()
	return version, plain, true
}
