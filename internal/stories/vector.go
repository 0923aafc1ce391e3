package stories

import (
	"cmp"
	"math"
	"slices"
)

// Vector is a sparse term-weight vector.
type Vector map[string]float64

// Norm returns the Euclidean length of v.
func (v Vector) Norm() float64 {
	var s float64
	for _, t := range v.terms() {
		s += v[t] * v[t]
	}
	return math.Sqrt(s)
}

// Dot returns the inner product of v and u, iterating over the shorter one.
func (v Vector) Dot(u Vector) float64 {
	if len(u) < len(v) {
		v, u = u, v
	}
	var s float64
	for _, t := range v.terms() {
		s += v[t] * u[t]
	}
	return s
}

// terms returns v's terms in sorted order. Sums run in this order: floating-point
// addition is not associative, and summing in map order made the same replay
// decide a near-tie differently from one run to the next.
func (v Vector) terms() []string {
	ts := make([]string, 0, len(v))
	for t := range v {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// Cosine returns the cosine similarity of v and u, 0 when either is empty.
func Cosine(v, u Vector) float64 {
	nv, nu := v.Norm(), u.Norm()
	if nv == 0 || nu == 0 {
		return 0
	}
	return v.Dot(u) / (nv * nu)
}

// normalize scales v to unit length in place.
func (v Vector) normalize() Vector {
	n := v.Norm()
	if n == 0 {
		return v
	}
	for t := range v {
		v[t] /= n
	}
	return v
}

// addScaled adds s·u to v in place.
func (v Vector) addScaled(u Vector, s float64) {
	for t, w := range u {
		v[t] += s * w
	}
}

type termWeight struct {
	term   string
	weight float64
}

// top returns the k heaviest terms of v, heaviest first, ties by term so the
// result does not depend on map order.
func (v Vector) top(k int) []termWeight {
	list := make([]termWeight, 0, len(v))
	for t, w := range v {
		list = append(list, termWeight{t, w})
	}
	slices.SortFunc(list, func(a, b termWeight) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		return cmp.Compare(a.term, b.term)
	})
	if len(list) > k {
		list = list[:k]
	}
	return list
}

// trim keeps only the k heaviest terms of v.
func (v Vector) trim(k int) Vector {
	if len(v) <= k {
		return v
	}
	out := make(Vector, k)
	for _, tw := range v.top(k) {
		out[tw.term] = tw.weight
	}
	return out
}

// DocFreq is what the index knows of term rarity: how many documents it has seen and
// in how many each term occurred.
type DocFreq struct {
	Docs   int64
	Counts map[string]int64
}

// idf is the smoothed inverse document frequency ln((N+1)/(df+1)) + offset, defined
// for a term never seen.
func (d DocFreq) idf(term string, offset float64) float64 {
	return math.Log(float64(d.Docs+1)/float64(d.Counts[term]+1)) + offset
}

// weigh turns raw counts into an L2-normalised TF-IDF vector with sublinear term
// frequency (1 + ln tf): a word said ten times is not ten times as telling.
func weigh(counts map[string]float64, df DocFreq, offset float64) Vector {
	v := make(Vector, len(counts))
	for t, c := range counts {
		if c <= 0 {
			continue
		}
		if w := (1 + math.Log(c)) * df.idf(t, offset); w > 0 {
			v[t] = w
		}
	}
	return v.normalize()
}
