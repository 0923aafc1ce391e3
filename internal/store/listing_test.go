package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/redis/go-redis/v9"
)

// find returns the summary of story id in list.
func find(list []store.Summary, id string) (store.Summary, bool) {
	i := slices.IndexFunc(list, func(s store.Summary) bool { return s.ID == id })
	if i < 0 {
		return store.Summary{}, false
	}
	return list[i], true
}

// TestStoryFirstPublished: a story keeps the earliest publication time of its
// dated articles, whatever order they arrive in; undated articles leave it alone.
func TestStoryFirstPublished(t *testing.T) {
	t1 := time.Date(2026, 11, 20, 8, 40, 0, 0, time.UTC)
	t2 := t1.Add(3 * time.Hour)
	tests := []struct {
		name      string
		published []time.Time // of the articles, in the order they are added
		want      time.Time
	}{
		{"no article dated", []time.Time{{}, {}}, time.Time{}},
		{"one dated article", []time.Time{t2}, t2},
		{"dated after an undated one", []time.Time{{}, t2}, t2},
		{"an earlier article lowers it", []time.Time{t2, t1}, t1},
		{"a later article leaves it", []time.Time{t1, t2, {}}, t1},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i, tt := range tests {
				term := fmt.Sprintf("case%d", i)
				var sid string
				for j, pub := range tt.published {
					a, p := article(fmt.Sprintf("https://www.example.com/%s/%d", term, j), "Harbour bridge collapses", "A bridge collapsed.")
					a.Published = pub
					res, err := addWithRetry(ctx, r, a, p, term)
					if err != nil {
						t.Fatal(err)
					}
					sid = res.StoryID
				}
				st, err := r.Story(ctx, sid, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !st.FirstPublished.Equal(tt.want) {
					t.Errorf("%s: story first published %s, want %s", tt.name, st.FirstPublished, tt.want)
				}
				if st.Version != int64(len(tt.published)) {
					t.Errorf("%s: story version %d after %d adds", tt.name, st.Version, len(tt.published))
				}
				list, err := r.ListStories(ctx, store.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				sum, ok := find(list, sid)
				if !ok || !sum.FirstPublished.Equal(tt.want) || sum.Version != st.Version || sum.Title != "Harbour bridge collapses" {
					t.Errorf("%s: listed as %+v (found %v), want first published %s, version %d", tt.name, sum, ok, tt.want, st.Version)
				}
			}
		})
	}
}

// storedTitle returns where a story's title is kept: field t of its hash, its
// fields ta and tb, or its title key, failing when it is in more than one place
// or in none.
func storedTitle(t *testing.T, r *store.Redis, sid string) (title, where string) {
	t.Helper()
	ctx := context.Background()
	read := func(field string) string {
		v, err := r.StoryField(ctx, sid, field)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	whole, first, rest := read("t"), read("ta"), read("tb")
	key, err := r.GetRaw(ctx, r.TitleKey(sid))
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	var places []string
	if whole != "" {
		places = append(places, "t")
	}
	if first != "" || rest != "" {
		if first == "" || rest == "" {
			t.Fatalf("story %s: title halves %q and %q: want both", sid, first, rest)
		}
		places = append(places, "ta+tb")
	}
	if key != "" {
		places = append(places, "key")
	}
	if len(places) != 1 {
		t.Fatalf("story %s: title in %v (t %q, ta %q, tb %q, key %q): want exactly one place", sid, places, whole, first, rest, key)
	}
	return whole + first + rest + key, places[0]
}

// TestStoryTitleKey: the title is kept apart from the centroid, in the story's
// hash when it is at most 64 bytes and under a key of its own when longer,
// rewritten as the centroid's headline moves; and a story written before either
// (no title, no field p) still reads its title from its centroid everywhere.
func TestStoryTitleKey(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			published := time.Date(2026, 11, 20, 8, 40, 0, 0, time.UTC)
			var sid string
			for i, title := range []string{"Harbour bridge collapses in Kestrelford", "Kestrelford harbour bridge falls"} {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), title, "A bridge collapsed in Kestrelford.")
				a.Published = published.Add(time.Duration(i) * time.Hour)
				res, err := addWithRetry(ctx, r, a, p, "bridge")
				if err != nil {
					t.Fatal(err)
				}
				sid = res.StoryID
			}
			cands, err := r.Candidates(ctx, []string{"bridge"}, nil)
			if err != nil || len(cands) != 1 {
				t.Fatalf("candidates %d, %v", len(cands), err)
			}
			headline := cands[0].Centroid.Headline
			if title, where := storedTitle(t, r, sid); title != headline || where != "t" {
				t.Fatalf("stored title %q in %s, want the centroid's headline %q in field t", title, where, headline)
			}
			if err := r.MakeLegacyStory(ctx, sid); err != nil {
				t.Fatal(err)
			}
			check := func(when string, wantListed time.Time) {
				t.Helper()
				st, err := r.Story(ctx, sid, 0)
				if err != nil {
					t.Fatal(err)
				}
				// Every article is read, so their times give the first publication.
				if st.Title != headline || !st.FirstPublished.Equal(published) {
					t.Errorf("%s: story %q first published %s, want %q and %s", when, st.Title, st.FirstPublished, headline, published)
				}
				list, err := r.ListStories(ctx, store.ListOptions{By: store.ByCoverage})
				if err != nil {
					t.Fatal(err)
				}
				if sum, ok := find(list, sid); !ok || sum.Title != headline || !sum.FirstPublished.Equal(wantListed) {
					t.Errorf("%s: listed as %+v, want %q first published %s", when, sum, headline, wantListed)
				}
				found, err := r.SearchStories(ctx, "kestrelford", 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(found) != 1 || found[0].ID != sid || found[0].Title != headline {
					t.Errorf("%s: search found %+v, want story %s", when, found, sid)
				}
			}
			// A listing has no articles: what the story never recorded it cannot say.
			check("written before the title key", time.Time{})
			// The next add writes the title again, but cannot know the earlier
			// articles' times, so field p stays absent.
			a, p := article("https://www.example.com/2", "Bridge in Kestrelford collapses", "A bridge collapsed in Kestrelford.")
			a.Published = published.Add(-time.Hour)
			if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
				t.Fatal(err)
			}
			if title, _ := storedTitle(t, r, sid); title == "" {
				t.Fatal("no title after a new add")
			}
			if v, err := r.StoryField(ctx, sid, "p"); err != nil || v != "" {
				t.Fatalf("field p of a story started before it existed = %q (%v), want none", v, err)
			}
			cands, err = r.Candidates(ctx, []string{"bridge"}, nil)
			if err != nil || len(cands) != 1 {
				t.Fatalf("candidates %d, %v", len(cands), err)
			}
			headline, published = cands[0].Centroid.Headline, a.Published
			check("after an add", time.Time{})
		})
	}
}

// TestStoryLongTitle: a headline over 64 bytes would move the story's hash out of
// Redis's compact encoding, so it is kept under the title key, and read from
// there by the story, the listings and the search.
func TestStoryLongTitle(t *testing.T) {
	tests := []struct {
		name, title, where string
	}{
		{"two halves", "Harbour bridge in Kestrelford collapses into the River Wenn during the morning rush hour", "ta+tb"},
		// Byte 64 falls inside "é": the halves are bytes, joined before reading.
		{"halves split a rune", "Harbour bridge in Kestrelford collapses into the River Wen, caf\u00e9 owner says", "ta+tb"},
		{"exactly 128 bytes", strings.Repeat("Wenn ", 25) + "bri", "ta+tb"},
		{"longer than two halves", "Harbour bridge in Kestrelford collapses into the River Wenn during the morning rush hour, trapping commuters on the deck for hours", "key"},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i, tt := range tests {
				if tt.name == "halves split a rune" && !strings.HasPrefix(tt.title[64:], "\xa9") {
					t.Fatalf("%s: byte 64 of %q is not inside a rune", tt.name, tt.title)
				}
				a, p := article(fmt.Sprintf("https://www.example.com/long/%d", i), tt.title, "A bridge collapsed in Kestrelford.")
				res, err := addWithRetry(ctx, r, a, p, fmt.Sprint("bridge", i))
				if err != nil {
					t.Fatal(err)
				}
				if title, where := storedTitle(t, r, res.StoryID); title != tt.title || where != tt.where {
					t.Fatalf("%s: stored title %q in %s, want %q in %s", tt.name, title, where, tt.title, tt.where)
				}
				st, err := r.Story(ctx, res.StoryID, 0)
				if err != nil || st.Title != tt.title {
					t.Fatalf("%s: story title %q (%v), want %q", tt.name, st.Title, err, tt.title)
				}
				list, err := r.ListStories(ctx, store.ListOptions{By: store.ByRecent})
				if err != nil {
					t.Fatal(err)
				}
				if sum, ok := find(list, res.StoryID); !ok || sum.Title != tt.title {
					t.Errorf("%s: listed as %+v, want %q", tt.name, sum, tt.title)
				}
			}
			found, err := r.SearchStories(ctx, "wenn rush", 10)
			if err != nil || len(found) != 2 {
				t.Fatalf("search found %+v (%v), want the two stories on the rush hour", found, err)
			}
			for _, f := range found {
				if f.Title != tests[0].title && f.Title != tests[3].title {
					t.Errorf("search found %q", f.Title)
				}
			}
		})
	}
}

// TestListStoriesPages: pages of a listing follow each other without gaps or
// repeats, and a listing ends at MaxListingDepth.
func TestListStoriesPages(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i := range 5 {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), fmt.Sprintf("Story %d", i), "Text.")
				if _, err := addWithRetry(ctx, r, a, p, fmt.Sprint("t", i)); err != nil {
					t.Fatal(err)
				}
			}
			all, err := r.ListStories(ctx, store.ListOptions{By: store.ByRecent})
			if err != nil || len(all) != 5 {
				t.Fatalf("whole listing: %d stories, %v", len(all), err)
			}
			ids := func(list []store.Summary) []string {
				out := []string{}
				for _, s := range list {
					out = append(out, s.ID)
				}
				return out
			}
			tests := []struct {
				name          string
				offset, limit int
				want          []string
			}{
				{"first page", 0, 2, ids(all[:2])},
				{"second page", 2, 2, ids(all[2:4])},
				{"last page, short", 4, 2, ids(all[4:])},
				{"past the end", 5, 2, []string{}},
				{"negative offset reads from the start", -3, 1, ids(all[:1])},
				{"no limit means the most", 1, 0, ids(all[1:])},
				{"beyond the depth", store.MaxListingDepth, 10, []string{}},
			}
			for _, tt := range tests {
				got, err := r.ListStories(ctx, store.ListOptions{By: store.ByRecent, Offset: tt.offset, Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("%s: %v, want %v", tt.name, ids(got), tt.want)
				}
			}
		})
	}
}

// TestSearchStories: a search finds the stories whose title holds every word
// asked, most recently updated first.
func TestSearchStories(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			sids := map[string]string{}
			for i, title := range []string{"Harbour bridge collapses in Kestrelford", "Election results in Kestrelford", "Flood warnings issued for the coast"} {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), title, "Text.")
				res, err := addWithRetry(ctx, r, a, p, fmt.Sprint("t", i))
				if err != nil {
					t.Fatal(err)
				}
				sids[title[:5]] = res.StoryID
			}
			recent, err := r.ListStories(ctx, store.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Both Kestrelford stories, in the listing's order.
			var kestrelford []string
			for _, s := range recent {
				if s.ID != sids["Flood"] {
					kestrelford = append(kestrelford, s.ID)
				}
			}
			tests := []struct {
				name, query string
				limit       int
				want        []string
			}{
				{"one word, two stories", "kestrelford", 0, kestrelford},
				{"limit", "kestrelford", 1, kestrelford[:1]},
				{"every word must match", "BRIDGE kestrelford", 0, []string{sids["Harbo"]}},
				{"a word begins a title word", "collapse", 0, []string{sids["Harbo"]}},
				{"punctuation is no word", "flood, coast!", 0, []string{sids["Flood"]}},
				{"no title holds both", "bridge election", 0, nil},
				{"the middle of a word is no match", "ford", 0, nil},
				{"empty query", "", 0, nil},
				{"no words", " ,.- ", 0, nil},
			}
			for _, tt := range tests {
				got, err := r.SearchStories(ctx, tt.query, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, s := range got {
					ids = append(ids, s.ID)
					if s.Title == "" || s.ArticleCount != 1 || s.Version != 1 {
						t.Errorf("%s: summary %+v", tt.name, s)
					}
				}
				if !slices.Equal(ids, tt.want) {
					t.Errorf("%s: search %q found %v, want %v", tt.name, tt.query, ids, tt.want)
				}
			}
		})
	}
}

// TestListingDepth: a listing shard keeps only its newest and best-covered
// stories, as many as a reader reads of it, and a story cut from coverage comes
// back with its next add.
func TestListingDepth(t *testing.T) {
	const depth = 2
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			r.SetListingDepths(depth, depth)
			ctx := context.Background()
			byShard := map[int][]string{} // shard → its stories, in the order added
			terms := map[string]string{}  // story → the term it was added under
			for i := range 48 {
				url := fmt.Sprintf("https://www.example.com/depth/%d", i)
				a, p := article(url, fmt.Sprintf("Story %d", i), "Text.")
				res, err := addWithRetry(ctx, r, a, p, fmt.Sprint("depth", i))
				if err != nil {
					t.Fatal(err)
				}
				sh := store.ListingShardOf(res.StoryID)
				byShard[sh] = append(byShard[sh], res.StoryID)
				terms[res.StoryID] = fmt.Sprint("depth", i)
			}
			var cut string // a story cut from its shard's coverage listing
			for sh, sids := range byShard {
				for _, coverage := range []bool{false, true} {
					listed, err := r.Listed(ctx, coverage, sh)
					if err != nil {
						t.Fatal(err)
					}
					if want := min(depth, len(sids)); len(listed) != want {
						t.Errorf("shard %d (coverage %v) lists %d of its %d stories, want %d", sh, coverage, len(listed), len(sids), want)
					}
					if coverage && len(sids) > depth && cut == "" {
						for _, sid := range sids {
							if !slices.Contains(listed, sid) {
								cut = sid
							}
						}
					}
				}
			}
			if cut == "" {
				t.Fatal("no shard got more stories than its depth")
			}
			// A second outlet: the story's count is 2, above every other.
			a, p := article("https://www.other.example/depth", "Story again", "Text.")
			a.Domain = "other.example"
			if _, err := addWithRetry(ctx, r, a, p, terms[cut]); err != nil {
				t.Fatal(err)
			}
			top, err := r.ListStories(ctx, store.ListOptions{By: store.ByCoverage, Limit: 1})
			if err != nil || len(top) != 1 || top[0].ID != cut || len(top[0].Sources) != 2 {
				t.Errorf("best covered %+v (%v), want story %s with 2 outlets", top, err, cut)
			}
		})
	}
}

// TestListingLegacyShard: a story listed in the shard it had before there were
// 32 is found there, its next add moves it to its shard, and a story that expired
// leaves the listings when a reader meets it.
func TestListingLegacyShard(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			var sid, term string
			for i := 0; sid == ""; i++ {
				if i == 64 {
					t.Fatal("no story of a shard over 15 in 64")
				}
				a, p := article(fmt.Sprintf("https://www.example.com/legacy/%d", i), fmt.Sprintf("Story %d", i), "Text.")
				res, err := addWithRetry(ctx, r, a, p, fmt.Sprint("legacy", i))
				if err != nil {
					t.Fatal(err)
				}
				if store.ListingShardOf(res.StoryID) != store.LegacyListingShardOf(res.StoryID) {
					sid, term = res.StoryID, fmt.Sprint("legacy", i)
				}
			}
			if err := r.ListInLegacyShard(ctx, sid); err != nil {
				t.Fatal(err)
			}
			listedIn := func(shard int) (recent, coverage bool) {
				t.Helper()
				for _, cov := range []bool{false, true} {
					ids, err := r.Listed(ctx, cov, shard)
					if err != nil {
						t.Fatal(err)
					}
					if cov {
						coverage = slices.Contains(ids, sid)
					} else {
						recent = slices.Contains(ids, sid)
					}
				}
				return recent, coverage
			}
			found := func(when string, want bool) {
				t.Helper()
				for _, by := range []string{store.ByRecent, store.ByCoverage} {
					list, err := r.ListStories(ctx, store.ListOptions{By: by})
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := find(list, sid); ok != want {
						t.Errorf("%s: listed by %s: %v, want %v", when, by, ok, want)
					}
				}
			}
			found("in the legacy shard", true)
			a, p := article("https://www.example.com/legacy/again", "Story again", "Text.")
			if _, err := addWithRetry(ctx, r, a, p, term); err != nil {
				t.Fatal(err)
			}
			if rec, cov := listedIn(store.LegacyListingShardOf(sid)); rec || cov {
				t.Errorf("after an add, still in the legacy shard (recent %v, coverage %v)", rec, cov)
			}
			if rec, cov := listedIn(store.ListingShardOf(sid)); !rec || !cov {
				t.Errorf("after an add, in its shard: recent %v, coverage %v", rec, cov)
			}
			found("after an add", true)
			if err := r.ExpireStory(ctx, sid); err != nil {
				t.Fatal(err)
			}
			found("expired", false)
			if rec, cov := listedIn(store.ListingShardOf(sid)); rec || cov {
				t.Errorf("read after it expired, still listed (recent %v, coverage %v)", rec, cov)
			}
		})
	}
}
