package extract

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// This file restates the article-extraction benchmark's evaluate.py (see the data
// set's README.md): \w+ tokens, 4-gram shingle multisets, per-page TP/FP/FN
// normalised to sum to 1, precision and recall averaged over pages, F1 of the means.

// shingleSize is the n of the benchmark's n-gram shingles.
const shingleSize = 4

// wordPattern is Python's Unicode \w: letters, digits (all of \p{N}) and "_".
// Go's \w is ASCII-only, so it would split "café" and drop Cyrillic entirely.
var wordPattern = regexp.MustCompile(`[\p{L}\p{N}_]+`)

// pageScore is one page's shingle TP, FP and FN, divided by their sum so that
// every page weighs the same.
type pageScore struct {
	tp, fp, fn float64
}

// benchmarkScore is the benchmark's summary over a set of pages.
type benchmarkScore struct {
	pages                           int
	precision, recall, f1, accuracy float64
}

func words(s string) []string { return wordPattern.FindAllString(s, -1) }

// shingles counts the token n-grams of a text; fewer than n tokens make one
// shorter shingle, and no tokens make none (evaluate.py's _ngrams).
func shingles(tokens []string) map[string]int {
	out := make(map[string]int)
	if len(tokens) == 0 {
		return out
	}
	n := max(1, len(tokens)-shingleSize+1)
	for i := range n {
		out[strings.Join(tokens[i:min(i+shingleSize, len(tokens))], "\x00")]++
	}
	return out
}

// scorePage compares a prediction with the ground truth of one page.
func scorePage(truth, pred string) pageScore {
	t, p := shingles(words(truth)), shingles(words(pred))
	var s pageScore
	for k, tc := range t {
		pc := p[k]
		s.tp += float64(min(tc, pc))
		s.fn += float64(max(0, tc-pc))
		s.fp += float64(max(0, pc-tc))
	}
	for k, pc := range p {
		if _, ok := t[k]; !ok {
			s.fp += float64(pc)
		}
	}
	if sum := s.tp + s.fp + s.fn; sum > 0 {
		s.tp, s.fp, s.fn = s.tp/sum, s.fp/sum, s.fn/sum
	}
	return s
}

func (s pageScore) precision() float64 {
	switch {
	case s.fp == 0 && s.fn == 0:
		return 1
	case s.tp == 0 && s.fp == 0:
		return 0
	}
	return s.tp / (s.tp + s.fp)
}

func (s pageScore) recall() float64 {
	switch {
	case s.fp == 0 && s.fn == 0:
		return 1
	case s.tp == 0 && s.fn == 0:
		return 0
	}
	return s.tp / (s.tp + s.fn)
}

// f1 is one page's F1, used only to rank the worst pages.
func (s pageScore) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// summarize computes the benchmark's precision and recall (means over the pages
// where they are defined), the F1 of those means, and the share of pages whose
// token lists match the ground truth exactly.
func summarize(truths, preds []string) benchmarkScore {
	var pSum, rSum float64
	var pN, rN, exact int
	for i := range truths {
		s := scorePage(truths[i], preds[i])
		if s.tp+s.fp > 0 {
			pSum += s.precision()
			pN++
		}
		if s.tp+s.fn > 0 {
			rSum += s.recall()
			rN++
		}
		if slices.Equal(words(truths[i]), words(preds[i])) {
			exact++
		}
	}
	var b benchmarkScore
	b.pages = len(truths)
	if pN > 0 {
		b.precision = pSum / float64(pN)
	}
	if rN > 0 {
		b.recall = rSum / float64(rN)
	}
	if b.precision+b.recall > 0 {
		b.f1 = 2 * b.precision * b.recall / (b.precision + b.recall)
	}
	if b.pages > 0 {
		b.accuracy = float64(exact) / float64(b.pages)
	}
	return b
}

func TestScorePage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, truth, pred string
		tp, fp, fn        float64
		precision, recall float64
	}{
		{"identical", "a b c d e", "a, b. c d e!", 1, 0, 0, 1, 1},
		{"both empty", "", "", 0, 0, 0, 1, 1},
		{"empty prediction", "a b c d", "", 0, 0, 1, 0, 0},
		{"short texts are one shingle", "a b c", "a b c", 1, 0, 0, 1, 1},
		{"short texts differ", "a b c", "a b", 0, 0.5, 0.5, 0, 0},
		// truth shingles: abcd bcde; pred: abcd bcdx cdxy → tp 1, fp 2, fn 1.
		{"partial overlap", "a b c d e", "a b c d x y", 0.25, 0.5, 0.25, 1.0 / 3, 0.5},
		{"repeated shingles count as a multiset", "a b c d a b c d", "a b c d", 0.2, 0, 0.8, 1, 0.2},
		{"unicode words", "café naïve Ελλάδα 東京 ٣", "café naïve Ελλάδα 東京 ٣", 1, 0, 0, 1, 1},
	}
	const eps = 1e-9
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := scorePage(tc.truth, tc.pred)
			if abs(s.tp-tc.tp) > eps || abs(s.fp-tc.fp) > eps || abs(s.fn-tc.fn) > eps {
				t.Errorf("scorePage = %+v, want tp %v fp %v fn %v", s, tc.tp, tc.fp, tc.fn)
			}
			if abs(s.precision()-tc.precision) > eps || abs(s.recall()-tc.recall) > eps {
				t.Errorf("precision, recall = %v, %v, want %v, %v", s.precision(), s.recall(), tc.precision, tc.recall)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
