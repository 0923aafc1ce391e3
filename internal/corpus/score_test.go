package corpus

import (
	"math"
	"os"
	"strconv"
	"testing"
)

func TestScoreReferences(t *testing.T) {
	// Hand-worked example: gold {a,a,a,b,b}, predicted {x,x,y,y,y}.
	s := Score([]string{"a", "a", "a", "b", "b"}, []string{"x", "x", "y", "y", "y"})
	// Pairs: gold 3+1=4, predicted 1+3=4, shared (a,x)=1 (b,y)=1 -> TP 2.
	if s.PairP != 0.5 || s.PairR != 0.5 || s.PairF1 != 0.5 {
		t.Errorf("pairwise = %.3f/%.3f/%.3f, want 0.5 each", s.PairP, s.PairR, s.PairF1)
	}
	// B-cubed precision: (2/2+2/2+1/3+2/3+2/3)/5 = 11/15; recall (2/3+2/3+1/3+1+1)/5 = 11/15.
	if math.Abs(s.B3P-11.0/15) > 1e-12 || math.Abs(s.B3R-11.0/15) > 1e-12 {
		t.Errorf("B-cubed = %.4f/%.4f, want %.4f", s.B3P, s.B3R, 11.0/15)
	}
	if s.Stories != 2 || s.GoldStories != 2 {
		t.Errorf("stories = %d/%d", s.Stories, s.GoldStories)
	}
	perfect := Score([]string{"a", "a", "b"}, []string{"1", "1", "2"})
	if perfect.PairF1 != 1 || perfect.B3F1 != 1 || math.Abs(perfect.NMI-1) > 1e-12 {
		t.Errorf("perfect = %+v", perfect)
	}
	one := Score([]string{"a", "a", "b"}, []string{"1", "1", "1"})
	if one.NMI != 0 {
		t.Errorf("one cluster NMI = %f, want 0", one.NMI)
	}
}

// TestScoreErrors checks the false merge and false split counts on hand-worked
// clusterings.
func TestScoreErrors(t *testing.T) {
	tests := []struct {
		name                   string
		gold, pred             []string
		mergePairs, splitPairs int
		mixed, split           int
	}{
		{"perfect", []string{"a", "a", "b"}, []string{"1", "1", "2"}, 0, 0, 0, 0},
		{"every document alone", []string{"a", "a", "a", "b"}, []string{"1", "2", "3", "4"}, 0, 3, 0, 1},
		// One cluster: the 3 a-b pairs are false merges; one predicted story mixes two.
		{"one cluster", []string{"a", "a", "b"}, []string{"1", "1", "1"}, 2, 0, 1, 0},
		// {a,a,a,b,b} as {x,x,y,y,y}: y holds a and b (pairs a-b twice: 2 false merges),
		// a is split over x and y (2 pairs), b is whole.
		{"one merge, one split", []string{"a", "a", "a", "b", "b"}, []string{"x", "x", "y", "y", "y"}, 2, 2, 1, 1},
		// Two gold stories split the same way count as two split stories, one mixed.
		{"crossed", []string{"a", "a", "b", "b"}, []string{"x", "y", "x", "y"}, 2, 2, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Score(tt.gold, tt.pred)
			if s.FalseMergePairs != tt.mergePairs || s.FalseSplitPairs != tt.splitPairs {
				t.Errorf("false merge/split pairs = %d/%d, want %d/%d", s.FalseMergePairs, s.FalseSplitPairs, tt.mergePairs, tt.splitPairs)
			}
			if s.MixedStories != tt.mixed || s.SplitStories != tt.split {
				t.Errorf("mixed/split stories = %d/%d, want %d/%d", s.MixedStories, s.SplitStories, tt.mixed, tt.split)
			}
		})
	}
}

// TestScoreTrivialReferences reproduces the README's trivial rows: every document
// alone and one cluster, on the real data.
func TestScoreTrivialReferences(t *testing.T) {
	root, err := Dir(os.Getenv, "story-clustering")
	if err != nil {
		t.Skip(err)
	}
	want := map[string]struct{ singleNMI, onePairF1 float64 }{
		"basil (date order)":             {0.890, 0.020},
		"googlenews News (random order)": {0.690, 0.036},
		"ecbplus (id order)":             {0.790, 0.030},
		"gva gun violence (date order)":  {0.959, 0.001},
	}
	for _, st := range Streams() {
		w, ok := want[st.Name]
		if !ok {
			continue
		}
		docs, err := st.Load(root)
		if err != nil {
			t.Fatal(err)
		}
		gold := make([]string, len(docs))
		alone := make([]string, len(docs))
		one := make([]string, len(docs))
		for i, d := range docs {
			gold[i], alone[i], one[i] = d.Gold, strconv.Itoa(i), "all"
		}
		if got := Score(gold, alone).NMI; math.Abs(got-w.singleNMI) > 0.0005 {
			t.Errorf("%s: singletons NMI %.4f, README %.3f", st.Name, got, w.singleNMI)
		}
		if got := Score(gold, one).PairF1; math.Abs(got-w.onePairF1) > 0.0005 {
			t.Errorf("%s: one cluster pairwise F1 %.4f, README %.3f", st.Name, got, w.onePairF1)
		}
	}
}
