package corpus

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// maxExtractionFile bounds any one decompressed file of the article-extraction set.
// The largest page is 1.5 MB and the largest reference output 1.2 MB once
// decompressed; 32 MB leaves room while keeping a corrupt or swapped file from
// filling memory.
const maxExtractionFile = 32 << 20

// errTooLarge reports a data file over maxExtractionFile.
var errTooLarge = errors.New("file larger than the corpus size limit")

// ExtractionPage is one page of the article-extraction benchmark: the captured
// HTML and the hand-checked article body that an extractor should return.
type ExtractionPage struct {
	ID   string // 64 hex characters, the name of html/<ID>.html.gz
	URL  string // where the page was captured
	HTML []byte // the page as captured (UTF-8)
	Body string // the ground-truth article body
}

// LoadExtraction reads every page of the article-extraction data set in dir
// (as returned by Dir(getenv, "article-extraction")), sorted by ID.
func LoadExtraction(dir string) ([]ExtractionPage, error) {
	raw, err := readBounded(filepath.Join(dir, "ground-truth.json"), false)
	if err != nil {
		return nil, err
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("corpus: decode ground truth: %w", err)
	}
	pages := make([]ExtractionPage, 0, len(truth))
	for id, t := range truth {
		html, err := readBounded(filepath.Join(dir, "html", id+".html.gz"), true)
		if err != nil {
			return nil, err
		}
		pages = append(pages, ExtractionPage{ID: id, URL: t.URL, HTML: html, Body: t.ArticleBody})
	}
	slices.SortFunc(pages, func(a, b ExtractionPage) int { return strings.Compare(a.ID, b.ID) })
	return pages, nil
}

// LoadExtractionOutput reads what a published extractor returned for the same
// pages, reference-outputs/<name>.json.gz, as a map from page ID to article body.
func LoadExtractionOutput(dir, name string) (map[string]string, error) {
	raw, err := readBounded(filepath.Join(dir, "reference-outputs", name+".json.gz"), true)
	if err != nil {
		return nil, err
	}
	var out struct {
		Output map[string]struct {
			ArticleBody string `json:"articleBody"`
		} `json:"output"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("corpus: decode %s output: %w", name, err)
	}
	bodies := make(map[string]string, len(out.Output))
	for id, o := range out.Output {
		bodies[id] = o.ArticleBody
	}
	return bodies, nil
}

// readBounded reads a file, gunzipping it when gzipped is set, and fails rather
// than return more than maxExtractionFile bytes.
func readBounded(path string, gzipped bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if gzipped {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("corpus: gunzip %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(io.LimitReader(r, maxExtractionFile+1))
	if err != nil {
		return nil, fmt.Errorf("corpus: read %s: %w", path, err)
	}
	if len(b) > maxExtractionFile {
		return nil, fmt.Errorf("corpus: read %s: %w", path, errTooLarge)
	}
	return b, nil
}
