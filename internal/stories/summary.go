package stories

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/parallax-news/parallax/internal/outlets"
)

// The summary is extractive: every bullet is one candidate sentence of one member
// article (see Candidates), quoted verbatim and cited to it. Sentences are chosen
// for salience (how close their words are to what the other articles of the story
// say, how early they come, how long they are) and then by maximal marginal
// relevance (Carbonell & Goldstein, 1998), so that each bullet adds something the
// others do not say.
const (
	// summaryArticles bounds the articles read: the newest, as the store returns
	// them, so that a story of any size costs the same.
	summaryArticles = 200
	// MaxBullets and minBullets bound a summary's length; past minBullets a
	// sentence must still be nearly as salient as the best (bulletFloor).
	MaxBullets  = 5
	minBullets  = 3
	bulletFloor = 0.6
	// perOutlet is the most bullets one outlet may give.
	perOutlet = 2
	// nearDuplicate is the cosine at which two sentences say the same (a wire copy,
	// lightly edited): never both in one summary.
	nearDuplicate = 0.5
	// mmrLambda weighs salience against novelty.
	mmrLambda = 0.7
	// sideMargin: a candidate this close to the best is preferred when its
	// outlet's side is not yet represented.
	sideMargin = 0.03
	// Salience weights: closeness to the story, position, length.
	weightSimilarity = 0.65
	weightPosition   = 0.2
	weightLength     = 0.15
)

// Summarize chooses 3–5 bullets for a story from its articles' candidate sentences
// (fewer when the articles offer fewer). bias gives each outlet's side, as the
// balance reads it. A wire copy (DuplicateOf set) counts once, with the article it
// copies; no outlet gives more than two bullets; two near-identical sentences never
// both appear; and between two candidates of nearly equal worth, an outlet of a
// side the summary does not yet quote is preferred. The result depends only on the
// story's articles and the sides: the same story gives the same bullets.
func Summarize(s Story, bias BiasFunc) []Bullet {
	arts := independent(s.Articles[:min(len(s.Articles), summaryArticles)])
	type sentence struct {
		art      int
		cand     Candidate
		vec      sparse
		salience float64
	}
	var sents []sentence
	artVecs := make([]sparse, len(arts))
	for i, a := range arts {
		an := analyzerFor(a.Lang)
		counts := map[string]float64{}
		an.Words(a.Title, func(t string) { counts[t]++ })
		for _, c := range a.Candidates {
			sc := map[string]float64{}
			an.Words(c.Text, func(t string) { sc[t]++; counts[t]++ })
			if v := tfSparse(sc); len(v) > 0 {
				sents = append(sents, sentence{art: i, cand: c, vec: v})
			}
		}
		artVecs[i] = tfSparse(counts)
	}
	if len(sents) == 0 {
		return nil
	}
	// The story's centroid, and each article's leave-one-out view of it: a sentence
	// is salient for what the other articles say, not for echoing its own.
	sum := Vector{}
	for _, v := range artVecs {
		for _, tw := range v {
			sum[tw.term] += tw.weight
		}
	}
	sumNorm2 := sum.Dot(sum)
	for i := range sents {
		st := &sents[i]
		dot, norm2 := st.vec.dotMap(sum), sumNorm2
		if len(arts) > 1 {
			own := artVecs[st.art]
			dot -= st.vec.dot(own)
			norm2 += 1 - 2*own.dotMap(sum)
		}
		sim := 0.0
		if norm2 > 1e-12 {
			sim = dot / math.Sqrt(norm2)
		}
		st.salience = weightSimilarity*sim + weightPosition*positionScore(st.cand.Pos) + weightLength*lengthScore(len(st.cand.Text))
	}

	side := func(a Article) outlets.Side {
		if a.OutletID == "" || bias == nil {
			return outlets.SideUnrated
		}
		return bias(a.OutletID).Side()
	}
	out := make([]Bullet, 0, MaxBullets)
	// out of the running: chosen, a near-duplicate of a chosen one, or of an
	// outlet that has given its share.
	gone := make([]bool, len(sents))
	redundancy := make([]float64, len(sents)) // the most like any chosen sentence
	mmr := make([]float64, len(sents))
	perSource := map[string]int{}
	sides := map[outlets.Side]bool{}
	topSalience := 0.0
	for len(out) < MaxBullets {
		best, bestScore := -1, math.Inf(-1)
		for i, st := range sents {
			if gone[i] {
				continue
			}
			mmr[i] = mmrLambda*st.salience - (1-mmrLambda)*redundancy[i]
			if mmr[i] > bestScore {
				best, bestScore = i, mmr[i]
			}
		}
		if best < 0 {
			break
		}
		// Of the near-best, the first (in the articles' order) from a side not yet
		// quoted.
		if sides[side(arts[sents[best].art])] {
			for i := range sents {
				if !gone[i] && mmr[i] >= bestScore-sideMargin && !sides[side(arts[sents[i].art])] {
					best = i
					break
				}
			}
		}
		st := sents[best]
		if len(out) >= minBullets && st.salience < bulletFloor*topSalience {
			break
		}
		topSalience = max(topSalience, st.salience)
		a := arts[st.art]
		perSource[a.Source()]++
		sides[side(a)] = true
		out = append(out, Bullet{Text: st.cand.Text, ArticleURL: a.URL, OutletID: a.OutletID, Domain: a.Domain, Side: side(a)})
		gone[best] = true
		full := perSource[a.Source()] >= perOutlet
		for i := range sents {
			if gone[i] {
				continue
			}
			if full && arts[sents[i].art].Source() == a.Source() {
				gone[i] = true
				continue
			}
			c := sents[i].vec.dot(st.vec)
			if c >= nearDuplicate {
				gone[i] = true
				continue
			}
			redundancy[i] = max(redundancy[i], c)
		}
	}
	return out
}

// sparse is a unit term vector as a slice sorted by term: comparing two costs one
// merge, without the map lookups and sorting of Vector.Dot, and sums run in one
// fixed order (see Vector.terms).
type sparse []termWeight

// tfSparse weighs raw counts by sublinear term frequency, unit length. There is no
// IDF: within one story, a word every outlet uses is the story's, not a common word
// to discount (the analyzer has dropped the stop words).
func tfSparse(counts map[string]float64) sparse {
	v := make(sparse, 0, len(counts))
	var n float64
	for t, c := range counts {
		w := 1 + math.Log(c)
		v = append(v, termWeight{t, w})
	}
	slices.SortFunc(v, func(a, b termWeight) int { return strings.Compare(a.term, b.term) })
	for _, tw := range v {
		n += tw.weight * tw.weight
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i].weight /= n
	}
	return v
}

// dot is the inner product of two sparse vectors.
func (v sparse) dot(u sparse) float64 {
	var s float64
	for i, j := 0, 0; i < len(v) && j < len(u); {
		switch c := strings.Compare(v[i].term, u[j].term); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			s += v[i].weight * u[j].weight
			i++
			j++
		}
	}
	return s
}

// dotMap is the inner product of v and a map vector, summed in v's order.
func (v sparse) dotMap(m Vector) float64 {
	var s float64
	for _, tw := range v {
		s += tw.weight * m[tw.term]
	}
	return s
}

// independent drops the wire copies of articles whose original is among them, and
// keeps one of several copies of an original that is not: each text counts once.
func independent(arts []Article) []Article {
	originals := make(map[string]bool, len(arts))
	for _, a := range arts {
		if a.DuplicateOf == "" {
			originals[a.URL] = true
		}
	}
	out := make([]Article, 0, len(arts))
	copied := map[string]bool{}
	for _, a := range arts {
		if a.DuplicateOf != "" {
			if originals[a.DuplicateOf] || copied[a.DuplicateOf] {
				continue
			}
			copied[a.DuplicateOf] = true
		}
		out = append(out, a)
	}
	return out
}

// positionScore favours a story's lead: 1 for the first sentence, ½ for the third.
func positionScore(pos int) float64 {
	return 1 / (1 + float64(pos)/2)
}

// lengthScore favours sentences of 80–220 bytes, a line or two on a phone.
func lengthScore(n int) float64 {
	switch {
	case n < 80:
		return float64(n) / 80
	case n <= 220:
		return 1
	default:
		return max(0.5, 1-float64(n-220)/160)
	}
}

// Summaries caches stories' summaries by story version, so that a summary is
// computed once each time its story changes, not on every read. It holds at most
// its capacity, dropping the oldest entry first. It is safe for concurrent use.
type Summaries struct {
	mu    sync.Mutex
	cap   int
	m     map[summaryKey][]Bullet
	order []summaryKey // a ring, oldest at next
	next  int
}

// summaryKey identifies one state of a story: the version changes on every add,
// and the article count on any removal.
type summaryKey struct {
	id       string
	version  int64
	articles int
}

// NewSummaries returns a cache of up to capacity summaries (at least 1).
func NewSummaries(capacity int) *Summaries {
	capacity = max(capacity, 1)
	return &Summaries{cap: capacity, m: make(map[summaryKey][]Bullet, capacity)}
}

// Of returns the summary of s, computing it on the first read of its version.
// Sides are read afresh on every call, so that an operator's registry change
// applies at once to a cached summary.
func (c *Summaries) Of(s Story, bias BiasFunc) []Bullet {
	k := summaryKey{s.ID, s.Version, s.ArticleCount}
	c.mu.Lock()
	cached, ok := c.m[k]
	c.mu.Unlock()
	if !ok {
		cached = Summarize(s, bias)
		c.mu.Lock()
		if _, dup := c.m[k]; !dup {
			if len(c.order) < c.cap {
				c.order = append(c.order, k)
			} else {
				delete(c.m, c.order[c.next])
				c.order[c.next] = k
				c.next = (c.next + 1) % c.cap
			}
			c.m[k] = cached
		}
		c.mu.Unlock()
	}
	out := make([]Bullet, len(cached))
	copy(out, cached)
	for i := range out {
		out[i].Side = outlets.SideUnrated
		if out[i].OutletID != "" && bias != nil {
			out[i].Side = bias(out[i].OutletID).Side()
		}
	}
	return out
}

// Len reports how many summaries the cache holds.
func (c *Summaries) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
