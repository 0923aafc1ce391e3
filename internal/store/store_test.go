package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/store/storetest"
	"github.com/parallax-news/parallax/internal/stories"
)

// The store tests run against a real store.Redis (the one CI starts on 127.0.0.1:6379,
// or PARALLAX_TEST_REDIS_URL) and against the embedded store (storetest). Each test
// uses a key prefix of its own and purges it afterwards.

type backend struct {
	name string
	open func(t *testing.T) *store.Redis
}

func backends() []backend {
	var out []backend
	for _, b := range storetest.Backends() {
		out = append(out, backend{b.Name, func(t *testing.T) *store.Redis { return b.Open(t, store.Options{Retention: time.Hour}) }})
	}
	return out
}

func openEmbedded(t *testing.T, dir string) *store.Redis {
	return storetest.OpenEmbedded(t, store.Options{DataDir: dir, Retention: time.Hour})
}

// article builds a test article and the centroid of a one-article story for it.
func article(url, title, text string) (stories.Article, stories.Prepared) {
	cfg := stories.DefaultConfig()
	f := stories.Analyze(stories.Doc{Title: title, Text: text})
	p := cfg.Prepare(f, stories.DocFreq{}, time.Time{})
	return stories.Article{URL: url, Title: title, Domain: "example.com", Added: time.Now().UTC().Truncate(time.Millisecond)}, p
}

// addWithRetry adds an article the way the lookup package does, on a fixed term so
// every article meets the same story: read, decide, write, retry on conflict.
func addWithRetry(ctx context.Context, r *store.Redis, a stories.Article, p stories.Prepared, term string) (store.Added, error) {
	cfg := stories.DefaultConfig()
	for range 200 {
		// The posting list comes with the view, as the lookup package guesses it.
		view, err := r.View(ctx, a.URL, r.GuessDocFreq([]string{term}), []string{term})
		if err != nil {
			return store.Added{}, err
		}
		if view.StoryID != "" {
			return store.Added{StoryID: view.StoryID, Existed: true}, nil
		}
		cands, err := r.Candidates(ctx, []string{term}, &view)
		if err != nil {
			return store.Added{}, err
		}
		add := store.Add{Article: a, Seen: view.Seen, LookupTerms: []string{term}, IndexTerms: []string{term}, DocTerms: []string{term}}
		cent := &stories.Centroid{}
		if len(cands) > 0 {
			cent = &cands[0].Centroid
			add.StoryID, add.Version = cands[0].ID, cands[0].Version
		}
		cfg.Add(cent, p, a.URL, a.Title)
		add.Centroid = cent
		res, err := r.AddArticle(ctx, add)
		if errors.Is(err, store.ErrConflict) {
			time.Sleep(time.Millisecond)
			continue
		}
		return res, err
	}
	return store.Added{}, errors.New("too many conflicts")
}

func TestAddArticleAndReadStory(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/a", "Bridge collapses in Springfield", "A bridge collapsed in Springfield on Monday.")
			a.Byline, a.Excerpt, a.Lang, a.OutletID = "Jane Doe", "A bridge collapsed.", "en", "example-news"
			a.Published = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
			res, err := addWithRetry(ctx, r, a, p, "bridge")
			if err != nil {
				t.Fatal(err)
			}
			if res.Existed || res.StoryID != store.StoryIDFor(a.URL) {
				t.Fatalf("first add = %+v, want a new story %s", res, store.StoryIDFor(a.URL))
			}
			b2, p2 := article("https://www.example.org/b", "Springfield bridge falls", "The Springfield bridge fell.")
			if _, err := addWithRetry(ctx, r, b2, p2, "bridge"); err != nil {
				t.Fatal(err)
			}
			st, err := r.Story(ctx, res.StoryID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.ArticleCount != 2 || len(st.Articles) != 2 {
				t.Fatalf("story has %d/%d articles, want 2", st.ArticleCount, len(st.Articles))
			}
			got, sid, err := r.ArticleByURL(ctx, a.URL)
			if err != nil {
				t.Fatal(err)
			}
			if sid != res.StoryID {
				t.Errorf("article's story = %q, want %q", sid, res.StoryID)
			}
			if !reflect.DeepEqual(got, a) {
				t.Errorf("article round trip:\n got %+v\nwant %+v", got, a)
			}
			if st.Title == "" || st.FirstSeen.IsZero() || st.Updated.Before(st.FirstSeen) {
				t.Errorf("story metadata = %+v", st)
			}
		})
	}
}

func TestAddArticleTwiceKeepsOne(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/a", "Title", "Body text here.")
			first, err := addWithRetry(ctx, r, a, p, "t")
			if err != nil {
				t.Fatal(err)
			}
			// A second writer that read the index before the first wrote: its add must
			// not store the article again nor start a second story.
			cent := &stories.Centroid{}
			stories.DefaultConfig().Add(cent, p, a.URL, a.Title)
			again, err := r.AddArticle(ctx, store.Add{Article: a, Centroid: cent})
			if err != nil {
				t.Fatal(err)
			}
			if !again.Existed || again.StoryID != first.StoryID {
				t.Fatalf("second add = %+v, want existing %s", again, first.StoryID)
			}
			st, err := r.Story(ctx, first.StoryID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.ArticleCount != 1 {
				t.Fatalf("story has %d articles, want 1", st.ArticleCount)
			}
		})
	}
}

func TestAddArticleConflicts(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			a, p := article("https://www.example.com/a", "Title", "Body.")
			first, err := addWithRetry(ctx, r, a, p, "t")
			if err != nil {
				t.Fatal(err)
			}
			cent := &stories.Centroid{}
			stories.DefaultConfig().Add(cent, p, "x", "x")
			tests := []struct {
				name string
				add  store.Add
			}{
				{"stale story version", store.Add{StoryID: first.StoryID, Version: 7}},
				{"story created since the read under a lookup term", store.Add{Seen: map[string]int64{"t": 0}, LookupTerms: []string{"t"}}},
				{"story expired", store.Add{StoryID: "sgone", Version: 1}},
			}
			for i, tt := range tests {
				tt.add.Article, _ = article(fmt.Sprintf("https://www.example.com/c%d", i), "C", "C.")
				tt.add.Centroid = cent
				if _, err := r.AddArticle(ctx, tt.add); !errors.Is(err, store.ErrConflict) {
					t.Errorf("%s: err = %v, want ErrConflict", tt.name, err)
				}
			}
		})
	}
}

// TestConcurrentAddsToOneStory: twenty writers add twenty articles of one event at
// once, all racing to create the story. None may be lost and there must be one story.
func TestConcurrentAddsToOneStory(t *testing.T) {
	const writers = 20
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			var wg sync.WaitGroup
			ids := make([]string, writers)
			errs := make([]error, writers)
			start := make(chan struct{})
			for i := range writers {
				wg.Go(func() {
					a, p := article(fmt.Sprintf("https://site%d.example.com/story", i), "Bridge collapse", "A bridge collapsed.")
					<-start
					res, err := addWithRetry(ctx, r, a, p, "bridge")
					ids[i], errs[i] = res.StoryID, err
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("writer %d: %v", i, err)
				}
				if ids[i] != ids[0] {
					t.Fatalf("writer %d joined story %s, writer 0 %s: the story was split", i, ids[i], ids[0])
				}
			}
			st, err := r.Story(ctx, ids[0], 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.ArticleCount != writers || len(st.Articles) != writers {
				t.Fatalf("story has %d articles (%d read), want %d", st.ArticleCount, len(st.Articles), writers)
			}
			cands, err := r.Candidates(ctx, []string{"bridge"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(cands) != 1 || cands[0].Centroid.Count != writers {
				t.Fatalf("candidates = %d, centroid count = %d; want 1 story whose centroid holds %d articles", len(cands), cands[0].Centroid.Count, writers)
			}
		})
	}
}

// TestCandidatesFromViewPostings: posting lists read with the view are used as read,
// the others are read by Candidates, and the ranking is the same as reading all.
func TestCandidatesFromViewPostings(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			ids := map[string]string{}
			for _, term := range []string{"bridge", "flood"} {
				a, p := article("https://www.example.com/"+term, term, term+" text.")
				res, err := addWithRetry(ctx, r, a, p, term)
				if err != nil {
					t.Fatal(err)
				}
				ids[term] = res.StoryID
			}
			view, err := r.View(ctx, "https://www.example.com/new", r.GuessDocFreq(nil), []string{"bridge", "storm"})
			if err != nil {
				t.Fatal(err)
			}
			if got := view.Postings["bridge"]; len(got) != 1 || got[0] != ids["bridge"] {
				t.Fatalf("view postings for bridge = %v, want [%s]", got, ids["bridge"])
			}
			if got, ok := view.Postings["storm"]; !ok || len(got) != 0 {
				t.Fatalf("view postings for storm = %v (read %v), want an empty list read", got, ok)
			}
			terms := []string{"flood", "bridge", "storm"}
			var orders [2][]string
			for i, read := range []*store.View{&view, nil} {
				cands, err := r.Candidates(ctx, terms, read)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cands {
					orders[i] = append(orders[i], c.ID)
				}
			}
			want := []string{ids["flood"], ids["bridge"]} // the earlier term weighs more
			if !slices.Equal(orders[0], want) || !slices.Equal(orders[1], want) {
				t.Errorf("candidates with the view's postings %v, reading all %v; want %v", orders[0], orders[1], want)
			}
		})
	}
}

// TestEveryKeyHasTTL checks the promise of keys.go: nothing lives forever.
func TestEveryKeyHasTTL(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			var urls []string
			var sid string
			for i := range 3 {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), "Bridge", "Bridge text.")
				res, err := addWithRetry(ctx, r, a, p, "bridge")
				if err != nil {
					t.Fatal(err)
				}
				urls, sid = append(urls, a.URL), res.StoryID
			}
			// Articles are renewed once in a while, not on every add (see the add
			// script), but never expire before their story.
			storyTTL, err := r.PTTL(ctx, r.StoryKey(sid))
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range urls {
				ttl, err := r.PTTL(ctx, r.ArticleKey(u))
				if err != nil {
					t.Fatal(err)
				}
				if ttl < storyTTL {
					t.Errorf("article %s expires in %s, before its story (%s)", u, ttl, storyTTL)
				}
				if slack := r.Retention() / 10; ttl > storyTTL+slack+time.Second {
					t.Errorf("article %s expires in %s, more than the slack %s after its story (%s)", u, ttl, slack, storyTTL)
				}
			}
			if err := r.AddAlias(ctx, "https://amp.example.com/0", urls[0]); err != nil {
				t.Fatal(err)
			}
			keys, err := r.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) < 8 {
				t.Fatalf("only %d keys written: %v", len(keys), keys)
			}
			for _, k := range keys {
				ttl, err := r.PTTL(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if ttl <= 0 || ttl > 2*r.Retention() {
					t.Errorf("key %q has TTL %s, want within (0, %s]", k, ttl, 2*r.Retention())
				}
			}
		})
	}
}

func TestViewDocumentFrequencies(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i, terms := range [][]string{{"bridge", "flood"}, {"bridge"}, {"election"}} {
				a, p := article(fmt.Sprintf("https://www.example.com/%d", i), "T", "T.")
				cent := &stories.Centroid{}
				stories.DefaultConfig().Add(cent, p, a.URL, a.Title)
				view, err := r.View(ctx, a.URL, r.GuessDocFreq(nil), nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := r.AddArticle(ctx, store.Add{Article: a, Centroid: cent, Seen: view.Seen, DocTerms: terms}); err != nil {
					t.Fatal(err)
				}
			}
			v, err := r.View(ctx, "https://www.example.com/0", r.GuessDocFreq([]string{"bridge", "flood", "election", "never"}), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{"bridge": 2, "flood": 1, "election": 1}
			if v.DocFreq.Docs != 3 || fmt.Sprint(v.DocFreq.Counts) != fmt.Sprint(want) {
				t.Errorf("doc freq = %d docs %v, want 3 docs %v", v.DocFreq.Docs, v.DocFreq.Counts, want)
			}
			if v.StoryID == "" {
				t.Errorf("view = no story, want the indexed article's story")
			}
		})
	}
}

func TestStoryNotFound(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			if _, err := r.Story(context.Background(), "snope", 0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Story = %v, want ErrNotFound", err)
			}
			if _, _, err := r.ArticleByURL(context.Background(), "https://x.example/"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ArticleByURL = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestEmbeddedSnapshotRestore: what is in the embedded store survives a restart.
func TestEmbeddedSnapshotRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	r, err := store.Open(ctx, store.Options{DataDir: dir, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	a, p := article("https://www.example.com/a", "Bridge collapses", "A bridge collapsed.")
	res, err := addWithRetry(ctx, r, a, p, "bridge")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := openEmbedded(t, dir)
	st, err := r2.Story(ctx, res.StoryID, 0)
	if err != nil {
		t.Fatalf("story after restart: %v", err)
	}
	if st.ArticleCount != 1 || st.Articles[0].URL != a.URL {
		t.Fatalf("story after restart = %+v", st)
	}
	cands, err := r2.Candidates(ctx, []string{"bridge"}, nil)
	if err != nil || len(cands) != 1 || cands[0].Centroid.Headline != a.Title {
		t.Fatalf("candidates after restart = %+v, %v", cands, err)
	}
	ttl, err := r2.PTTL(ctx, r2.StoryKey(res.StoryID))
	if err != nil || ttl <= 50*time.Minute || ttl > time.Hour {
		t.Errorf("story TTL after restart = %s (%v), want about an hour", ttl, err)
	}
	// Adding after a restart continues the same counters.
	b, pb := article("https://www.example.com/b", "Bridge collapse", "A bridge collapsed.")
	res2, err := addWithRetry(ctx, r2, b, pb, "bridge")
	if err != nil || res2.StoryID != res.StoryID {
		t.Fatalf("add after restart = %+v, %v; want story %s", res2, err, res.StoryID)
	}
}

func TestEmbeddedCorruptSnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/"+store.SnapshotFile, []byte("not a snapshot"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("store.Open with a corrupt snapshot = %v, want a clear error", err)
	}
}

// TestUnavailable: a store.Redis that is down gives store.ErrUnavailable (the server's 503),
// quickly, and store.Open itself does not fail.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	r, err := store.Open(context.Background(), store.Options{URL: "redis://127.0.0.1:1/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if err := r.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping = %v, want ErrUnavailable", err)
	}
	if _, err := r.Story(ctx, "s1", 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Story = %v, want ErrUnavailable", err)
	}
	a, p := article("https://www.example.com/a", "T", "T.")
	if _, err := addWithRetry(ctx, r, a, p, "t"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("add = %v, want ErrUnavailable", err)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		addrs   []string
		master  string
		cluster bool
		tls     bool
		db      int
		wantErr bool
		// The credentials: the data nodes' and, with Sentinel, the sentinels'.
		password, sentinelUser, sentinelPassword string
	}{
		{name: "single", url: "redis://localhost:6379/2", addrs: []string{"localhost:6379"}, db: 2},
		{name: "default port", url: "redis://redis", addrs: []string{"redis:6379"}},
		{name: "tls with password", url: "rediss://:secret@cache.example:6380", addrs: []string{"cache.example:6380"}, tls: true, password: "secret"},
		{name: "cluster by addresses", url: "redis://a:7000?addr=b:7001&addr=c:7002", addrs: []string{"a:7000", "b:7001", "c:7002"}},
		{name: "cluster endpoint", url: "redis://cfg.example:6379?cluster=true", addrs: []string{"cfg.example:6379"}, cluster: true},
		{name: "sentinel", url: "redis://s1:26379?addr=s2:26379&master_name=mymaster", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{name: "sentinel with its own password", url: "redis://:data@s1:26379?master_name=mymaster&sentinel_password=sent",
			addrs: []string{"s1:26379"}, master: "mymaster", password: "data", sentinelPassword: "sent"},
		{name: "sentinel with an ACL user", url: "redis://s1:26379?master_name=m&sentinel_username=px&sentinel_password=p%40ss",
			addrs: []string{"s1:26379"}, master: "m", sentinelUser: "px", sentinelPassword: "p@ss"},
		{name: "sentinel password without sentinel", url: "redis://localhost:6379?sentinel_password=x", wantErr: true},
		{name: "wrong scheme", url: "http://localhost:6379", wantErr: true},
		{name: "bad db", url: "redis://localhost:6379/x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := store.ParseURL(tt.url)
			if tt.wantErr {
				if !errors.Is(err, store.ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(o.Addrs) != fmt.Sprint(tt.addrs) || o.MasterName != tt.master || o.IsClusterMode != tt.cluster || (o.TLSConfig != nil) != tt.tls || o.DB != tt.db {
				t.Errorf("options = addrs %v master %q cluster %v tls %v db %d", o.Addrs, o.MasterName, o.IsClusterMode, o.TLSConfig != nil, o.DB)
			}
			if o.Password != tt.password || o.SentinelUsername != tt.sentinelUser || o.SentinelPassword != tt.sentinelPassword {
				t.Errorf("credentials = password %q sentinel %q/%q, want %q sentinel %q/%q",
					o.Password, o.SentinelUsername, o.SentinelPassword, tt.password, tt.sentinelUser, tt.sentinelPassword)
			}
		})
	}
}

// addCounted adds a one-article story at url whose article counts terms in the
// document frequencies.
func addCounted(t *testing.T, r *store.Redis, url string, terms ...string) {
	t.Helper()
	ctx := context.Background()
	art, p := article(url, "T", "T.")
	cent := &stories.Centroid{}
	stories.DefaultConfig().Add(cent, p, "x", art.Title)
	view, err := r.View(ctx, art.URL, r.GuessDocFreq(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddArticle(ctx, store.Add{Article: art, Centroid: cent, Seen: view.Seen, DocTerms: terms}); err != nil {
		t.Fatal(err)
	}
}

// TestDocFreqSharedAcrossReplicas: one process's counts reach Redis in its next
// flush, where another process (a second replica on the same Redis) reads them.
func TestDocFreqSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := storetest.OpenRedis(t, store.Options{Retention: time.Hour})
	ctx := context.Background()
	for i := range 3 {
		addCounted(t, a, fmt.Sprintf("https://www.example.com/%d", i), "bridge", fmt.Sprint("t", i))
	}
	if err := a.FlushDocFreq(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, store.Options{URL: storetest.RedisURL(), Prefix: a.Prefix(), Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v, err := b.View(ctx, "https://www.example.com/new", b.GuessDocFreq([]string{"bridge", "t1"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.DocFreq.Docs != 3 || v.DocFreq.Counts["bridge"] != 3 || v.DocFreq.Counts["t1"] != 1 {
		t.Errorf("second replica sees %d docs %v, want 3 docs, bridge 3, t1 1", v.DocFreq.Docs, v.DocFreq.Counts)
	}
}

// TestDocFreqLongTerms: a long term is counted under a digest of itself, short ones
// as they are, on both backends; and another process reads counts written under
// the long term itself before the digests beside the digest's.
func TestDocFreqLongTerms(t *testing.T) {
	const long = "e:south carolina law enforcement division"
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i := range 2 {
				addCounted(t, r, fmt.Sprintf("https://www.example.com/%d", i), "shoot", long)
			}
			if err := r.FlushDocFreq(ctx); err != nil {
				t.Fatal(err)
			}
			fields, err := r.DocFreqFields(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(fields)
			// The digest sorts first: it starts with 0x1f.
			if len(fields) != 2 || fields[1] != "shoot" || len(fields[0]) != 9 || fields[0] != store.DocField(long) {
				t.Fatalf("fields %q, want the digest of %q (9 bytes) and shoot", fields, long)
			}
		})
	}
	t.Run("legacy fields", func(t *testing.T) {
		t.Parallel()
		a := storetest.OpenRedis(t, store.Options{Retention: time.Hour})
		ctx := context.Background()
		addCounted(t, a, "https://www.example.com/0", long)
		if err := a.FlushDocFreq(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.AddLegacyDocFreq(ctx, long, 5); err != nil {
			t.Fatal(err)
		}
		b, err := store.Open(ctx, store.Options{URL: storetest.RedisURL(), Prefix: a.Prefix(), Retention: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		v, err := b.View(ctx, "https://www.example.com/new", b.GuessDocFreq([]string{long}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.DocFreq.Counts[long]; got != 6 {
			t.Errorf("count of %q = %d, want 6 (1 under its digest, 5 under itself)", long, got)
		}
	})
}

func TestDocField(t *testing.T) {
	for _, term := range []string{"", "shoot", "e:police", "123456789"} {
		if got := store.DocField(term); got != term {
			t.Errorf("DocField(%q) = %q, want the term itself", term, got)
		}
	}
	seen := map[string]string{}
	for _, term := range []string{"1234567890", "e:united states", "q:please, no more shooting", "de:bundesverfassungsgericht"} {
		got := store.DocField(term)
		if len(got) != 9 || got[0] != 0x1f || got != store.DocField(term) {
			t.Errorf("DocField(%q) = %q, want 9 bytes from 0x1f, the same every time", term, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("DocField(%q) = DocField(%q) = %q", term, other, got)
		}
		seen[got] = term
	}
}

func TestLeases(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			l1, ok, err := r.AcquireLease(ctx, "feed:x", time.Minute)
			if err != nil || !ok {
				t.Fatalf("first acquire: %v %v", ok, err)
			}
			if _, ok, _ := r.AcquireLease(ctx, "feed:x", time.Minute); ok {
				t.Fatal("a held lease was acquired again")
			}
			if ok, err := r.RenewLease(ctx, l1, time.Minute); err != nil || !ok {
				t.Fatalf("holder renew: %v %v", ok, err)
			}
			l2, ok, _ := r.AcquireLease(ctx, "feed:y", time.Minute)
			if !ok {
				t.Fatal("another lease name is independent")
			}
			if err := r.ReleaseLease(ctx, l2); err != nil {
				t.Fatal(err)
			}
			if err := r.ReleaseLease(ctx, l1); err != nil {
				t.Fatal(err)
			}
			if ok, _ := r.RenewLease(ctx, l1, time.Minute); ok {
				t.Error("a released lease was renewed")
			}
			if _, ok, _ := r.AcquireLease(ctx, "feed:x", time.Minute); !ok {
				t.Error("a released lease could not be taken")
			}
		})
	}
}

// TestLeaseExpires: a lease whose holder died is free after its TTL (real Redis;
// the embedded store counts TTLs down in steps).
func TestLeaseExpires(t *testing.T) {
	t.Parallel()
	r := storetest.OpenRedis(t, store.Options{})
	ctx := context.Background()
	old, _, _ := r.AcquireLease(ctx, "feed:z", 100*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	l, ok, err := r.AcquireLease(ctx, "feed:z", time.Minute)
	if err != nil || !ok {
		t.Fatalf("expired lease not free: %v %v", ok, err)
	}
	// The dead holder cannot renew or drop the new holder's lease.
	if ok, _ := r.RenewLease(ctx, old, time.Minute); ok {
		t.Error("the old holder renewed the new lease")
	}
	r.ReleaseLease(ctx, old)
	if ok, _ := r.RenewLease(ctx, l, time.Minute); !ok {
		t.Error("the old holder released the new lease")
	}
}

func TestFeedStatesAndIndexedArticles(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			if err := r.SaveFeedState(ctx, "https://a.example/rss", []byte(`{"failures":2}`)); err != nil {
				t.Fatal(err)
			}
			states, err := r.FeedStates(ctx, []string{"https://a.example/rss", "https://b.example/rss"})
			if err != nil || string(states[0]) != `{"failures":2}` || states[1] != nil {
				t.Fatalf("states %q, %v", states, err)
			}
			a, p := article("https://www.example.com/a", "Bridge", "Bridge text.")
			if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
				t.Fatal(err)
			}
			got, err := r.ArticlesIndexed(ctx, []string{"https://www.example.com/b", a.URL})
			if err != nil || got[0] || !got[1] {
				t.Errorf("indexed = %v, %v", got, err)
			}
		})
	}
}

func TestListStories(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			// Story one: three outlets; story two: one outlet, updated last.
			for i, src := range []string{"bbc-news", "guardian", "fox-news"} {
				a, p := article(fmt.Sprintf("https://www.example.com/one/%d", i), "Bridge collapses", "Bridge.")
				a.OutletID = src
				if _, err := addWithRetry(ctx, r, a, p, "bridge"); err != nil {
					t.Fatal(err)
				}
			}
			a, p := article("https://www.example.com/two", "Election", "Election.")
			if _, err := addWithRetry(ctx, r, a, p, "election"); err != nil {
				t.Fatal(err)
			}
			recent, err := r.ListStories(ctx, store.ListOptions{By: store.ByRecent, Limit: 10})
			if err != nil || len(recent) != 2 || recent[0].Title != "Election" {
				t.Fatalf("recent = %+v, %v", recent, err)
			}
			cov, err := r.ListStories(ctx, store.ListOptions{By: store.ByCoverage, Limit: 1})
			if err != nil || len(cov) != 1 || cov[0].ArticleCount != 3 || fmt.Sprint(cov[0].Sources) != "[bbc-news fox-news guardian]" {
				t.Fatalf("coverage = %+v, %v", cov, err)
			}
		})
	}
}
