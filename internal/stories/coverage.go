package stories

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/outlets"
)

// What a story's coverage looks like beyond its balance: when it was first
// reported, whether one side ignored it (a blindspot), how factual and who owns the
// outlets covering it, and who reported it when. Each outlet counts once in every
// distribution, however many articles it published.

// OutletFacts is what coverage needs to know of an outlet.
type OutletFacts struct {
	Bias       outlets.Bias
	Factuality outlets.Factuality
	Ownership  outlets.Ownership
}

// FactsFunc returns the facts of an outlet by registry id; ok is false for an
// outlet the registry does not know. It is asked at read time, so an operator's
// registry changes apply to stored stories.
type FactsFunc func(outletID string) (f OutletFacts, ok bool)

// factsOf returns the facts of a source (see Article.Source): none for an outlet
// the registry does not know ("domain:" sources).
func factsOf(src string, facts FactsFunc) OutletFacts {
	if strings.HasPrefix(src, "domain:") {
		return OutletFacts{}
	}
	f, _ := facts(src)
	return f
}

// The blindspot rule. A story is a blindspot for a side when enough rated outlets
// cover it, almost none of them on that side and most of them on the other: readers
// who follow only that side's outlets are unlikely to meet it.
const (
	// BlindspotMinRated is the fewest rated outlets a blindspot rests on: with four,
	// one outlet is a quarter of the coverage, and chance alone makes a side "miss"
	// a small story.
	BlindspotMinRated = 5
	// BlindspotMissingMax is the largest share of the rated outlets the side that
	// missed the story may have (one outlet in ten): a single stray outlet does not
	// undo a blindspot, two in ten do.
	BlindspotMissingMax = 0.10
	// BlindspotOtherMin is the least share the other side must have: a story covered
	// mostly by the center is nobody's blindspot, whatever the sides do.
	BlindspotOtherMin = 0.60
	// blindspotFactualityFloor gates it: when the median factuality of the covering
	// side's outlets is this or worse, the story is not called a blindspot, so a
	// pile-on by low-factuality outlets is not promoted as news the other side
	// missed (a known complaint about blindspot features).
	blindspotFactualityFloor = outlets.Mixed
)

// Blindspot says which side missed a story and why it counts as missed.
type Blindspot struct {
	Side   outlets.Side `json:"side"`   // the side that missed it: left or right
	Reason string       `json:"reason"` // a sentence with the counts it rests on
}

// BlindspotOf decides whether the story covered by sources (see Article.Source) is
// a blindspot: nil when it is not.
func BlindspotOf(sources []string, facts FactsFunc) *Blindspot {
	bySide := map[outlets.Side][]outlets.Factuality{}
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		if seen[src] {
			continue
		}
		seen[src] = true
		f := factsOf(src, facts)
		side := f.Bias.Side()
		bySide[side] = append(bySide[side], f.Factuality)
	}
	left, right, center := len(bySide[outlets.SideLeft]), len(bySide[outlets.SideRight]), len(bySide[outlets.SideCenter])
	rated := left + right + center
	if rated < BlindspotMinRated {
		return nil
	}
	for _, c := range []struct {
		missed, covering outlets.Side
		n, other         int
		otherName        string
	}{
		{outlets.SideLeft, outlets.SideRight, left, right, "right"},
		{outlets.SideRight, outlets.SideLeft, right, left, "left"},
	} {
		if float64(c.n) > BlindspotMissingMax*float64(rated) || float64(c.other) < BlindspotOtherMin*float64(rated) {
			continue
		}
		median, known := MedianFactuality(bySide[c.covering])
		if known && !median.Better(blindspotFactualityFloor) {
			return nil
		}
		reason := fmt.Sprintf("%d of the %d rated outlets covering this story lean %s and %s lean %s, so readers of %s-leaning outlets are unlikely to see it.",
			c.other, rated, c.otherName, countWord(c.n), string(c.missed), string(c.missed))
		if known {
			reason += fmt.Sprintf(" The covering outlets' median factuality is %s.", strings.ReplaceAll(string(median), "-", " "))
		}
		return &Blindspot{Side: c.missed, Reason: reason}
	}
	return nil
}

// countWord writes a small count in words where it reads better ("none", "one").
func countWord(n int) string {
	switch n {
	case 0:
		return "none"
	case 1:
		return "one"
	}
	return fmt.Sprint(n)
}

// MedianFactuality returns the median of the rated values of fs (unrated ones are
// left out); with an even count, the less favourable of the two middle values, as
// the registry does with two raters. known is false when none is rated.
func MedianFactuality(fs []outlets.Factuality) (median outlets.Factuality, known bool) {
	var rated []outlets.Factuality
	for _, f := range fs {
		if f.Valid() {
			rated = append(rated, f)
		}
	}
	if len(rated) == 0 {
		return "", false
	}
	// Best first: the scale's order.
	slices.SortFunc(rated, func(a, b outlets.Factuality) int { return a.Rank() - b.Rank() })
	return rated[len(rated)/2], true
}

// Count is how many outlets have one value of a distribution.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// The values distributions use for outlets without one.
const (
	UnratedValue = "unrated"
	UnknownValue = "unknown"
)

// FactualityOf counts the outlets covering a story by factuality, best first, then
// unrated; values no outlet has are left out.
func FactualityOf(sources []string, facts FactsFunc) []Count {
	return distribution(sources, facts, outlets.FactualityScale(), UnratedValue, func(f OutletFacts) string { return string(f.Factuality) })
}

// OwnershipOf counts the outlets covering a story by kind of ownership, in the
// registry's order, then unknown; kinds no outlet has are left out.
func OwnershipOf(sources []string, facts FactsFunc) []Count {
	return distribution(sources, facts, outlets.OwnershipKinds(), UnknownValue, func(f OutletFacts) string { return string(f.Ownership) })
}

func distribution[T ~string](sources []string, facts FactsFunc, order []T, none string, value func(OutletFacts) string) []Count {
	counts := map[string]int{}
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		if seen[src] {
			continue
		}
		seen[src] = true
		v := value(factsOf(src, facts))
		if v == "" {
			v = none
		}
		counts[v]++
	}
	out := []Count{}
	for _, v := range order {
		if n := counts[string(v)]; n > 0 {
			out = append(out, Count{string(v), n})
		}
	}
	if n := counts[none]; n > 0 {
		out = append(out, Count{none, n})
	}
	return out
}

// Timeline is who reported a story when: each side's first article, and articles
// per side over time in buckets of one size.
type Timeline struct {
	// First holds the earliest article time of each side that covered the story
	// (left, center, right, unrated).
	First map[outlets.Side]time.Time `json:"first"`
	// Bucket is the width of each bucket.
	Bucket time.Duration `json:"-"`
	// Buckets cover the story from its first article to its last, oldest first.
	Buckets []TimelineBucket `json:"buckets"`
}

// TimelineBucket counts the articles of each side published in [Start, Start+Bucket).
type TimelineBucket struct {
	Start   time.Time `json:"start"`
	Left    int       `json:"left"`
	Center  int       `json:"center"`
	Right   int       `json:"right"`
	Unrated int       `json:"unrated"`
}

// maxBuckets bounds a timeline: enough to see who followed whom, few enough to
// draw in a few hundred pixels and to send with every story.
const maxBuckets = 48

// bucketSizes are the widths a timeline may use, the narrowest that keeps the
// story within maxBuckets: hours for a breaking story, days or weeks for a long one.
var bucketSizes = []time.Duration{
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// TimelineOf buckets the articles by their time (see Article.When) and side.
// Buckets start on whole UTC hours (or days) so that two stories' timelines line up.
func TimelineOf(articles []Article, facts FactsFunc) Timeline {
	t := Timeline{First: map[outlets.Side]time.Time{}, Buckets: []TimelineBucket{}}
	if len(articles) == 0 {
		return t
	}
	var lo, hi time.Time
	for _, a := range articles {
		w := a.When().UTC()
		if lo.IsZero() || w.Before(lo) {
			lo = w
		}
		if w.After(hi) {
			hi = w
		}
		side := factsOf(a.Source(), facts).Bias.Side()
		if first, ok := t.First[side]; !ok || w.Before(first) {
			t.First[side] = w
		}
	}
	t.Bucket = bucketSizes[len(bucketSizes)-1]
	for _, size := range bucketSizes {
		if hi.Sub(lo.Truncate(size)) < time.Duration(maxBuckets)*size {
			t.Bucket = size
			break
		}
	}
	start := lo.Truncate(t.Bucket)
	n := min(int(hi.Sub(start)/t.Bucket)+1, maxBuckets)
	t.Buckets = make([]TimelineBucket, n)
	for i := range t.Buckets {
		t.Buckets[i].Start = start.Add(time.Duration(i) * t.Bucket)
	}
	for _, a := range articles {
		i := min(int(a.When().UTC().Sub(start)/t.Bucket), n-1)
		b := &t.Buckets[i]
		switch factsOf(a.Source(), facts).Bias.Side() {
		case outlets.SideLeft:
			b.Left++
		case outlets.SideCenter:
			b.Center++
		case outlets.SideRight:
			b.Right++
		default:
			b.Unrated++
		}
	}
	return t
}

// FirstPublished returns the earliest publication time among articles: when the
// story was first reported, not when Parallax first saw it. Zero when none is dated.
func FirstPublished(articles []Article) time.Time {
	var first time.Time
	for _, a := range articles {
		if !a.Published.IsZero() && (first.IsZero() || a.Published.Before(first)) {
			first = a.Published
		}
	}
	return first
}

// Sources returns the sources of articles (see Article.Source), each once, in the
// order first met.
func Sources(articles []Article) []string {
	seen := make(map[string]bool, len(articles))
	var out []string
	for _, a := range articles {
		if src := a.Source(); !seen[src] {
			seen[src] = true
			out = append(out, src)
		}
	}
	return out
}

// BalanceSentence says what a balance rests on, so that a bar is never read as
// more than it is ("Based on 7 of 12 outlets; 5 are unrated.").
func BalanceSentence(b Balance) string {
	total := b.Rated + b.Unrated
	switch {
	case total == 0:
		return "No outlets yet."
	case b.Rated == 0:
		return fmt.Sprintf("None of the %d outlets is rated, so there is no balance to show.", total)
	case b.Unrated == 0:
		return fmt.Sprintf("Based on all %d outlets, each counted once.", total)
	}
	return fmt.Sprintf("Based on %d of %d outlets; %d %s unrated.", b.Rated, total, b.Unrated, map[bool]string{true: "is", false: "are"}[b.Unrated == 1])
}
