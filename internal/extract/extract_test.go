package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// goldenResult is what a golden file records: the article, or the error.
type goldenResult struct {
	Error   string   `json:"error,omitempty"`
	Article *Article `json:"article,omitempty"`
}

// goldenPages are the hand-written test pages and the URL each is served at.
var goldenPages = []struct {
	name, url string
}{
	{"newsarticle-jsonld", "https://www.riversidecourier.example/news/2024/05/14/bike-lanes-approved?utm_source=feed"},
	{"meta-only", "https://coastaldaily.example/weather/storm-power-outages"},
	{"amp", "https://www.sciencewire.example/amp/2022/08/seafloor-mapping"},
	{"legacy-table", "http://www.valleygazette.example/news/2004/harvest.html"},
	{"german", "https://www.stadtanzeiger.example/lokales/strassenbahn-linie-7"},
	{"homepage", "https://metronews.example/"},
	{"search", "https://dailypost.example/search?q=flood"},
	{"loginwall", "https://ledger.example/markets/2024/rally"},
	{"empty", "https://example.com/empty"},
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenPages {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page, err := os.ReadFile(filepath.Join("testdata", tc.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			a, err := Parse(page, mustURL(t, tc.url))
			var got goldenResult
			if err != nil {
				got.Error = err.Error()
			} else {
				got.Article = &a
			}
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			gotJSON = append(gotJSON, '\n')
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/extract -update)", err)
			}
			if !bytes.Equal(gotJSON, want) {
				t.Errorf("Parse(%s) =\n%s\nwant\n%s", tc.name, gotJSON, want)
			}
		})
	}
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// articleBody is prose long enough to pass as an article.
const articleBody = `<p>The regional water authority said on Monday that reservoirs were at their lowest level in
twenty years, and asked households in the valley to cut their use by a fifth until the autumn rains.</p>
<p>Farmers, who use most of the water, will face stricter limits from next month. The authority said fines
for watering gardens during the day would double, and that inspectors would visit the largest users.</p>
<p>Officials said the measures would be lifted as soon as the reservoirs recovered.</p>`

func TestParseNotArticle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, page string
	}{
		{"empty", ""},
		{"whitespace", " \n\t "},
		{"head only", "<html><head><title>Nothing here</title></head></html>"},
		{"empty body", "<html><body></body></html>"},
		{"text not html", "just a few words of plain text"},
		{"short note", "<html><body><p>Page not found. Go back to the <a href=/>home page</a>.</p></body></html>"},
		{"cookie wall", `<html><body><div class="consent"><h1>We value your privacy</h1>
			<p>We and our partners use cookies to personalise content and ads. Click accept to continue.</p>
			<button>Accept</button></div></body></html>`},
		{"link list", "<html><body><ul>" + strings.Repeat(`<li><a href="/a">Another headline in the list of links</a></li>`, 40) + "</ul></body></html>"},
		{"images only", "<html><body>" + strings.Repeat(`<p><img src="/a.jpg" width=600 height=400></p>`, 20) + "</body></html>"},
		{"scripts only", "<html><body><script>" + strings.Repeat("var a = 'lots of words in a script';", 200) + "</script></body></html>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Parse([]byte(tc.page), mustURL(t, "https://example.com/a"))
			if !errors.Is(err, ErrNotArticle) {
				t.Errorf("Parse = %+v, %v; want ErrNotArticle", a, err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		page func() string
	}{
		{"over MaxHTMLBytes", func() string {
			return "<html><body>" + articleBody + strings.Repeat(" ", MaxHTMLBytes) + "</body></html>"
		}},
		// golang.org/x/net/html refuses documents nested deeper than 512
		// elements; Parse must fail fast rather than recurse.
		{"100k nested divs", func() string { return "<html><body>" + strings.Repeat("<div>", 100_000) + articleBody }},
		{"too many elements", func() string {
			return "<html><body>" + articleBody + strings.Repeat("<span>x</span>", MaxElemsToParse) + "</body></html>"
		}},
		{"one element over MaxElemsToParse", func() string { return pageWithElements(t, MaxElemsToParse+1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.page()), nil)
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("Parse err = %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestParseAtLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, page string
	}{
		// Nested just under the parser's limit, with the article at the bottom.
		{"nested 500 deep", "<html><body>" + strings.Repeat("<div>", 500) + articleBody},
		{"exactly MaxHTMLBytes", func() string {
			p := "<html><body>" + articleBody
			return p + strings.Repeat(" ", MaxHTMLBytes-len(p))
		}()},
		// Parse adds an element of its own (declareByline); the limit applies
		// to the page as sent.
		{"exactly MaxElemsToParse elements", pageWithElements(t, MaxElemsToParse)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The size limits are tested here, not the CPU budget, which a
			// 5 MiB page can exceed in a race-detector build.
			a, err := parse([]byte(tc.page), nil, time.Hour)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !strings.Contains(a.Text, "lowest level in twenty years") {
				t.Errorf("Text = %q, want the article", a.Text)
			}
		})
	}
}

// pageWithElements returns articleBody padded to a page of exactly n elements
// with <br>s, the cheapest elements for readability to walk past (a 60,000
// element page takes it about 15 ms).
func pageWithElements(tb testing.TB, n int) string {
	tb.Helper()
	const start, end = "<html><head></head><body>" + articleBody + "<div>", "</div></body></html>"
	count := func(page string) int {
		doc, err := parseHTML([]byte(page))
		if err != nil {
			tb.Fatal(err)
		}
		return countElements(doc)
	}
	page := start + strings.Repeat("<br>", n-count(start+end)) + end
	if got := count(page); got != n {
		tb.Fatalf("page has %d elements, want %d", got, n)
	}
	return page
}

// TestParseBrokenHTML feeds malformed input: Parse must not panic, and what it
// returns must be well-formed.
func TestParseBrokenHTML(t *testing.T) {
	t.Parallel()
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i/13) // deterministic, covers all byte values
	}
	cases := []struct {
		name string
		page []byte
	}{
		{"unclosed tags", []byte("<html><body><div><p>" + strings.Repeat("<b><i><p>unclosed, text ", 300))},
		{"stray end tags", []byte(strings.Repeat("</div></p></table></html>", 500) + articleBody)},
		{"binary garbage", garbage},
		{"garbage inside article", append([]byte("<html><body><article>"+articleBody), garbage[:4096]...)},
		{"invalid utf-8", []byte("<html><head><meta charset=utf-8></head><body><p>\xff\xfe\xc3 broken \xe2\x82 bytes " + strings.Repeat("word, ", 60) + "</p></body></html>")},
		{"nul bytes", []byte("<html><body><p>" + strings.Repeat("a\x00b, c ", 100) + "</p></body></html>")},
		{"broken json-ld", []byte(`<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": [[[[</script></head><body>` + articleBody + `</body></html>`)},
		{"deep json-ld", []byte(`<html><head><script type="application/ld+json">` + strings.Repeat(`{"@graph":[`, 5000) + strings.Repeat(`]}`, 5000) + `</script></head><body>` + articleBody + `</body></html>`)},
		{"unterminated comment", []byte("<html><body>" + articleBody + "<!-- never closed")},
		{"frameset", []byte("<html><frameset><frame src=a.html></frameset></html>")},
		{"svg and math", []byte("<html><body><svg><p>in svg</p></svg><math><mi>x</mi></math>" + articleBody + "</body></html>")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Parse(tc.page, mustURL(t, "https://example.com/a"))
			if err != nil {
				if !errors.Is(err, ErrNotArticle) && !errors.Is(err, ErrTooLarge) {
					t.Errorf("Parse err = %v, want nil, ErrNotArticle or ErrTooLarge", err)
				}
				return
			}
			checkArticle(t, a)
		})
	}
}

// checkArticle checks the invariants of a successful Parse.
func checkArticle(t *testing.T, a Article) {
	t.Helper()
	if a.Text == "" || a.Text != strings.TrimSpace(a.Text) {
		t.Errorf("Text %q is empty or not trimmed", a.Text)
	}
	if strings.Contains(a.Text, "\n\n\n") {
		t.Errorf("Text %q has more than one blank line between paragraphs", a.Text)
	}
	for name, s := range map[string]string{
		"Title": a.Title, "Byline": a.Byline, "SiteName": a.SiteName, "Excerpt": a.Excerpt, "Text": a.Text,
		"Lang": a.Lang, "CanonicalURL": a.CanonicalURL, "Image": a.Image,
	} {
		if !utf8.ValidString(s) {
			t.Errorf("%s %q is not valid UTF-8", name, s)
		}
	}
	if n := utf8.RuneCountInString(a.Excerpt); n > maxExcerptRunes {
		t.Errorf("Excerpt has %d characters, want at most %d", n, maxExcerptRunes)
	}
}
