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
	return cosine(v, u, u.Norm())
}

// cosine is Cosine given nu, the norm of u.
func cosine(v, u Vector, nu float64) float64 {
	nv := v.Norm()
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

// heavier orders term weights heaviest first, ties by term so that an order over a
// map does not depend on its iteration order. It is a strict total order (terms in
// a vector are distinct), so the k first terms under it are one set in one order
// however they are found.
func heavier(a, b termWeight) int {
	if c := cmp.Compare(b.weight, a.weight); c != 0 {
		return c
	}
	return cmp.Compare(a.term, b.term)
}

// top returns the k heaviest terms of v in heavier order. It keeps the best k seen
// so far in a heap whose root is the lightest of them, so choosing 16 or 80 terms of
// a few hundred costs one pass and a sort of k, not a sort of them all.
func (v Vector) top(k int) []termWeight {
	if k <= 0 {
		return nil
	}
	h := make([]termWeight, 0, min(k, len(v)))
	for t, w := range v {
		tw := termWeight{t, w}
		switch {
		case len(h) < k:
			h = append(h, tw)
			siftUp(h, len(h)-1)
		case heavier(tw, h[0]) < 0:
			h[0] = tw
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, heavier)
	return h
}

// siftUp and siftDown keep h a heap with its lightest entry (the last in heavier
// order) at h[0].
func siftUp(h []termWeight, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if heavier(h[i], h[parent]) < 0 {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func siftDown(h []termWeight, i int) {
	for {
		lightest, left, right := i, 2*i+1, 2*i+2
		if left < len(h) && heavier(h[left], h[lightest]) > 0 {
			lightest = left
		}
		if right < len(h) && heavier(h[right], h[lightest]) > 0 {
			lightest = right
		}
		if lightest == i {
			return
		}
		h[i], h[lightest] = h[lightest], h[i]
		i = lightest
	}
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
