package store

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Feed polling state and the leases that let several server processes share the
// polling work (see keys.go for the keys).

// FeedStates returns the stored state of each feed URL (nil when none is stored).
func (r *Redis) FeedStates(ctx context.Context, urls []string) (states [][]byte, err error) {
	defer r.track("feed_states", time.Now(), &err)
	if len(urls) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(urls))
	for i, u := range urls {
		cmds[i] = pipe.Get(ctx, r.feedKey(u))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, r.wrap("feed states", err)
	}
	states = make([][]byte, len(urls))
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			states[i] = b
		}
	}
	return states, nil
}

// SaveFeedState stores a feed's state. It lives as long as stories do: a feed that
// leaves the registry is forgotten after the retention period.
func (r *Redis) SaveFeedState(ctx context.Context, url string, state []byte) (err error) {
	defer r.track("save_feed_state", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return r.wrap("save feed state", r.rdb.Set(ctx, r.feedKey(url), state, r.retention).Err())
}

// Lease is a lock with an expiry, held by one process at a time.
type Lease struct {
	key   string
	token string
}

// renewLease and releaseLease act only for the lease's holder, so a process whose
// lease expired (it stalled) and was taken over cannot extend or drop the new
// holder's lease.
const (
	renewLeaseScript   = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`
	releaseLeaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`
)

// AcquireLease takes the lease named name for ttl if nobody holds it (SET NX PX).
// ok is false when another process holds it.
func (r *Redis) AcquireLease(ctx context.Context, name string, ttl time.Duration) (l Lease, ok bool, err error) {
	defer r.track("acquire_lease", time.Now(), &err)
	token, err := randomToken(16)
	if err != nil {
		return Lease{}, false, err
	}
	l = Lease{key: r.leaseKey(name), token: token}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	ok, err = r.rdb.SetNX(ctx, l.key, l.token, ttl).Result()
	if err != nil {
		return Lease{}, false, r.wrap("acquire lease", err)
	}
	return l, ok, nil
}

// RenewLease extends a held lease to ttl from now; false when it was lost.
func (r *Redis) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (ok bool, err error) {
	defer r.track("renew_lease", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	n, err := r.rdb.Eval(ctx, renewLeaseScript, []string{l.key}, l.token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, r.wrap("renew lease", err)
	}
	return n == 1, nil
}

// ReleaseLease gives a held lease up early.
func (r *Redis) ReleaseLease(ctx context.Context, l Lease) (err error) {
	defer r.track("release_lease", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return r.wrap("release lease", r.rdb.Eval(ctx, releaseLeaseScript, []string{l.key}, l.token).Err())
}

// ArticlesIndexed reports, for each canonical URL, whether the article is in the
// index: feed ingestion never fetches an indexed article again. An article whose
// story has expired counts as not indexed, so that it is indexed again rather than
// skipped for good.
//
// The article, alias and story keys of the URLs are of many slots on a Redis
// Cluster (keys.go), so this is up to three pipelined round trips, whatever the
// number of URLs: the article and alias keys; the articles the aliases name (only
// for URLs found by an alias alone); whether each story found exists. It only
// reads: a write between the round trips is seen as by a check a moment earlier
// or later.
func (r *Redis) ArticlesIndexed(ctx context.Context, canonicalURLs []string) (indexed []bool, err error) {
	defer r.track("articles_indexed", time.Now(), &err)
	if len(canonicalURLs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	n := len(canonicalURLs)
	keys := make([]string, 2*n)
	for i, u := range canonicalURLs {
		aid := ArticleID(u)
		keys[i], keys[n+i] = r.articleKey(aid), r.aliasKey(aid)
	}
	vs, err := r.getMany(ctx, keys)
	if err != nil {
		return nil, r.wrap("articles indexed", err)
	}
	values := vs[:n]
	var viaAlias []int // URLs without an article of their own, with an alias
	var targets []string
	for i := range n {
		if values[i] == "" && vs[n+i] != "" {
			viaAlias, targets = append(viaAlias, i), append(targets, r.articleKey(vs[n+i]))
		}
	}
	if len(targets) > 0 {
		tv, err := r.getMany(ctx, targets)
		if err != nil {
			return nil, r.wrap("articles indexed", err)
		}
		for j, i := range viaAlias {
			values[i] = tv[j]
		}
	}
	pipe := r.rdb.Pipeline()
	exists := make([]*redis.IntCmd, n)
	for i, v := range values {
		// A pending claim (pendingMark) names no story: not indexed yet.
		if sid, _, _ := strings.Cut(v, "\n"); sid != "" && !strings.HasPrefix(sid, pendingMark) {
			exists[i] = pipe.Exists(ctx, r.storyKey(sid))
		}
	}
	indexed = make([]bool, n)
	if pipe.Len() == 0 {
		return indexed, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, r.wrap("articles indexed", err)
	}
	for i, c := range exists {
		indexed[i] = c != nil && c.Val() == 1
	}
	return indexed, nil
}
