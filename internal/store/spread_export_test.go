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
