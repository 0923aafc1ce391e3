package stories

import "time"

// Config holds the matcher's weights and bounds. One configuration serves every
// source of articles: nothing in it is tuned per corpus.
type Config struct {
	// Weights of the title, body and entity cosines in a document–story score.
	// Components missing on either side drop out and the rest are renormalised, so a
	// headline-only article is scored on its headline alone.
	TitleWeight, BodyWeight, EntityWeight float64
	// Threshold is the lowest score that joins an existing story.
	Threshold float64
	// TimeGrace is the gap to a story's newest article that costs nothing; past it
	// the score is multiplied by TimeScale/(TimeScale + gap − TimeGrace), so events
	// weeks apart need far more textual agreement than events hours apart.
	TimeGrace, TimeScale time.Duration
	// LookupTerms is how many of a document's heaviest terms are used to find
	// candidate stories, and IndexTerms how many of a story's centroid terms it is
	// found by.
	LookupTerms, IndexTerms int
	// Bounds on a story's centroid, per part.
	CentroidTitle, CentroidBody, CentroidEntities int
	// Prints is how many fingerprints of its latest articles a story keeps.
	Prints int
	// DuplicateBits is the most SimHash bits in which two bodies may differ and still
	// be one text (Manku et al., WWW 2007, use 3 of 64 for near-duplicate pages).
	DuplicateBits int
}

// DefaultConfig returns the configuration Parallax runs with.
func DefaultConfig() Config {
	return Config{
		TitleWeight:      0.3,
		BodyWeight:       0.45,
		EntityWeight:     0.25,
		Threshold:        0.3,
		TimeGrace:        3 * 24 * time.Hour,
		TimeScale:        7 * 24 * time.Hour,
		LookupTerms:      12,
		IndexTerms:       12,
		CentroidTitle:    16,
		CentroidBody:     48,
		CentroidEntities: 24,
		Prints:           16,
		DuplicateBits:    3,
	}
}

// Prepared is a document weighted for matching.
type Prepared struct {
	Title, Body, Entities Vector // unit TF-IDF vectors
	When                  time.Time
	SimHash               uint64
}

// Prepare weighs the features of a document with the index's document frequencies.
// when is the document's publication time (or, unknown, when it was seen).
func (c Config) Prepare(f Features, df DocFreq, when time.Time) Prepared {
	return Prepared{
		Title:    weigh(f.Title, df),
		Body:     weigh(f.Body, df),
		Entities: weigh(f.Entities, df),
		When:     when,
		SimHash:  f.SimHash,
	}
}

// Keys returns the terms to look candidate stories up by: the document's heaviest
// terms over all parts, each part scaled by its weight.
func (c Config) Keys(p Prepared) []string {
	return c.heaviest(c.LookupTerms, p.Title, p.Body, p.Entities)
}

// IndexKeys returns the terms a story is to be found by.
func (c Config) IndexKeys(s *Centroid) []string {
	return c.heaviest(c.IndexTerms, s.Title.unit(), s.Body.unit(), s.Entities.unit())
}

func (c Config) heaviest(k int, title, body, ents Vector) []string {
	all := make(Vector, len(title)+len(body)+len(ents))
	for _, part := range []struct {
		v Vector
		w float64
	}{{title, c.TitleWeight}, {body, c.BodyWeight}, {ents, c.EntityWeight}} {
		for t, x := range part.v {
			all[t] = max(all[t], x*part.w)
		}
	}
	top := all.top(k)
	keys := make([]string, len(top))
	for i, tw := range top {
		keys[i] = tw.term
	}
	return keys
}

// unit returns a normalised copy of v.
func (v Vector) unit() Vector {
	u := make(Vector, len(v))
	for t, w := range v {
		u[t] = w
	}
	return u.normalize()
}

// Score rates how well p fits story s, from 0 to 1.
func (c Config) Score(p Prepared, s *Centroid) float64 {
	var num, den float64
	for _, part := range []struct {
		doc, story Vector
		w          float64
	}{{p.Title, s.Title, c.TitleWeight}, {p.Body, s.Body, c.BodyWeight}, {p.Entities, s.Entities, c.EntityWeight}} {
		if len(part.doc) == 0 || len(part.story) == 0 {
			continue
		}
		num += part.w * Cosine(part.doc, part.story)
		den += part.w
	}
	if den == 0 {
		return 0
	}
	return num / den * c.timeFactor(p.When, s.Newest)
}

func (c Config) timeFactor(a, b time.Time) float64 {
	if a.IsZero() || b.IsZero() || c.TimeScale <= 0 {
		return 1
	}
	gap := a.Sub(b)
	if gap < 0 {
		gap = -gap
	}
	over := gap - c.TimeGrace
	if over <= 0 {
		return 1
	}
	return float64(c.TimeScale) / float64(c.TimeScale+over)
}

// Match is the matching decision: the index of the best-scoring candidate story for
// p when its score reaches the threshold, or -1 for a new story, and that score.
func (c Config) Match(p Prepared, candidates []*Centroid) (best int, score float64) {
	best, score = -1, 0
	for i, s := range candidates {
		if x := c.Score(p, s); x > score || best < 0 && x == score {
			best, score = i, x
		}
	}
	if best >= 0 && score < c.Threshold {
		return -1, score
	}
	return best, score
}

// Duplicate returns the URL of the article in s whose body p copies, if any.
func (c Config) Duplicate(p Prepared, s *Centroid) (string, bool) {
	if p.SimHash == 0 {
		return "", false
	}
	bestRef, bestBits := "", c.DuplicateBits+1
	for _, pr := range s.Prints {
		if d := hamming(p.SimHash, pr.SimHash); d < bestBits {
			bestRef, bestBits = pr.Ref, d
		}
	}
	return bestRef, bestRef != ""
}

// Add folds a document into the centroid: its vectors are added to the sums (then cut
// to the configured sizes), its fingerprint remembered, and its headline becomes the
// story's title if it lies nearer the title centroid than the current one.
func (c Config) Add(s *Centroid, p Prepared, ref, headline string) {
	if s.Title == nil {
		s.Title, s.Body, s.Entities = Vector{}, Vector{}, Vector{}
	}
	s.Title.addScaled(p.Title, 1)
	s.Body.addScaled(p.Body, 1)
	s.Entities.addScaled(p.Entities, 1)
	s.Title = s.Title.trim(c.CentroidTitle)
	s.Body = s.Body.trim(c.CentroidBody)
	s.Entities = s.Entities.trim(c.CentroidEntities)
	s.Count++
	if p.When.After(s.Newest) {
		s.Newest = p.When
	}
	if p.SimHash != 0 && c.Prints > 0 {
		s.Prints = append(s.Prints, Print{Ref: ref, SimHash: p.SimHash})
		if len(s.Prints) > c.Prints {
			s.Prints = s.Prints[len(s.Prints)-c.Prints:]
		}
	}
	if headline != "" {
		if s.Headline == "" || Cosine(p.Title, s.Title) > Cosine(s.HeadlineVec, s.Title)+1e-9 {
			s.Headline = headline
			s.HeadlineVec = p.Title.trim(c.CentroidTitle)
		}
	}
	roundWeights(s.Title, s.Body, s.Entities, s.HeadlineVec)
}

// roundWeights rounds weights to float32 precision, what the codec keeps, so a
// centroid scores the same before and after a round trip through the store.
func roundWeights(vs ...Vector) {
	for _, v := range vs {
		for t, w := range v {
			v[t] = float64(float32(w))
		}
	}
}
