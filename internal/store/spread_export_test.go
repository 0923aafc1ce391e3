package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Test hooks of spread_test.go, kept apart from export_test.go.

// ListingShardOf is the listing shard sid is listed in.
func ListingShardOf(sid string) int { return listingShard(sid) }

// FlushScriptsOfDocTotal makes the node serving the current document total forget
// its scripts, as a restarted node or a promoted replica has, while the other
// masters of a cluster keep theirs.
func (r *Redis) FlushScriptsOfDocTotal(ctx context.Context) error {
	key := r.docTotalKey(r.epoch(time.Now()))
	if c, ok := r.rdb.(*redis.ClusterClient); ok {
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			return err
		}
		return node.ScriptFlush(ctx).Err()
	}
	return r.rdb.ScriptFlush(ctx).Err()
}

// TopListed is topListedIn over the recent or coverage listing: most 0 takes two
// round trips whatever n.
func (r *Redis) TopListed(ctx context.Context, coverage bool, n, most int) ([]string, error) {
	shard := r.recentKey
	if coverage {
		shard = r.coverageKey
	}
	return r.topListedIn(ctx, shard, n, most)
}

// LegacyListingShardOf is the shard sid was listed in before there were
// listingShards.
func LegacyListingShardOf(sid string) int { return legacyListingShard(sid) }

// SetListingDepths sets how many entries a listing shard keeps.
func (r *Redis) SetListingDepths(recent, coverage int) {
	r.depths = listingDepths{recent: recent, coverage: coverage}
}

// Listed returns the ids in shard i of the recent or coverage listing, highest
// scored first.
func (r *Redis) Listed(ctx context.Context, coverage bool, shard int) ([]string, error) {
	key := r.recentKey(shard)
	if coverage {
		key = r.coverageKey(shard)
	}
	return r.rdb.ZRevRange(ctx, key, 0, -1).Result()
}

// ListInLegacyShard moves sid's listing entries, with their scores, to the shard
// it had before there were listingShards, as a Parallax of then listed it.
func (r *Redis) ListInLegacyShard(ctx context.Context, sid string) error {
	for _, key := range []func(int) string{r.recentKey, r.coverageKey} {
		score, err := r.rdb.ZScore(ctx, key(listingShard(sid)), sid).Result()
		if err != nil {
			return err
		}
		pipe := r.rdb.Pipeline() // the two shards are of two slots
		pipe.ZRem(ctx, key(listingShard(sid)), sid)
		pipe.ZAdd(ctx, key(legacyListingShard(sid)), redis.Z{Score: score, Member: sid})
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
