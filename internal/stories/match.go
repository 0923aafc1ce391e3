package stories

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Config holds the matcher's weights and bounds. One configuration serves every
// source of articles: nothing in it is tuned per corpus.
//
// How the defaults were chosen: on the development portions of the four public
// story-clustering corpora (BASIL, Google News titles in two orders, ECB+, the Gun
// Violence Archive news; see internal/corpus), first by a random search over the
// fields below, then by hill climbing from the best point, maximising the sum over
// the corpora of min(1, score/target) with the targets (pairwise F1 for
// BASIL, ECB+ and GVA, NMI for Google News). No field looks at gold labels or
// knows which corpus it runs on.
//
// EntityFloor and EntityMin came later, by hand on the same data with the other
// fields fixed: floors 0.15–0.35 and minimums 3–12 terms, replaying every corpus
// (pairwise F1 on ECB+ 0.776 without the floor, 0.80–0.82 across 0.2–0.3 and 5–8
// terms; 0.25 and 8 best). Applied to dated comparisons too, the floor cost the gun
// violence corpus 0.03–0.06 pairwise F1 (0.724 at 0.2, 0.746 when only gaps past
// TimeGrace were floored), so it is limited to comparisons the time term cannot
// judge. The dated corpora and the headline-only Google News titles (no entity
// terms) are unchanged by it. As a check that it is no ECB+ artefact, BASIL and
// the gun violence corpus replayed with their dates removed: pairwise F1 0.499 and
// 0.312 without the floor, 0.597 and 0.464 with it (0.715 and 0.509 at a floor of
// 0.3, which scored 0.812 on ECB+).
//
// EventFloor (issue 15, item 5: topic against event) is off. Replayed with the
// other fields fixed, at EventMin 10, it cost every dated corpus recall and bought
// no precision at any floor tried (pairwise F1 BASIL / ECB+ / GVA, against 0.973 /
// 0.820 / 0.751 off): 0.15 gave 0.968 / 0.816 / 0.743, 0.2 0.968 / 0.815 / 0.739,
// 0.3 0.953 / 0.812 / 0.726, 0.35 0.942 / 0.808 / 0.717. The development corpora's
// wrong joins share names with the story they join (same outlet, same actors);
// the ones it parts on the 121 benchmark pages (a daily digest and a Europa study
// against NASA's lander contracts, see server/testdata/benchpages.json) have entity
// cosines of 0.20–0.21, where true joins lie too (the pages' Doobie Brothers tour
// at 0.20). The headline-only Google News titles name no entities and are
// unchanged by it; at 0 every score is as before.
//
// The merge pass (MergeThreshold, MergeHeadlineThreshold, MergeEntityFloor) came
// next, by hand on the same data with every other field fixed, replaying each
// corpus through parallax cluster. Headline-only stories (Google News titles, the
// only ones): NMI random/stream order 0.866/0.875 without the pass; at a
// headline threshold of 0.15 0.853/0.895, 0.2 0.869/0.895, 0.25 0.871/0.895, 0.3
// 0.870/0.885, 0.4 0.869/0.877: 0.25. Full texts: at thresholds 0.25–0.5 with an
// entity floor of 0.3–0.5, ECB+ pairwise F1 0.824–0.825 (0.820 without), BASIL and
// the gun violence news unchanged (their fragments are days apart, and with the
// time term few of their stories score over 0.25 against a neighbour: 5 in the
// gun violence replay); without the no-conflicting-numbers
// guard ECB+ fell to 0.809 at 0.4, and at 0.2 with a floor of 0.25 to 0.794 (twin
// events merged): 0.35 and 0.4.
//
// FollowUpShared, FollowUpRarity and FollowUpRelief (issue 15), by hand on the same
// data with the other fields fixed; only the dated corpora (BASIL, gun violence)
// can move. A cosine of names alone did not tell follow-ups apart (gun violence
// pairwise F1 0.58–0.761 at bars 0.2–0.7, BASIL 0.973 down to 0.71): a town's
// shootings share the town's names. Shared rare names did (of document pairs a week
// or more apart scoring over Threshold without the time term, 170 of the 200
// sharing the most names with at most 5 documents were one event, against 94 of
// the 200 with the highest name cosine). A count of documents made every name rare
// early in a replay and in BASIL's 201 articles (BASIL 0.62–0.88), hence a share:
// 3–4 shared names, shares 0.001–0.002, relief 0.9–1 gave gun violence 0.746–0.776
// and BASIL 0.973 throughout; 4, 0.002 and 0.9 best (0.776 alone, 0.751 before).
// BoilerplateMin 2 (2, 3 and 5 tried: gun violence 0.760, 0.757, 0.756 alone; BASIL
// unchanged; with the follow-up relief 0.788 at 2, 0.785 at 3). The Google News
// titles have neither dates nor URLs and do not move; ECB+ is unchanged by the
// boilerplate and dates 303 of its 772 articles, where the relief cost 0.004
// (0.820 to 0.816; 0.820 at relief 0.8, which gave gun violence 0.780): by the sum
// of min(1, score/target) above, 0.9 is still the better point.
//
// NameConflict and NameShare (issue 15, twin events; see names.go), by hand on the
// same data with the other fields fixed, replaying each corpus through parallax
// cluster. ECB+ pairwise F1 0.833 without the rule (P 0.806, R 0.864), 0.857 with
// it (P 0.849, R 0.866): Felt's and LaRue's deaths and Klitschko's two title
// defences no longer share a story. Factors 0.3–0.6 all gave 0.857, 0.7 0.834 (the
// first LaRue report joins Felt's story again); shares 0.7–1 0.857, 0.6 0.856, 0.5
// 0.855. Variants measured at 0.5 and 0.7: the article's own protagonists instead
// of its headline's people 0.846 (an article's body names the people of the
// events before it: every Jamal Williams report recalls Vincent Jackson's arrest),
// its protagonists only when the headline names nobody 0.854, the story's
// headline instead of its protagonists 0.844 (a story's headline changes with its
// articles and is often in title case). Applied within TimeGrace of dated
// comparisons too, it left ECB+ at 0.857 and cost gun violence 0.003 (0.786): six
// of the seven joins it changed were one shooting whose headlines name a place
// ("East Harlem") the story does not. Undated only, BASIL, gun violence and the
// Google News titles (no entity terms) are unchanged, as are the 121 benchmark
// pages, which are dated. The time term's span (timeEnds) came after, with every
// field fixed: ECB+ 0.857 measured from the story's newest article, 0.864 from its
// span; the other corpora arrive in date order or undated and are unchanged.
type Config struct {
	// Weights of the title, body and entity cosines in a document–story score.
	// Components missing on either side drop out and the rest are renormalised, so a
	// headline-only article is scored on its headline alone.
	TitleWeight, BodyWeight, EntityWeight float64
	// Threshold is the lowest score that joins an existing story; HeadlineThreshold
	// the same when only headlines could be compared (see Config.threshold).
	Threshold, HeadlineThreshold float64
	// The time term against a story's newest article: up to TimeGrace apart costs
	// nothing; past it the score is multiplied by TimeScale/(TimeScale + excess).
	// Articles days apart need far more agreement than articles hours apart, but a
	// follow-up weeks later whose names and places agree strongly still joins.
	TimeGrace, TimeScale time.Duration
	// FollowUpShared relieves the time term for the follow-up of a known event: a
	// plea, a charge or a sentencing reported weeks or months later names the same
	// people and places as the first reports. When the document and the story share
	// at least FollowUpShared rare names ("e:" entity terms that at most the share
	// FollowUpRarity of the index's articles hold: a victim's or a suspect's name, a
	// street, not the town every shooting there names), the excess past TimeGrace
	// shrinks by the share FollowUpRelief. Articles that do not share such names keep
	// the full decay: a longer TimeScale for everyone joins two shootings of one town
	// weeks apart. Rarity is a share, not a count: in a small index every name is in
	// few articles, and a count made every name rare there. 0 turns it off.
	FollowUpShared int
	FollowUpRarity float64
	FollowUpRelief float64
	// BoilerplateMin: a title prefix or suffix, or a short line of text, that at
	// least BoilerplateMin earlier articles of the same outlet had is the outlet's
	// boilerplate and is dropped before weighing (see StripBoilerplate). 0 turns it
	// off.
	BoilerplateMin int
	// NumAgree and NumConflict adjust the score by how the numbers a document and a
	// story give for the same thing agree ("23 pirates" against "26 pirates", "58
	// year" (old) against "22 year"): two shootings or two heists differ in them.
	NumAgree, NumConflict float64
	// EntityFloor: when the time term cannot speak (either publication time is
	// unknown) and both sides name at least EntityMin entity terms, an entity cosine
	// below EntityFloor multiplies the score by cosine/EntityFloor. Two events of one
	// kind share vocabulary ("pirates", "Gulf of Aden", "Indian Navy") but not their
	// names ("INS Sukanya" against "INS Mysore"); with dates the time term already
	// tells them apart, and there (see Config) the floor only cost recall.
	EntityFloor float64
	EntityMin   int
	// EventFloor is the evidence an article must share with a story when the time
	// term cannot tell them apart (published within TimeGrace of each other, or
	// either undated) to join it on more than topic vocabulary (issue 15, item 5):
	// when both sides name at least EventMin entity terms, no number agrees and the
	// entity cosine is below EventFloor, the score is multiplied by
	// cosine/EventFloor. Within the grace the time term says nothing, and the day's
	// news shares its topics: a study of Jupiter's moon Europa and NASA's lunar
	// lander contracts share "NASA", "Moon", "water", "surface", not a name of
	// either event. A follow-up days later is left to the time term. 0 turns it
	// off, as DefaultConfig does (see Config for what it cost).
	EventFloor float64
	EventMin   int
	// IDFOffset is added to ln((N+1)/(df+1)), so that terms every document has still
	// count a little.
	IDFOffset float64
	// LookupTerms is how many of a document's heaviest terms are used to find
	// candidate stories, and IndexTerms how many of a story's centroid terms it is
	// found by, plus the IndexTitleTerms heaviest of its headline terms when those
	// are not among them. Each index term is a posting list in Redis, the largest
	// part of the index: 24 index terms and 16 lookup terms cost 4,830 bytes per
	// article on the gun-violence stream, 14 + 4 and 32 cost 4,340 and matched as
	// well or better on every development corpus (README, "Story matching"). The
	// headline's terms are what a headline-only article looks up by, and a long
	// body's terms outweigh them.
	LookupTerms, IndexTerms, IndexTitleTerms int
	// Bounds on a story's centroid, per part.
	CentroidTitle, CentroidBody, CentroidEntities int
	// Prints is how many fingerprints of its latest articles a story keeps.
	Prints int
	// DuplicateBits is the most SimHash bits in which two bodies may differ and still
	// be one text (Manku et al., WWW 2007, use 3 of 64 for near-duplicate pages).
	DuplicateBits int
	// EnglishOnly reads every text as English, as matching did before it had an
	// analyzer per language: for comparing the two on a replay. The development
	// corpora are English and score the same either way (README, "Story matching").
	EnglishOnly bool
	// The merge pass (see merge.go): two mutually nearest stories whose centroids
	// score at least MergeThreshold against each other become one, full-text
	// stories only when their entity cosine reaches MergeEntityFloor (and no
	// number conflicts); headline-only stories at MergeHeadlineThreshold (0: they
	// never merge). MergeThreshold 0 turns the pass off.
	MergeThreshold, MergeHeadlineThreshold, MergeEntityFloor float64
	// NameConflict multiplies the score of an article against a story about
	// another person (see namesDiffer and names.go): when either publication
	// time is unknown and both sides name at least EntityMin entity terms. A
	// name counts when it weighs at least NameShare of its side's heaviest
	// name. Two stories about different people never merge. With dates the time
	// term tells twin events apart, and there (see Config) it only cost recall.
	// 0 turns it off.
	NameConflict, NameShare float64
}

// DefaultConfig returns the configuration Parallax runs with (see Config for how it
// was chosen).
func DefaultConfig() Config {
	return Config{
		TitleWeight:       0.131,
		BodyWeight:        0.556,
		EntityWeight:      0.346,
		Threshold:         0.155,
		HeadlineThreshold: 0.1056,
		TimeGrace:         24 * time.Hour,
		TimeScale:         277 * time.Hour, // 11.5 days
		FollowUpShared:    4,
		FollowUpRarity:    0.002,
		FollowUpRelief:    0.9,
		BoilerplateMin:    2,
		NumAgree:          0.033,
		NumConflict:       0.054,
		EntityFloor:       0.25,
		EntityMin:         8,
		EventFloor:        0, // off: see Config
		EventMin:          10,
		IDFOffset:         1,
		LookupTerms:       32,
		IndexTerms:        14,
		IndexTitleTerms:   4,
		CentroidTitle:     64,
		CentroidBody:      78,
		CentroidEntities:  80,
		Prints:            16,
		DuplicateBits:     3,

		MergeThreshold:         0.35,
		MergeHeadlineThreshold: 0.25,
		MergeEntityFloor:       0.4,

		NameConflict: 0.5,
		NameShare:    0.7,
	}
}

// Prepared is a document weighted for matching.
type Prepared struct {
	Title, Body, Entities Vector // unit TF-IDF vectors
	When                  time.Time
	SimHash               uint64

	numbers []number // the numbers among Entities, by unit, for Score
	// names are the rare names among Entities, for the follow-up relief (see
	// Config.FollowUpShared).
	names Vector
	// people are the surnames of the people the headline names, for
	// Config.NameConflict; a story weighed as a document has its protagonists.
	people []string
	// oldest is, for a story weighed as a document, its Oldest (When is its
	// Newest): zero for an article.
	oldest time.Time
}

// Prepare weighs the features of a document with the index's document frequencies.
// when is the document's publication time (zero when unknown: no time term then).
func (c Config) Prepare(f Features, df DocFreq, when time.Time) Prepared {
	ents := weigh(f.Entities, df, c.IDFOffset)
	p := Prepared{
		Title:    weigh(f.Title, df, c.IDFOffset),
		Body:     weigh(f.Body, df, c.IDFOffset),
		Entities: ents,
		When:     when,
		SimHash:  f.SimHash,
		numbers:  numbersOf(ents),
	}
	if c.NameConflict > 0 {
		p.people = f.People
	}
	if c.FollowUpShared > 0 {
		p.names = rareNames(ents, df, int64(c.FollowUpRarity*float64(df.Docs)))
	}
	return p
}

// rareNames returns the "e:" terms of an entity vector that at most maxDF documents
// hold (nil when none).
func rareNames(entities Vector, df DocFreq, maxDF int64) Vector {
	var names Vector
	for k, w := range entities {
		if strings.HasPrefix(k, "e:") && df.Counts[k] <= maxDF {
			if names == nil {
				names = Vector{}
			}
			names[k] = w
		}
	}
	return names
}

// Keys returns the terms to look candidate stories up by: the document's heaviest
// terms over all parts, each part scaled by its weight.
func (c Config) Keys(p Prepared) []string {
	return c.heaviest(c.LookupTerms, [3]Vector{p.Title, p.Body, p.Entities}, [3]float64{1, 1, 1})
}

// IndexKeys returns the terms a story is to be found by: the heaviest terms of its
// centroid with each part scaled to unit length, then by its weight.
func (c Config) IndexKeys(s *Centroid) []string {
	s.materialize()
	var scales [3]float64
	for i := range scales {
		scales[i] = s.unitScale(i)
	}
	keys := c.heaviest(c.IndexTerms, [3]Vector{s.Title, s.Body, s.Entities}, scales)
	if c.IndexTitleTerms > 0 {
		for _, tw := range s.Title.top(c.IndexTitleTerms) {
			if !slices.Contains(keys, tw.term) {
				keys = append(keys, tw.term)
			}
		}
	}
	return keys
}

// heaviest returns the k heaviest terms of the parts (Title, Body, Entities): a term
// weighs the most x/scales[i]·weight it has in any part i. Dividing by 1 is exact,
// so Keys weighs x·weight.
func (c Config) heaviest(k int, parts [3]Vector, scales [3]float64) []string {
	weights := [3]float64{c.TitleWeight, c.BodyWeight, c.EntityWeight}
	all := make(Vector, len(parts[0])+len(parts[1])+len(parts[2]))
	for i, v := range parts {
		for t, x := range v {
			all[t] = max(all[t], x/scales[i]*weights[i])
		}
	}
	top := all.top(k)
	keys := make([]string, len(top))
	for i, tw := range top {
		keys[i] = tw.term
	}
	return keys
}

// Score rates how well p fits story s: a weighted mean of cosines, times the time
// factor and the entity floor (see Config.EntityFloor), plus the numbers adjustment.
func (c Config) Score(p Prepared, s *Centroid) float64 {
	var num, den, entCos float64
	floor, entsCompared := 1.0, false
	for i, part := range []struct {
		doc Vector
		w   float64
	}{{p.Title, c.TitleWeight}, {p.Body, c.BodyWeight}, {p.Entities, c.EntityWeight}} {
		if len(part.doc) == 0 || s.size(i) == 0 {
			continue
		}
		// The document's vectors are unit vectors: the cosine is the dot product over
		// the story's norm.
		cos := s.dot(i, part.doc) / s.norm(i)
		num += part.w * cos
		den += part.w
		if i == 2 && cos < c.EntityFloor && len(part.doc) >= c.EntityMin && s.size(i) >= c.EntityMin &&
			(p.When.IsZero() || s.Newest.IsZero()) {
			floor = cos / c.EntityFloor
		}
		if i == 2 {
			entCos = cos
			entsCompared = len(part.doc) >= c.EventMin && s.size(i) >= c.EventMin
		}
	}
	if den == 0 {
		return 0
	}
	var agree, conflict int
	if len(p.numbers) > 0 { // else nothing to compare: the story's numbers need not be read
		agree, conflict = numbers(p.numbers, s.units())
	}
	if entsCompared && agree == 0 && entCos < c.EventFloor && c.timeSilent(p.When, s.nearest(p.When)) {
		// Not on top of the entity floor: when both apply, the lower factor.
		floor = min(floor, entCos/c.EventFloor)
	}
	if c.NameConflict > 0 && (p.When.IsZero() || s.Newest.IsZero()) &&
		len(p.Entities) >= c.EntityMin && s.size(2) >= c.EntityMin && c.namesDiffer(p, s) {
		floor *= c.NameConflict
	}
	x := num / den * c.timeTerm(p, s) * floor
	if agree+conflict > 0 {
		n := float64(agree + conflict)
		x += c.NumAgree*float64(agree)/n - c.NumConflict*float64(conflict)/n
	}
	return x
}

// timeSilent reports whether the time term gives no evidence either way: either
// publication time is unknown, or the two are at most TimeGrace apart.
func (c Config) timeSilent(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	gap := a.Sub(b)
	return gap <= c.TimeGrace && gap >= -c.TimeGrace
}

// timeTerm is the time term of p against story s: timeFactor, relieved for a
// follow-up whose names agree with the story's (see Config.FollowUpNames).
func (c Config) timeTerm(p Prepared, s *Centroid) float64 {
	a, b := timeEnds(p.oldest, p.When, s)
	return c.timeFactor(a, b, c.relief(p, s))
}

// relief is the share of the time term's excess forgiven for p against s: the
// story's entities are read only when the time term would cost something.
// timeEnds returns the two times the time term compares for what spans oldest to
// newest (an article has one time: oldest is zero) against story s: the ends of
// the gap between the two spans, one time twice when they overlap. A story spans
// its oldest dated article to its newest, so an article of its first day that
// arrives after a follow-up weeks later (a replay out of date order, a feed read
// late) is as near as if it had come first: measured from the newest alone, ECB+
// (replayed in id order) lost such articles to stories of their own.
func timeEnds(oldest, newest time.Time, s *Centroid) (time.Time, time.Time) {
	theirs := s.nearest(newest)
	if oldest.IsZero() || !theirs.Before(newest) {
		return newest, theirs
	}
	// The story lies before newest: from its newest to the nearer of ours.
	ours := theirs
	if oldest.After(theirs) {
		ours = oldest
	}
	return ours, s.nearest(ours)
}

func (c Config) relief(p Prepared, s *Centroid) float64 {
	if c.FollowUpShared <= 0 || len(p.names) < c.FollowUpShared || c.timeFactor(p.When, s.nearest(p.When), 0) == 1 {
		return 0
	}
	if s.shared(2, p.names) < c.FollowUpShared {
		return 0
	}
	return min(1, c.FollowUpRelief)
}

// timeFactor is the time term for an article published at a against a story whose
// newest article was published at b, with the share relief of the excess past
// TimeGrace forgiven; 1 when either time is unknown.
func (c Config) timeFactor(a, b time.Time, relief float64) float64 {
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
	excess := float64(over) * (1 - relief)
	return float64(c.TimeScale) / (float64(c.TimeScale) + excess)
}

// number is one number a document gives, with its unit ("23", "pirate").
type number struct{ num, unit string }

// numbersOf returns the numbers among a document's entity terms, sorted by unit so
// that numbers reads each unit's as one run. Prepare extracts them once, rather than
// Score once for each of the candidates.
func numbersOf(entities Vector) []number {
	var out []number
	for k := range entities {
		if num, unit, ok := splitNumber(k); ok {
			out = append(out, number{num, unit})
		}
	}
	slices.SortFunc(out, func(a, b number) int {
		return cmp.Or(cmp.Compare(a.unit, b.unit), cmp.Compare(a.num, b.num))
	})
	return out
}

// numbers compares the numbers a document gives for a unit (doc, as numbersOf
// returns them) with those the story gives for it (units maps "pirate" to {"23"}): a
// unit for which any of the document's numbers is one of the story's agrees; one
// whose numbers all differ conflicts.
func numbers(doc []number, units map[string]map[string]bool) (agree, conflict int) {
	for i := 0; i < len(doc); {
		unit, met := doc[i].unit, false
		for ; i < len(doc) && doc[i].unit == unit; i++ {
			met = met || units[unit][doc[i].num]
		}
		switch {
		case units[unit] == nil: // the story gives no number for this unit
		case met:
			agree++
		default:
			conflict++
		}
	}
	return agree, conflict
}

// splitNumber splits an entity key "n:23 pirate" into "23" and "pirate".
func splitNumber(k string) (num, unit string, ok bool) {
	rest, ok := strings.CutPrefix(k, "n:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, " ")
}

// Match is the matching decision: the index of the candidate story p fits best, by
// its margin over the threshold that applies, or -1 for a new story when no
// candidate reaches its threshold; and that candidate's score.
func (c Config) Match(p Prepared, candidates []*Centroid) (best int, score float64) {
	best = -1
	bestMargin := 0.0
	for i, s := range candidates {
		x := c.Score(p, s)
		if m := x - c.threshold(p, s); best < 0 || m > bestMargin {
			best, score, bestMargin = i, x, m
		}
	}
	if best >= 0 && bestMargin < 0 {
		return -1, score
	}
	return best, score
}

// threshold is the score a document must reach to join story s. Headlines alone are
// short and their cosines run lower than those of full texts for the same event, so
// a comparison that only had headlines to go on (a feed item without its page, a
// story of such items) has a threshold of its own.
func (c Config) threshold(p Prepared, s *Centroid) float64 {
	body := len(p.Body) > 0 && s.size(1) > 0
	ents := len(p.Entities) > 0 && s.size(2) > 0
	if !body && !ents {
		return c.HeadlineThreshold
	}
	return c.Threshold
}

// Duplicate returns the reference (see Add) of the article in s whose body p
// copies, if any.
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

// Add folds a document into the centroid: its vectors are added to the sums (then
// cut to the configured sizes), its fingerprint remembered under ref (a short
// reference to the article, such as its store id), and its headline becomes the
// story's title if it lies nearer the title centroid than the current one.
func (c Config) Add(s *Centroid, p Prepared, ref, headline string) {
	s.materialize()
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
	if !p.When.IsZero() && (s.Oldest.IsZero() || p.When.Before(s.Oldest)) {
		s.Oldest = p.When
	}
	if p.SimHash != 0 && c.Prints > 0 {
		s.Prints = append(s.Prints, Print{Ref: ref, SimHash: p.SimHash})
		if len(s.Prints) > c.Prints {
			s.Prints = s.Prints[len(s.Prints)-c.Prints:]
		}
	}
	if headline != "" {
		// One norm of the title centroid serves both cosines.
		if n := s.Title.Norm(); s.Headline == "" || cosine(p.Title, s.Title, n) > cosine(s.HeadlineVec, s.Title, n)+1e-9 {
			s.Headline = headline
			s.HeadlineVec = p.Title.trim(c.CentroidTitle)
		}
	}
	roundWeights(s.Title, s.Body, s.Entities, s.HeadlineVec)
	s.reset()
}

// roundWeights rounds weights to the precision the codec keeps (half precision), so
// a centroid scores the same before and after a round trip through the store.
func roundWeights(vs ...Vector) {
	for _, v := range vs {
		for t, w := range v {
			v[t] = fromHalf(toHalf(w))
		}
	}
}
