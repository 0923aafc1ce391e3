package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOutletsAPI(t *testing.T) {
	t.Parallel()
	_, ts := startServer(t, testConfig(t, nil))
	tests := []struct {
		name, query string
		status      int
		check       func(map[string]any) bool
	}{
		{"first page", "", 200, func(m map[string]any) bool {
			return path(m, "page") == 1.0 && path(m, "per_page") == 50.0 && path(m, "total").(float64) >= 1000 && len(m["outlets"].([]any)) == 50
		}},
		{"filter by country and bias", "?country=gb&bias=center&per_page=200", 200, func(m map[string]any) bool {
			for _, o := range m["outlets"].([]any) {
				if path(o, "country") != "GB" || path(o, "bias") != "center" {
					return false
				}
			}
			return path(m, "total").(float64) > 0
		}},
		{"unrated", "?bias=unrated&per_page=5", 200, func(m map[string]any) bool {
			return path(m["outlets"].([]any)[0], "bias") == nil
		}},
		{"past the end", "?page=1000", 200, func(m map[string]any) bool { return len(m["outlets"].([]any)) == 0 }},
		{"bad bias", "?bias=leftish", 400, func(m map[string]any) bool { return path(m, "error", "code") == "invalid_filter" }},
		{"bad country", "?country=USA", 400, func(m map[string]any) bool { return path(m, "error", "code") == "invalid_filter" }},
		{"bad page", "?page=0", 400, func(m map[string]any) bool { return path(m, "error", "code") == "invalid_parameter" }},
		{"page too big", "?per_page=5000", 400, func(m map[string]any) bool { return path(m, "error", "code") == "invalid_parameter" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, ts.URL+"/api/v1/outlets"+tt.query)
			if resp.StatusCode != tt.status || !tt.check(body) {
				t.Errorf("%d %.300v", resp.StatusCode, body)
			}
		})
	}
	for host, want := range map[string]string{"edition.cnn.com": "cnn", "nyti.ms": "new-york-times", "www.bbc.co.uk": "bbc-news"} {
		resp, body := get(t, ts.URL+"/api/v1/outlets/"+host)
		if resp.StatusCode != 200 || path(body, "id") != want || path(body, "ratings") == nil || path(body, "ownership") == nil {
			t.Errorf("%s: %d %.300v", host, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, ts.URL+"/api/v1/outlets/unknown.example"); resp.StatusCode != 404 || path(body, "error", "code") != "not_found" {
		t.Errorf("unknown domain: %d %v", resp.StatusCode, body)
	}
}

// TestOutletsFile: the server applies PARALLAX_OUTLETS_FILE, and refuses to start
// on an invalid one, naming the record and the field.
func TestOutletsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"id": "kestrel-post", "name": "Kestrel Post", "domains": ["kestrelpost.example"], "bias": "lean-right", "country": "GB"},
		{"id": "fox-news", "remove": true}]`), 0o600)
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_OUTLETS_FILE": good}))
	if resp, body := get(t, ts.URL+"/api/v1/outlets/www.kestrelpost.example"); resp.StatusCode != 200 || path(body, "bias") != "lean-right" {
		t.Errorf("added outlet: %d %v", resp.StatusCode, body)
	}
	if resp, _ := get(t, ts.URL+"/api/v1/outlets/foxnews.com"); resp.StatusCode != 404 {
		t.Errorf("removed outlet still answers %d", resp.StatusCode)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"id": "kestrel-post", "name": "Kestrel Post", "domains": ["kestrelpost.example"]}, {"id": "bbc-news", "bias": "centre"}]`), 0o600)
	var stderr bytes.Buffer
	code := run([]string{"serve"}, nil, io.Discard, &stderr, env(map[string]string{"PARALLAX_OUTLETS_FILE": bad, "PARALLAX_DATA_DIR": t.TempDir(), "PARALLAX_ADDR": "127.0.0.1:0", "PARALLAX_INGEST": "off"}))
	if code == 0 || !strings.Contains(stderr.String(), "record 1") || !strings.Contains(stderr.String(), `field \"bias\"`) {
		t.Errorf("bad outlets file: exit %d, %s", code, stderr.String())
	}
}

func TestOutletsCommand(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run([]string{"outlets"}, nil, &out, io.Discard, env(nil)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	text := out.String()
	for _, want := range []string{"bbc-news", "by bias:", "by factuality:", "by country:", "outside the US", "with at least one feed"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	out.Reset()
	if code := run([]string{"outlets", "--json"}, nil, &out, io.Discard, env(nil)); code != 0 {
		t.Fatalf("--json exit %d", code)
	}
	var list []map[string]any
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) < 1000 {
		t.Fatalf("--json: %d records, %v", len(list), err)
	}

	csvFile := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(csvFile, []byte("domain,name,bias,factuality,country,feed\nkestrelpost.example,Kestrel Post,Lean Right,high,GB,https://kestrelpost.example/rss\n"), 0o600)
	out.Reset()
	var errOut bytes.Buffer
	if code := run([]string{"outlets", "import", "--format", "csv", csvFile}, nil, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("import exit %d: %s", code, errOut.String())
	}
	var imported []map[string]any
	if err := json.Unmarshal(out.Bytes(), &imported); err != nil || len(imported) != 1 || imported[0]["bias"] != "lean-right" {
		t.Fatalf("import output %s (%v)", out.String(), err)
	}
	// The import output is a valid outlets file.
	file := filepath.Join(t.TempDir(), "outlets.json")
	os.WriteFile(file, out.Bytes(), 0o600)
	out.Reset()
	if code := run([]string{"outlets", "--json"}, nil, &out, io.Discard, env(map[string]string{"PARALLAX_OUTLETS_FILE": file})); code != 0 || !strings.Contains(out.String(), "kestrel-post") {
		t.Errorf("imported file not usable: exit %d", code)
	}
	errOut.Reset()
	os.WriteFile(csvFile, []byte("domain,name,bias\nx.example,X,sideways\n"), 0o600)
	if code := run([]string{"outlets", "import", "--format", "csv", csvFile}, nil, io.Discard, &errOut, env(nil)); code != 1 || !strings.Contains(errOut.String(), "line 2") {
		t.Errorf("bad csv: exit %d, %s", code, errOut.String())
	}
	if code := run([]string{"outlets", "import", "--format", "xml", csvFile}, nil, io.Discard, io.Discard, env(nil)); code != 2 {
		t.Errorf("bad format: exit %d", code)
	}
}

// TestOutletsTableWidth: every line `parallax outlets` prints for the real
// registry fits a 120-column terminal (the table was 303 wide).
func TestOutletsTableWidth(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run([]string{"outlets"}, nil, &out, io.Discard, env(nil)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) < 1000 {
		t.Fatalf("%d lines, want a row per outlet", len(lines))
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > tableWidth {
			t.Errorf("line %d is %d runes wide: %q", i+1, n, l)
		}
	}
	for _, want := range []string{"bbc-news ", "bbc.co.uk +2", "by ownership:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestOutletTableCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		domains []string
		cell    string
	}{
		{"one", []string{"bbc.co.uk"}, "bbc.co.uk"},
		{"several", []string{"bbc.co.uk", "bbc.com", "bbci.co.uk"}, "bbc.co.uk +2"},
		{"long", []string{"thebureauinvestigates.com"}, "thebureauinvestigates…"},
		{"long and several", []string{"thebureauinvestigates.com", "tbij.com"}, "thebureauinvestiga… +1"},
		{"none", nil, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := domainsCell(tt.domains); got != tt.cell || utf8.RuneCountInString(got) > maxDomainRunes {
				t.Errorf("domainsCell(%q) = %q, want %q", tt.domains, got, tt.cell)
			}
		})
	}
	for in, want := range map[string]string{
		"BBC News":                        "BBC News",
		"Al Jazeera (الجزيرة)":            "Al Jazeera (الجزيرة)",
		"The Australian Financial Review": "The Australian Financial …",
		"two\tcells":                      "two cells",
	} {
		if got := ellipsis(in, maxNameRunes); got != want {
			t.Errorf("ellipsis(%q) = %q, want %q", in, got, want)
		}
	}
}
