package store

import (
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
	// titles are about 160 KB, one MGET), and finds what is in the news.
	SearchScope = 2000
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
// titles had a key of their own). Pages beyond MaxListingDepth are empty.
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
	key := r.recentKey(0)
	if o.By == ByCoverage {
		key = r.coverageKey(0)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// Ask for a few more than limit: entries of stories that expired since they were
	// listed are skipped below.
	start := int64(o.Offset)
	ids, err := r.rdb.ZRevRange(ctx, key, start, start+int64(o.Limit+o.Limit/4)).Result()
	if err != nil {
		return nil, r.wrap("list stories", err)
	}
	out, err = r.summaries(ctx, ids, o.Limit)
	if err != nil {
		return nil, r.wrap("list stories", err)
	}
	return out, nil
}

// summaries reads the stories ids name, in their order, up to limit of them,
// skipping those that expired since they were listed: one round trip, and a second
// for stories written before titles had a key of their own.
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
	for i, id := range ids {
		m := metas[i].Val()
		if m["v"] == "" {
			continue
		}
		n, _ := strconv.Atoi(m["n"])
		version, _ := strconv.ParseInt(m["v"], 10, 64)
		out = append(out, Summary{
			ID:             id,
			Title:          titles[i].Val(),
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

// centroidHeadlines reads the titles of stories written before titles had a key of
// their own from their centroids, in one round trip.
func (r *Redis) centroidHeadlines(ctx context.Context, ids []string) ([]string, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.centroidKey(id)
	}
	values, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, v := range values {
		out[i] = r.headline(str(v))
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
	ids, err := r.rdb.ZRevRange(ctx, r.recentKey(0), 0, SearchScope-1).Result()
	if err != nil {
		return nil, r.wrap("search stories", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.titleKey(id)
	}
	values, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, r.wrap("search stories", err)
	}
	titles := make([]string, len(ids))
	var untitled []string
	var at []int
	for i, v := range values {
		if titles[i] = str(v); titles[i] == "" {
			untitled, at = append(untitled, ids[i]), append(at, i)
		}
	}
	if len(untitled) > 0 {
		heads, err := r.centroidHeadlines(ctx, untitled)
		if err != nil {
			return nil, r.wrap("search stories", err)
		}
		for j, i := range at {
			titles[i] = heads[j]
		}
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
