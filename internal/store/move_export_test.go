package store

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Test access to the move chains (move.go): each run up to a step, as a mover
// dying after it would leave the index.

var ErrStopped = errStopped

const MoveTTL = moveTTL

func (r *Redis) DetachUntil(ctx context.Context, m Move, step int) (Moved, error) {
	return r.detach(ctx, m, step)
}

func (r *Redis) AttachUntil(ctx context.Context, m Move, step int) (Moved, error) {
	return r.attach(ctx, m, step)
}

func (r *Redis) MergeUntil(ctx context.Context, m Merge, step int) (Merged, error) {
	return r.merge(ctx, m, step)
}

// MoveLockKey is the lock a mover takes on an article (see moveKey).
func (r *Redis) MoveLockKey(aid string) string { return r.moveKey(aid) }

// DeleteKey deletes a key, as its TTL running out would.
func (r *Redis) DeleteKey(ctx context.Context, key string) error { return r.rdb.Del(ctx, key).Err() }

// FlushScripts forgets the loaded scripts on every master, as a restarted node
// or a promoted replica knows none.
func (r *Redis) FlushScripts(ctx context.Context) error {
	return r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		return shard.ScriptFlush(ctx).Err()
	})
}
