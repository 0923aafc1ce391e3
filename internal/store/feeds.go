package store

import (
	"context"
	"fmt"
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

// articlesIndexedScript answers, for each URL, whether it finds an article (its
// own or through an alias) whose story still exists. KEYS: the article keys, then
// the alias keys, of the same URLs. ARGV: 1 article key prefix, 2 story key prefix.
const articlesIndexedScript = `
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local v = redis.call('GET', KEYS[i])
  if not v then
    local target = redis.call('GET', KEYS[n + i])
    if target then v = redis.call('GET', ARGV[1] .. target .. '}') end
  end
  out[i] = 0
  if v and redis.call('EXISTS', ARGV[2] .. string.match(v, '^[^\n]*') .. '}') == 1 then out[i] = 1 end
end
return out
`

// ArticlesIndexed reports, for each canonical URL, whether the article is in the
// index, in one round trip: feed ingestion never fetches an indexed article again.
// An article whose story has expired counts as not indexed, so that it is indexed
// again rather than skipped for good.
func (r *Redis) ArticlesIndexed(ctx context.Context, canonicalURLs []string) (indexed []bool, err error) {
	defer r.track("articles_indexed", time.Now(), &err)
	if len(canonicalURLs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	keys := make([]string, 2*len(canonicalURLs))
	for i, u := range canonicalURLs {
		aid := ArticleID(u)
		keys[i], keys[len(canonicalURLs)+i] = r.articleKey(aid), r.aliasKey(aid)
	}
	out, err := r.indexedScript.Run(ctx, r.rdb, keys, r.tagOpen(keyArticle), r.tagOpen(keyStory)).Int64Slice()
	if err != nil {
		return nil, r.wrap("articles indexed", err)
	}
	if len(out) != len(canonicalURLs) {
		return nil, fmt.Errorf("store: articles indexed: %d answers for %d URLs", len(out), len(canonicalURLs))
	}
	indexed = make([]bool, len(out))
	for i, n := range out {
		indexed[i] = n == 1
	}
	return indexed, nil
}
