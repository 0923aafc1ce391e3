package lookup_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestIndexSettlesLanguage: an article that declares no language keeps the one it
// was read in, so that later readings of it (a correction's, the summary's) agree;
// a headline too short to tell takes its outlet's single language; an English
// headline without an outlet stays undeclared (read as English).
func TestIndexSettlesLanguage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st *store.Redis) {
		svc := newService(t, st, time.Second)
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			a    stories.Article
			text string
			want string
		}{
			{"declared", stories.Article{URL: "https://example.org/a", Title: "Pont effondré", Lang: "fr-FR", Domain: "example.org"},
				"", "fr-FR"},
			{"detected", stories.Article{URL: "https://example.org/b", Title: "Brücke in Dresden eingestürzt", Domain: "example.org"},
				"In Dresden ist in der Nacht zum Mittwoch ein Teil der Carolabrücke in die Elbe gestürzt. Verletzt wurde nach Angaben der Polizei niemand. Oberbürgermeister Dirk Hilbert sprach von großem Glück.",
				"de"},
			{"outlet's language", stories.Article{URL: "https://www.bild.de/x", Title: "Brücke eingestürzt", Domain: "bild.de", OutletID: "bild"},
				"", "de"},
			{"undetermined", stories.Article{URL: "https://example.org/c", Title: "Bridge collapses", Domain: "example.org"},
				"", ""},
		} {
			sid, err := svc.Index(ctx, tc.a, tc.text)
			if err != nil {
				t.Fatal(err)
			}
			s, err := svc.Story(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(s.Articles, func(a stories.Article) bool { return a.URL == tc.a.URL })
			if i < 0 {
				t.Fatalf("%s: not in the story it was indexed into", tc.name)
			}
			if got := s.Articles[i].Lang; got != tc.want {
				t.Errorf("%s: stored lang %q, want %q", tc.name, got, tc.want)
			}
			if tc.name == "outlet's language" && len(s.Articles) != 2 {
				// Read in German, the headline shares its terms (de:bruck,
				// de:eingesturzt) with the detected German article.
				t.Errorf("the German headline is alone in its story; want it with the German article")
			}
		}
	})
}
