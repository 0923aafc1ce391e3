package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
)

// clusterTargets are the targets on the development data, and floors: the
// scores the matcher reaches today, less a small margin. The evaluation fails below
// a floor, so a change that hurts matching cannot land unnoticed; it reports
// whether each target is met.
var clusterTargets = map[string]struct {
	metric        string
	target, floor float64
}{
	"basil (date order)":               {"pairwise F1", 0.95, 0.95},
	"googlenews News (random order)":   {"NMI", 0.86, 0.86},
	"googlenews News-T (stream order)": {"NMI", 0.86, 0.86},
	"ecbplus (id order)":               {"pairwise F1", 0.90, 0.85},
	"gva gun violence (date order)":    {"pairwise F1", 0.75, 0.78},
}

// TestClusteringEval replays every story-clustering corpus through `parallax
// cluster` (a fresh embedded store each) and prints pairwise, B-cubed and NMI
// scores. Run it with:
//
//	go test ./server -run TestClusteringEval -v
//
// It is skipped under -short and with the race detector (it replays ~12,000
// articles; the race run would take minutes and the Makefile runs it separately).
func TestClusteringEval(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long evaluation: run without -short and -race (make test does)")
	}
	root := corpus.Require(t, "story-clustering")
	for _, st := range corpus.Streams() {
		t.Run(st.Name, func(t *testing.T) {
			docs, err := st.Load(root)
			if err != nil {
				t.Fatal(err)
			}
			var in bytes.Buffer
			enc := json.NewEncoder(&in)
			for _, d := range docs {
				if err := enc.Encode(d); err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut bytes.Buffer
			start := time.Now()
			if code := run([]string{"cluster"}, &in, &out, &errOut, env(nil)); code != 0 {
				t.Fatalf("parallax cluster exit %d: %s", code, errOut.String())
			}
			took := time.Since(start)
			pred := readClusterOutput(t, &out, docs)
			gold := make([]string, len(docs))
			for i, d := range docs {
				gold[i] = d.Gold
			}
			s := corpus.Score(gold, pred)
			t.Logf("%-34s docs=%d stories=%d (gold %d)  pairwise P/R/F1 %.3f/%.3f/%.3f  B3 P/R/F1 %.3f/%.3f/%.3f  NMI %.3f  (%.0f docs/s)",
				st.Name, s.Docs, s.Stories, s.GoldStories, s.PairP, s.PairR, s.PairF1, s.B3P, s.B3R, s.B3F1, s.NMI, float64(len(docs))/took.Seconds())
			// The errors behind the scores (see corpus.Scores): what to look at first.
			t.Logf("%-34s false merges %d pairs in %d mixed stories, false splits %d pairs of %d split stories",
				st.Name, s.FalseMergePairs, s.MixedStories, s.FalseSplitPairs, s.SplitStories)
			target := clusterTargets[st.Name]
			got := s.PairF1
			if target.metric == "NMI" {
				got = s.NMI
			}
			verdict := "met"
			if got < target.target {
				verdict = "MISSED"
			}
			t.Logf("%-34s target %s >= %.2f: %s", st.Name, target.metric, target.target, verdict)
			if got < target.floor {
				t.Errorf("%s %s = %.3f, below the floor %.3f: matching got worse", st.Name, target.metric, got, target.floor)
			}
		})
	}
}

func readClusterOutput(t *testing.T, r io.Reader, docs []corpus.StreamDoc) []string {
	t.Helper()
	var pred []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var o struct {
			ID    string `json:"id"`
			Story string `json:"story"`
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if i := len(pred); i >= len(docs) || o.ID != docs[i].ID {
			t.Fatalf("output line %d is for %q, want %q", i+1, o.ID, docs[min(i, len(docs)-1)].ID)
		}
		pred = append(pred, o.Story)
	}
	if len(pred) != len(docs) {
		t.Fatalf("%d output lines for %d articles", len(pred), len(docs))
	}
	return pred
}

// TestClusterCommand checks the command's contract on a small stream: one output
// line per input line in order, ids echoed as given (strings or numbers), optional
// fields, both date forms, and clear errors on bad input.
func TestClusterCommand(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"id": "a1", "url": "https://www.bbc.co.uk/news/uk-1?utm_source=x", "title": "Kestrelford Harbour Bridge collapses into River Wenn", "text": "The Kestrelford Harbour Bridge collapsed into the River Wenn on Thursday, injuring four people.", "published": "2026-11-20T08:40:00Z"}`,
		`{"id": 2, "title": "Four hurt as Kestrelford Harbour Bridge falls into River Wenn", "published": "2026-11-20"}`,
		``,
		`{"id": "a3", "title": "Marlow elects Susan Gale as mayor after close count", "text": "Voters in Marlow elected Susan Gale as mayor."}`,
		`{"id": "a1", "url": "https://www.bbc.co.uk/news/uk-1", "title": "same article again"}`,
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"cluster"}, strings.NewReader(in), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d output lines, want 4:\n%s", len(lines), out.String())
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if got[0]["id"] != "a1" || got[1]["id"] != 2.0 || got[2]["id"] != "a3" {
		t.Errorf("ids = %v %v %v", got[0]["id"], got[1]["id"], got[2]["id"])
	}
	if got[0]["story"] != got[1]["story"] {
		t.Errorf("the two bridge articles are in different stories: %v", got)
	}
	if got[2]["story"] == got[0]["story"] {
		t.Errorf("the election joined the bridge story")
	}
	if got[3]["story"] != got[0]["story"] {
		t.Errorf("the same URL again went to story %v, want %v", got[3]["story"], got[0]["story"])
	}
	if !strings.Contains(errOut.String(), "clustered 4 articles into 2 stories") {
		t.Errorf("summary line missing: %q", errOut.String())
	}

	bad := []struct{ name, in, msg string }{
		{"not JSON", "{\"id\": \"x\", \"title\": \"ok\"}\nnope\n", "line 2: not a JSON object"},
		{"no id", `{"title": "t"}`, `line 1: no "id"`},
		{"line too long", `{"id": "x", "text": "` + strings.Repeat("a", maxClusterLine) + `"}`, "longer than"},
	}
	for _, b := range bad {
		var errOut bytes.Buffer
		if code := run([]string{"cluster"}, strings.NewReader(b.in), io.Discard, &errOut, env(nil)); code != 1 || !strings.Contains(errOut.String(), b.msg) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", b.name, code, errOut.String(), b.msg)
		}
	}
	var warn bytes.Buffer
	run([]string{"cluster"}, strings.NewReader(`{"id": "x", "title": "t", "published": "last Tuesday"}`), io.Discard, &warn, env(nil))
	if !strings.Contains(warn.String(), "neither RFC 3339 nor YYYY-MM-DD") {
		t.Errorf("no warning for a bad date: %q", warn.String())
	}
	var usage bytes.Buffer
	if code := run([]string{"cluster", "extra"}, strings.NewReader(""), io.Discard, &usage, env(nil)); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
}

// TestClusterDeterministic: the same stream gives the same stories every time
// (sums over maps used to run in map order and could flip a near-tie).
func TestClusterDeterministic(t *testing.T) {
	t.Parallel()
	root := corpus.Require(t, "story-clustering")
	docs, err := corpus.Streams()[3].Load(root) // ECB+: many near-ties between sibling events
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, d := range docs[:300] {
		enc.Encode(d)
	}
	var outs [2]bytes.Buffer
	for i := range outs {
		if code := run([]string{"cluster"}, bytes.NewReader(in.Bytes()), &outs[i], io.Discard, env(nil)); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
	if !bytes.Equal(outs[0].Bytes(), outs[1].Bytes()) {
		t.Error("two replays of one stream gave different stories")
	}
}

func TestParseClusterLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line string
		want       clusterIn
		unknown    []string
		err        string // the whole message, "" for none
	}{
		{"every field", `{"id": "a1", "url": "https://x.example/a", "title": "T", "text": "Body.", "published": "2026-11-20"}`,
			clusterIn{ID: json.RawMessage(`"a1"`), URL: "https://x.example/a", Title: "T", Text: "Body.", Published: "2026-11-20"}, nil, ""},
		{"numeric id", `{"id": 7, "title": "T"}`, clusterIn{ID: json.RawMessage(`7`), Title: "T"}, nil, ""},
		{"date for published", `{"id": 1, "title": "T", "date": "2026-11-20"}`, clusterIn{ID: json.RawMessage(`1`), Title: "T", Published: "2026-11-20"}, nil, ""},
		{"published wins over date", `{"id": 1, "published": "2026-11-20", "date": "2026-11-21"}`,
			clusterIn{ID: json.RawMessage(`1`), Published: "2026-11-20", bothDates: true}, nil, ""},
		{"the same date twice", `{"id": 1, "published": "2026-11-20", "date": "2026-11-20"}`,
			clusterIn{ID: json.RawMessage(`1`), Published: "2026-11-20"}, nil, ""},
		{"unknown fields", `{"id": 1, "title": "T", "source": "AP", "bias": 3}`, clusterIn{ID: json.RawMessage(`1`), Title: "T"}, []string{"bias", "source"}, ""},
		{"names in another case", `{"ID": 1, "Title": "T"}`, clusterIn{ID: json.RawMessage(`1`), Title: "T"}, nil, ""},
		{"exact name wins over another case", `{"id": 1, "title": "T", "TITLE": "U"}`, clusterIn{ID: json.RawMessage(`1`), Title: "T"}, nil, ""},
		{"null strings are absent", `{"id": 1, "title": null, "url": null}`, clusterIn{ID: json.RawMessage(`1`)}, nil, ""},
		{"published a number", `{"id": 1, "published": 20261120}`, clusterIn{}, nil, `line 4: "published" must be a string, not a number`},
		{"title an object", `{"id": 1, "title": {"en": "T"}}`, clusterIn{}, nil, `line 4: "title" must be a string, not an object`},
		{"no id", `{"title": "T"}`, clusterIn{}, nil, `line 4: no "id"`},
		{"null id", `{"id": null, "title": "T"}`, clusterIn{}, nil, `line 4: no "id"`},
		{"not JSON", `xyz`, clusterIn{}, nil, `line 4: not a JSON object (it starts with 'x')`},
		{"an array", `[{"id": 1}]`, clusterIn{}, nil, `line 4: not a JSON object (it is an array)`},
		{"null", `null`, clusterIn{}, nil, `line 4: not a JSON object (it is null)`},
		{"cut short", `{"id": 1, "title": "T`, clusterIn{}, nil, `line 4: not a JSON object (it ends before the object is closed)`},
		{"garbage after", `{"id": 1} x`, clusterIn{}, nil, `line 4: not a JSON object (invalid character 'x' after top-level value at byte 11)`},
		{"trailing comma", `{"id": 1,}`, clusterIn{}, nil, `line 4: not a JSON object (invalid character '}' looking for beginning of object key string at byte 10)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, unknown, err := parseClusterLine([]byte(tt.line), 4)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(in.ID) != string(tt.want.ID) || in.URL != tt.want.URL || in.Title != tt.want.Title || in.Text != tt.want.Text ||
				in.Published != tt.want.Published || in.bothDates != tt.want.bothDates {
				t.Errorf("got %+v (id %s), want %+v (id %s)", in, in.ID, tt.want, tt.want.ID)
			}
			if !slices.Equal(unknown, tt.unknown) {
				t.Errorf("unknown fields %q, want %q", unknown, tt.unknown)
			}
		})
	}
}

// TestClusterWarnings: an unknown field is told once for the whole run, "date"
// stands in for "published", and the summary counts in words.
func TestClusterWarnings(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"id": 1, "title": "Kestrelford Harbour Bridge collapses into River Wenn", "date": "2026-11-20", "source": "AP"}`,
		`{"id": 2, "title": "Four hurt as Kestrelford Harbour Bridge falls into River Wenn", "date": "2026-11-20", "source": "AP", "Lang": "en"}`,
		`{"id": 3, "title": "Kestrelford bridge: divers rescue three", "published": "2026-11-20", "date": "2026-11-21"}`,
	}, "\n")
	var out, errOut bytes.Buffer
	if code := run([]string{"cluster"}, strings.NewReader(in), &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	msg := errOut.String()
	for _, want := range []string{
		`warning: line 1: unknown field "source" ignored (known: id, url, title, text, published, date)`,
		`warning: line 2: unknown field "Lang" ignored`,
		`warning: line 3: both "published" and "date" given; "published" is used`,
	} {
		if strings.Count(msg, want) != 1 {
			t.Errorf("stderr does not say once %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, `unknown field "source"`); n != 1 {
		t.Errorf("unknown field told %d times, want once:\n%s", n, msg)
	}
	if strings.Contains(msg, "neither RFC 3339") {
		t.Errorf("a date was not understood:\n%s", msg)
	}
	// A stream whose lines carry keys of their own warns a bounded number of times.
	var many strings.Builder
	for i := range 3 * maxFieldWarnings {
		fmt.Fprintf(&many, "{\"id\": %d, \"title\": \"Story %d\", \"k%d\": 1}\n", i, i, i)
	}
	var bounded bytes.Buffer
	if code := run([]string{"cluster"}, strings.NewReader(many.String()), io.Discard, &bounded, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, bounded.String())
	}
	if n := strings.Count(bounded.String(), `unknown field "`); n != maxFieldWarnings {
		t.Errorf("%d unknown-field warnings, want %d", n, maxFieldWarnings)
	}
	if n := strings.Count(bounded.String(), "no more are listed"); n != 1 {
		t.Errorf("%d notes that no more are listed, want 1:\n%s", n, bounded.String())
	}
	var one bytes.Buffer
	run([]string{"cluster"}, strings.NewReader(`{"id": 1, "title": "Marlow elects a mayor"}`), io.Discard, &one, env(nil))
	if !strings.Contains(one.String(), "clustered 1 article into 1 story in ") {
		t.Errorf("summary %q, want singular nouns", one.String())
	}
}

// TestClusterMemory: --memory reports what the replay grew the index by, per
// article, and the keys of each kind it added, into an empty prefix or onto an
// index; without --redis it is refused.
func TestClusterMemory(t *testing.T) {
	var errOut bytes.Buffer
	if code := run([]string{"cluster", "--memory"}, strings.NewReader(""), io.Discard, &errOut, env(nil)); code != 2 || !strings.Contains(errOut.String(), "--memory needs --redis") {
		t.Errorf("--memory without --redis = %d, %q; want 2 and a message", code, errOut.String())
	}
	if storetest.RedisURL() == "none" {
		t.Skip("no real Redis")
	}
	prefix := fmt.Sprintf("pxtest-clustermem-%d:", time.Now().UnixNano())
	// Opened for its cleanup: it purges the prefix when the test ends.
	storetest.OpenRedis(t, store.Options{Prefix: prefix, Retention: time.Hour})
	in := strings.Join([]string{
		`{"id": 1, "url": "https://example.org/a", "title": "Harbour bridge reopens", "text": "The harbour bridge reopened on Monday after repairs."}`,
		`{"id": 2, "url": "https://example.com/b", "title": "Harbour bridge open again after repairs", "text": "Repairs done, the harbour bridge opened again on Monday."}`,
		`{"id": 3, "url": "https://example.net/c", "title": "Marlow elects Susan Gale as mayor", "text": "Voters in Marlow elected Susan Gale as mayor."}`,
	}, "\n")
	errOut.Reset()
	if code := run([]string{"cluster", "--memory", "--redis", storetest.RedisURL(), "--prefix", prefix}, strings.NewReader(in), io.Discard, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := errOut.String()
	per := regexp.MustCompile(`used_memory grew by -?\d+ bytes for 3 articles: -?\d+ bytes per article`)
	// Three records; the other kinds' counts depend on the matcher.
	records := regexp.MustCompile(`(?m)^  a:\{\}\s+3\s+\d+\s+\d+$`)
	all := regexp.MustCompile(`(?m)^  all keys\s+\d+\s+\d+\s+\d+$`)
	for _, re := range []*regexp.Regexp{per, records, all} {
		if !re.MatchString(got) {
			t.Errorf("no line matching %s in:\n%s", re, got)
		}
	}
	// Onto the index that holds those three, two more articles: what they added,
	// not what the prefix holds.
	more := strings.Join([]string{
		`{"id": 4, "url": "https://example.org/d", "title": "Storm closes Kestrelford port", "text": "A storm closed the port of Kestrelford on Tuesday."}`,
		`{"id": 5, "url": "https://example.com/e", "title": "Marlow mayor Susan Gale sworn in", "text": "Susan Gale was sworn in as mayor of Marlow."}`,
	}, "\n")
	errOut.Reset()
	if code := run([]string{"cluster", "--memory", "--redis", storetest.RedisURL(), "--prefix", prefix}, strings.NewReader(more), io.Discard, &errOut, env(nil)); code != 0 {
		t.Fatalf("second replay: exit %d: %s", code, errOut.String())
	}
	if re := regexp.MustCompile(`(?m)^  a:\{\}\s+2\s+\d+\s+\d+$`); !re.MatchString(errOut.String()) {
		t.Errorf("second replay: no line matching %s (two records added) in:\n%s", re, errOut.String())
	}
}
