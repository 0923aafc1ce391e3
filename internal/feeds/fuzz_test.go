package feeds

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/fetch"
)

// maxFuzzFeedBytes bounds the feed bodies FuzzFeed tries. Parsing is linear in
// the body (TestPollTooLarge covers the size cap); larger bodies only make
// each run, and minimising the inputs that find new code, slower.
const maxFuzzFeedBytes = 16 << 10

// FuzzFeed feeds untrusted bytes through what Poll does with a body: parse,
// then convert. A rejected body must be ErrMalformed with a short, showable
// reason; an accepted one must give only the items the package doc promises:
// absolute http(s) links without userinfo, each once, plain-text titles and
// summaries within their bounds, GUIDs within theirs, no dates past the
// allowed skew, newest first. Seeded with every feed in testdata/:
//
//	go test ./internal/feeds -run '^$' -fuzz '^FuzzFeed$' -fuzztime 30s
func FuzzFeed(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	for _, s := range []string{
		`<rss version="2.0"><channel><item><link>/rel</link><title>a &amp; b</title></item><item><link>/rel</link></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://other.example/x/"><entry><link href="y"/><id>tag:a,2026:1</id></entry></feed>`,
		`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://u@a.example/","external_url":"//b.example/c","content_html":"<p>x</p>"}]}`,
		`<rss><channel><item><link>https://a.example/1</link><pubDate>Mon, 01 Jan 2099 00:00:00 GMT</pubDate></item></channel></rss>`,
	} {
		f.Add([]byte(s), uint8(1))
	}
	base, err := url.Parse("https://news.example/feeds/world.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		if len(body) > maxFuzzFeedBytes {
			return
		}
		feed, err := parse(body)
		if err != nil {
			checkMalformed(t, err)
			return
		}
		// 0 means the default, as in Options; else 1 to 255 exercises the cut.
		maxItems := defaultMaxItems
		if n > 0 {
			maxItems = int(n)
		}
		items := convert(feed, base, testNow, maxItems)
		if len(items) > maxItems {
			t.Errorf("%d items, want at most %d", len(items), maxItems)
		}
		seen := map[string]bool{}
		for i, it := range items {
			checkItemURL(t, it.URL)
			if seen[it.URL] {
				t.Errorf("item %d: link %q repeated", i, it.URL)
			}
			seen[it.URL] = true
			checkPlain(t, "title", it.Title, maxTitleRunes)
			checkPlain(t, "summary", it.Summary, maxSummaryRunes)
			if len(it.GUID) > maxGUIDBytes || !utf8.ValidString(it.GUID) || it.GUID != strings.TrimLeftFunc(it.GUID, unicode.IsSpace) {
				t.Errorf("item %d: GUID %q: want valid UTF-8 of at most %d bytes, no leading space", i, it.GUID, maxGUIDBytes)
			}
			if p := it.Published; !p.IsZero() && (p.Location() != time.UTC || p.After(testNow.Add(maxFutureSkew))) {
				t.Errorf("item %d: published %v: want UTC and at most %v after %v", i, p, maxFutureSkew, testNow)
			}
			if i == 0 {
				continue
			}
			prev := items[i-1].Published
			if (prev.IsZero() && !it.Published.IsZero()) || (!it.Published.IsZero() && it.Published.After(prev)) {
				t.Errorf("item %d (%v) after item %d (%v): want newest first, undated last", i, it.Published, i-1, prev)
			}
		}
	})
}

// checkMalformed checks an error from parse: ErrMalformed, with a reason
// short and clean enough for State.LastError.
func checkMalformed(t *testing.T, err error) {
	t.Helper()
	var me *malformedError
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &me) {
		t.Fatalf("parse error %v (%T): want a *malformedError matching ErrMalformed", err, err)
	}
	if me.reason == "" || utf8.RuneCountInString(me.reason) > maxReasonRunes || !utf8.ValidString(me.reason) {
		t.Errorf("reason %q: want 1 to %d runes of valid UTF-8", me.reason, maxReasonRunes)
	}
	if got, want := describe(wrap("news.example", err)), truncate("not a feed: "+me.reason, maxLastErrorRunes); got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}

// checkItemURL checks that link is what fetch will request: absolute
// http(s), with a host, without userinfo, within fetch.MaxURLLength.
func checkItemURL(t *testing.T, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q does not parse: %v", link, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(link) > fetch.MaxURLLength {
		t.Errorf("link %q: want an absolute http(s) URL with a host, no userinfo, at most %d bytes", link, fetch.MaxURLLength)
	}
}

// checkPlain checks text plainText returned: valid UTF-8, at most limit
// runes, whitespace collapsed to single spaces and trimmed, no control or
// zero-width characters.
func checkPlain(t *testing.T, what, s string, limit int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s %q is not valid UTF-8", what, s)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		t.Errorf("%s has %d runes, want at most %d", what, n, limit)
	}
	for _, r := range s {
		if r != ' ' && unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			t.Errorf("%s %q holds %U", what, s, r)
			break
		}
	}
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		t.Errorf("%s %q: want single inner spaces only", what, s)
	}
}

// FuzzPlainText checks plainText on any text and limit: the result is plain
// text (see checkPlain) and reading stops early without changing it, which
// is what lets a megabyte description cost no more than a short one: the
// bounded result is exactly the unbounded one cut by truncate.
//
//	go test ./internal/feeds -run '^$' -fuzz '^FuzzPlainText$' -fuzztime 30s
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{
		"  Storm hits\n\tthe coast ", "<b>Hel</b>lo <i>world</i>", "<p>One</p><p>Two</p><ul><li>a</li><li>b</li></ul>",
		"line<br>next<br/>last", "Fish &amp; chips &eacute;t&eacute; &#8212; &#x2019; &lt;tag&gt;", "a&nbsp;&nbsp;b\u00a0\u202fc",
		`<script>var x = "<p>no</p>";</script>Yes<style>p{}</style>`, "<svg><g><text>chart</text></g></svg>Shown",
		"Before <b>bold", "5 < 6 and 7 > 3", "a\x00b\x1bc\u200bd\ufeffe\u0085f", "a<!-- secret -->b",
		"<p> <br> </p>", "The quick brown fox jumps over the lazy dog", "Supercalifragilistic", "\xff\xfe<p>\xc3</p>",
		"<title>t</title><math><mi>x</mi></math></math></math>after",
	} {
		f.Add(s, uint16(20))
		f.Add(s, uint16(maxTitleRunes))
	}
	f.Fuzz(func(t *testing.T, s string, limit uint16) {
		if len(s) > maxFuzzFeedBytes {
			return
		}
		n := int(limit) % (maxSummaryRunes + 1)
		got := plainText(s, n)
		checkPlain(t, "plainText", got, n)
		// Unbounded: the limit is never reached for an input of len(s) bytes.
		if want := truncate(plainText(s, len(s)+1), n); got != want {
			t.Errorf("plainText(%q, %d) = %q, want the unbounded text cut: %q", s, n, got, want)
		}
	})
}
