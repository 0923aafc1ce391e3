package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Upgrading an index from the layout before hash tags: every key was P + a name
// without braces ("{px}:a:<aid>", "{px}:recent"), all in the prefix's one slot.
// Migrate moves each key to its name in the current layout (keys.go), under the
// store's own prefix, keeping its value and TTL. It runs while no server writes the
// index (README, Upgrading): a key written meanwhile under its new name is left as
// it is and the old one counted as skipped. It can run again: what moved is not
// found under the old names any more, and keys already in the current layout are
// passed over.

// LegacyPrefix is the default prefix of the layout before hash tags.
const LegacyPrefix = "{px}:"

// migrateBatch bounds the keys moved per round trip, and listingChunk the
// entries of an old listing read per round trip.
const (
	migrateBatch = 500
	listingChunk = 5000
)

// ErrLegacyLayout means the index holds keys of the layout before hash tags,
// which this version does not read: `parallax migrate` moves them.
var ErrLegacyLayout = errors.New("store: the index is in the layout before hash tags (run `parallax migrate`)")

// Migration reports what Migrate did.
type Migration struct {
	// Found is how many keys of the old layout there were, Moved how many were
	// moved, Skipped how many were left because the new name was taken (or the key
	// expired while it was moved), Dropped how many were deleted as no longer
	// used (the old add counter).
	Found, Moved, Skipped, Dropped int
	Took                           time.Duration
}

// currentName maps a key name without its prefix to its name in the current
// layout: a name of the old layout to its tagged name, "" for a key no longer used
// (the old add counter), any other name to itself. split is set for the old
// recent and coverage listings, which split by story, and the old document
// frequency buckets, whose terms are bucketed anew (name is then "df:<epoch>").
func currentName(rest string) (name string, split bool) {
	kind, id, found := strings.Cut(rest, ":")
	if !found {
		switch rest {
		case keyRecent, keyCoverage:
			return "", true
		case keyAdds:
			return "", false
		case keyCorrections:
			return keyCorrections + ":{log}", false
		}
		return rest, false // posters, probe
	}
	if strings.HasPrefix(id, "{") {
		return rest, false
	}
	tag := func(id, rest string) string { return kind + ":{" + id + "}" + rest }
	switch kind + ":" {
	case keyArticle, keyAlias, keyPostURL, keyFeed, keyFragments, keyLease, keyPoster, keyTerm, keyGuard:
		return tag(id, ""), false
	case keyStory:
		sid, suffix, _ := strings.Cut(id, ":")
		if suffix != "" {
			suffix = ":" + suffix
		}
		return tag(sid, suffix), false
	case keyPost:
		if tid, aid, found := strings.Cut(id, ":"); found {
			return tag(tid, ":"+aid), false
		}
	case keyDocFreq:
		if epoch, bucket, found := strings.Cut(id, ":"); found && !strings.HasPrefix(bucket, "{") {
			return kind + ":" + epoch, true
		}
	}
	if rest == keyCorrections+":d" {
		return keyCorrections + ":{log}:d", false
	}
	return rest, false
}

// toMove reports whether key k under from is to be moved: its current name under
// the store's prefix is another key.
func (r *Redis) toMove(k, from string) bool {
	rest := strings.TrimPrefix(k, from)
	name, split := currentName(rest)
	return split || name == "" || r.prefix+name != k
}

// Migrate moves the keys of the old layout under prefix from (LegacyPrefix, or
// the custom prefix the old index had) to the current layout under the store's
// prefix. progress, when not nil, is called after each batch with the keys done
// and found.
func (r *Redis) Migrate(ctx context.Context, from string, progress func(done, found int)) (m Migration, err error) {
	defer r.track("migrate", time.Now(), &err)
	start := time.Now()
	defer func() { m.Took = time.Since(start) }()
	defer r.cache.clear()
	if progress == nil {
		progress = func(int, int) {}
	}
	// Two passes: one to count (the progress bar's total), one to move. A key the
	// second pass finds that the first did not (written since) is moved too.
	err = r.scanLegacy(ctx, from, func(ctx context.Context, batch []string) error {
		m.Found += len(batch)
		return nil
	})
	if err != nil || m.Found == 0 {
		return m, err
	}
	progress(0, m.Found)
	done := 0
	err = r.scanLegacy(ctx, from, func(ctx context.Context, batch []string) error {
		var olds, names []string
		for _, k := range batch {
			name, split := currentName(strings.TrimPrefix(k, from))
			switch {
			case split && name != "":
				epoch, err := strconv.ParseInt(strings.TrimPrefix(name, keyDocFreq), 10, 64)
				if err == nil {
					err = r.migrateDocFreq(ctx, k, epoch, &m)
				}
				if err != nil {
					return fmt.Errorf("key %s: %w", k, err)
				}
			case split:
				if err := r.migrateListing(ctx, k, strings.TrimPrefix(k, from) == keyCoverage, &m); err != nil {
					return fmt.Errorf("key %s: %w", k, err)
				}
			case name == "":
				if err := r.rdb.Del(ctx, k).Err(); err != nil {
					return fmt.Errorf("key %s: %w", k, err)
				}
				m.Dropped++
			default:
				olds, names = append(olds, k), append(names, r.prefix+name)
			}
		}
		if err := r.moveKeys(ctx, olds, names, &m); err != nil {
			return err
		}
		done += len(batch)
		progress(min(done, m.Found), max(m.Found, done))
		return nil
	})
	return m, r.wrap("migrate", err)
}

// scanLegacy calls fn with batches of the keys of the old layout under from, on
// every master.
func (r *Redis) scanLegacy(ctx context.Context, from string, fn func(context.Context, []string) error) error {
	return r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		iter := shard.Scan(ctx, 0, escapeGlob(from)+"*", migrateBatch).Iterator()
		batch := make([]string, 0, migrateBatch)
		for iter.Next(ctx) {
			k := iter.Val()
			if !r.toMove(k, from) {
				continue
			}
			if batch = append(batch, k); len(batch) == migrateBatch {
				if err := fn(ctx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		if len(batch) > 0 {
			return fn(ctx, batch)
		}
		return nil
	})
}

// moveKeys moves keys to their new names, values and TTLs, a batch per round
// trip. On a single server (or the embedded store) RENAMENX does it in place; on a
// cluster the new name is in another slot, so each key is copied with DUMP and
// RESTORE (refused when the new name is taken), then deleted.
func (r *Redis) moveKeys(ctx context.Context, olds, names []string, m *Migration) error {
	if len(olds) == 0 {
		return nil
	}
	if _, cluster := r.rdb.(*redis.ClusterClient); !cluster {
		pipe := r.rdb.Pipeline()
		renames := make([]*redis.BoolCmd, len(olds))
		for i := range olds {
			renames[i] = pipe.RenameNX(ctx, olds[i], names[i])
		}
		if _, err := pipe.Exec(ctx); err != nil && !isNoSuchKey(err) {
			return err
		}
		for _, c := range renames {
			if ok, err := c.Result(); err == nil && ok {
				m.Moved++
			} else {
				m.Skipped++ // taken, or expired since the scan
			}
		}
		return nil
	}
	pipe := r.rdb.Pipeline()
	dumps := make([]*redis.StringCmd, len(olds))
	ttls := make([]*redis.DurationCmd, len(olds))
	for i, k := range olds {
		dumps[i], ttls[i] = pipe.Dump(ctx, k), pipe.PTTL(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	pipe = r.rdb.Pipeline()
	restores := make([]*redis.StatusCmd, len(olds))
	for i := range olds {
		if dumps[i].Err() != nil { // expired since the scan
			continue
		}
		keep := time.Duration(0) // RESTORE's "no TTL"
		if d := ttls[i].Val(); d > 0 {
			keep = d
		}
		restores[i] = pipe.Restore(ctx, names[i], keep, dumps[i].Val())
	}
	if _, err := pipe.Exec(ctx); err != nil && !strings.HasPrefix(err.Error(), "BUSYKEY") {
		return err
	}
	pipe = r.rdb.Pipeline()
	for i, c := range restores {
		if c == nil || c.Err() != nil {
			if c != nil && !strings.HasPrefix(c.Err().Error(), "BUSYKEY") {
				return fmt.Errorf("key %s: %w", olds[i], c.Err())
			}
			m.Skipped++
			continue
		}
		m.Moved++
		pipe.Del(ctx, olds[i])
	}
	_, err := pipe.Exec(ctx)
	return err
}

// isNoSuchKey is RENAMENX's error for a key that expired since the scan.
func isNoSuchKey(err error) bool { return strings.Contains(err.Error(), "no such key") }

// migrateListing splits an old listing (recent or coverage: one sorted set of every
// story) into its shards (listingShard), keeping scores and the TTL.
func (r *Redis) migrateListing(ctx context.Context, old string, coverage bool, m *Migration) error {
	ttl, err := r.rdb.PTTL(ctx, old).Result()
	if err != nil {
		return err
	}
	for start := int64(0); ; start += listingChunk {
		zs, err := r.rdb.ZRangeWithScores(ctx, old, start, start+listingChunk-1).Result()
		if err != nil {
			return err
		}
		if len(zs) == 0 {
			break
		}
		pipe := r.rdb.Pipeline()
		touched := map[int]bool{}
		for _, z := range zs {
			sh := listingShard(z.Member.(string))
			key := r.recentKey(sh)
			if coverage {
				key = r.coverageKey(sh)
			}
			pipe.ZAdd(ctx, key, z)
			touched[sh] = true
		}
		if ttl > 0 {
			for sh := range touched {
				if coverage {
					pipe.PExpire(ctx, r.coverageKey(sh), ttl)
				} else {
					pipe.PExpire(ctx, r.recentKey(sh), ttl)
				}
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		if len(zs) < listingChunk {
			break
		}
	}
	m.Moved++
	return r.rdb.Del(ctx, old).Err()
}

// migrateDocFreq adds an old document-frequency bucket's counts to the current
// buckets of its epoch (dfBuckets changed with the layout, so a term's bucket
// did too), keeping the TTL.
func (r *Redis) migrateDocFreq(ctx context.Context, old string, epoch int64, m *Migration) error {
	pipe := r.rdb.Pipeline()
	counts := pipe.HGetAll(ctx, old)
	ttl := pipe.PTTL(ctx, old)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	pipe = r.rdb.Pipeline()
	touched := map[uint32]bool{}
	for term, v := range counts.Val() {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue // not a count: nothing a reader could use
		}
		b := dfBucket(term)
		pipe.HIncrBy(ctx, r.docFreqKey(epoch, b), dfField(term), n)
		touched[b] = true
	}
	if d := ttl.Val(); d > 0 {
		for b := range touched {
			pipe.PExpire(ctx, r.docFreqKey(epoch, b), d)
		}
	}
	pipe.Del(ctx, old)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	m.Moved++
	return nil
}

// LegacyLayout reports whether the index holds keys of the old layout under the
// store's prefix, or under LegacyPrefix when the store runs with the default
// prefix (the old default's index is its own; another prefix's is another
// index): the listing every old index with a story has.
func (r *Redis) LegacyLayout(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	var cmds []*redis.IntCmd
	prefixes := []string{r.prefix}
	if r.prefix == DefaultPrefix {
		prefixes = append(prefixes, LegacyPrefix)
	}
	for _, p := range prefixes {
		cmds = append(cmds, pipe.Exists(ctx, p+keyRecent))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return false, r.wrap("legacy layout", err)
	}
	for _, c := range cmds {
		if c.Val() > 0 {
			return true, nil
		}
	}
	return false, nil
}

// migrateEmbedded moves what an embedded store restored in the old layout (under
// its prefix, or under LegacyPrefix when it runs with the default) to the current
// one: the embedded store has one process, which is this one, so it needs no
// command run by hand.
func (r *Redis) migrateEmbedded(ctx context.Context) error {
	froms := []string{r.prefix}
	if r.prefix == DefaultPrefix && DefaultPrefix != LegacyPrefix {
		froms = append(froms, LegacyPrefix)
	}
	for _, from := range froms {
		m, err := r.Migrate(ctx, from, nil)
		if err != nil {
			return fmt.Errorf("store: embedded store: %w", err)
		}
		if m.Found > 0 {
			r.log.Info("embedded store: index moved to the current key layout", "from_prefix", from,
				"keys", m.Found, "moved", m.Moved, "skipped", m.Skipped, "dropped", m.Dropped, "took", m.Took.Round(time.Millisecond))
		}
	}
	return nil
}
