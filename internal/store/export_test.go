package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Test access to internals.

const SnapshotFile = snapshotFile

var ParseURL = parseURL

func (r *Redis) Keys(ctx context.Context) ([]string, error) {
	return r.rdb.Keys(ctx, escapeGlob(r.prefix)+"*").Result()
}

func (r *Redis) PTTL(ctx context.Context, key string) (time.Duration, error) {
	return r.rdb.PTTL(ctx, key).Result()
}

func (r *Redis) StoryKey(sid string) string { return r.storyKey(sid) }

func (r *Redis) ArticleKey(canonicalURL string) string { return r.articleKey(ArticleID(canonicalURL)) }

func (r *Redis) FlushDocFreq(ctx context.Context) error { return r.flushDocFreq(ctx) }

// ExpireStory deletes a story's own keys as their TTL running out would, leaving
// its articles (which outlive it by up to a tenth of the retention) in place.
func (r *Redis) ExpireStory(ctx context.Context, sid string) error {
	return r.rdb.Del(ctx, r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid)).Err()
}

func (r *Redis) AliasKey(canonicalURL string) string { return r.aliasKey(ArticleID(canonicalURL)) }

// SetRaw writes a value as an older or newer Parallax might have, keeping the
// key's TTL.
func (r *Redis) SetRaw(ctx context.Context, key, value string) error {
	return r.rdb.Set(ctx, key, value, redis.KeepTTL).Err()
}

// GetRaw reads a stored value as it is.
func (r *Redis) GetRaw(ctx context.Context, key string) (string, error) {
	return r.rdb.Get(ctx, key).Result()
}

func (r *Redis) CentroidKey(sid string) string { return r.centroidKey(sid) }
