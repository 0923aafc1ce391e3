package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Test access to internals.

const SnapshotFile = snapshotFile

var ParseURL = parseURL

var KeyKind = keyKind

// Keys lists the store's keys on every node that holds a part of the keyspace.
func (r *Redis) Keys(ctx context.Context) ([]string, error) {
	var (
		mu  sync.Mutex
		all []string
	)
	err := r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		keys, err := shard.Keys(ctx, escapeGlob(r.prefix)+"*").Result()
		mu.Lock()
		all = append(all, keys...)
		mu.Unlock()
		return err
	})
	return all, err
}

func (r *Redis) PTTL(ctx context.Context, key string) (time.Duration, error) {
	return r.rdb.PTTL(ctx, key).Result()
}

func (r *Redis) StoryKey(sid string) string { return r.storyKey(sid) }

func (r *Redis) ArticleKey(canonicalURL string) string { return r.articleKey(ArticleID(canonicalURL)) }

// ExpireStory deletes a story's own keys as their TTL running out would, leaving
// its articles (which outlive it by up to a tenth of the retention) in place.
func (r *Redis) ExpireStory(ctx context.Context, sid string) error {
	return r.rdb.Del(ctx, r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid), r.titleKey(sid)).Err()
}

// MakeLegacyStory turns a story into one written before stories kept their title
// under a key of their own and their first publication time in field p.
func (r *Redis) MakeLegacyStory(ctx context.Context, sid string) error {
	pipe := r.rdb.Pipeline()
	pipe.Del(ctx, r.titleKey(sid))
	pipe.HDel(ctx, r.storyKey(sid), "p", "t", "ta", "tb")
	_, err := pipe.Exec(ctx)
	return err
}

// StoryField reads one field of a story's hash, "" when absent.
func (r *Redis) StoryField(ctx context.Context, sid, field string) (string, error) {
	v, err := r.rdb.HGet(ctx, r.storyKey(sid), field).Result()
	if err == redis.Nil {
		return "", nil
	}
	return v, err
}

func (r *Redis) TitleKey(sid string) string { return r.titleKey(sid) }

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

// GetRecord is GetRaw for an article record, its body unpacked (see packing.go).
func (r *Redis) GetRecord(ctx context.Context, key string) (string, error) {
	v, err := r.rdb.Get(ctx, key).Result()
	if err != nil {
		return "", err
	}
	plain, ok := r.pack.unpackRecord(v)
	if !ok {
		return "", fmt.Errorf("record %q does not unpack", v)
	}
	return plain, nil
}

const RecordMarker = recordMarker

func (r *Redis) CentroidKey(sid string) string { return r.centroidKey(sid) }

const JournalFile = journalFile

// CheckIndex is Verify as an error: nil when no invariant is broken.
func (r *Redis) CheckIndex(ctx context.Context) error {
	v, err := r.Verify(ctx)
	if err != nil {
		return err
	}
	if v.Broken > 0 {
		return fmt.Errorf("index: %d problems: %s", v.Broken, strings.Join(v.Problems, "; "))
	}
	return nil
}

// ForceBase makes the next checkpoint of an embedded store a new base.
func (r *Redis) ForceBase() {
	r.embedded.cmu.Lock()
	r.embedded.baseCurrent = false
	r.embedded.cmu.Unlock()
}

// UnknownWrites returns the commands the embedded store's hook could not attribute.
func (r *Redis) UnknownWrites() []string {
	e := r.embedded
	e.dmu.Lock()
	defer e.dmu.Unlock()
	var out []string
	for c := range e.unknown {
		out = append(out, c)
	}
	return out
}

// MemoryUsage is Redis's MEMORY USAGE of a key, in bytes.
func (r *Redis) MemoryUsage(ctx context.Context, key string) (int64, error) {
	return r.rdb.MemoryUsage(ctx, key).Result()
}

// ExpireIn sets a key's TTL.
func (r *Redis) ExpireIn(ctx context.Context, key string, d time.Duration) error {
	return r.rdb.PExpire(ctx, key, d).Err()
}

// SetCacheClock makes the lookup cache date its entries by now.
func (r *Redis) SetCacheClock(now func() time.Time) { r.cache.now = now }

// CacheFresh is how long the lookup cache answers an entry without asking Redis.
const CacheFresh = cacheFresh

// FragmentFields returns how many fragment counts a source keeps.
func (r *Redis) FragmentFields(ctx context.Context, source string) int {
	return int(r.rdb.HLen(ctx, r.fragmentsKey(source)).Val())
}

// legacyName is the inverse of currentName: a key's name without its prefix in
// the layout before hash tags (the listing shards all map to their one old key).
func legacyName(rest string) string {
	for _, l := range []string{keyRecent, keyCoverage} {
		if strings.HasPrefix(rest, l+":{l") {
			return l
		}
	}
	if strings.HasPrefix(rest, keyDocFreq) {
		return strings.NewReplacer("{d", "", "}", "").Replace(rest)
	}
	if strings.HasPrefix(rest, keyCorrections) {
		return strings.Replace(rest, ":{log}", "", 1)
	}
	if i := strings.IndexByte(rest, '{'); i >= 0 {
		if j := strings.IndexByte(rest[i:], '}'); j >= 0 {
			return rest[:i] + rest[i+1:i+j] + rest[i+j+1:]
		}
	}
	return rest
}

// ToLegacyLayout rewrites the store's whole index in the layout before hash tags
// under prefix to, as an index written by that version would be, and returns the
// number of keys. Listing shards are merged into the one old listing key.
func (r *Redis) ToLegacyLayout(ctx context.Context, to string) (int, error) {
	keys, err := r.Keys(ctx)
	if err != nil {
		return 0, err
	}
	var m Migration
	n := 0
	for _, k := range keys {
		rest := strings.TrimPrefix(k, r.prefix)
		old := to + legacyName(rest)
		if strings.HasPrefix(rest, keyRecent+":") || strings.HasPrefix(rest, keyCoverage+":") {
			zs, err := r.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
			if err != nil {
				return n, err
			}
			for _, z := range zs {
				if err := r.rdb.ZAdd(ctx, old, z).Err(); err != nil {
					return n, err
				}
			}
			if err := r.rdb.Expire(ctx, old, r.retention).Err(); err != nil {
				return n, err
			}
			if err := r.rdb.Del(ctx, k).Err(); err != nil {
				return n, err
			}
			n++
			continue
		}
		// Posting lists were one zset per term, k:<term>.
		if b, ok := strings.CutPrefix(rest, keyBucket); ok && strings.HasPrefix(b, "{") {
			fields, err := r.rdb.HGetAll(ctx, k).Result()
			if err != nil {
				return n, err
			}
			for term, v := range fields {
				for _, e := range parseField(v) {
					if err := r.rdb.ZAdd(ctx, to+keyTerm+term, redis.Z{Score: float64(e.tick), Member: e.sid}).Err(); err != nil {
						return n, err
					}
				}
				if err := r.rdb.Expire(ctx, to+keyTerm+term, r.retention).Err(); err != nil {
					return n, err
				}
				n++
			}
			if err := r.rdb.Del(ctx, k).Err(); err != nil {
				return n, err
			}
			continue
		}
		if spill, ok := strings.CutPrefix(rest, keySpill+"{"); ok {
			_, term, _ := strings.Cut(spill, "}:")
			old = to + keyTerm + term
		}
		if old == k {
			continue
		}
		if err := r.moveKeys(ctx, []string{k}, []string{old}, &m); err != nil {
			return n, err
		}
		n++
	}
	if m.Skipped > 0 {
		return n, fmt.Errorf("to legacy layout: %d keys not moved", m.Skipped)
	}
	return n, nil
}

// PostingLists returns every term's posting list as readers see it (see
// readPostings), "<term> = <sids>" sorted, whatever layout holds it.
func (r *Redis) PostingLists(ctx context.Context) ([]string, error) {
	keys, err := r.Keys(ctx)
	if err != nil {
		return nil, err
	}
	terms := map[string]bool{}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, r.prefix)
		switch {
		case strings.HasPrefix(rest, keyBucket+"{"):
			fields, err := r.rdb.HKeys(ctx, k).Result()
			if err != nil {
				return nil, err
			}
			for _, f := range fields {
				terms[f] = true
			}
		case strings.HasPrefix(rest, keySpill+"{"):
			_, term, _ := strings.Cut(rest, "}:")
			terms[term] = true
		case strings.HasPrefix(rest, keyTerm+"{"):
			terms[strings.TrimSuffix(strings.TrimPrefix(rest, keyTerm+"{"), "}")] = true
		}
	}
	var out []string
	for term := range terms {
		pipe := r.rdb.Pipeline()
		read := r.readPostings(ctx, pipe, []string{term})
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, err
		}
		ids, _ := read[0].list()
		out = append(out, term+" = "+strings.Join(ids, " "))
	}
	slices.Sort(out)
	return out, nil
}

// IsPosting reports whether key (without the prefix) is a posting list or bucket.
func IsPosting(rest string) bool {
	for _, k := range []string{keyBucket, keySpill, keyTerm} {
		if strings.HasPrefix(rest, k+"{") {
			return true
		}
	}
	return false
}

// PostingTag is the hash tag of term's posting list, bucket and guard.
func PostingTag(term string) string { return postingBucket(term) }

// Describe is a key's type, value and whether it has a TTL, as one comparable string.
func (r *Redis) Describe(ctx context.Context, key string) (string, error) {
	typ, err := r.rdb.Type(ctx, key).Result()
	if err != nil {
		return "", err
	}
	var v any
	switch typ {
	case "string":
		v, err = r.rdb.Get(ctx, key).Result()
	case "hash":
		var h map[string]string
		h, err = r.rdb.HGetAll(ctx, key).Result()
		v = fmt.Sprint(h) // fmt sorts map keys
	case "zset":
		v, err = r.rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
	case "set":
		var m []string
		m, err = r.rdb.SMembers(ctx, key).Result()
		slices.Sort(m)
		v = m
	default:
		return "", fmt.Errorf("describe %s: type %s", key, typ)
	}
	if err != nil {
		return "", err
	}
	ttl, err := r.rdb.PTTL(ctx, key).Result()
	return fmt.Sprintf("%s %v ttl=%v", typ, v, ttl > 0), err
}

// Restory runs a merge's record rewrite of one article (restoryScript).
func (r *Redis) Restory(ctx context.Context, canonicalURL, from, into string) (int64, error) {
	aid := ArticleID(canonicalURL)
	return r.moves.restory.Run(ctx, r.rdb, []string{r.articleKey(aid), r.redirectKey(aid)}, from, into, r.retention.Milliseconds(), claimTTL.Milliseconds()).Int64()
}

// Finish runs an add's last step on one article (finishScript).
func (r *Redis) Finish(ctx context.Context, canonicalURL, claim, record string) (int64, error) {
	aid := ArticleID(canonicalURL)
	return r.finishScript.Run(ctx, r.rdb, []string{r.articleKey(aid), r.redirectKey(aid)}, claim, record, r.retention.Milliseconds()).Int64()
}

// PostTerms posts sid under terms as an add's last step does (see postScript).
func (r *Redis) PostTerms(ctx context.Context, sid string, terms ...string) error {
	return r.execScripts(ctx, func(pipe redis.Pipeliner) { r.post(ctx, pipe, sid, terms) })
}

// Unpost takes sid out of terms' posting lists, as a merge does.
func (r *Redis) Unpost(ctx context.Context, sid string, terms ...string) error {
	return r.execScripts(ctx, func(pipe redis.Pipeliner) { r.unpost(ctx, pipe, sid, terms) })
}

// ReadPosting reads one term's posting list as the matcher does.
func (r *Redis) ReadPosting(ctx context.Context, term string) (ids []string, top int64, err error) {
	pipe := r.rdb.Pipeline()
	read := r.readPostings(ctx, pipe, []string{term})
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, 0, err
	}
	ids, top = read[0].list()
	return ids, top, nil
}

// PostingField is term's field in its bucket ("" when it has none), and
// SetPostingField writes it.
func (r *Redis) PostingField(ctx context.Context, term string) string {
	return r.rdb.HGet(ctx, r.bucketKey(term), term).Val()
}

func (r *Redis) SetPostingField(ctx context.Context, term, value string) error {
	return r.rdb.HSet(ctx, r.bucketKey(term), term, value).Err()
}

// SpilledPosting is term's own list ([] when it has none).
func (r *Redis) SpilledPosting(ctx context.Context, term string) []redis.Z {
	return r.rdb.ZRevRangeWithScores(ctx, r.spillKey(term), 0, -1).Val()
}

// SetLegacyPosting writes a posting list of the layout before buckets.
func (r *Redis) SetLegacyPosting(ctx context.Context, term string, sids ...string) error {
	for i, sid := range sids {
		if err := r.rdb.ZAdd(ctx, r.legacyTermKey(term), redis.Z{Score: float64(len(sids) - i), Member: sid}).Err(); err != nil {
			return err
		}
	}
	return r.rdb.Expire(ctx, r.legacyTermKey(term), r.retention).Err()
}

const PostingInline, PostingFields, PostingCap = postingInline, postingFields, postingCap

// SpillFirstField posts sid as a Parallax from before a list took more than one
// field did, to a list whose first field is full: it moves that field's stories
// and sid to the term's own key, and leaves the other fields.
func (r *Redis) SpillFirstField(ctx context.Context, term, sid string) error {
	entries := parseField(r.rdb.HGet(ctx, r.bucketKey(term), term).Val())
	zs := []redis.Z{{Score: float64(entries[0].tick + 1), Member: sid}}
	for _, e := range entries {
		zs = append(zs, redis.Z{Score: float64(e.tick), Member: e.sid})
	}
	pipe := r.rdb.TxPipeline() // one slot: the bucket's
	pipe.ZAdd(ctx, r.spillKey(term), zs...)
	pipe.HDel(ctx, r.bucketKey(term), term)
	_, err := pipe.Exec(ctx)
	return err
}

// PostingFieldValues are the values of the bucket fields term's list may take
// ("" for one absent), its own first.
func (r *Redis) PostingFieldValues(ctx context.Context, term string) []string {
	vals := r.rdb.HMGet(ctx, r.bucketKey(term), postingFieldNames(term)...).Val()
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = str(v)
	}
	return out
}

var DocField = dfField

// DocFreqFields lists the fields of the current window's document-frequency
// buckets.
func (r *Redis) DocFreqFields(ctx context.Context) ([]string, error) {
	var out []string
	epoch := r.epoch(time.Now())
	for b := range uint32(dfBuckets) {
		fs, err := r.rdb.HKeys(ctx, r.docFreqKey(epoch, b)).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// AddLegacyDocFreq counts n documents for term in the current window as Parallax
// did before long terms' fields were digests: under the term itself.
func (r *Redis) AddLegacyDocFreq(ctx context.Context, term string, n int64) error {
	return r.rdb.HIncrBy(ctx, r.docFreqKey(r.epoch(time.Now()), dfBucket(term)), term, n).Err()
}

// MaxInlineMembers is how many members a story holds in its hash before they move
// to a member set of their own (see membersLua).
var MaxInlineMembers, _ = strconv.Atoi(maxInlineMembers)

// MemberLayout returns how many members a story holds in its hash and in its
// member set.
func (r *Redis) MemberLayout(ctx context.Context, sid string) (inline, set int, err error) {
	fields, err := r.rdb.HGetAll(ctx, r.storyKey(sid)).Result()
	if err != nil {
		return 0, 0, err
	}
	n, err := r.rdb.ZCard(ctx, r.storyArticlesKey(sid)).Result()
	return len(inlineMembers(fields)), int(n), err
}

// MoveMembersToSet moves the members a story holds in its hash to its member set,
// the first k of them by id (all: k < 0), as a Parallax before members were kept
// in the hash (all) or one of then adding during an upgrade (some) left them.
func (r *Redis) MoveMembersToSet(ctx context.Context, sid string, k int) error {
	fields, err := r.rdb.HGetAll(ctx, r.storyKey(sid)).Result()
	if err != nil {
		return err
	}
	inline := inlineMembers(fields)
	slices.SortFunc(inline, func(a, b redis.Z) int { return strings.Compare(str(a.Member), str(b.Member)) })
	if k >= 0 {
		inline = inline[:min(k, len(inline))]
	}
	pipe := r.rdb.TxPipeline() // one slot: the story's
	for _, z := range inline {
		pipe.HDel(ctx, r.storyKey(sid), "="+str(z.Member))
		pipe.ZAdd(ctx, r.storyArticlesKey(sid), z)
	}
	pipe.HIncrBy(ctx, r.storyKey(sid), "k", -int64(len(inline)))
	_, err = pipe.Exec(ctx)
	return err
}
