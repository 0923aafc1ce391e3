package stories

import (
	"maps"
	"testing"
	"time"
)

// storyOf builds a story centroid from documents (title, text), as the matcher
// would add them one by one.
func storyOf(c Config, when time.Time, docs ...[2]string) *Centroid {
	s := &Centroid{}
	for i, d := range docs {
		f := Analyze(Doc{Title: d[0], Text: d[1], Lang: "en"})
		c.Add(s, c.Prepare(f, DocFreq{}, when), string(rune('a'+i)), d[0])
	}
	return s
}

// TestSameStory: fragments of one event merge; twin events (one kind of event,
// other names), stories whose numbers conflict, a headline-only story against a
// full text, and everything when the pass is off do not.
func TestSameStory(t *testing.T) {
	c := DefaultConfig()
	c.MergeThreshold, c.MergeHeadlineThreshold, c.MergeEntityFloor = 0.3, 0.2, 0.4
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	pirates := func(ship, navy, n string) [2]string {
		return [2]string{
			"Indian Navy " + ship + " repels pirate attack in the Gulf of Aden",
			"The Indian Navy ship " + ship + " repelled an attack by " + n + " pirates on a merchant vessel in the Gulf of Aden on Tuesday, " +
				"the navy said. Commander " + navy + " said the pirates fled in two skiffs after warning shots. The merchant vessel " +
				"Ocean Pearl and its crew of twenty were unharmed. Piracy off Somalia has risen this year, and the Indian Navy " +
				"has escorted convoys through the Gulf of Aden since 2008. Commander " + navy + " said " + ship + " would continue patrols.",
		}
	}
	cases := []struct {
		name string
		a, b *Centroid
		on   bool // the pass off when false
		want bool
	}{
		{"one event, two fragments", storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")),
			storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")), true, true},
		{"the same fragments with the pass off", storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")),
			storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")), false, false},
		{"twin events: other ship, other commander, other count", storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")),
			storyOf(c, day, pirates("INS Mysore", "Vikram Singh", "26")), true, false},
		{"one event's numbers conflict", storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")),
			storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "26")), true, false},
		{"headline-only fragments", storyOf(c, time.Time{}, [2]string{"kestrelford bridge collapses into river wenn", ""}),
			storyOf(c, time.Time{}, [2]string{"kestrelford bridge collapse river wenn rescue", ""}), true, true},
		{"headline-only, other events", storyOf(c, time.Time{}, [2]string{"kestrelford bridge collapses into river wenn", ""}),
			storyOf(c, time.Time{}, [2]string{"marlow elects susan gale as mayor", ""}), true, false},
		{"a headline against a full text", storyOf(c, day, [2]string{"indian navy repels pirate attack gulf aden", ""}),
			storyOf(c, day, pirates("INS Sukanya", "Rajesh Kumar", "23")), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := c
			if !tc.on {
				cfg.MergeThreshold = 0
			}
			ab := cfg.Converge(cfg.AsDocument(tc.a), tc.b)
			ba := cfg.Converge(cfg.AsDocument(tc.b), tc.a)
			if d := ab.Score - ba.Score; d > 1e-3 || d < -1e-3 {
				t.Errorf("not symmetric: %.4f against %.4f", ab.Score, ba.Score)
			}
			if got := cfg.SameStory(ab); got != tc.want {
				t.Errorf("SameStory = %v, want %v (%+v)", got, tc.want, ab)
			}
		})
	}
}

// TestMergeCentroids: a merged centroid holds both stories' articles (counts,
// newest time, fingerprints, sums), keeps the headline nearer the merged titles,
// and leaves both inputs as they were; the survivor is the larger story, then
// the smaller id.
func TestMergeCentroids(t *testing.T) {
	c := DefaultConfig()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	a := storyOf(c, day, [2]string{"bridge collapses in kestrelford", "The bridge collapsed."}, [2]string{"kestrelford bridge collapse", "A bridge fell."})
	b := storyOf(c, day.Add(48*time.Hour), [2]string{"kestrelford bridge inquiry opens", "An inquiry into the bridge opened."})
	before, _ := a.MarshalBinary()
	beforeB, _ := b.MarshalBinary()
	m := c.Merge(a, b)
	if m.Count != 3 || !m.Newest.Equal(day.Add(48*time.Hour)) {
		t.Errorf("merged count %d, newest %v; want 3 and the later story's", m.Count, m.Newest)
	}
	if len(m.Prints) != len(a.Prints)+len(b.Prints) {
		t.Errorf("%d fingerprints, want %d", len(m.Prints), len(a.Prints)+len(b.Prints))
	}
	if w := m.Title["kestrelford"]; w <= a.Title["kestrelford"] || w <= b.Title["kestrelford"] {
		t.Errorf("the merged title weight of a shared term %.3f is not the sum of %.3f and %.3f", w, a.Title["kestrelford"], b.Title["kestrelford"])
	}
	if m.Headline != a.Headline && m.Headline != b.Headline {
		t.Errorf("merged headline %q is neither story's", m.Headline)
	}
	after, _ := a.MarshalBinary()
	afterB, _ := b.MarshalBinary()
	if string(before) != string(after) || string(beforeB) != string(afterB) {
		t.Error("Merge changed its inputs")
	}
	if again := c.Merge(a, b); !maps.Equal(again.Title, m.Title) || again.Headline != m.Headline {
		t.Error("Merge is not deterministic")
	}
	if !Survivor("s2", a, "s1", b) || Survivor("s1", b, "s2", a) {
		t.Error("the larger story does not survive")
	}
	one, other := storyOf(c, day, [2]string{"x y", ""}), storyOf(c, day, [2]string{"x z", ""})
	if !Survivor("s1", one, "s2", other) || Survivor("s2", other, "s1", one) {
		t.Error("on a tie the smaller id does not survive")
	}
}
