package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// TestMergedStoryAnswersSurvivor: once a story is merged into another (the merge
// pass, store.MergeStories), a reader holding its id is sent on: the story page
// redirects permanently to the survivor's, the API answers the survivor (whose id
// it gives), and an id that never was a story is still 404.
func TestMergedStoryAnswersSurvivor(t *testing.T) {
	t.Parallel()
	srv, ts := startServer(t, testConfig(t, nil))
	into, _ := path(postFixtures(t, ts.URL), "story", "id").(string)
	resp, body := postJSON(t, ts.URL+"/api/v1/lookup", map[string]string{
		"url": "https://www.bbc.co.uk/news/uk-england-99001199",
		"html": articlePage("Marlow elects Susan Gale as mayor after a close count", "2026-11-21T09:00:00Z", "Voters in Marlow elected Susan Gale as mayor on Thursday after a recount that lasted well into the night, the council's returning officer said.",
			"Gale, a former headteacher who ran as an independent, won by 212 votes over the sitting mayor, Peter Holt, who had held the post for eight years.",
			"Turnout was 41 percent, the highest in a Marlow mayoral election since the post was created, and Gale said her first act would be to review the town's parking charges.",
			"Holt congratulated her in a short speech at the town hall and said he would not ask for a further recount."),
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lookup: %d %v", resp.StatusCode, body)
	}
	from, _ := path(body, "story", "id").(string)
	if from == "" || from == into {
		t.Fatalf("the second article's story %q, want one of its own", from)
	}
	ctx := context.Background()
	a, err := srv.store.StoryCentroid(ctx, into)
	if err != nil {
		t.Fatal(err)
	}
	b, err := srv.store.StoryCentroid(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	cfg := stories.DefaultConfig()
	m := store.Merge{Into: into, IntoVersion: a.Version, From: from, FromVersion: b.Version, Centroid: cfg.Merge(&a.Centroid, &b.Centroid)}
	m.IndexTerms, m.FromIndexTerms = cfg.IndexKeys(m.Centroid), cfg.IndexKeys(&b.Centroid)
	if _, err := srv.store.MergeStories(ctx, m); err != nil {
		t.Fatal(err)
	}

	resp, _ = getPage(t, ts.URL+"/stories/"+from, nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/stories/"+into {
		t.Errorf("page of the merged-away story: %d to %q, want 301 to /stories/%s", resp.StatusCode, resp.Header.Get("Location"), into)
	}
	resp, body = get(t, ts.URL+"/api/v1/stories/"+from)
	if resp.StatusCode != http.StatusOK || path(body, "id") != into || path(body, "article_count") != 4.0 {
		t.Errorf("API for the merged-away story: %d, id %v, %v articles; want 200, %s, 4", resp.StatusCode, path(body, "id"), path(body, "article_count"), into)
	}
	if resp, _ := get(t, ts.URL+"/api/v1/stories/snosuchstory0000000"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown story: %d, want 404", resp.StatusCode)
	}
}
