package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"
)

// Order of a story listing.
const (
	ByRecent   = "recent"   // last updated first
	ByCoverage = "coverage" // most outlets first
)

// Bounds of listings and searches.
const (
	// MaxListing bounds one page of a story listing.
	MaxListing = 200
	// MaxListingDepth bounds how far a listing pages (offset + limit): readers page
	// through the newest or best-covered stories, not the whole index, and Redis
	// walks a sorted set to its offset (ZREVRANGE costs O(offset + count)).
	MaxListingDepth = 1000
	// SearchScope is how many of the most recently updated stories a search reads
	// the titles of: a search costs the same whatever the size of the index (2,000
	// titles are about 160 KB, one pipeline), and finds what is in the news. Its
	// ids are merged from the listing shards in two round trips (see
	// topListedIn).
	SearchScope = 2000
	// recentDepth and coverageDepth are how many entries a listing shard keeps
	// (see listScript): the most a reader reads of one, a search's or a page's at
	// MaxListingDepth with its quarter of a page more (see ListStories), since the
	// stories of a page may all be of one shard.
	recentDepth   = max(SearchScope, coverageDepth)
	coverageDepth = MaxListingDepth + MaxListing/4
	// maxSearchWords and maxQueryBytes bound what of a query is matched; the rest
	// is ignored (a query is typed into a search box).
	maxSearchWords = 16
	maxQueryBytes  = 512
)

// Summary is a story as a listing shows it: no articles, but the sources its
// balance is counted from.
type Summary struct {
	ID      string
	Title   string
	Version int64 // see stories.Story.Version
	// FirstSeen is when Parallax first indexed an article of it; FirstPublished the
	// earliest publication time of its articles, zero when none is dated (or the
	// story was started before Parallax kept it: see keys.go).
	FirstSeen      time.Time
	FirstPublished time.Time
	Updated        time.Time
	ArticleCount   int
	Sources        []string // outlet ids, "domain:<d>" for unknown outlets
}

// ListOptions selects one page of a story listing.
type ListOptions struct {
	By     string // ByRecent (the default) or ByCoverage
	Offset int    // stories skipped; a listing ends at MaxListingDepth
	Limit  int    // stories returned, at most MaxListing (the default)
}

// ListStories returns one page of stories ordered by o.By, in two round trips
// whatever the size of the index (three when the page holds stories written before
// titles were kept apart from the centroid). Pages beyond MaxListingDepth are empty.
//
// A listing is split over listingShards keys (keys.go), so a page is merged from
// the top offset+limit (and a quarter of limit more) of every shard: the page's
// stories are among them whichever shards they are in. A deep page takes one more
// round trip rather than reading listingShards times its depth (see topListedIn).
func (r *Redis) ListStories(ctx context.Context, o ListOptions) (out []Summary, err error) {
	defer r.track("list_stories", time.Now(), &err)
	if o.Limit <= 0 || o.Limit > MaxListing {
		o.Limit = MaxListing
	}
	o.Offset = max(o.Offset, 0)
	o.Limit = min(o.Limit, MaxListingDepth-o.Offset)
	if o.Limit <= 0 {
		return nil, nil
	}
	shard := r.recentKey
	if o.By == ByCoverage {
		shard = r.coverageKey
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// Ask for a few more than limit: entries of stories that expired since they were
	// listed are skipped below.
	ids, err := r.topListed(ctx, shard, o.Offset+o.Limit+o.Limit/4)
	if err != nil {
		return nil, r.wrap("list stories", err)
	}
	ids = ids[min(o.Offset, len(ids)):]
	out, err = r.summaries(ctx, ids, o.Limit)
	if err != nil {
		return nil, r.wrap("list stories", err)
	}
	return out, nil
}

// topListed returns the ids of the n highest-scored stories of a listing, highest
// first, from its listingShards keys (shard names shard i's key), which are of
// many slots on a Redis Cluster: see topListedIn.
func (r *Redis) topListed(ctx context.Context, shard func(int) string, n int) ([]string, error) {
	return r.topListedIn(ctx, shard, n, singleReadMax)
}

// singleReadMax bounds what topListed reads in one round trip: up to it, the top n
// of every shard (shards × n entries: a default page of 250 reads 8,000); past
// it, a search's 2,000 of 32 shards would read 64,000 entries to keep 2,000, so a
// second round trip reads only what can be in the top n (see topListedIn).
const singleReadMax = 8192

// topListedIn is topListed. When listingShards × n is at most most, it reads the
// top n of every shard, with scores, in one pipeline. Else in two: first the top
// ceil(n / listingShards) of each; the n-th best score among them, low, is at most
// the n-th best of the whole listing, so the top n are among the entries scored
// low or more, which the second pipeline reads (at most n per shard) from the
// shards whose first read may have stopped short of them. Either way the entries
// are merged by score, ties by id, highest first, as ZREVRANGE orders them within
// one key, so a page's order is the same on every read; a story listed in two
// shards (a writer that listed it in another, see corrections.go and merge.go)
// appears once, at its higher score.
func (r *Redis) topListedIn(ctx context.Context, shard func(int) string, n, most int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	per := n
	if listingShards*n > most {
		per = (n + listingShards - 1) / listingShards
	}
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, listingShards)
	for i := range cmds {
		cmds[i] = pipe.ZRevRangeWithScores(ctx, shard(i), 0, int64(per-1))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	all := make([][]redis.Z, listingShards)
	for i, c := range cmds {
		all[i] = c.Val()
	}
	if per < n {
		merged := mergeListed(all, n)
		low := "-inf"
		if len(merged) == n {
			low = strconv.FormatFloat(merged[n-1].Score, 'g', -1, 64)
		}
		pipe := r.rdb.Pipeline()
		more := make([]*redis.ZSliceCmd, listingShards)
		for i := range more {
			if len(all[i]) == per { // the shard may hold more scored low or more
				more[i] = pipe.ZRevRangeByScoreWithScores(ctx, shard(i), &redis.ZRangeBy{Max: "+inf", Min: low, Count: int64(n)})
			}
		}
		if pipe.Len() > 0 {
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				return nil, err
			}
		}
		for i, c := range more {
			if c != nil {
				all[i] = c.Val()
			}
		}
	}
	merged := mergeListed(all, n)
	ids := make([]string, len(merged))
	for i, z := range merged {
		ids[i] = str(z.Member)
	}
	return ids, nil
}

// mergeListed merges the shards' entries (each highest first) into the n highest,
// by score then id, each id once.
func mergeListed(shards [][]redis.Z, n int) []redis.Z {
	var all []redis.Z
	for _, zs := range shards {
		all = append(all, zs...)
	}
	slices.SortFunc(all, func(a, b redis.Z) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(str(b.Member), str(a.Member))
	})
	out := make([]redis.Z, 0, min(n, len(all)))
	seen := make(map[string]bool, cap(out))
	for _, z := range all {
		if id := str(z.Member); !seen[id] {
			seen[id] = true
			if out = append(out, z); len(out) == n {
				break
			}
		}
	}
	return out
}

// unlistGone takes the stories sids, found gone, out of the listings. A failure
// is only logged: the next reader meets them again.
func (r *Redis) unlistGone(ctx context.Context, sids []string) {
	if len(sids) == 0 {
		return
	}
	pipe := r.rdb.Pipeline()
	r.unlist(ctx, pipe, sids...)
	if _, err := pipe.Exec(ctx); err != nil {
		r.log.Warn("store: unlist expired stories", "stories", len(sids), "err", err)
	}
}

// listingDepths is what a listing shard keeps (see listScript).
type listingDepths struct{ recent, coverage int }

// summaries reads the stories ids name, in their order, up to limit of them,
// skipping those that expired since they were listed: one round trip, and a second
// for stories written before titles were kept apart from the centroid. It takes the
// expired ones it met out of the listings: an expired story leaves recent by the
// time sweep of listScript, but one that a shard's depth cut from recent would
// stay in coverage, and with many outlets at its top.
func (r *Redis) summaries(ctx context.Context, ids []string, limit int) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := r.rdb.Pipeline()
	metas := make([]*redis.MapStringStringCmd, len(ids))
	titles := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		metas[i] = pipe.HGetAll(ctx, r.storyKey(id))
		titles[i] = pipe.Get(ctx, r.titleKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	var out []Summary
	var untitled []int // indexes into out
	var gone []string
	defer func() { r.unlistGone(ctx, gone) }()
	for i, id := range ids {
		m := metas[i].Val()
		if m["v"] == "" {
			gone = append(gone, id)
			continue
		}
		n, _ := strconv.Atoi(m["n"])
		version, _ := strconv.ParseInt(m["v"], 10, 64)
		out = append(out, Summary{
			ID:             id,
			Title:          cmp.Or(hashTitle(m["t"], m["ta"], m["tb"]), titles[i].Val()),
			Version:        version,
			FirstSeen:      msTime(m["f"]),
			FirstPublished: msTime(m["p"]),
			Updated:        msTime(m["u"]),
			ArticleCount:   n,
			Sources:        sources(m),
		})
		if out[len(out)-1].Title == "" {
			untitled = append(untitled, len(out)-1)
		}
		if len(out) == limit {
			break
		}
	}
	if len(untitled) > 0 {
		ids := make([]string, len(untitled))
		for j, i := range untitled {
			ids[j] = out[i].ID
		}
		heads, err := r.centroidHeadlines(ctx, ids)
		if err != nil {
			return nil, err
		}
		for j, i := range untitled {
			out[i].Title = heads[j]
		}
	}
	return out, nil
}

// storyTitles reads the titles of the stories ids name ("" for one that is gone):
// the hash's title fields or the title key (see titleLua), in one pipelined round
// trip, and the centroid in a second for stories written before titles were kept
// apart from it.
func (r *Redis) storyTitles(ctx context.Context, ids []string) ([]string, error) {
	pipe := r.rdb.Pipeline()
	fields := make([]*redis.SliceCmd, len(ids))
	keys := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		fields[i] = pipe.HMGet(ctx, r.storyKey(id), "t", "ta", "tb")
		keys[i] = pipe.Get(ctx, r.titleKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	titles := make([]string, len(ids))
	var untitled []string
	var at []int
	for i := range ids {
		if titles[i] = cmp.Or(titleFields(fields[i].Val()), keys[i].Val()); titles[i] == "" {
			untitled, at = append(untitled, ids[i]), append(at, i)
		}
	}
	if len(untitled) > 0 {
		heads, err := r.centroidHeadlines(ctx, untitled)
		if err != nil {
			return nil, err
		}
		for j, i := range at {
			titles[i] = heads[j]
		}
	}
	return titles, nil
}

// centroidHeadlines reads the titles of stories written before titles were kept
// apart from the centroid from their centroids, in one pipelined round trip (the
// centroids are of many slots on a Redis Cluster).
func (r *Redis) centroidHeadlines(ctx context.Context, ids []string) ([]string, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.centroidKey(id)
	}
	values, err := r.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, v := range values {
		out[i] = r.headline(v)
	}
	return out, nil
}

// SearchStories returns up to limit stories (MaxListing when limit is 0 or larger)
// whose title holds every word of query, most recently updated first. Words are
// runs of letters and digits, compared lower-cased; a query word matches a title
// word it begins ("bridge" finds "bridges"). Only the SearchScope most recently
// updated stories are searched, in three round trips: their ids, their titles, the
// matches' summaries (and one more for titles of stories written before titles had
// a key of their own, which are read from their centroids).
func (r *Redis) SearchStories(ctx context.Context, query string, limit int) (out []Summary, err error) {
	defer r.track("search_stories", time.Now(), &err)
	if limit <= 0 || limit > MaxListing {
		limit = MaxListing
	}
	if len(query) > maxQueryBytes {
		query = query[:maxQueryBytes]
	}
	want := words(query)
	if len(want) > maxSearchWords {
		want = want[:maxSearchWords]
	}
	if len(want) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	ids, err := r.topListed(ctx, r.recentKey, SearchScope)
	if err != nil {
		return nil, r.wrap("search stories", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	titles, err := r.storyTitles(ctx, ids)
	if err != nil {
		return nil, r.wrap("search stories", err)
	}
	// A few more than limit, for matches that expire before they are read.
	var match []string
	for i, t := range titles {
		if t != "" && holdsAll(words(t), want) {
			if match = append(match, ids[i]); len(match) == limit+limit/4 {
				break
			}
		}
	}
	out, err = r.summaries(ctx, match, limit)
	if err != nil {
		return nil, r.wrap("search stories", err)
	}
	return out, nil
}

// words splits s into lower-cased runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
}

// holdsAll reports whether every word of want begins some word of have.
func holdsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) }) {
			return false
		}
	}
	return true
}

// sources returns the sources recorded in a story hash (fields "@<source>").
func sources(m map[string]string) []string {
	var out []string
	for k := range m {
		if src, ok := strings.CutPrefix(k, "@"); ok {
			out = append(out, src)
		}
	}
	slices.Sort(out)
	return out
}
