package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// clusterLineError is every error parseClusterLine may return for line 7: the
// line number, then what is wrong with the input in its own words.
var clusterLineError = regexp.MustCompile(`^line 7: (not a JSON object \(.+\)|no "id"|"(url|title|text|published|date)" must be a string, not (an object|an array|a number|true or false))$`)

// clusterRef is how encoding/json decoded a line before parseClusterLine: the
// reference the fuzzer compares with.
type clusterRef struct {
	ID        json.RawMessage `json:"id"`
	URL       string          `json:"url"`
	Title     string          `json:"title"`
	Text      string          `json:"text"`
	Published string          `json:"published"`
	Date      string          `json:"date"`
}

// FuzzClusterLine checks parseClusterLine, the input line parser of `parallax
// cluster`, whatever the line: it never panics; an error names the line and says
// what is wrong in words about the input (never Go's types); a line it accepts has
// an id that is JSON and not null, unknown field names that are sorted, distinct
// and really unknown; and it reads the same fields as encoding/json did before,
// with "date" standing in for an empty "published". Seeded with lines of the
// evaluation corpora's shape:
//
//	go test ./server -run '^$' -fuzz '^FuzzClusterLine$' -fuzztime 30s
func FuzzClusterLine(f *testing.F) {
	for _, s := range []string{
		`{"id": "basil-12", "title": "Trump clinches GOP nomination", "text": "Donald Trump secured the delegates needed on Thursday.", "date": "2016-05-26"}`,
		`{"id":"ecb-36_1ecb","title":"Tara Reid checks into rehab","text":"Actress Tara Reid entered Promises Treatment Center.","published":"2008-05-02"}`,
		`{"id": 4012, "url": "https://www.bbc.co.uk/news/uk-1?utm_source=x", "title": "Kestrelford Harbour Bridge collapses", "published": "2026-11-20T08:40:00Z"}`,
		`{"id": "gn-7", "title": "Apple unveils new iPhone", "published": "2014-09-09", "source": "Reuters", "category": "t"}`,
		`{"ID": "a", "Title": "Case", "PUBLISHED": "2026-11-20", "date": "2026-11-21"}`,
		`{"id": "x", "title": "T", "title": "U", "TITLE": 5}`,
		`{"id": {"corpus": "gva", "n": 3}, "text": "Two men were shot in Baltimore.\u2028Police said", "url": null}`,
		`{"id": "x", "published": 20261120}`, `{"id": "x", "title": ["a"]}`, `{"id": null}`, `{"title": "no id"}`,
		`nope`, `[1, 2]`, `"string"`, `null`, `{"id": 1,}`, `{"id": 1} x`, `{"id": "cut`, "\ufeff{\"id\": 1}", "{\"id\": \"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, unknown, err := parseClusterLine(raw, 7)
		var ref clusterRef
		refErr := json.Unmarshal(raw, &ref)
		comparable := refErr == nil && !ambiguousKeys(raw)
		if err != nil {
			if !clusterLineError.MatchString(err.Error()) {
				t.Fatalf("parseClusterLine(%q): error %q is not one of the expected kind", raw, err)
			}
			if comparable && len(ref.ID) > 0 && string(ref.ID) != "null" {
				t.Fatalf("parseClusterLine(%q) = %v, but encoding/json reads it as %+v", raw, err, ref)
			}
			return
		}
		if len(in.ID) == 0 || string(in.ID) == "null" || !json.Valid(in.ID) {
			t.Fatalf("parseClusterLine(%q): id %q", raw, in.ID)
		}
		if !slices.IsSorted(unknown) || len(slices.Compact(slices.Clone(unknown))) != len(unknown) {
			t.Fatalf("parseClusterLine(%q): unknown fields %q not sorted and distinct", raw, unknown)
		}
		for _, u := range unknown {
			for _, known := range clusterFields {
				if strings.EqualFold(u, known) {
					t.Fatalf("parseClusterLine(%q): %q reported unknown", raw, u)
				}
			}
		}
		if in.bothDates && strings.TrimSpace(in.Published) == "" {
			t.Fatalf("parseClusterLine(%q): two dates but none used", raw)
		}
		if refErr != nil {
			// encoding/json fails only on a type error that parseClusterLine resolved
			// by an exact name winning over another case, which ambiguousKeys sees.
			if !ambiguousKeys(raw) {
				t.Fatalf("parseClusterLine(%q) accepted a line encoding/json rejects: %v", raw, refErr)
			}
			return
		}
		if !comparable {
			return
		}
		published := ref.Published
		if strings.TrimSpace(published) == "" {
			published = ref.Date
		}
		if !bytes.Equal(in.ID, ref.ID) || in.URL != ref.URL || in.Title != ref.Title || in.Text != ref.Text || in.Published != published {
			t.Fatalf("parseClusterLine(%q) = %+v, encoding/json %+v", raw, in, ref)
		}
	})
}

// ambiguousKeys reports whether a line gives one known field under two keys (the
// same name twice, or in two cases), where which one counts is a matter of
// convention rather than of the input. It reads the top-level keys in order.
func ambiguousKeys(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		for _, f := range clusterFields {
			if strings.EqualFold(key, f) {
				seen[f]++
				if seen[f] > 1 {
					return true
				}
			}
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// FuzzLookupBody checks decodeLookupBody, the body decoder of POST
// /api/v1/lookup, whatever the body: it never panics; an error is a 400
// invalid_request or missing_url whose message shows no Go internals; an accepted
// body has a non-empty URL without surrounding space; and it accepts exactly the
// bodies encoding/json reads as one lookup object with a URL, with the same URL
// and page. Seeded with the extension's request shapes:
//
//	go test ./server -run '^$' -fuzz '^FuzzLookupBody$' -fuzztime 30s
func FuzzLookupBody(f *testing.F) {
	page := `<!DOCTYPE html><html lang="en"><head><title>Kestrelford bridge collapses</title>` +
		`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Kestrelford bridge collapses"}</script></head>` +
		`<body><article><h1>Kestrelford bridge collapses</h1><p>Four people were hurt.</p></article></body></html>`
	for _, v := range []any{
		map[string]string{"url": "https://www.bbc.co.uk/news/uk-england-99001122"},
		map[string]string{"url": "https://www.theguardian.com/uk-news/2026/nov/20/bridge?utm_source=x", "html": page},
		map[string]any{"url": "https://www.foxnews.com/world/bridge", "html": nil},
		map[string]string{"url": "  https://x.example/a\n", "html": ""},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `null`, `{"url": ""}`, `{"url": 42}`, `{"url": "https://x.example/a", "html": {}}`, `[{"url": "x"}]`,
		`{"url": "https://x.example/a"} {"url": "https://x.example/b"}`, `{"url": "https://x.example/a"}` + "\n",
		`{"url": "https://x.exa`, `{nope`, `{"URL": "https://x.example/a", "url": "https://x.example/b"}`,
		`{"url": "https://x.example/\u00e9\ud83d\ude00", "html": "<p>\u2028</p>"}`,
	} {
		f.Add([]byte(s))
	}
	leaks := []string{"json:", "Go value", "Go struct", "main.", "lookupRequest", "unmarshal"}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeLookupBody(bytes.NewReader(body))
		var ref lookupRequest
		refErr := json.Unmarshal(body, &ref)
		refOK := refErr == nil && strings.TrimSpace(ref.URL) != ""
		if err != nil {
			ae := toAPIError(err)
			if ae.Status != 400 || (ae.Code != "invalid_request" && ae.Code != "missing_url") {
				t.Fatalf("decodeLookupBody(%q): %d %s, want a 400 invalid_request or missing_url", body, ae.Status, ae.Code)
			}
			for _, l := range leaks {
				if strings.Contains(ae.Message, l) {
					t.Fatalf("decodeLookupBody(%q): message %q shows Go's internals", body, ae.Message)
				}
			}
			if refOK {
				t.Fatalf("decodeLookupBody(%q) = %v, but encoding/json reads %+v", body, err, ref)
			}
			return
		}
		if r.URL == "" || r.URL != strings.TrimSpace(r.URL) {
			t.Fatalf("decodeLookupBody(%q): URL %q", body, r.URL)
		}
		if !refOK {
			t.Fatalf("decodeLookupBody(%q) accepted a body encoding/json does not read as a lookup: %v", body, refErr)
		}
		if r.URL != strings.TrimSpace(ref.URL) || (r.HTML != nil) != (ref.HTML != nil) || (ref.HTML != nil && string(r.HTML) != *ref.HTML) {
			t.Fatalf("decodeLookupBody(%q) = %+v, encoding/json %+v", body, r, ref)
		}
	})
}
