package store_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
)

// oldArticle is an article value as Parallax wrote it before stored formats carried
// a version (no "v" field).
const oldArticle = `{"u":"https://www.example.com/old","t":"Harbour bridge reopens","x":"The bridge reopened.","l":"en","p":1763600400000,"ad":1763604000000,"o":"bbc-news","d":"example.com","h":1234567}`

// TestStoredFormats: records written before formats were versioned still read;
// records of a newer format (a newer Parallax in a rolling deploy, or data left after
// a downgrade) are skipped, never a failed request.
func TestStoredFormats(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/old", "Bridge", "Bridge text.")
			res, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			// Written by this version: packed (see packing.go), and it says so.
			if raw, err := r.GetRaw(ctx, r.ArticleKey(a.URL)); err != nil || !strings.HasPrefix(raw, res.StoryID+"\n"+string([]byte{store.RecordMarker})) {
				t.Errorf("stored article %q (%v) is not packed", raw, err)
			}
			raw, err := r.GetRecord(ctx, r.ArticleKey(a.URL))
			if err != nil || !strings.Contains(raw, `"v":1`) {
				t.Fatalf("stored article %q (%v) carries no format version", raw, err)
			}
			// Written before versions: read as version 1.
			if err := r.SetRaw(ctx, r.ArticleKey(a.URL), res.StoryID+"\n"+oldArticle); err != nil {
				t.Fatal(err)
			}
			got, sid, err := r.ArticleByURL(ctx, a.URL)
			if err != nil || sid != res.StoryID || got.Title != "Harbour bridge reopens" || got.OutletID != "bbc-news" || got.Published.UnixMilli() != 1763600400000 {
				t.Fatalf("old article = %+v in %q, %v", got, sid, err)
			}
			// A newer article format: skipped as not indexed, and left out of its story.
			newer := res.StoryID + "\n" + strings.Replace(oldArticle, "{", `{"v":99,`, 1)
			if err := r.SetRaw(ctx, r.ArticleKey(a.URL), newer); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.ArticleByURL(ctx, a.URL); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("newer article: err = %v, want ErrNotFound", err)
			}
			st, err := r.Story(ctx, res.StoryID, 0)
			if err != nil || len(st.Articles) != 0 {
				t.Errorf("story with a newer article: %d articles, %v; want it skipped", len(st.Articles), err)
			}
			// The centroid is stored packed; one stored before packing (the codec's
			// bytes as they are) reads the same.
			c, err := r.StoryCentroid(ctx, res.StoryID)
			if err != nil {
				t.Fatal(err)
			}
			if raw, err := r.GetRaw(ctx, r.CentroidKey(res.StoryID)); err != nil || strings.HasPrefix(raw, strconv.FormatInt(c.Version, 10)+"\n\x03") {
				t.Errorf("stored centroid %q (%v) is not packed", raw, err)
			}
			plain, err := c.Centroid.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := r.SetRaw(ctx, r.CentroidKey(res.StoryID), strconv.FormatInt(c.Version, 10)+"\n"+string(plain)); err != nil {
				t.Fatal(err)
			}
			if again, err := r.StoryCentroid(ctx, res.StoryID); err != nil || again.Version != c.Version || !reflect.DeepEqual(again.Centroid.Body, c.Centroid.Body) || again.Centroid.Headline != c.Centroid.Headline {
				t.Errorf("centroid stored unpacked read as %+v (%v), want %+v", again, err, c)
			}
			// A newer centroid codec: the story is no candidate, and nothing fails.
			if err := r.SetRaw(ctx, r.CentroidKey(res.StoryID), "1\n\x63newer codec"); err != nil {
				t.Fatal(err)
			}
			cands, err := r.Candidates(ctx, []string{"bridge"}, nil)
			if err != nil || len(cands) != 0 {
				t.Errorf("candidates with a newer centroid: %d, %v; want none and no error", len(cands), err)
			}
			if _, err := r.Story(ctx, res.StoryID, 0); err != nil {
				t.Errorf("story with a newer centroid: %v", err)
			}
			if _, err := r.ListStories(ctx, store.ListOptions{Limit: 10}); err != nil {
				t.Errorf("listing with a newer centroid: %v", err)
			}
		})
	}
}
