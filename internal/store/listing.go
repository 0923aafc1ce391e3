package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Order of a story listing.
const (
	ByRecent   = "recent"   // last updated first
	ByCoverage = "coverage" // most outlets first
)

// MaxListing bounds a story listing.
const MaxListing = 200

// Summary is a story as a listing shows it: no articles, but the sources its
// balance is counted from.
type Summary struct {
	ID           string
	Title        string
	FirstSeen    time.Time
	Updated      time.Time
	ArticleCount int
	Sources      []string // outlet ids, "domain:<d>" for unknown outlets
}

// ListStories returns up to limit stories ordered by ByRecent or ByCoverage, in two
// round trips whatever the size of the index.
func (r *Redis) ListStories(ctx context.Context, by string, limit int) (out []Summary, err error) {
	defer r.track("list_stories", time.Now(), &err)
	if limit <= 0 || limit > MaxListing {
		limit = MaxListing
	}
	key := r.recentKey()
	if by == ByCoverage {
		key = r.coverageKey()
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// Ask for a few more than limit: entries of stories that expired since they were
	// listed are skipped below.
	ids, err := r.rdb.ZRevRange(ctx, key, 0, int64(limit+limit/4)).Result()
	if err != nil {
		return nil, r.wrap("list stories", err)
	}
	pipe := r.rdb.Pipeline()
	metas := make([]*redis.MapStringStringCmd, len(ids))
	cents := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		metas[i] = pipe.HGetAll(ctx, r.storyKey(id))
		cents[i] = pipe.Get(ctx, r.centroidKey(id))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, r.wrap("list stories", err)
		}
	}
	for i, id := range ids {
		m := metas[i].Val()
		if m["v"] == "" {
			continue
		}
		n, _ := strconv.Atoi(m["n"])
		out = append(out, Summary{
			ID:           id,
			Title:        r.headline(cents[i].Val()),
			FirstSeen:    msTime(m["f"]),
			Updated:      msTime(m["u"]),
			ArticleCount: n,
			Sources:      sources(m),
		})
		if len(out) == limit {
			break
		}
	}
	return out, nil
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
