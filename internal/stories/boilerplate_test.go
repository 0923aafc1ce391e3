package stories

import (
	"net/url"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/corpus"
)

// TestStripBoilerplate: fragments an outlet's earlier articles repeated are dropped
// from the title and text, and nothing else. The titles and lines are real ones
// from the gun violence corpus's local TV stations (../shared/data/story-clustering).
func TestStripBoilerplate(t *testing.T) {
	tests := []struct {
		name        string
		earlier     []string // titles, or texts, of the outlet's earlier articles
		title, text string
		wantTitle   string
		wantText    string
	}{
		{
			name:      "station suffix",
			earlier:   []string{"Man shot on Slappey Boulevard | WALB.com, South Georgia News, Weather, Sports", "Albany police investigate homicide | WALB.com, South Georgia News, Weather, Sports"},
			title:     "Teen charged in Dougherty Co. shooting | WALB.com, South Georgia News, Weather, Sports",
			wantTitle: "Teen charged in Dougherty Co. shooting",
		},
		{
			name:      "suffix of two pieces",
			earlier:   []string{"Police: 2 shot on Main Street - Continuous News and StormTracker Weather - LEX18.com", "Lexington man killed - Continuous News and StormTracker Weather - LEX18.com"},
			title:     "Arrest in Nicholasville shooting - Continuous News and StormTracker Weather - LEX18.com",
			wantTitle: "Arrest in Nicholasville shooting",
		},
		{
			name:      "prefix",
			earlier:   []string{"UPDATE: Man shot in East Ridge", "UPDATE: Chattanooga shooting victim identified"},
			title:     "UPDATE: Suspect arrested in Brainerd Road shooting",
			wantTitle: "Suspect arrested in Brainerd Road shooting",
		},
		{
			name:      "never the whole title",
			earlier:   []string{"Breaking News | KSLA", "Weather | KSLA"},
			title:     "Breaking News | KSLA",
			wantTitle: "Breaking News",
		},
		{
			name:      "seen once is not boilerplate",
			earlier:   []string{"Man shot | WBTV Charlotte"},
			title:     "Woman shot | WBTV Charlotte",
			wantTitle: "Woman shot | WBTV Charlotte",
		},
		{
			name: "template lines, years apart",
			earlier: []string{
				"A man was shot.\n\nCopyright 2016 KSAT - All rights reserved.\n\nSign up today. It's Free.",
				"Two people were hurt.\n\nCopyright 2016 KSAT - All rights reserved.\n\nSign up today. It's Free.",
			},
			title:     "Man shot on West Side",
			text:      "Police said a man was shot on Culebra Road.\n\nCopyright 2017 KSAT - All rights reserved.\n\nHe is expected to survive.",
			wantTitle: "Man shot on West Side",
			wantText:  "Police said a man was shot on Culebra Road.\n\n\nHe is expected to survive.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]int{}
			for _, e := range tt.earlier {
				for _, k := range Fragments(e, e) {
					seen[k]++
				}
			}
			title, text := StripBoilerplate(tt.title, tt.text, func(k string) bool { return seen[k] >= 2 })
			if title != tt.wantTitle {
				t.Errorf("title %q, want %q", title, tt.wantTitle)
			}
			want := tt.wantText
			if want == "" {
				want = tt.text
			}
			if text != want {
				t.Errorf("text %q, want %q", text, want)
			}
		})
	}
}

// TestFragmentsBounded: any page costs at most MaxFragments counts, each once.
func TestFragmentsBounded(t *testing.T) {
	text := strings.Repeat("a short line\nanother line\n", 10) + strings.Repeat("x\n", 1000)
	for i := range 200 {
		text += "line number " + strings.Repeat("z", i%50) + "\n"
	}
	keys := Fragments("a | b | c | d | e | f | g | h", text)
	if len(keys) > MaxFragments {
		t.Errorf("%d fragments, want at most %d", len(keys), MaxFragments)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("fragment %q twice", k)
		}
		seen[k] = true
	}
	if got := Fragments("No separator here", ""); len(got) != 0 {
		t.Errorf("a plain title gave fragments %q", got)
	}
}

// TestBoilerplateGunViolence replays the gun violence corpus's articles in date
// order, learning each outlet's fragments as they arrive, as the index does: the
// local TV stations' title suffixes go, and the headlines stay.
func TestBoilerplateGunViolence(t *testing.T) {
	root := corpus.Require(t, "story-clustering")
	var gva corpus.Stream
	for _, st := range corpus.Streams() {
		if strings.HasPrefix(st.Name, "gva") {
			gva = st
		}
	}
	docs, err := gva.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	const least = 2
	seen := map[string]map[string]int{} // host → fragment → articles
	changed, suffixLeft, stationTitles := 0, 0, 0
	for _, d := range docs {
		u, err := url.Parse(d.URL)
		if err != nil || u.Hostname() == "" {
			continue
		}
		host := u.Hostname()
		if seen[host] == nil {
			seen[host] = map[string]int{}
		}
		counts := seen[host]
		title, text := StripBoilerplate(d.Title, d.Text, func(k string) bool { return counts[k] >= least })
		if strings.TrimSpace(title) == "" {
			t.Errorf("%s: title %q stripped to nothing", d.ID, d.Title)
		}
		if len(text) > len(d.Text) || len(title) > len(d.Title) {
			t.Errorf("%s: stripping added text", d.ID)
		}
		if title != d.Title {
			changed++
		}
		// KSLA's suffix, on every one of its 44 titles.
		if host == "www.ksla.com" {
			if stationTitles++; stationTitles > least && strings.Contains(title, "KSLA News 12") {
				suffixLeft++
			}
		}
		for _, k := range Fragments(d.Title, d.Text) {
			counts[k]++
		}
	}
	if stationTitles < 10 || suffixLeft > 0 {
		t.Errorf("KSLA: %d titles, %d still with the station's suffix after the first %d", stationTitles, suffixLeft, least)
	}
	// 431 of the 3,778 titles lose a learned suffix or prefix (most outlets have
	// only one or two articles in the corpus, too few to learn from).
	if share := float64(changed) / float64(len(docs)); share < 0.1 || share > 0.5 {
		t.Errorf("%.2f of the titles changed, want between 0.1 and 0.5", share)
	}
	t.Logf("%d of %d titles lost a learned prefix or suffix", changed, len(docs))
}

// TestFingerprint: Fingerprint is the fingerprint Analyze computes.
func TestFingerprint(t *testing.T) {
	text := strings.Repeat("The Kestrelford Harbour Bridge collapsed into the River Wenn, injuring four people.\n\n", 20)
	if got, want := Fingerprint(text), Analyze(Doc{Title: "Bridge", Text: text}).SimHash; got != want || got == 0 {
		t.Errorf("Fingerprint %x, Analyze %x", got, want)
	}
}
