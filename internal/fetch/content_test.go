package fetch

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// shiftJIS encodes s as Shift_JIS, as a Japanese news site would serve it.
func shiftJIS(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTMLToUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        string
	}{
		{"header windows-1252", "text/html; charset=windows-1252", []byte("<p>caf\xe9 \x80 na\xefve</p>"), "<p>café € naïve</p>"},
		{"header iso-8859-1 is windows-1252 (WHATWG)", "text/html; charset=ISO-8859-1", []byte("<p>Espa\xf1a \x93quoted\x94</p>"), "<p>España “quoted”</p>"},
		{"header shift_jis", "text/html; charset=Shift_JIS", shiftJIS(t, "<p>日本語のニュース</p>"), "<p>日本語のニュース</p>"},
		{"meta charset only", "text/html", []byte(`<meta charset="windows-1252"><p>caf` + "\xe9</p>"), `<meta charset="windows-1252"><p>café</p>`},
		{"meta http-equiv shift_jis", "", append([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=shift_jis"><p>`), shiftJIS(t, "東京</p>")...), `<meta http-equiv="Content-Type" content="text/html; charset=shift_jis"><p>東京</p>`},
		{"header beats meta", "text/html; charset=windows-1252", []byte(`<meta charset="utf-8"><p>caf` + "\xe9</p>"), `<meta charset="utf-8"><p>café</p>`},
		{"undeclared UTF-8 kept", "text/html", []byte("<p>Zürich – 東京</p>"), "<p>Zürich – 東京</p>"},
		{"undeclared latin bytes fall back to windows-1252", "text/html", []byte("<p>Z\xfcrich</p>"), "<p>Zürich</p>"},
		{"declared UTF-8 with invalid byte repaired", "text/html; charset=utf-8", []byte("<p>ok \xff ok</p>"), "<p>ok \uFFFD ok</p>"},
		{"UTF-8 BOM dropped", "text/html", []byte("\xef\xbb\xbf<p>é</p>"), "<p>é</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := htmlToUTF8(tt.body, tt.contentType)
			if err != nil {
				t.Fatalf("htmlToUTF8: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("htmlToUTF8 = %q, want %q", got, tt.want)
			}
			if !utf8.Valid(got) {
				t.Errorf("htmlToUTF8 returned invalid UTF-8")
			}
		})
	}
}

type rss struct {
	Title string `xml:"channel>title"`
}

func TestFeedToUTF8(t *testing.T) {
	t.Parallel()
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        string
		parsesAs    string // channel title encoding/xml must read, "" to skip
	}{
		{
			name:        "latin-1 declaration converted and rewritten",
			contentType: "application/rss+xml",
			body:        []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Caf` + "\xe9</title></channel></rss>"),
			want:        `<?xml version="1.0" encoding="UTF-8"?><rss><channel><title>Café</title></channel></rss>`,
			parsesAs:    "Café",
		},
		{
			name:        "single quotes and spaces in declaration",
			contentType: "text/xml",
			body:        []byte("<?xml version='1.0' encoding = 'windows-1252' standalone='yes'?><rss><channel><title>\x93Hi\x94</title></channel></rss>"),
			want:        "<?xml version='1.0' encoding = 'UTF-8' standalone='yes'?><rss><channel><title>“Hi”</title></channel></rss>",
			parsesAs:    "“Hi”",
		},
		{
			name:        "header charset wins over declaration (RFC 7303 §3)",
			contentType: "application/xml; charset=iso-8859-1",
			body:        []byte(`<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Caf` + "\xe9</title></channel></rss>"),
			want:        `<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café</title></channel></rss>`,
			parsesAs:    "Café",
		},
		{
			name:        "header charset without declaration",
			contentType: "application/rss+xml; charset=windows-1252",
			body:        []byte("<rss><channel><title>caf\xe9</title></channel></rss>"),
			want:        "<rss><channel><title>café</title></channel></rss>",
			parsesAs:    "café",
		},
		{
			name:        "UTF-16 with BOM",
			contentType: "application/xml",
			body:        utf16(`<?xml version="1.0" encoding="UTF-16"?><rss><channel><title>Zürich</title></channel></rss>`),
			want:        `<?xml version="1.0" encoding="UTF-8"?><rss><channel><title>Zürich</title></channel></rss>`,
			parsesAs:    "Zürich",
		},
		{
			name:        "undeclared kept as received",
			contentType: "application/rss+xml",
			body:        []byte("<rss><channel><title>Zürich</title></channel></rss>"),
			want:        "<rss><channel><title>Zürich</title></channel></rss>",
			parsesAs:    "Zürich",
		},
		{
			name:        "undeclared latin bytes kept as received, not guessed",
			contentType: "application/rss+xml",
			body:        []byte("<rss><channel><title>caf\xe9</title></channel></rss>"),
			want:        "<rss><channel><title>caf\xe9</title></channel></rss>",
		},
		{
			name:        "unknown label kept as received",
			contentType: "application/xml",
			body:        []byte(`<?xml version="1.0" encoding="x-klingon"?><rss/>`),
			want:        `<?xml version="1.0" encoding="x-klingon"?><rss/>`,
		},
		{
			name:        "stylesheet PI is not a declaration",
			contentType: "application/xml",
			body:        []byte(`<?xml-stylesheet encoding="latin1"?><rss/>`),
			want:        `<?xml-stylesheet encoding="latin1"?><rss/>`,
		},
		{
			name:        "JSON feed with header charset",
			contentType: "application/feed+json; charset=iso-8859-1",
			body:        []byte(`{"title":"Caf` + "\xe9" + `"}`),
			want:        `{"title":"Café"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := feedToUTF8(tt.body, tt.contentType)
			if err != nil {
				t.Fatalf("feedToUTF8: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("feedToUTF8 = %q, want %q", got, tt.want)
			}
			if tt.parsesAs == "" {
				return
			}
			// encoding/xml without a CharsetReader refuses any declared
			// encoding but UTF-8: it parses only if the rewrite happened.
			var doc rss
			if err := xml.NewDecoder(bytes.NewReader(got)).Decode(&doc); err != nil {
				t.Fatalf("encoding/xml cannot read the result: %v", err)
			}
			if doc.Title != tt.parsesAs {
				t.Errorf("title = %q, want %q", doc.Title, tt.parsesAs)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind Kind
		body string
		want string
	}{
		{"html doctype", HTML, "<!DOCTYPE html><html><p>x", "text/html"},
		{"html fragment", HTML, "  <html><body>", "text/html"},
		{"png", HTML, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"pdf", HTML, "%PDF-1.7\n", "application/pdf"},
		{"xml declaration", Feed, `<?xml version="1.0"?><rss>`, "text/xml"},
		{"bare rss", Feed, `<rss version="2.0"><channel>`, "application/xml"},
		{"bare atom", Feed, "\n<feed xmlns=\"http://www.w3.org/2005/Atom\">", "application/xml"},
		{"bare rdf", Feed, `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`, "application/xml"},
		{"json feed", Feed, `{"version":"https://jsonfeed.org/version/1.1"}`, "application/json"},
		{"plain text is not a feed", Feed, "hello", "text/plain"},
		{"rss root is not html", HTML, `<rss version="2.0">`, "text/plain"},
	}
	for _, tt := range tests {
		if got := sniff([]byte(tt.body), tt.kind); got != tt.want {
			t.Errorf("%s: sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"empty", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"seconds with spaces", " 30 ", 30 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"http-date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"rfc850 date", now.Add(time.Hour).Format(time.RFC850), time.Hour},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"capped seconds", "99999999999", maxRetryAfter},
		{"capped date", now.Add(30 * 24 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
		{"garbage", "soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("%s: parseRetryAfter(%q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}
