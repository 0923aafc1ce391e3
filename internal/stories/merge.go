package stories

import (
	"maps"
	"slices"
)

// The merge pass: a story is started by the first article no story was near
// enough for, and a second article of the same event that arrived before the
// first had company may start a story of its own. As the stories fill, their
// centroids can come to agree more with each other than any one article did with
// either: the fragments of one event. The pass (see package lookup) compares the
// story an article just moved with its neighbours in the candidate index, and
// Convergence and SameStory decide whether two stories are one.
//
// Full texts of twin events (two shootings, two earthquakes, two transfers) share
// most of their vocabulary and converge too: a merge of full-text stories needs the
// names to agree as well (an entity cosine at least MergeEntityFloor) and no
// number the two stories give for one thing to differ. Headline-only stories (feed
// items without a page) have no entities to check: they merge on their headlines,
// only with the mutually nearest neighbour, which the pass checks.

// Convergence is how far two stories' centroids agree.
type Convergence struct {
	// Score is the weighted mean of the part cosines present on both sides, times
	// the time factor between the stories' newest articles, with the numbers
	// adjustment: the centroid counterpart of Config.Score.
	Score float64
	// Title, Body and Entities are the part cosines (0 when a side lacks the part).
	Title, Body, Entities float64
	// HeadlineOnly is set when neither story has a body or entity terms.
	HeadlineOnly bool
	// Mixed is set when one story has body or entity terms and the other has none.
	Mixed bool
	// EntityTerms is the smaller of the two stories' entity term counts.
	EntityTerms int
	// Conflicts counts the units both stories give numbers for and on which they
	// share none ("23 pirates" against "26 pirates").
	Conflicts int
	// NamesDiffer is set when the stories are about different people (see
	// Config.NameConflict; only when either is undated).
	NamesDiffer bool
}

// Converge compares story a, weighed as one document (AsDocument), with story b.
// The figures are symmetric: Converge(AsDocument(x), y) and Converge(AsDocument(y),
// x) agree up to rounding. b stays in its encoded form when it is one, so that a
// story is compared with its dozens of neighbours at the cost of scoring an
// article against them.
func (c Config) Converge(a Prepared, b *Centroid) Convergence {
	var out Convergence
	var num, den float64
	parts := [3]struct {
		doc Vector
		w   float64
		cos *float64
	}{{a.Title, c.TitleWeight, &out.Title}, {a.Body, c.BodyWeight, &out.Body}, {a.Entities, c.EntityWeight, &out.Entities}}
	for i, p := range parts {
		if len(p.doc) == 0 || b.size(i) == 0 {
			continue
		}
		*p.cos = b.dot(i, p.doc) / b.norm(i)
		num += p.w * *p.cos
		den += p.w
	}
	fullA := len(a.Body) > 0 || len(a.Entities) > 0
	fullB := b.size(1) > 0 || b.size(2) > 0
	out.HeadlineOnly = !fullA && !fullB
	out.Mixed = fullA != fullB
	out.EntityTerms = min(len(a.Entities), b.size(2))
	if c.NameConflict > 0 && (a.When.IsZero() || b.Newest.IsZero()) {
		out.NamesDiffer = c.namesDiffer(a, b)
	}
	if den == 0 {
		return out
	}
	at, bt := timeEnds(a.oldest, a.When, b)
	out.Score = num / den * c.timeFactor(at, bt, 0)
	if len(a.numbers) == 0 {
		return out
	}
	agree, conflict := numbers(a.numbers, b.units())
	out.Conflicts = conflict
	if n := float64(agree + conflict); n > 0 {
		out.Score += c.NumAgree*float64(agree)/n - c.NumConflict*float64(conflict)/n
	}
	return out
}

// SameStory decides whether two converged stories are one (see Convergence):
// never when MergeThreshold is 0 (the pass is off) or when only one of them has
// full texts; for headline-only stories, when the score reaches
// MergeHeadlineThreshold (0: never); for full texts, when the score reaches MergeThreshold,
// both name at least EntityMin entity terms, their entity cosine reaches
// MergeEntityFloor, no number conflicts and the two are not about different
// people (Convergence.NamesDiffer).
func (c Config) SameStory(v Convergence) bool {
	switch {
	case c.MergeThreshold <= 0 || v.Mixed:
		return false
	case v.HeadlineOnly:
		return c.MergeHeadlineThreshold > 0 && v.Score >= c.MergeHeadlineThreshold
	}
	return v.Score >= c.MergeThreshold && v.EntityTerms >= c.EntityMin &&
		v.Entities >= c.MergeEntityFloor && v.Conflicts == 0 && !v.NamesDiffer
}

// Merge returns the centroid of the story into with the articles of from folded
// in, as if every article of both had been added to one story: the sums added
// (then cut to the configured sizes), the counts added, the newer of the newest
// times, the fingerprints of both (into's first, the newest Prints kept), and of
// the two headlines the one nearer the merged title centroid (into's on a tie).
// Neither argument is changed.
func (c Config) Merge(into, from *Centroid) *Centroid {
	into.materialize()
	from.materialize()
	m := &Centroid{
		Title:    maps.Clone(into.Title),
		Body:     maps.Clone(into.Body),
		Entities: maps.Clone(into.Entities),
		Count:    into.Count + from.Count,
		Newest:   into.Newest,
		Oldest:   into.Oldest,
	}
	if !from.Oldest.IsZero() && (m.Oldest.IsZero() || from.Oldest.Before(m.Oldest)) {
		m.Oldest = from.Oldest
	}
	m.Title.addScaled(from.Title, 1)
	m.Body.addScaled(from.Body, 1)
	m.Entities.addScaled(from.Entities, 1)
	m.Title = m.Title.trim(c.CentroidTitle)
	m.Body = m.Body.trim(c.CentroidBody)
	m.Entities = m.Entities.trim(c.CentroidEntities)
	if from.Newest.After(m.Newest) {
		m.Newest = from.Newest
	}
	m.Prints = append(slices.Clone(into.Prints), from.Prints...)
	if c.Prints >= 0 && len(m.Prints) > c.Prints {
		m.Prints = m.Prints[len(m.Prints)-c.Prints:]
	}
	m.Headline, m.HeadlineVec = into.Headline, maps.Clone(into.HeadlineVec)
	if from.Headline != "" {
		n := m.Title.Norm()
		if m.Headline == "" || cosine(from.HeadlineVec, m.Title, n) > cosine(m.HeadlineVec, m.Title, n)+1e-9 {
			m.Headline, m.HeadlineVec = from.Headline, maps.Clone(from.HeadlineVec)
		}
	}
	if m.HeadlineVec == nil {
		m.HeadlineVec = Vector{}
	}
	roundWeights(m.Title, m.Body, m.Entities, m.HeadlineVec)
	return m
}

// Survivor says which of two stories to be merged keeps its id: the one with more
// articles (fewer records to rewrite, and the id more readers hold), on a tie the
// lexically smaller id, so that a replay decides the same every time.
func Survivor(aID string, a *Centroid, bID string, b *Centroid) (first bool) {
	if a.Count != b.Count {
		return a.Count > b.Count
	}
	return aID < bID
}
