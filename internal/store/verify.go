package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Verification is what Verify found.
type Verification struct {
	Articles int // article records (claims in progress not counted)
	Stories  int
	Members  int // story memberships, summed over the stories
	// Dangling is how many articles name a story that is gone: an article
	// outlives its story by up to a tenth of the retention, and is indexed afresh.
	Dangling int
	// Stray is how many memberships are in another story than the one the
	// article's record names, which lists it too: what a move (a detach, attach
	// or merge) leaves between its steps, or after a mover died (its new story,
	// reached by no record, posting or listing, expires after moveTTL).
	Stray int
	// Problems are broken invariants, the first maxProblems of them; Broken counts
	// them all.
	Problems []string
	Broken   int
}

// maxProblems bounds the problems Verify describes.
const maxProblems = 50

// verifyBatch bounds the keys read per round trip.
const verifyBatch = 500

// Verify checks the invariants that tie the index's keys together across slots:
// every article in the story its record names (and in no other: Stray); every
// member of a story has its record; a story's count is its member list's length and its
// centroid carries its version. It reads the whole index (a SCAN of every master
// and a read of every story), so it is for tests and operators, not for a
// serving path. It is meaningful while no writer is in the middle of an add.
func (r *Redis) Verify(ctx context.Context) (v Verification, err error) {
	defer r.track("verify", time.Now(), &err)
	var (
		mu       sync.Mutex
		articles []string
		sids     []string
	)
	aOpen, sOpen := r.tagOpen(keyArticle), r.tagOpen(keyStory)
	err = r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		iter := shard.Scan(ctx, 0, escapeGlob(r.prefix)+"*", verifyBatch).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			mu.Lock()
			if id, ok := strings.CutPrefix(k, aOpen); ok && strings.HasSuffix(id, "}") {
				articles = append(articles, strings.TrimSuffix(id, "}"))
			} else if id, ok := strings.CutPrefix(k, sOpen); ok && strings.HasSuffix(id, "}") {
				sids = append(sids, strings.TrimSuffix(id, "}"))
			}
			mu.Unlock()
		}
		return iter.Err()
	})
	if err != nil {
		return v, r.wrap("verify", err)
	}
	problem := func(format string, args ...any) {
		v.Broken++
		if len(v.Problems) < maxProblems {
			v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
		}
	}
	slices.Sort(sids)
	v.Stories = len(sids)
	memberOf := map[string][]string{} // aid → the stories listing it
	for chunk := range slices.Chunk(sids, verifyBatch) {
		pipe := r.rdb.Pipeline()
		metas := make([]*redis.MapStringStringCmd, len(chunk))
		members := make([]*redis.StringSliceCmd, len(chunk))
		cents := make([]*redis.StringCmd, len(chunk))
		for i, sid := range chunk {
			metas[i] = pipe.HGetAll(ctx, r.storyKey(sid))
			members[i] = pipe.ZRange(ctx, r.storyArticlesKey(sid), 0, -1)
			cents[i] = pipe.Get(ctx, r.centroidKey(sid))
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return v, r.wrap("verify", err)
		}
		for i, sid := range chunk {
			meta, ms := metas[i].Val(), members[i].Val()
			if meta["v"] == "" {
				if len(ms) > 0 {
					problem("story %s: %d members but no story", sid, len(ms))
				}
				continue // else expired since the scan
			}
			inline := inlineMembers(meta)
			if k := cmp.Or(meta["k"], "0"); k != strconv.Itoa(len(inline)) {
				problem("story %s: count of members in the hash %s, %d there", sid, k, len(inline))
			}
			for _, z := range inline {
				// In both only when an add moved the hash's members to the set
				// between the two reads.
				if !slices.Contains(ms, str(z.Member)) {
					ms = append(ms, str(z.Member))
				}
			}
			if n := meta["n"]; n != strconv.Itoa(len(ms)) {
				problem("story %s: count %s, %d members", sid, n, len(ms))
			}
			if version, _, _ := strings.Cut(cents[i].Val(), "\n"); version != meta["v"] {
				problem("story %s: version %s, centroid of version %q", sid, meta["v"], version)
			}
			for _, aid := range ms {
				memberOf[aid] = append(memberOf[aid], sid)
			}
			v.Members += len(ms)
		}
	}
	stories := make(map[string]bool, len(sids))
	for _, sid := range sids {
		stories[sid] = true
	}
	seen := make(map[string]bool, len(articles))
	for chunk := range slices.Chunk(articles, verifyBatch) {
		keys := make([]string, len(chunk))
		for i, aid := range chunk {
			keys[i] = r.articleKey(aid)
		}
		values, err := r.getMany(ctx, keys)
		if err != nil {
			return v, r.wrap("verify", err)
		}
		for i, aid := range chunk {
			val := values[i]
			if val == "" || strings.HasPrefix(val, pendingMark) {
				continue // expired since the scan, or a claim in progress
			}
			v.Articles++
			seen[aid] = true
			sid, _, _ := strings.Cut(val, "\n")
			switch in := memberOf[aid]; {
			case !stories[sid]:
				v.Dangling++
				if len(in) > 0 {
					problem("article %s: names story %s, which is gone, and is a member of %s", aid, sid, strings.Join(in, ", "))
				}
			case len(in) == 0:
				problem("article %s: names story %s, which does not list it", aid, sid)
			case !slices.Contains(in, sid):
				problem("article %s: names story %s, but is a member of %s", aid, sid, strings.Join(in, ", "))
			default:
				v.Stray += len(in) - 1
			}
		}
	}
	for aid, in := range memberOf {
		if !seen[aid] {
			problem("story %s: member %s has no article record", strings.Join(in, ", "), aid)
		}
	}
	return v, nil
}

// NodeShare is what one master holds of the index.
type NodeShare struct {
	Addr  string
	Keys  int
	Bytes int64 // MEMORY USAGE summed over its keys
	// Used is the server's INFO used_memory: its keys, and what MEMORY USAGE
	// leaves out (the tables of keys and of expiries, scripts, clients) and what
	// the server holds of its own, other databases included.
	Used int64
	// Kinds splits Keys and Bytes by kind of key (see keyKind): which part of the
	// scheme costs what.
	Kinds map[string]KindShare
}

// KindShare is what the keys of one kind hold on one master.
type KindShare struct {
	Keys  int
	Bytes int64
}

// Distribution reports, per master (the one server when not a cluster), the keys
// of the index it holds and their memory: how evenly the key scheme spreads, and
// what each kind of key costs. Like Verify it reads every key, for tests and
// operators; it needs a Redis that answers MEMORY USAGE (not the embedded store).
func (r *Redis) Distribution(ctx context.Context) (shares []NodeShare, err error) {
	defer r.track("distribution", time.Now(), &err)
	var mu sync.Mutex
	err = r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		s := NodeShare{Kinds: map[string]KindShare{}}
		if c, ok := shard.(*redis.Client); ok {
			s.Addr = c.Options().Addr
		}
		iter := shard.Scan(ctx, 0, escapeGlob(r.prefix)+"*", verifyBatch).Iterator()
		var batch []string
		measure := func() error {
			if len(batch) == 0 {
				return nil
			}
			pipe := shard.Pipeline()
			cmds := make([]*redis.IntCmd, len(batch))
			for i, k := range batch {
				cmds[i] = pipe.MemoryUsage(ctx, k, 0)
			}
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				return err
			}
			for i, c := range cmds {
				kind := keyKind(strings.TrimPrefix(batch[i], r.prefix))
				k := s.Kinds[kind]
				k.Keys++
				k.Bytes += c.Val()
				s.Kinds[kind] = k
				s.Bytes += c.Val()
			}
			s.Keys += len(batch)
			batch = batch[:0]
			return nil
		}
		for iter.Next(ctx) {
			if batch = append(batch, iter.Val()); len(batch) == verifyBatch {
				if err := measure(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		if err := measure(); err != nil {
			return err
		}
		used, err := r.usedMemory(ctx, shard)
		if err != nil {
			return err
		}
		s.Used = used
		mu.Lock()
		shares = append(shares, s)
		mu.Unlock()
		return nil
	})
	slices.SortFunc(shares, func(a, b NodeShare) int { return strings.Compare(a.Addr, b.Addr) })
	return shares, r.wrap("distribution", err)
}
