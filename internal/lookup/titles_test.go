package lookup_test

import (
	"testing"

	"github.com/parallax-news/parallax/internal/lookup"
)

// TestTitlesMatch pins what "a matching title" means for corroborating a posted
// page: the same headline as the publisher's page or feed gives it, give or take
// the site's name, case, punctuation and a word of revision; not another article.
func TestTitlesMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", "Bridge collapses in Kestrelford", "Bridge collapses in Kestrelford", true},
		{"site suffix with a bar", "Bridge collapses in Kestrelford | BBC News", "Bridge collapses in Kestrelford", true},
		{"site suffix with a dash on both", "Bridge collapses in Kestrelford - The Guardian", "Bridge collapses in Kestrelford – Guardian US", true},
		{"case, quotes and punctuation", `"Bridge collapses" in Kestrelford!`, "bridge collapses in kestrelford", true},
		{"one word revised of ten", "Four injured as harbour bridge collapses into river in Kestrelford",
			"Five injured as harbour bridge collapses into river in Kestrelford", true},
		{"non-Latin script", "Мост обрушился в Кестрелфорде", "Мост обрушился в Кестрелфорде | Новости", true},
		{"two words of five changed", "Bridge collapses in Kestrelford today", "Tunnel floods in Kestrelford today", false},
		{"another article of the same outlet", "Bridge collapses in Kestrelford | BBC News", "Election results live | BBC News", false},
		{"the page a poisoner posted", "Shocking: mayor admits the bridge was sabotaged", "Bridge collapses in Kestrelford", false},
		{"a headline inside a longer one", "Bridge collapses", "Bridge collapses in Kestrelford after a storm", false},
		{"empty", "", "Bridge collapses", false},
		{"only punctuation", "!!!", "!!!", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookup.TitlesMatch(tc.a, tc.b); got != tc.want {
				t.Errorf("TitlesMatch(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := lookup.TitlesMatch(tc.b, tc.a); got != tc.want {
				t.Errorf("not symmetric: TitlesMatch(%q, %q) = %v", tc.b, tc.a, got)
			}
		})
	}
}
