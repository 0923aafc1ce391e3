package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
	"github.com/parallax-news/parallax/internal/stories"
)

// TimelineView is who reported a story when, as an SVG of one lane of bars per
// side (articles per period) with the same in words: a sentence saying who broke
// the story and who followed, and a table of the periods.
type TimelineView struct {
	Summary string // "The right reported it first, on …; the center followed 2 hours later …"
	Period  string // the width of one bar: "6 hours", "1 day"
	Start   Time   // the first period's start
	End     Time   // the last period's end
	Buckets int    // periods drawn
	Width   int    // of the SVG's viewBox
	Height  int
	Lanes   []Lane
	Rows    []TimelineRow // the periods with any article, oldest first
	Unrated bool          // whether the unrated lane and column are shown
}

// Lane is one side's row of bars.
type Lane struct {
	Side  outlets.Side
	Label string // "Left"
	Y     int    // top of the lane in the viewBox
	Base  int    // its base line, under the bars
	Bars  []Rect // one per period with an article of the side
}

// Rect is one bar, in viewBox units.
type Rect struct{ X, Y, W, H int }

// TimelineRow is one period of the text alternative.
type TimelineRow struct {
	Start                        Time // a day for periods of a day or more
	Left, Center, Right, Unrated int
}

// The timeline's geometry, in viewBox units. The SVG stretches to the page's width
// and a fixed height (see the CSS), so only the proportions matter: a slot per
// period with a gap between bars, a lane tall enough that one article among a
// dozen still shows.
const (
	slotWidth  = 10
	barWidth   = 8
	laneHeight = 24
	barMax     = 21 // the tallest bar; then the base line and a gap to the next lane
	barMin     = 2  // a single article stays visible next to a tall bar
)

func timelineView(t stories.Timeline) TimelineView {
	n := len(t.Buckets)
	if n == 0 {
		return TimelineView{}
	}
	rowLayout := minuteLayout
	if t.Bucket >= 24*time.Hour {
		rowLayout = dayLayout
	}
	v := TimelineView{
		Period:  period(t.Bucket),
		Start:   timeOf(t.Buckets[0].Start, minuteLayout),
		End:     timeOf(t.Buckets[n-1].Start.Add(t.Bucket), minuteLayout),
		Buckets: n,
		Width:   n * slotWidth,
	}
	most := 0
	for _, b := range t.Buckets {
		most = max(most, b.Left, b.Center, b.Right, b.Unrated)
		if b.Left+b.Center+b.Right+b.Unrated > 0 {
			v.Rows = append(v.Rows, TimelineRow{Start: timeOf(b.Start, rowLayout), Left: b.Left, Center: b.Center, Right: b.Right, Unrated: b.Unrated})
		}
		if b.Unrated > 0 {
			v.Unrated = true
		}
	}
	sides := []struct {
		side  outlets.Side
		label string
		count func(stories.TimelineBucket) int
	}{
		{outlets.SideLeft, "Left", func(b stories.TimelineBucket) int { return b.Left }},
		{outlets.SideCenter, "Center", func(b stories.TimelineBucket) int { return b.Center }},
		{outlets.SideRight, "Right", func(b stories.TimelineBucket) int { return b.Right }},
		{outlets.SideUnrated, "Unrated", func(b stories.TimelineBucket) int { return b.Unrated }},
	}
	if !v.Unrated {
		sides = sides[:3]
	}
	for li, s := range sides {
		lane := Lane{Side: s.side, Label: s.label, Y: li * laneHeight, Base: li*laneHeight + barMax}
		for i, b := range t.Buckets {
			c := s.count(b)
			if c == 0 {
				continue
			}
			h := max(barMin, (c*barMax+most/2)/max(most, 1))
			lane.Bars = append(lane.Bars, Rect{X: i*slotWidth + (slotWidth-barWidth)/2, Y: lane.Y + barMax - h, W: barWidth, H: h})
		}
		v.Lanes = append(v.Lanes, lane)
	}
	v.Height = len(v.Lanes) * laneHeight
	v.Summary = firstReports(t.First)
	return v
}

// firstReports says which side reported the story first and how much later the
// others followed.
func firstReports(first map[outlets.Side]time.Time) string {
	type report struct {
		name string
		at   time.Time
	}
	names := []struct {
		side outlets.Side
		name string
	}{
		{outlets.SideLeft, "the left"}, {outlets.SideCenter, "the center"}, {outlets.SideRight, "the right"}, {outlets.SideUnrated, "unrated outlets"},
	}
	var reps []report
	var missing []string
	for _, n := range names {
		if at, ok := first[n.side]; ok {
			reps = append(reps, report{n.name, at})
		} else if n.side != outlets.SideUnrated {
			missing = append(missing, n.name)
		}
	}
	if len(reps) == 0 {
		return ""
	}
	// Oldest first; a tie keeps the scale's order, so the sentence is stable.
	slices.SortStableFunc(reps, func(a, b report) int { return cmp.Compare(a.at.UnixNano(), b.at.UnixNano()) })
	var b strings.Builder
	fmt.Fprintf(&b, "%s reported it first, on %s", label(reps[0].name), reps[0].at.UTC().Format(minuteLayout))
	for i, r := range reps[1:] {
		switch {
		case i == 0:
			b.WriteString("; ")
		case i == len(reps)-2:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		verb := ""
		if i == 0 {
			verb = " followed"
		}
		if d := r.at.Sub(reps[0].at); d < time.Minute {
			fmt.Fprintf(&b, "%s at the same time", r.name)
		} else {
			fmt.Fprintf(&b, "%s%s %s later", r.name, verb, duration(d))
		}
	}
	b.WriteString(".")
	if len(missing) > 0 {
		fmt.Fprintf(&b, " %s %s not reported it.", label(joinWords(missing)), map[bool]string{true: "has", false: "have"}[len(missing) == 1])
	}
	return b.String()
}

// joinWords joins ["a", "b", "c"] as "a, b and c".
func joinWords(ws []string) string {
	if len(ws) < 2 {
		return strings.Join(ws, "")
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}

// duration writes d in its two largest units, rounded down to the minute:
// "40 minutes", "2 hours 5 minutes", "1 day 3 hours".
func duration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case days > 0 && hours > 0:
		return unit(days, "day") + " " + unit(hours, "hour")
	case days > 0:
		return unit(days, "day")
	case hours > 0 && mins > 0:
		return unit(hours, "hour") + " " + unit(mins, "minute")
	case hours > 0:
		return unit(hours, "hour")
	}
	return unit(mins, "minute")
}

// period writes a bucket width: "1 hour", "6 hours", "1 day", "7 days".
func period(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	if n := int(d / time.Hour); n != 1 {
		return fmt.Sprintf("%d hours", n)
	}
	return "1 hour"
}
