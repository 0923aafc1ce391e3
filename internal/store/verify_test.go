package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/parallax-news/parallax/internal/store"
)

// TestVerify: Verify finds a clean index clean, with its counts, and names the
// broken invariant when an article's record points elsewhere than the story that
// lists it, or a story's member has no record.
func TestVerify(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			urls := []string{"https://www.example.com/1", "https://www.example.com/2", "https://www.example.com/3"}
			terms := []string{"bridge", "bridge", "harbour"}
			var sids []string
			for i, u := range urls {
				a, p := article(u, "News about the "+terms[i], "The "+terms[i]+" story.")
				res, err := addWithRetry(ctx, r, a, p, terms[i])
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, res.StoryID)
			}
			v, err := r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 0 || v.Articles != 3 || v.Stories != 2 || v.Members != 3 || v.Dangling != 0 {
				t.Fatalf("clean index: %+v", v)
			}
			// The first article's record now names the other story.
			raw, err := r.GetRaw(ctx, r.ArticleKey(urls[0]))
			if err != nil {
				t.Fatal(err)
			}
			_, rest, _ := strings.Cut(raw, "\n")
			if err := r.SetRaw(ctx, r.ArticleKey(urls[0]), sids[2]+"\n"+rest); err != nil {
				t.Fatal(err)
			}
			v, err = r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 1 || len(v.Problems) != 1 || !strings.Contains(v.Problems[0], "but is a member of "+sids[0]) {
				t.Errorf("misfiled article: %+v", v)
			}
			if err := r.ExpireIn(ctx, r.ArticleKey(urls[0]), 0); err != nil {
				t.Fatal(err)
			}
			v, err = r.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.Broken != 1 || !strings.Contains(strings.Join(v.Problems, ";"), "has no article record") {
				t.Errorf("member without a record: %+v", v)
			}
		})
	}
}

// TestDistribution: Distribution accounts for every key of the index, once, under
// its kind, and reads the server's used memory. The embedded store answers
// neither MEMORY USAGE nor INFO memory, so it runs on the real servers only.
func TestDistribution(t *testing.T) {
	for _, b := range backends() {
		if b.name == "embedded" {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r := b.open(t)
			ctx := context.Background()
			for i, term := range []string{"bridge", "bridge", "harbour"} {
				a, p := article("https://www.example.com/d"+strconv.Itoa(i), "News about the "+term, "The "+term+" story.")
				if _, err := addWithRetry(ctx, r, a, p, term); err != nil {
					t.Fatal(err)
				}
			}
			shares, err := r.Distribution(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			var keys int
			for _, s := range shares {
				var n int
				var bytes int64
				for kind, k := range s.Kinds {
					n, bytes = n+k.Keys, bytes+k.Bytes
					kinds[kind] += k.Keys
				}
				if n != s.Keys || bytes != s.Bytes {
					t.Errorf("master %s: kinds sum to %d keys and %d bytes, the master to %d and %d", s.Addr, n, bytes, s.Keys, s.Bytes)
				}
				if s.Used < s.Bytes {
					t.Errorf("master %s: used memory %d, less than its keys' %d bytes", s.Addr, s.Used, s.Bytes)
				}
				keys += s.Keys
			}
			// Three articles in two stories: a record each, and each story's
			// hash (holding its short title and its few members) and centroid.
			want := map[string]int{"a:{}": 3, "s:{}": 2, "s:{}:c": 2, "s:{}:t": 0, "s:{}:a": 0}
			for kind, n := range want {
				if kinds[kind] != n {
					t.Errorf("%d keys of kind %s, want %d (kinds: %v)", kinds[kind], kind, n, kinds)
				}
			}
			if keys == 0 {
				t.Fatal("no keys")
			}
		})
	}
}

func TestKeyKind(t *testing.T) {
	for _, c := range []struct{ key, want string }{
		{"s:{s7el4jk25x334l542}", "s:{}"},
		{"s:{s7el4jk25x334l542}:c", "s:{}:c"},
		{"a:{a1b2c3}", "a:{}"},
		{"a:{a1b2c3}:mv", "a:{}:mv"},
		{"df:693:{d465}", "df:N:{}"},
		{"dfn:693", "dfn:N"},
		{"kb:{17}", "kb:{}"},
		{"kz:{17}:shoot", "kz:{}:*"},
		{"kz:{17}:n:2", "kz:{}:*"},
		{"kg:{1}:e:police", "kg:{}:*"},
		{"k:{shoot}", "k:{}"},
		{"recent:{l3}", "recent:{}"},
		{"adds", "adds"},
	} {
		if got := store.KeyKind(c.key); got != c.want {
			t.Errorf("KeyKind(%q) = %q, want %q", c.key, got, c.want)
		}
	}
}
