package stories

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStemEnglish(t *testing.T) {
	tests := map[string]string{
		"shootings": "shoot", "shooting": "shoot", "shoots": "shoot", "shot": "shot",
		"policies": "policy", "police": "police", "news": "new", "bridges": "bridge",
		"stopped": "stop", "crashes": "crash", "boxes": "box", "glass": "glass",
		"bus": "bus", "analysis": "analysis", "quickly": "quick", "killed": "kill",
	}
	for in, want := range tests {
		if got := stemEnglish(in); got != want {
			t.Errorf("stemEnglish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	var got []string
	analyzerFor("en").Words("The Bridge collapsed; 4 people were hurt in 2026, officials said. Don't panic!", func(w string) { got = append(got, w) })
	want := []string{"bridge", "collaps", "hurt", "2026", "official", "dont", "panic"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

func TestEntities(t *testing.T) {
	f := Analyze(Doc{
		Title: "bridge falls",
		Text:  `The Kestrelford Harbour Bridge collapsed on Monday. Chief Fire Officer Daniel Okafor said a 58-year-old man was hurt. Okafor praised the "Blue Watch" crew. The Bank of England said nothing. It opened in 1987 and 250 cars crossed it daily.`,
	})
	for _, want := range []string{"e:kestrelford harbour bridge", "e:bridge", "e:okafor", "n:58 year", "q:blue watch", "e:bank of england", "y:1987", "n:250 car"} {
		if f.Entities[want] == 0 {
			t.Errorf("entity %q missing from %v", want, keysOf(f.Entities))
		}
	}
	for _, unwanted := range []string{"e:the", "e:monday chief", "y:250", "y:58"} {
		if f.Entities[unwanted] != 0 {
			t.Errorf("unexpected entity %q", unwanted)
		}
	}
}

func keysOf(m map[string]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestSimHashNearDuplicates(t *testing.T) {
	base := strings.Repeat("The storm knocked out power to thousands of homes across the county on Tuesday night and crews worked to restore it. ", 6)
	copyWithByline := "By Staff and wire reports. " + base
	other := strings.Repeat("The city council approved a new budget for schools and parks after a long debate among members on Wednesday. ", 6)
	a, b, c := simhash(tokenize(base)), simhash(tokenize(copyWithByline)), simhash(tokenize(other))
	if a == 0 || b == 0 || c == 0 {
		t.Fatal("no fingerprint for a long text")
	}
	if d := hamming(a, b); d > 3 {
		t.Errorf("copy differs in %d bits", d)
	}
	if d := hamming(a, c); d < 10 {
		t.Errorf("unrelated text differs in only %d bits", d)
	}
	if simhash(tokenize("too short")) != 0 {
		t.Error("short text got a fingerprint")
	}
}

func TestFNV64a(t *testing.T) {
	for _, s := range []string{"", "a", "bridge", "kestrelford", "café", "2026"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv64a(s), h.Sum64(); got != want {
			t.Errorf("fnv64a(%q) = %x, want %x", s, got, want)
		}
	}
}

func TestCentroidRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	var c Centroid
	for i := range 5 {
		f := Analyze(Doc{Title: fmt.Sprintf("Bridge collapse day %d", i), Text: strings.Repeat("The Kestrelford Harbour Bridge collapsed into the River Wenn and four people were hurt. ", 10)})
		cfg.Add(&c, cfg.Prepare(f, DocFreq{}, time.Date(2026, 11, 20+i, 0, 0, 0, 0, time.UTC)), fmt.Sprintf("https://x.example/%d", i), fmt.Sprintf("Bridge collapse day %d", i))
	}
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var d Centroid
	if err := d.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := d.MarshalBinary()
	if string(b) != string(b2) {
		t.Error("encoding is not stable across a round trip")
	}
	if d.Count != 5 || d.Headline != c.Headline || !d.Newest.Equal(c.Newest) || len(d.Prints) != 5 {
		t.Errorf("decoded %+v", d)
	}
	if want := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC); !c.Oldest.Equal(want) || !d.Oldest.Equal(want) {
		t.Errorf("Oldest %v, decoded %v; want %v", c.Oldest, d.Oldest, want)
	}
	// A centroid stored before Oldest was kept (version 3, no span after the
	// newest time) reads its Newest as Oldest.
	_, n1 := binary.Uvarint(b[1:])
	_, n2 := binary.Varint(b[1+n1:])
	_, n3 := binary.Uvarint(b[1+n1+n2:])
	v3 := append(append([]byte{3}, b[1:1+n1+n2]...), b[1+n1+n2+n3:]...)
	var old Centroid
	if err := old.UnmarshalBinary(v3); err != nil {
		t.Fatalf("version 3: %v", err)
	}
	if !old.Oldest.Equal(c.Newest) || !old.Newest.Equal(c.Newest) || old.Count != 5 {
		t.Errorf("version 3 decoded Oldest %v, Newest %v, Count %d; want %v twice and 5", old.Oldest, old.Newest, old.Count, c.Newest)
	}
	if len(d.Body) > cfg.CentroidBody || len(d.Title) > cfg.CentroidTitle || len(d.Entities) > cfg.CentroidEntities {
		t.Errorf("centroid not bounded: %d/%d/%d terms", len(d.Title), len(d.Body), len(d.Entities))
	}
	for i := range len(b) {
		var x Centroid
		x.UnmarshalBinary(b[:i]) // truncated input must fail cleanly, never panic
	}
}

func TestMatch(t *testing.T) {
	cfg := DefaultConfig()
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	prep := func(title, text string, when time.Time) Prepared {
		return cfg.Prepare(Analyze(Doc{Title: title, Text: text}), DocFreq{}, when)
	}
	story := func(ps ...Prepared) *Centroid {
		c := &Centroid{}
		for i, p := range ps {
			cfg.Add(c, p, fmt.Sprint(i), "t")
		}
		return c
	}
	bridge := story(prep("Kestrelford Harbour Bridge collapses", "The Kestrelford Harbour Bridge collapsed into the River Wenn on Thursday, injuring four people. Divers rescued three.", day))
	election := story(prep("Voters in Marlow elect new mayor", "Voters in Marlow chose Susan Gale as mayor on Thursday after a close count at the town hall.", day))
	cands := []*Centroid{election, bridge}

	same := prep("Four hurt as bridge falls into River Wenn", "Four people were injured when the Kestrelford Harbour Bridge fell into the River Wenn. Three were rescued by divers.", day.Add(3*time.Hour))
	if best, score := cfg.Match(same, cands); best != 1 {
		t.Errorf("same event: best = %d (score %.2f), want the bridge story", best, score)
	}
	unrelated := prep("Storm closes schools in Dunmore", "Heavy snow closed every school in Dunmore on Friday and the council gritted roads overnight.", day)
	if best, score := cfg.Match(unrelated, cands); best != -1 {
		t.Errorf("unrelated: best = %d (score %.2f), want a new story", best, score)
	}
	later := prep("Four hurt as bridge falls into River Wenn", "Four people were injured when the Kestrelford Harbour Bridge fell into the River Wenn. Three were rescued by divers.", day.AddDate(1, 0, 0))
	if s1, s2 := cfg.Score(same, bridge), cfg.Score(later, bridge); s2 >= s1/2 {
		t.Errorf("a year later scores %.2f against %.2f the same day: the time term does not bite", s2, s1)
	}
}

// TestEncodedScoresLikeDecoded: a centroid scored straight from its encoding (as
// candidates from the store are) scores as its decoded maps do.
func TestEncodedScoresLikeDecoded(t *testing.T) {
	cfg := DefaultConfig()
	var c Centroid
	for i := range 4 {
		f := Analyze(Doc{Title: fmt.Sprintf("Kestrelford Harbour Bridge collapse %d", i), Text: strings.Repeat("The Kestrelford Harbour Bridge collapsed into the River Wenn and 4 people were hurt; a 58-year-old man is in hospital. ", 8)})
		cfg.Add(&c, cfg.Prepare(f, DocFreq{Docs: 10}, time.Time{}), fmt.Sprint(i), "t")
	}
	blob, _ := c.MarshalBinary()
	var enc, dec Centroid
	if err := enc.Decode(string(blob)); err != nil {
		t.Fatal(err)
	}
	if err := dec.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	p := cfg.Prepare(Analyze(Doc{Title: "Bridge falls into the River Wenn", Text: "Four people were hurt, a 58-year-old man seriously, when the Kestrelford Harbour Bridge fell into the River Wenn."}), DocFreq{Docs: 10}, time.Time{})
	if a, b := cfg.Score(p, &enc), cfg.Score(p, &dec); a < 0.1 || math.Abs(a-b) > 1e-3 {
		t.Errorf("encoded score %.5f, decoded %.5f", a, b)
	}
	if len(enc.units()["year"]) != 1 || !enc.units()["year"]["58"] {
		t.Errorf("units from the encoding = %v", enc.units())
	}
}

func TestNumbers(t *testing.T) {
	story := Vector{"n:23 pirate": 1, "n:58 year": 1, "e:aden": 1}
	c := &Centroid{Entities: story}
	tests := []struct {
		name            string
		doc             Vector
		agree, conflict int
	}{
		{"same numbers", Vector{"n:23 pirate": 1, "n:58 year": 1}, 2, 0},
		{"different count", Vector{"n:26 pirate": 1}, 0, 1},
		{"one of each", Vector{"n:23 pirate": 1, "n:22 year": 1}, 1, 1},
		{"units the story lacks", Vector{"n:3 car": 1, "e:aden": 1}, 0, 0},
		{"one of two numbers agrees", Vector{"n:26 pirate": 1, "n:23 pirate": 1, "n:3 car": 1}, 1, 0},
		{"no numbers", Vector{"e:aden": 1}, 0, 0},
	}
	for _, tt := range tests {
		if a, x := numbers(numbersOf(tt.doc), c.units()); a != tt.agree || x != tt.conflict {
			t.Errorf("%s: agree %d conflict %d, want %d %d", tt.name, a, x, tt.agree, tt.conflict)
		}
	}
}

// TestEntityFloor: without publication times, a story whose names the document does
// not share is marked down by the entity floor; with both times known the time term
// decides and the floor stays out of it.
func TestEntityFloor(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EventFloor = 0 // TestEventFloor's
	unit := func(terms ...string) Vector {
		v := Vector{}
		for _, t := range terms {
			v[t] = 1
		}
		return v.normalize()
	}
	names := func(first string) Vector {
		terms := []string{"e:gulf of aden", "e:indian navy"}
		for i := range cfg.EntityMin {
			terms = append(terms, fmt.Sprintf("e:%s%d", first, i))
		}
		return unit(terms...)
	}
	body := unit("navy", "pirat", "foil", "attack", "gulf", "aden", "ship")
	doc := Prepared{Body: body, Entities: names("sukanya")}
	story := &Centroid{Body: body.trim(100), Entities: names("mysore")}
	off := cfg
	off.EntityFloor = 0
	floored, plain := cfg.Score(doc, story), off.Score(doc, story)
	if floored >= plain {
		t.Errorf("undated, different names: score %.3f with the floor, %.3f without; want lower", floored, plain)
	}
	day := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	doc.When, story.Newest = day.Add(time.Hour), day
	if a, b := cfg.Score(doc, story), off.Score(doc, story); a != b {
		t.Errorf("both dated: score %.3f with the floor, %.3f without; want equal", a, b)
	}
	doc.When, story.Newest = time.Time{}, time.Time{}
	doc.Entities, story.Entities = unit("e:gulf of aden", "e:ins sukanya"), unit("e:gulf of aden", "e:ins mysore")
	story.reset()
	if a, b := cfg.Score(doc, story), off.Score(doc, story); a != b {
		t.Errorf("fewer than EntityMin names: score %.3f with the floor, %.3f without; want equal", a, b)
	}
}

// TestEventFloor: a document published within TimeGrace of a story joins it on
// topic vocabulary only with event-specific evidence: entity terms in common, or a
// number that agrees. Documents or stories naming fewer than EventMin entity
// terms (headlines), and comparisons the time term judges, are left alone.
func TestEventFloor(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EntityFloor = 0  // TestEntityFloor's
	cfg.EventFloor = 0.3 // off by default (see Config): the rule at a value it was measured at
	unit := func(terms ...string) Vector {
		v := Vector{}
		for _, t := range terms {
			v[t] = 1
		}
		return v.normalize()
	}
	names := func(first string, extra ...string) Vector {
		terms := []string{"e:nasa"}
		for i := range cfg.EventMin {
			terms = append(terms, fmt.Sprintf("e:%s%d", first, i))
		}
		return unit(append(terms, extra...)...)
	}
	day := time.Date(2019, 11, 18, 9, 0, 0, 0, time.UTC)
	body := unit("nasa", "moon", "water", "surfac", "mission", "space")
	tests := []struct {
		name       string
		doc, story Vector
		gap        time.Duration
		undated    bool
		lower      bool // the floor lowers the score
	}{
		{"same day, other names", names("europa"), names("lander"), time.Hour, false, true},
		{"undated, other names", names("europa"), names("lander"), 0, true, true},
		{"same day, same names", names("europa"), names("europa"), time.Hour, false, false},
		{"same day, a number agrees", names("europa", "n:5 compani"), names("lander", "n:5 compani"), time.Hour, false, false},
		{"days apart: the time term's", names("europa"), names("lander"), 5 * 24 * time.Hour, false, false},
		{"headlines: no entity terms", nil, nil, time.Hour, false, false},
		{"too few names", unit("e:nasa", "e:europa"), unit("e:nasa", "e:lander"), time.Hour, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Prepared{Body: body, Entities: tt.doc, numbers: numbersOf(tt.doc)}
			story := &Centroid{Body: body.trim(100), Entities: tt.story}
			if !tt.undated {
				doc.When, story.Newest = day.Add(tt.gap), day
			}
			off := cfg
			off.EventFloor = 0
			floored, plain := cfg.Score(doc, story), off.Score(doc, story)
			if tt.lower && floored >= plain {
				t.Errorf("score %.3f with the floor, %.3f without; want lower", floored, plain)
			}
			if !tt.lower && floored != plain {
				t.Errorf("score %.3f with the floor, %.3f without; want equal", floored, plain)
			}
		})
	}
}

// TestHeadlineThreshold: headline-only comparisons use their own threshold.
func TestHeadlineThreshold(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Threshold, cfg.HeadlineThreshold = 0.9, 0.1
	prep := func(title, text string) Prepared {
		return cfg.Prepare(Analyze(Doc{Title: title, Text: text}), DocFreq{}, time.Time{})
	}
	var headlines Centroid
	cfg.Add(&headlines, prep("snowden nsa leak spying allies", ""), "a", "t")
	if best, _ := cfg.Match(prep("nsa snowden leak germany", ""), []*Centroid{&headlines}); best != 0 {
		t.Error("a related headline did not join a headline-only story under the headline threshold")
	}
	var full Centroid
	cfg.Add(&full, prep("Snowden leak", "Edward Snowden leaked documents about the NSA spying on allies, officials in Berlin said on Monday."), "b", "t")
	if best, _ := cfg.Match(prep("Snowden leak", "Edward Snowden leaked documents about the NSA, officials said."), []*Centroid{&full}); best != -1 {
		t.Error("a full-text comparison used the headline threshold")
	}
}

// TestTop: the heap selection returns exactly what sorting every term and taking the
// first k does, ties included.
func TestTop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 60 {
		v := Vector{}
		for i := range n {
			v[fmt.Sprintf("t%03d", r.IntN(200))] = float64(r.IntN(4)) / 4 // many ties
			if i%7 == 0 {
				v[fmt.Sprint("u", i)] = r.Float64()
			}
		}
		var want []termWeight
		for term, w := range v {
			want = append(want, termWeight{term, w})
		}
		slices.SortFunc(want, heavier)
		for _, k := range []int{0, 1, 2, 5, 16, len(v), len(v) + 3} {
			if got := v.top(k); !slices.Equal(got, want[:min(k, len(want))]) {
				t.Fatalf("%d terms, top(%d) = %v, want %v", len(v), k, got, want[:min(k, len(want))])
			}
		}
	}
}

// TestFromHalf checks the fast half-precision decoder against the format's
// definition, (-1)^s · 2^(e-15) · (1 + m/1024) (subnormals 2^-14 · m/1024), for
// every one of the 65,536 values, to the bit.
func TestFromHalf(t *testing.T) {
	for h := range 1 << 16 {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		exp, mant := h>>10&0x1f, float64(h&0x3ff)
		var want float64
		switch exp {
		case 0:
			want = sign * math.Ldexp(mant/1024, -14)
		case 31:
			want = sign * 65504 // toHalf clamps; infinities and NaNs are never written
		default:
			want = sign * math.Ldexp(1+mant/1024, exp-15)
		}
		if got := fromHalf(uint16(h)); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("fromHalf(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// TestTimeSpan: the time term measures from the story's span, oldest to newest
// dated article: nothing inside it, from the nearer end outside it, and between
// two stories from the gap between their spans.
func TestTimeSpan(t *testing.T) {
	cfg := DefaultConfig()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	story := &Centroid{Oldest: day(1), Newest: day(20)}
	tests := []struct {
		name           string
		oldest, newest time.Time // of the article (oldest zero) or the other story
		want           time.Duration
	}{
		{"an article inside the span", time.Time{}, day(5), 0},
		{"an article after it", time.Time{}, day(25), 5 * 24 * time.Hour},
		{"an article before it", time.Time{}, day(1).Add(-72 * time.Hour), 72 * time.Hour},
		{"a story overlapping it", day(15), day(28), 0},
		{"a story after it", day(22), day(28), 2 * 24 * time.Hour},
		{"a story before it", time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 10, 29, 9, 0, 0, 0, time.UTC), 3 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := timeEnds(tt.oldest, tt.newest, story)
			gap := a.Sub(b)
			if gap < 0 {
				gap = -gap
			}
			if gap != tt.want {
				t.Errorf("gap %v (%v to %v), want %v", gap, a, b, tt.want)
			}
		})
	}
	// Score: an article of the story's first days arriving after its follow-up
	// weeks later costs nothing; measured from the newest article it would.
	body := Vector{"bridg": 1}
	s := &Centroid{Body: body, Title: Vector{}, Entities: Vector{}}
	cfg.Add(s, Prepared{Body: body, When: day(1)}, "a", "")
	cfg.Add(s, Prepared{Body: body, When: day(1).Add(40 * 24 * time.Hour)}, "b", "")
	if !s.Oldest.Equal(day(1)) {
		t.Fatalf("Add kept Oldest %v, want %v", s.Oldest, day(1))
	}
	if got := cfg.Score(Prepared{Body: body, When: day(2)}, s); got < 0.99 {
		t.Errorf("an article of the second day scores %.3f against the story, want about 1", got)
	}
	merged := cfg.Merge(s, &Centroid{Body: body, Title: Vector{}, Entities: Vector{}, Count: 1, Oldest: day(1).Add(-24 * time.Hour), Newest: day(3)})
	if !merged.Oldest.Equal(day(1).Add(-24*time.Hour)) || !merged.Newest.Equal(s.Newest) {
		t.Errorf("merged span %v to %v, want %v to %v", merged.Oldest, merged.Newest, day(1).Add(-24*time.Hour), s.Newest)
	}
}
