package stories

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Bounds of the evidence kept per article: it is stored with every article, and
// the index aims at about 2 KB per article (see store/keys.go).
const (
	// EvidenceTerms is how many shared terms, and how many shared entities, an
	// Evidence keeps: enough for a reader to see what the two texts have in common.
	EvidenceTerms = 5
	// evidenceTermBytes cuts a term shown as evidence (entity terms are up to 48
	// bytes, see maxKeyBytes).
	evidenceTermBytes = 48
)

// Explain says why p scores what it does against story s: the cosines Score
// weighs, the time factor, the threshold that applies and the heaviest terms the
// two have in common. Call it before Add folds p into s, with the score Match
// returned for s. It does not change s (an encoded centroid is read, not built).
func (c Config) Explain(p Prepared, s *Centroid, score float64) Evidence {
	ev := Evidence{Score: round3(score), Threshold: round3(c.threshold(p, s))}
	cos := [3]*float64{&ev.Title, &ev.Body, &ev.Entities}
	docs := [3]Vector{p.Title, p.Body, p.Entities}
	for i, doc := range docs {
		if len(doc) == 0 || s.size(i) == 0 {
			continue
		}
		*cos[i] = round3(s.dot(i, doc) / s.norm(i))
	}
	ev.TimeFactor = round3(c.timeTerm(p, s))
	if !p.When.IsZero() && !s.Newest.IsZero() {
		a, b := timeEnds(p.oldest, p.When, s)
		gap := a.Sub(b)
		if gap < 0 {
			gap = -gap
		}
		ev.TimeGap = gap.Round(time.Second)
	}
	// Shared words: of the title and body parts, weighed by the product of the
	// document's weight and the story's (over its norm), as they add to the cosines.
	words := Vector{}
	for i := range 2 {
		c.shared(s, i, docs[i], words)
	}
	ents := Vector{}
	c.shared(s, 2, docs[2], ents)
	ev.SharedTerms = shown(words)
	ev.SharedEntities = shown(ents)
	return ev
}

// shared adds to into each term of doc that part i of s also has, weighed by its
// share of the cosine.
func (c Config) shared(s *Centroid, i int, doc Vector, into Vector) {
	if len(doc) == 0 || s.size(i) == 0 {
		return
	}
	n := s.norm(i)
	each := func(term string, w float64) {
		if x, ok := doc[term]; ok && w > 0 {
			into[term] = max(into[term], x*w/n)
		}
	}
	if s.encoded {
		eachEntry(s.sections[i+1], each)
		return
	}
	for t, w := range [3]Vector{s.Title, s.Body, s.Entities}[i] {
		each(t, w)
	}
}

// shown returns the EvidenceTerms heaviest terms of v as a reader reads them:
// entity terms without their kind prefix ("e:", "q:", "n:"), any term without its
// language tag ("de:").
func shown(v Vector) []string {
	top := v.top(EvidenceTerms)
	out := make([]string, 0, len(top))
	for _, tw := range top {
		t := truncateBytes(displayTerm(tw.term), evidenceTermBytes)
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// StartedEvidence is the evidence of an article that started its story: nothing
// to compare with. The score of the best other story, if any, is kept to show how
// far below the threshold it was.
func (c Config) StartedEvidence(bestScore float64) Evidence {
	return Evidence{Started: true, Score: round3(max(bestScore, 0)), Threshold: round3(c.Threshold), TimeFactor: 1}
}

// round3 rounds to three decimals: what a reader reads, and short to store.
func round3(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1000) / 1000
}

// Remove takes a document out of a centroid, approximately: its vectors are
// subtracted from the sums, and a term left at or below zero dropped. It is
// approximate for two reasons: the centroid was trimmed to its heaviest terms
// after the document was added (a term the trim dropped cannot be taken out
// again), and the caller usually no longer has the document's full text (the
// index keeps a title and an excerpt, not the body), so it subtracts what it can
// rebuild. The copy fingerprint filed under ref is forgotten, and the headline,
// when it was the document's, replaced by headline (the caller's pick of another
// member's; kept when empty).
func (c Config) Remove(s *Centroid, p Prepared, ref, oldHeadline, headline string) {
	s.materialize()
	for _, pair := range [][2]Vector{{s.Title, p.Title}, {s.Body, p.Body}, {s.Entities, p.Entities}} {
		sum, doc := pair[0], pair[1]
		for t, w := range doc {
			if x, ok := sum[t]; ok {
				// Weights are kept at half precision (11 bits), so what is left of
				// a term only this document had is rounding, up to 2^-11 of it.
				if x -= w; x <= w/1024+1e-6 {
					delete(sum, t)
				} else {
					sum[t] = x
				}
			}
		}
	}
	if s.Count > 0 {
		s.Count--
	}
	s.Prints = slices.DeleteFunc(s.Prints, func(pr Print) bool { return pr.Ref == ref })
	if headline != "" && strings.EqualFold(strings.TrimSpace(s.Headline), strings.TrimSpace(oldHeadline)) {
		s.Headline = headline
		s.HeadlineVec = nil
	}
	roundWeights(s.Title, s.Body, s.Entities, s.HeadlineVec)
	s.reset()
}

// AsDocument weighs a story's centroid as one document, to score it against other
// stories (related stories): each part scaled to unit length, dated by its newest
// article. It does not change s.
func (c Config) AsDocument(s *Centroid) Prepared {
	s.materialize()
	unit := func(v Vector) Vector { return maps.Clone(v).normalize() }
	ents := unit(s.Entities)
	p := Prepared{Title: unit(s.Title), Body: unit(s.Body), Entities: ents, When: s.Newest, numbers: numbersOf(ents), oldest: s.Oldest}
	if c.NameConflict > 0 {
		p.people = s.protagonists(c.NameShare)
	}
	return p
}
