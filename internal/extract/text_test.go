package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRenderText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, html, want string
	}{
		{"paragraphs", "<p>One  two\nthree.</p><p>Four.</p>", "One two three.\n\nFour."},
		{"nested blocks give one blank line", "<div><div><p>A</p></div></div><div><p>B</p></div>", "A\n\nB"},
		{"inline elements join words", "<p>in<b>line</b> and <i>italic</i> text</p>", "inline and italic text"},
		{"br is a line break", "<p>line one<br>line two</p>", "line one\nline two"},
		{"double br is a paragraph break", "<div>first<br><br>second<br> <br>third</div>", "first\n\nsecond\n\nthird"},
		{"headings and lists", "<h2>Title</h2><ul><li>one</li><li>two</li></ul><p>after</p>", "Title\n\none\n\ntwo\n\nafter"},
		{"table rows and cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d"},
		{"pre keeps lines", "<pre>x = 1\ny = 2</pre>", "x = 1\ny = 2"},
		{"skipped elements", "<p>keep<script>drop()</script><style>.x{}</style><button>Click</button></p>", "keep"},
		{"hidden elements", `<p>shown</p><p hidden>gone</p><p aria-hidden="true">gone too</p>`, "shown"},
		{"non-breaking spaces", "<p>a\u00a0b &nbsp; c</p>", "a b c"},
		{"empty", "<div> <p> </p> </div>", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := html.Parse(strings.NewReader("<body>" + tc.html + "</body>"))
			if err != nil {
				t.Fatal(err)
			}
			if got := renderText(doc); got != tc.want {
				t.Errorf("renderText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPreferStructuredBody(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Words of the full article body go on and on. ", 20)
	cases := []struct {
		name, dom, ld, want string
	}{
		{"no articleBody", long, "", long},
		{"DOM empty", "", long, long},
		{"DOM too short", "Subscribe to read.", long, long},
		{"complete and same length: DOM keeps its paragraphs", long, long + " extra", long},
		{"DOM lost half of the article", long[:len(long)/3], long, long},
		{"truncated teaser", long, long[:200], long},
		{"ends in an ellipsis", long[:len(long)/3], long + " And then…", long[:len(long)/3]},
		{"articleBody too short to be an article", "", "Read the full story.", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := preferStructuredBody(tc.dom, tc.ld); got != tc.want {
				t.Errorf("preferStructuredBody = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStripSiteName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		title, site, url, want string
	}{
		{"Title | Site Name", "Site Name", "", "Title"},
		{"Title - Site Name", "site name", "", "Title"},
		{"Title — The Site", "Site", "", "Title"},
		{"Site Name :: Title", "Site Name", "", "Title"},
		{"Title | Section | Site", "Site", "", "Title | Section"},
		{"Title - nytimes.com", "", "https://www.nytimes.com/x", "Title"},
		{"Title - The New York Times", "", "https://www.nytimes.com/x", "Title - The New York Times"},
		{"Title - The New York Times", "The New York Times", "https://www.nytimes.com/x", "Title"},
		{"Valley Gazette: Title", "", "https://valleygazette.co.uk/x", "Title"},
		{"Site Name", "Site Name", "", "Site Name"},
		{"Well-known - and unrelated", "Site", "", "Well-known - and unrelated"},
	}
	for _, tc := range cases {
		t.Run(tc.title, func(t *testing.T) {
			t.Parallel()
			var u = mustURL(t, tc.url)
			if tc.url == "" {
				u = nil
			}
			if got := stripSiteName(tc.title, tc.site, u); got != tc.want {
				t.Errorf("stripSiteName(%q, %q) = %q, want %q", tc.title, tc.site, got, tc.want)
			}
		})
	}
}
