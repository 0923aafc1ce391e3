package extract

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/corpus"
)

// hostilePage is a page built to cost as much work as MaxHTMLBytes allows, and
// what Parse must answer for it.
type hostilePage struct {
	name string
	page string
	// want is the error Parse must return (nil: an article); what, for a
	// ComplexityError or LimitError, the bound it must name.
	want error
	what string
	// budgetMay says the page is near MaxCPUTime on a slow or busy machine, so
	// that a CPUTime refusal is an accepted answer besides want.
	budgetMay bool
}

// fill repeats unit to bring prefix+…+suffix close to MaxHTMLBytes.
func fill(prefix, unit, suffix string) string {
	n := (MaxHTMLBytes - 64 - len(prefix) - len(suffix)) / len(unit)
	return prefix + strings.Repeat(unit, n) + suffix
}

// hostilePages are the costliest shapes of page found while profiling Parse: one
// huge text node, very deep nesting, very many elements, links or paragraphs,
// huge attributes and names, huge head elements.
func hostilePages() []hostilePage {
	const head = "<html><head><title>Reservoirs at their lowest</title></head><body>"
	chain := strings.Repeat("<div>", 500) + "x" + strings.Repeat("</div>", 500)
	return []hostilePage{
		{name: "one 4.9 MiB text node", page: fill(head+articleBody+"<p>", "word ", "</p>"), budgetMay: true},
		{name: "many 64 KiB text nodes", page: fill(head+articleBody, "<p>"+strings.Repeat("word ", 13_000)+"</p>", ""),
			want: ErrTooComplex, what: TextBytes, budgetMay: true},
		{name: "text just under the total", page: head + articleBody + strings.Repeat("<p>"+strings.Repeat("word ", 1000)+"</p>\n", maxTextBytes/5000-1)},
		{name: "100k nested divs", page: head + strings.Repeat("<div>", 100_000) + articleBody, want: ErrTooLarge, what: "levels of nesting"},
		{name: "chains of 500 nested divs", page: fill(head+articleBody, chain, ""), want: ErrTooComplex, what: CPUTime},
		{name: "chains of 500 nested divs, 59,000 elements", page: head + articleBody + strings.Repeat(chain, 118), budgetMay: true},
		{name: "5 MiB of spans", page: fill(head+articleBody, "<span>x</span>", ""), want: ErrTooComplex, what: CPUTime},
		{name: "59,000 links", page: head + articleBody + "<div>" + strings.Repeat(`<a href="/story/1">a related story</a> `, 59_000) + "</div>",
			want: ErrTooComplex, what: TextBytes, budgetMay: true},
		{name: "59,000 tiny paragraphs", page: head + articleBody + strings.Repeat("<p>a b</p>", 59_000), budgetMay: true},
		{name: "59,000 images", page: head + articleBody + strings.Repeat(`<img src="/i.jpg" alt="">`, 59_000), budgetMay: true},
		{name: "one 4.9 MiB class", page: fill(head+articleBody+`<div class="`, "a", `">x</div>`), budgetMay: true},
		{name: "45,000 long classes", page: head + articleBody + strings.Repeat(`<i class="`+strings.Repeat("ab ", 30)+`">x</i>`, 45_000),
			want: ErrTooComplex, what: NameBytes, budgetMay: true},
		{name: "45,000 long attributes", page: head + articleBody + strings.Repeat(`<i data-x="`+strings.Repeat("a", 90)+`"></i>`, 45_000), budgetMay: true},
		{name: "one element with 400,000 attributes", page: fill(head+articleBody+"<div ", "a=1 ", ">x</div>"),
			want: ErrTooComplex, what: Attrs, budgetMay: true},
		{name: "one 4.9 MiB image URL", page: fill(head+articleBody+`<img src="data:image/png;base64,`, "A", `">`), budgetMay: true},
		{name: "4.9 MiB title", page: fill("<html><head><title>", "word ", "</title></head><body>"+articleBody), budgetMay: true},
		{name: "4.9 MiB meta description", page: fill(`<html><head><meta name="description" content="`, "word ", `"></head><body>`+articleBody), budgetMay: true},
		{name: "4.9 MiB JSON-LD body", page: fill(`<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"h","articleBody":"`, "word ", `"}</script></head><body>`+articleBody), budgetMay: true},
		{name: "unclosed formatting elements", page: fill(head+articleBody, "<b><i><u><p>unclosed text ", ""), want: ErrTooComplex, what: CPUTime},
	}
}

// TestParseHostilePages checks that every hostile page is either read within the
// bounds (an article, or "not an article") or refused naming the bound it is over.
func TestParseHostilePages(t *testing.T) {
	t.Parallel()
	u := mustURL(t, "https://example.com/news/reservoirs")
	for _, tc := range hostilePages() {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.page) > MaxHTMLBytes {
				t.Fatalf("page is %d bytes, over MaxHTMLBytes", len(tc.page))
			}
			a, err := Parse([]byte(tc.page), u)
			var ce *ComplexityError
			if tc.budgetMay && errors.As(err, &ce) && ce.What == CPUTime {
				t.Logf("refused by the CPU budget: %v", err)
				return
			}
			if tc.want == nil {
				if err != nil && !errors.Is(err, ErrNotArticle) {
					t.Fatalf("Parse err = %v, want an article", err)
				}
				if err == nil {
					checkArticle(t, a)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse err = %v, want %v", err, tc.want)
			}
			var le *LimitError
			switch {
			case errors.As(err, &ce) && ce.What != tc.what:
				t.Errorf("Parse err names %q, want %q", ce.What, tc.what)
			case errors.As(err, &le) && le.What != tc.what:
				t.Errorf("Parse err names %q, want %q", le.What, tc.what)
			}
		})
	}
}

// TestParseBudgetSpent checks the CPU budget itself: with none to spend, every
// page is refused naming it, from inside the HTML parser or between steps; with
// plenty, the same page is read.
func TestParseBudgetSpent(t *testing.T) {
	t.Parallel()
	page := []byte("<html><body>" + articleBody + strings.Repeat("<p>more words here</p>", 2000) + "</body></html>")
	_, err := parse(page, nil, time.Nanosecond)
	var ce *ComplexityError
	if !errors.As(err, &ce) || ce.What != CPUTime || !errors.Is(err, ErrTooComplex) {
		t.Fatalf("parse with no budget: err = %v, want a CPUTime ComplexityError", err)
	}
	if _, err := parse(page, nil, time.Hour); err != nil {
		t.Fatalf("parse with an hour: %v", err)
	}
}

// TestBoundTruncates checks that over-long text nodes and attribute values are
// cut (at a character boundary), not refused.
func TestBoundTruncates(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxTextNodeBytes) // two bytes each
	doc, err := parseHTML([]byte(`<html><body><p title="` + long + `">` + long + `</p></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	if err := bound(doc); err != nil {
		t.Fatal(err)
	}
	p := findElement(doc, "p")
	if got := len(p.FirstChild.Data); got != maxTextNodeBytes {
		t.Errorf("text node is %d bytes, want %d", got, maxTextNodeBytes)
	}
	if got := len(p.Attr[0].Val); got != maxAttrBytes {
		t.Errorf("attribute is %d bytes, want %d", got, maxAttrBytes)
	}
	if got := truncateUTF8("aé", 2); got != "a" {
		t.Errorf("truncateUTF8 split a character: %q", got)
	}
}

// BenchmarkHostilePages measures the CPU time Parse takes on each hostile page
// (cpu-ms/op) against the median page of the extraction benchmark, and reports
// the ratio (ratio/op): the bound the caps and the budget are there to keep near
// ten. Parse's garbage is collected on other threads and is not counted, on
// either side of the ratio.
//
//	go test ./internal/extract -run '^$' -bench BenchmarkHostilePages
func BenchmarkHostilePages(b *testing.B) {
	typical := medianPageTime(b)
	u := mustURL(b, "https://example.com/news/reservoirs")
	for _, tc := range hostilePages() {
		page := []byte(tc.page)
		b.Run(tc.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cpu += cpuTime(func() { Parse(page, u) })
			}
			per := cpu / time.Duration(b.N)
			b.ReportMetric(float64(per)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(per)/float64(typical), "ratio/op")
		})
	}
}

// cpuTime is the CPU time f takes on its thread (as the budget counts it): a
// ratio of CPU times holds on a busy machine, where wall times swing with the
// other processes.
func cpuTime(f func()) time.Duration {
	c := startClock()
	defer c.stop()
	f()
	return c.elapsed()
}

// medianPageTime is the median CPU time Parse takes on the extraction
// benchmark's pages, each the least of three runs.
func medianPageTime(b *testing.B) time.Duration {
	b.Helper()
	pages, err := corpus.LoadExtraction(extractionDir(b))
	if err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, len(pages))
	for _, p := range pages {
		u, err := url.Parse(p.URL)
		if err != nil {
			b.Fatal(err)
		}
		best := time.Duration(1<<63 - 1)
		for range 3 {
			best = min(best, cpuTime(func() { Parse(p.HTML, u) }))
		}
		times = append(times, best)
	}
	slices.Sort(times)
	median := times[len(times)/2]
	b.Logf("median page of %d: %v of CPU", len(times), median)
	return median
}
