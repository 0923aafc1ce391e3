package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

func TestTimeline(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	// A week of coverage: the right breaks it, the center follows a day later, the
	// left three days later; an unrated outlet on the last day.
	day := func(d, h int) string { return fmt.Sprintf("2026-11-%02d %02d:00", 20+d, h) }
	var arts []stories.Article
	add := func(id string, when string) {
		a := art(id, fmt.Sprintf("%s-%d", id, len(arts)), "00:00", "T")
		a.Published, _ = time.Parse("2006-01-02 15:04", when)
		arts = append(arts, a)
	}
	add("fox-news", day(0, 6))
	add("breitbart", day(0, 7))
	add("fox-news", day(1, 1))
	add("bbc-news", day(1, 6))
	add("reuters", day(1, 8))
	add("cnn", day(3, 6))
	add("10-news", day(6, 23))

	m := NewStoryPage(stories.Story{ID: "s1", Title: "T", Articles: arts}, reg)
	v := m.Timeline
	tl := stories.TimelineOf(arts, func(id string) (stories.OutletFacts, bool) {
		o, ok := reg.ByID(id)
		return stories.OutletFacts{Bias: o.Bias}, ok
	})
	if v.Buckets != len(tl.Buckets) || v.Buckets < 7 || v.Period != period(tl.Bucket) {
		t.Errorf("%d buckets of %s, want %d of %s", v.Buckets, v.Period, len(tl.Buckets), period(tl.Bucket))
	}
	if v.Width != v.Buckets*slotWidth {
		t.Errorf("width %d for %d buckets", v.Width, v.Buckets)
	}
	wantBars := map[outlets.Side]int{}
	for _, b := range tl.Buckets {
		for side, n := range map[outlets.Side]int{outlets.SideLeft: b.Left, outlets.SideCenter: b.Center, outlets.SideRight: b.Right, outlets.SideUnrated: b.Unrated} {
			if n > 0 {
				wantBars[side]++
			}
		}
	}
	if len(v.Lanes) != 4 {
		t.Fatalf("%d lanes, want 4 (left, center, right, unrated)", len(v.Lanes))
	}
	for _, lane := range v.Lanes {
		if len(lane.Bars) != wantBars[lane.Side] {
			t.Errorf("%s lane: %d bars, want %d", lane.Side, len(lane.Bars), wantBars[lane.Side])
		}
		for _, r := range lane.Bars {
			if r.H < barMin || r.Y < lane.Y || r.Y+r.H > lane.Base || r.X+r.W > v.Width {
				t.Errorf("%s bar %+v outside its lane (y %d, base %d)", lane.Side, r, lane.Y, lane.Base)
			}
		}
	}
	const summary = "The right reported it first, on 20 Nov 2026, 06:00 UTC; the center followed 1 day later, the left 3 days later and unrated outlets 6 days 17 hours later."
	if v.Summary != summary {
		t.Errorf("summary:\n got %q\nwant %q", v.Summary, summary)
	}

	page := render(t, m)
	svg := between(page, "<svg viewBox=", "</svg>")
	for side, n := range wantBars {
		g := between(svg, `<g class="`+string(side)+`">`, "</g>")
		if got := strings.Count(g, "<rect x="); got != n {
			t.Errorf("SVG %s lane: %d bars, want %d", side, got, n)
		}
	}
	if !strings.Contains(page, `role="img" aria-labelledby="timeline-summary"`) || !strings.Contains(page, `<p id="timeline-summary">`+summary+"</p>") {
		t.Error("the SVG is not labelled by the summary")
	}
	// The text alternative: one row per 6-hour period with any article (06:00 and
	// 07:00 share one, as do 06:00 and 08:00 the next day).
	table := between(page, `<caption id="timeline-caption">`, "</table>")
	if got, want := strings.Count(table, `<th scope="row">`), len(v.Rows); got != want || want != 5 {
		t.Errorf("table: %d rows, model %d, want 5", got, want)
	}
	if !strings.Contains(table, `<th scope="row"><time datetime="2026-11-20T06:00:00Z">`) {
		t.Errorf("table does not start with the first period:\n%.400s", table)
	}
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, end)
	return before
}

func TestFirstReports(t *testing.T) {
	t.Parallel()
	base := at("07:00")
	tests := []struct {
		name  string
		first map[outlets.Side]time.Time
		want  string
	}{
		{"none", map[outlets.Side]time.Time{}, ""},
		{"one side", map[outlets.Side]time.Time{outlets.SideLeft: base},
			"The left reported it first, on 20 Nov 2026, 07:00 UTC. The center and the right have not reported it."},
		{"tie", map[outlets.Side]time.Time{outlets.SideLeft: base, outlets.SideRight: base, outlets.SideCenter: base.Add(90 * time.Minute)},
			"The left reported it first, on 20 Nov 2026, 07:00 UTC; the right at the same time and the center 1 hour 30 minutes later."},
		{"unrated first", map[outlets.Side]time.Time{outlets.SideUnrated: base, outlets.SideCenter: base.Add(40 * time.Minute)},
			"Unrated outlets reported it first, on 20 Nov 2026, 07:00 UTC; the center followed 40 minutes later. The left and the right have not reported it."},
	}
	for _, tt := range tests {
		if got := firstReports(tt.first); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestNoTimeline(t *testing.T) {
	t.Parallel()
	if v := timelineView(stories.Timeline{}); len(v.Lanes) != 0 || v.Buckets != 0 {
		t.Errorf("%+v", v)
	}
	if page := render(t, NewStoryPage(stories.Story{ID: "s", Title: "T"}, registry(t))); strings.Contains(page, "<svg viewBox=") {
		t.Error("a story without articles draws a timeline")
	}
}
