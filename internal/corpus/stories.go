package corpus

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// StreamDoc is one article of a story-clustering corpus with its gold story.
type StreamDoc struct {
	ID        string `json:"id"`
	Gold      string `json:"-"`
	URL       string `json:"url,omitempty"`
	Title     string `json:"title"`
	Text      string `json:"text,omitempty"`
	Published string `json:"published,omitempty"` // YYYY-MM-DD or ""
}

// Stream names one replay of a corpus in a given order, as the evaluation runs it.
type Stream struct {
	Name string // e.g. "basil (date order)"
	Dir  string // folder under story-clustering
	load func(dir string) ([]StreamDoc, error)
}

// Streams are the replays the matcher is evaluated on, with the orders their READMEs
// prescribe: BASIL and gun-violence in date order (the files' order), the Google
// News titles in both given orders, ECB+ in id order (lexicographic, which is the
// order that reproduces the README's baseline of pairwise F1 0.841).
func Streams() []Stream {
	return []Stream{
		{"basil (date order)", "basil-triplets", loadRecords("basil.dev.jsonl")},
		{"googlenews News (random order)", "googlenews-titles", loadGoogleNews("News.dev.jsonl")},
		{"googlenews News-T (stream order)", "googlenews-titles", loadGoogleNews("News-T.dev.jsonl")},
		{"ecbplus (id order)", "ecbplus", byID(loadRecords("ecbplus.dev.jsonl"))},
		{"gva gun violence (date order)", "gva-gun-violence", loadRecords("gva.dev.jsonl.gz")},
	}
}

// Load reads the stream's documents from the story-clustering folder root.
func (s Stream) Load(root string) ([]StreamDoc, error) {
	return s.load(filepath.Join(root, s.Dir))
}

// maxLine bounds one JSON line of a corpus file (the longest article is ~40 KB).
const maxLine = 4 << 20

// readLines decodes every JSON line of path (gzip when it ends in .gz) into fn.
func readLines(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("corpus: %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("corpus: %s line %d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("corpus: %s: %w", path, err)
	}
	return nil
}

// record is the line BASIL, ECB+ and the gun-violence corpus share; a missing or
// null field reads as "". BASIL names the gold story story_id, the others story.
type record struct {
	ID      string `json:"id"`
	Story   string `json:"story"`
	StoryID string `json:"story_id"`
	URL     string `json:"url"`
	Date    string `json:"date"`
	Title   string `json:"title"`
	Text    string `json:"text"`
}

// loadRecords loads a corpus of records from file, in the file's order.
func loadRecords(file string) func(string) ([]StreamDoc, error) {
	return func(dir string) ([]StreamDoc, error) {
		var docs []StreamDoc
		err := readLines(filepath.Join(dir, file), func(b []byte) error {
			var r record
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			docs = append(docs, StreamDoc{ID: r.ID, Gold: cmp.Or(r.Story, r.StoryID), URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Date})
			return nil
		})
		return docs, err
	}
}

// byID replays a corpus in (stable) id order.
func byID(load func(string) ([]StreamDoc, error)) func(string) ([]StreamDoc, error) {
	return func(dir string) ([]StreamDoc, error) {
		docs, err := load(dir)
		slices.SortStableFunc(docs, func(a, b StreamDoc) int { return strings.Compare(a.ID, b.ID) })
		return docs, err
	}
}

func loadGoogleNews(file string) func(string) ([]StreamDoc, error) {
	return func(dir string) ([]StreamDoc, error) {
		var docs []StreamDoc
		err := readLines(filepath.Join(dir, file), func(b []byte) error {
			var r struct {
				ID      string `json:"Id"`
				Cluster int    `json:"clusterNo"`
				Text    string `json:"textCleaned"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			docs = append(docs, StreamDoc{ID: r.ID, Gold: fmt.Sprint(r.Cluster), Title: r.Text})
			return nil
		})
		return docs, err
	}
}
