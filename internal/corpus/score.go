package corpus

import "math"

// Scores are the clustering metrics of the story-clustering README.
type Scores struct {
	Docs, Stories, GoldStories int
	PairP, PairR, PairF1       float64 // pair counting: pairs sharing gold and predicted story
	B3P, B3R, B3F1             float64 // B-cubed, averaged over documents
	NMI                        float64 // sqrt-normalised mutual information (Yin & Wang)

	// The errors behind the scores, in two units. Pairs: FalseMergePairs are pairs
	// of documents in one predicted story but different gold stories (what lowers
	// pairwise precision), FalseSplitPairs pairs in one gold story but different
	// predicted stories (what lowers pairwise recall). Stories: MixedStories are
	// predicted stories holding documents of more than one gold story, SplitStories
	// gold stories whose documents are in more than one predicted story. The pair
	// counts weigh an error by the stories' sizes, the story counts say how many
	// places a reader would see one.
	FalseMergePairs, FalseSplitPairs int
	MixedStories, SplitStories       int
}

// Score compares a predicted clustering with the gold one; gold[i] and pred[i] are
// the stories of document i.
func Score(gold, pred []string) Scores {
	n := len(gold)
	s := Scores{Docs: n}
	if n == 0 || len(pred) != n {
		return s
	}
	type pair struct{ g, p string }
	joint := map[pair]int{}
	gs, ps := map[string]int{}, map[string]int{}
	for i := range gold {
		joint[pair{gold[i], pred[i]}]++
		gs[gold[i]]++
		ps[pred[i]]++
	}
	s.Stories, s.GoldStories = len(ps), len(gs)
	choose2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }

	var tp, predPairs, goldPairs float64
	for _, c := range joint {
		tp += choose2(c)
	}
	for _, c := range ps {
		predPairs += choose2(c)
	}
	for _, c := range gs {
		goldPairs += choose2(c)
	}
	s.FalseMergePairs = int(predPairs - tp)
	s.FalseSplitPairs = int(goldPairs - tp)
	goldIn, predIn := map[string]int{}, map[string]int{} // distinct partners per story
	for k := range joint {
		goldIn[k.g]++
		predIn[k.p]++
	}
	for _, n := range predIn {
		if n > 1 {
			s.MixedStories++
		}
	}
	for _, n := range goldIn {
		if n > 1 {
			s.SplitStories++
		}
	}
	s.PairP = ratio(tp, predPairs)
	s.PairR = ratio(tp, goldPairs)
	s.PairF1 = f1(s.PairP, s.PairR)

	// B-cubed: for document i, precision is the share of its predicted cluster in its
	// gold cluster, recall the share of its gold cluster in its predicted cluster.
	var bp, br float64
	for i := range gold {
		c := float64(joint[pair{gold[i], pred[i]}])
		bp += c / float64(ps[pred[i]])
		br += c / float64(gs[gold[i]])
	}
	s.B3P, s.B3R = bp/float64(n), br/float64(n)
	s.B3F1 = f1(s.B3P, s.B3R)

	N := float64(n)
	var mi, hg, hp float64
	for k, c := range joint {
		nc := float64(c)
		mi += nc * math.Log(N*nc/(float64(gs[k.g])*float64(ps[k.p])))
	}
	for _, c := range gs {
		hg += float64(c) * math.Log(float64(c)/N)
	}
	for _, c := range ps {
		hp += float64(c) * math.Log(float64(c)/N)
	}
	if hg != 0 && hp != 0 {
		s.NMI = mi / math.Sqrt(hg*hp)
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
