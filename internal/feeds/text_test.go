package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parallax-news/parallax/internal/fetch"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "  Storm hits\n\tthe coast ", 100, "Storm hits the coast"},
		{"inline tags join", "<b>Hel</b>lo <i>world</i>", 100, "Hello world"},
		{"block tags separate", "<p>One</p><p>Two</p><ul><li>a</li><li>b</li></ul>", 100, "One Two a b"},
		{"br separates", "line<br>next<br/>last", 100, "line next last"},
		{"entities", "Fish &amp; chips &eacute;t&eacute; &#8212; &#x2019; &lt;tag&gt;", 100, "Fish & chips été — ’ <tag>"},
		{"no-break spaces collapse", "a&nbsp;&nbsp;b\u00a0\u202fc", 100, "a b c"},
		{"script and style dropped", `<script>var x = "<p>no</p>";</script>Yes<style>p{}</style>`, 100, "Yes"},
		{"nested hidden", "<svg><g><text>chart</text></g></svg>Shown", 100, "Shown"},
		{"unclosed tag", "Before <b>bold", 100, "Before bold"},
		{"lone less-than", "5 < 6 and 7 > 3", 100, "5 < 6 and 7 > 3"},
		{"controls dropped", "a\x00b\x1bc\u200bd\ufeffe\u0085f", 100, "abcde f"},
		{"attributes ignored", `<a href="https://x.example" title="hidden">link</a>`, 100, "link"},
		{"comment dropped", "a<!-- secret -->b", 100, "ab"},
		{"empty", "", 100, ""},
		{"only markup", "<p> <br> </p>", 100, ""},
		{"cut at a word", "The quick brown fox jumps over the lazy dog", 20, "The quick brown fox…"},
		{"cut mid-word when no space is near", "Supercalifragilistic", 10, "Supercali…"},
		{"cut html", "<p>The quick brown fox</p><p>jumps over the lazy dog</p>", 20, "The quick brown fox…"},
		{"exactly the limit", "abcde", 5, "abcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := plainText(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("plainText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Errorf("%d runes, over the limit %d", n, tt.limit)
			}
		})
	}
}

// TestPlainTextBounds is not parallel: testing.AllocsPerRun refuses to run
// alongside other tests.
func TestPlainTextBounds(t *testing.T) {
	huge := strings.Repeat("<p>Une phrase assez longue, répétée à l'envi.</p>", 100_000) // ~5 MB
	got := plainText(huge, maxSummaryRunes)
	if n := utf8.RuneCountInString(got); n > maxSummaryRunes || n < maxSummaryRunes*9/10 {
		t.Errorf("summary of a 5 MB description has %d runes, want close to %d", n, maxSummaryRunes)
	}
	if !strings.HasSuffix(got, ellipsis) || !utf8.ValidString(got) {
		t.Errorf("summary ends %q, want a valid cut with an ellipsis", got[len(got)-20:])
	}
	// Reading stops at the bound: the whole input would take far longer.
	allocs := testing.AllocsPerRun(3, func() { plainText(huge, maxTitleRunes) })
	if allocs > 1000 {
		t.Errorf("%v allocations for a bounded title; the tokenizer read too far", allocs)
	}
}

func TestTruncateBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc"},
		{"aé", 2, "a"}, // é is two bytes: not split
		{"日本語", 7, "日本"},
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := truncateBytes(tt.in, tt.limit); got != tt.want {
			t.Errorf("truncateBytes(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	base, err := url.Parse("https://news.example/feeds/world.xml?fmt=rss")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"https://news.example/a", "https://news.example/a"},
		{"HTTP://News.Example/b", "http://News.Example/b"},
		{"/c", "https://news.example/c"},
		{"d.html", "https://news.example/feeds/d.html"},
		{"?page=2", "https://news.example/feeds/world.xml?page=2"},
		{"//cdn.example/e", "https://cdn.example/e"},
		{" \n https://news.example/f \t", "https://news.example/f"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"data:text/html,hi", ""},
		{"mailto:a@news.example", ""},
		{"ftp://news.example/g", ""},
		{"https://user@news.example/h", ""},
		{"http://", ""},
		{"https://news.example/%zz", ""},
		{"https://news.example/" + strings.Repeat("x", fetch.MaxURLLength), ""},
	}
	for _, tt := range tests {
		if got := resolve(tt.in, base); got != tt.want {
			t.Errorf("resolve(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"status", fmt.Errorf("fetch: a.example: %w", &fetch.StatusError{Code: 404}), "the site answered 404 Not Found"},
		{"status with retry", fmt.Errorf("fetch: a.example: %w", &fetch.StatusError{Code: 503, RetryAfter: 90 * time.Minute}),
			"the site answered 503 Service Unavailable (retry after 1h30m)"},
		{"unknown status", fmt.Errorf("fetch: a.example: %w", &fetch.StatusError{Code: 599}), "the site answered 599"},
		{"malformed", &malformedError{reason: "bad", cause: errors.New("x")}, "not a feed: bad"},
		{"caller deadline outside fetch", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "timed out"},
		{"anything else", errors.New("dial tcp 10.0.0.7:443: secret"), "could not poll the feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := describe(tt.err); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{45 * time.Second, "45s"},
		{2 * time.Minute, "2m"},
		{2*time.Minute + 5*time.Second, "2m5s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{2*time.Hour - 400*time.Millisecond, "2h"},
		{24 * time.Hour, "24h"},
	}
	for _, tt := range tests {
		if got := formatWait(tt.in); got != tt.want {
			t.Errorf("formatWait(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
