package store

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// Document frequencies are read and counted on every article, a few hundred terms
// each, which made them most of Redis's work per article. So each process keeps
// them in memory: a term's count is read from Redis once and refreshed after
// dfRefresh, the process's own increments are counted at once in memory and written
// to Redis in batches every dfFlushEvery (and on Close). Another replica's counts
// reach this one within dfRefresh, or sooner while the index grows fast: a count
// is read again once the process has seen the documents grow by dfGrowth since
// (its own adds, or the total it reads), and the pending counts are written as
// soon as they reach dfGrowth of the total. A minute of a large index's counts
// changes no weight that matters; a minute of a young one's is most of it. Two
// writers replaying the gun-violence stream at 250 articles a second onto a
// cluster matched with a pairwise F1 of 0.742–0.772 where one writer reaches
// 0.789 while only the minute and the second's flush bounded staleness (each
// writer saw little more than its own half of the counts), and 0.783–0.785 with
// the growth bounds (server's TestTwoWritersOnCluster). A crash loses at most one
// flush period of counts, which only shifts weights.
const (
	dfRefresh    = time.Minute
	dfGrowth     = 0.02
	dfFlushEvery = time.Second
	// dfCacheMax bounds the terms held; past it the cache starts over (the pending
	// increments are kept). A month of news has a few hundred thousand terms.
	dfCacheMax = 500_000
	// dfFlushBatch bounds the increments sent in one pipeline.
	dfFlushBatch = 4096
)

// The counts live in dfBuckets bucket keys and a total per window, each of its
// own slot on a Redis Cluster (keys.go), so a flush is one script call per key
// written, all queued on one pipeline: each key's increments and its TTL are
// atomic, and the keys are independent of each other (a reader sums whatever each
// holds), so a flush that fails part way leaves each key either counted or not,
// and only the keys not counted go back to pending for the next flush.

// flushBucketScript adds counts to one bucket of a window, and sets the bucket's
// TTL when it gains a term (so, from the bucket's first term, as keys.go says, and
// renewed by later new terms). KEYS: 1 the bucket. ARGV: 1 TTL ms, then pairs
// (term, n).
const flushBucketScript = `
for i = 2, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) == tonumber(ARGV[i + 1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
end
return 1
`

// flushTotalScript adds to a window's document total and renews its TTL. KEYS: 1
// the total. ARGV: 1 TTL ms, 2 the increment.
const flushTotalScript = `
redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`

type dfEntry struct {
	n       int64
	fetched time.Time
	docs    int64 // the process's document total when it was read
}

// docFreqs is the process's document-frequency cache.
type docFreqs struct {
	// flushing is held for writing while a flush moves counts from pending to Redis,
	// and for reading while a view reads counts from Redis: a read never sees a
	// count in neither place (gone from pending, not yet in Redis) or in both.
	flushing sync.RWMutex

	mu           sync.Mutex
	epoch        int64
	terms        map[string]dfEntry
	total        int64 // documents, as last read plus local adds
	totalFetched time.Time
	totalRead    int64            // total as it was when last read
	pending      map[string]int64 // increments not yet written, current epoch
	pendingTotal int64
	// due wakes the flusher before its tick when the pending documents reach
	// dfGrowth of the total: what other writers would otherwise miss.
	due chan struct{}
}

func newDocFreqs() *docFreqs {
	return &docFreqs{terms: map[string]dfEntry{}, pending: map[string]int64{}, due: make(chan struct{}, 1)}
}

// Guess is what this process holds of the document frequencies of an article's
// terms, before asking Redis: GuessDocFreq takes it, View completes it.
type Guess struct {
	// DocFreq holds the counts: cached however old, or the process's own unflushed
	// counts for terms it has not cached. The matcher picks the lookup terms it
	// expects with them, so that View reads their posting lists in the same round
	// trip; the matching decision itself uses the counts View returns.
	DocFreq   stories.DocFreq
	epoch     int64
	at        time.Time
	missing   []string // not cached, or cached dfRefresh ago or longer: View reads them
	needTotal bool     // the document total too
}

// GuessDocFreq returns the process's document frequencies for terms and notes which
// of them View must read from Redis.
func (r *Redis) GuessDocFreq(terms []string) Guess {
	now := time.Now()
	g := Guess{epoch: r.epoch(now), at: now}
	df := r.df
	df.mu.Lock()
	defer df.mu.Unlock()
	if df.epoch != g.epoch {
		// A new window: counts start over (the store keeps the previous window too,
		// and reading sums both, so refetch everything).
		df.terms, df.totalFetched, df.epoch = map[string]dfEntry{}, time.Time{}, g.epoch
	}
	counts := make(map[string]int64, len(terms))
	for _, t := range terms {
		n := df.pending[t]
		e, cached := df.terms[t]
		if cached {
			n = e.n
		}
		if !cached || now.Sub(e.fetched) >= dfRefresh || grown(e.docs, df.total) {
			g.missing = append(g.missing, t)
		}
		if n > 0 {
			counts[t] = n
		}
	}
	g.needTotal = now.Sub(df.totalFetched) >= dfRefresh || grown(df.totalRead, df.total)
	g.DocFreq = stories.DocFreq{Docs: df.total, Counts: counts}
	return g
}

// grown reports whether the documents grew by more than dfGrowth from then to now
// (at least one document: a young index's every add counts).
func grown(then, now int64) bool {
	return float64(now-then) > max(dfGrowth*float64(then), 1)
}

// storeDocFreq records counts read from Redis for missing (fetched[i] for
// missing[i]) and the document total, adding the process's unflushed increments,
// and writes them into d; changed reports whether any differed from d's.
func (r *Redis) storeDocFreq(missing []string, fetched []int64, fetchedTotal int64, now time.Time, d *stories.DocFreq) (changed bool) {
	df := r.df
	df.mu.Lock()
	defer df.mu.Unlock()
	if len(df.terms) > dfCacheMax {
		df.terms = map[string]dfEntry{}
	}
	for i, t := range missing {
		n := fetched[i] + df.pending[t] // Redis does not have our unflushed adds yet
		df.terms[t] = dfEntry{n: n, fetched: now, docs: fetchedTotal + df.pendingTotal}
		if n != d.Counts[t] {
			changed = true
			if n > 0 {
				d.Counts[t] = n
			} else {
				delete(d.Counts, t)
			}
		}
	}
	df.total = fetchedTotal + df.pendingTotal
	df.totalFetched, df.totalRead = now, df.total
	changed = changed || d.Docs != df.total
	d.Docs = df.total
	return changed
}

// docFreqRead queues on pipe the reads of the document totals of the current and
// previous window and of terms' counts in both: plain reads of single keys (the
// buckets and totals are of many slots on a Redis Cluster), one HMGET per bucket
// and window. Its result, once pipe has run, is the total of both windows and
// each term's count over both.
func (r *Redis) docFreqRead(ctx context.Context, pipe redis.Pipeliner, epoch int64, terms []string) func() (total int64, counts []int64) {
	totals := [2]*redis.StringCmd{pipe.Get(ctx, r.docTotalKey(epoch)), pipe.Get(ctx, r.docTotalKey(epoch-1))}
	buckets, index := groupBuckets(terms)
	fields := make([][]string, len(buckets))
	// at[i] is the position of terms[i]'s field in its bucket's fields, and
	// legacy[i] that of the long term itself as a field (see dfField), or -1.
	at, legacy := make([]int, len(terms)), make([]int, len(terms))
	for i, t := range terms {
		b := index[i] - 1
		at[i], legacy[i] = len(fields[b]), -1
		f := dfField(t)
		fields[b] = append(fields[b], f)
		if f != t {
			legacy[i] = len(fields[b])
			fields[b] = append(fields[b], t)
		}
	}
	reads := make([][2]*redis.SliceCmd, len(buckets))
	for j, b := range buckets {
		reads[j] = [2]*redis.SliceCmd{pipe.HMGet(ctx, r.docFreqKey(epoch, b), fields[j]...), pipe.HMGet(ctx, r.docFreqKey(epoch-1, b), fields[j]...)}
	}
	return func() (int64, []int64) {
		var total int64
		for _, c := range totals {
			n, _ := strconv.ParseInt(c.Val(), 10, 64)
			total += n
		}
		counts := make([]int64, len(terms))
		for i := range terms {
			for _, c := range reads[index[i]-1] {
				vs := c.Val()
				for _, pos := range [2]int{at[i], legacy[i]} {
					if pos >= 0 && pos < len(vs) {
						n, _ := strconv.ParseInt(str(vs[pos]), 10, 64)
						counts[i] += n
					}
				}
			}
		}
		return total, counts
	}
}

// A bucket's field is the term itself while it is short, and a digest of it past
// dfFieldMax bytes: names, numbers with their units and quotes run long (12 bytes
// on average on the gun-violence stream, a quarter of them over 17), and the
// fields' names were most of the buckets' bytes. A digest is dfDigestMark and 48
// bits of FNV-1a in base64url, dfFieldMax bytes in all, so it is never longer
// than a term kept as it is. Two long terms that share a digest share a count,
// which moves a weight, not a decision: the odds that any two do are about one in
// a hundred at two million long terms in a window. Fields written before the
// digests (long terms as they are) are read beside them until their windows
// expire, two retention periods after the upgrade.
const (
	dfFieldMax   = 9
	dfDigestMark = "\x1f"
)

// dfField is term's field in its document-frequency bucket.
func dfField(term string) string {
	if len(term) <= dfFieldMax {
		return term
	}
	// FNV-1a written out: it runs for every long term a view reads or a flush
	// writes, and hash/fnv's interface and the []byte copy allocated each time.
	h := uint64(14695981039346656037)
	for i := 0; i < len(term); i++ {
		h = (h ^ uint64(term[i])) * 1099511628211
	}
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], h)
	return dfDigestMark + base64.RawURLEncoding.EncodeToString(sum[:6])
}

// groupBuckets groups terms by their document-frequency bucket: buckets lists
// each bucket once, in order of first appearance, and index[i] is the 1-based
// position of terms[i]'s bucket in it.
func groupBuckets(terms []string) (buckets []uint32, index []int) {
	index = make([]int, len(terms))
	pos := map[uint32]int{}
	for i, t := range terms {
		b := dfBucket(t)
		p, ok := pos[b]
		if !ok {
			buckets = append(buckets, b)
			p = len(buckets)
			pos[b] = p
		}
		index[i] = p
	}
	return buckets, index
}

// countDocument adds one document with these terms to the counts, in memory; the
// next flush writes it.
func (r *Redis) countDocument(terms []string) {
	df := r.df
	df.mu.Lock()
	defer df.mu.Unlock()
	for _, t := range terms {
		df.pending[t]++
		if e, ok := df.terms[t]; ok {
			e.n++
			df.terms[t] = e
		}
	}
	df.pendingTotal++
	df.total++
	if grown(df.total-df.pendingTotal, df.total) {
		select {
		case df.due <- struct{}{}:
		default: // a flush is due already
		}
	}
}

// FlushDocFreq writes the document frequencies counted since the last flush, as
// Close does: for a caller that measures the index before it closes the store.
func (r *Redis) FlushDocFreq(ctx context.Context) error { return r.flushDocFreq(ctx) }

// flushDocFreq writes the pending increments.
func (r *Redis) flushDocFreq(ctx context.Context) (err error) {
	df := r.df
	df.flushing.Lock()
	defer df.flushing.Unlock()
	df.mu.Lock()
	pending, total, epoch := df.pending, df.pendingTotal, r.epoch(time.Now())
	// The next second's increments come in about as many terms: sized so, the map
	// does not grow again from empty on the hot path of every add.
	df.pending, df.pendingTotal = make(map[string]int64, len(pending)), 0
	df.mu.Unlock()
	if len(pending) == 0 && total == 0 {
		return nil
	}
	defer r.track("flush_doc_freq", time.Now(), &err)
	terms := make([]string, 0, len(pending))
	for t := range pending {
		terms = append(terms, t)
	}
	ttl := strconv.FormatInt(2*r.retention.Milliseconds(), 10)
	for start := 0; start < len(terms) || total > 0; start += dfFlushBatch {
		batch := terms[start:min(start+dfFlushBatch, len(terms))]
		var calls []dfCall
		if total > 0 {
			calls = append(calls, dfCall{script: r.flushTotalScript, key: r.docTotalKey(epoch), args: []any{ttl, total}})
		}
		buckets, index := groupBuckets(batch)
		byBucket := make([][]string, len(buckets))
		for i, t := range batch {
			byBucket[index[i]-1] = append(byBucket[index[i]-1], t)
		}
		for j, b := range buckets {
			args := make([]any, 0, 1+2*len(byBucket[j]))
			args = append(args, ttl)
			for _, t := range byBucket[j] {
				args = append(args, dfField(t), pending[t])
			}
			calls = append(calls, dfCall{script: r.flushBucketScript, key: r.docFreqKey(epoch, b), args: args, terms: byBucket[j]})
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		failed := r.runCounts(cctx, calls)
		cancel()
		if len(failed) == 0 {
			total = 0
			continue
		}
		// Put back what was not written, for the next flush: a call that failed
		// with a reply changed nothing (a script runs whole or not at all), one
		// that ran is not sent again. A call whose reply was lost (a timeout) may
		// have run, and is counted twice then, which only shifts weights. The
		// batches not sent yet go back whole: a Redis that failed one is not
		// asked again until the next flush.
		df.mu.Lock()
		var cause error
		for _, c := range calls {
			err := failed[c.key]
			if err == nil {
				continue
			}
			cause = err
			if c.terms == nil {
				df.pendingTotal += total
			}
			for _, t := range c.terms {
				df.pending[t] += pending[t]
			}
		}
		for _, t := range terms[min(start+dfFlushBatch, len(terms)):] {
			df.pending[t] += pending[t]
		}
		df.mu.Unlock()
		return r.wrap("flush document frequencies", cause)
	}
	return nil
}

// dfCall is one key's script call of a flush: terms are the terms it counts (nil
// for the document total).
type dfCall struct {
	script *redis.Script
	key    string
	args   []any
	terms  []string
}

// runCounts runs calls on one pipeline and returns the error of each call that
// did not run, by key. It does not replay the whole pipeline on NOSCRIPT as
// execScripts does: an increment is not idempotent, so only the calls that found
// their script missing (a node that restarted, a replica promoted) are sent again,
// once, after loading the scripts.
func (r *Redis) runCounts(ctx context.Context, calls []dfCall) map[string]error {
	failed := map[string]error{}
	pending := calls
	for attempt := range 2 {
		pipe := r.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(pending))
		for i, c := range pending {
			cmds[i] = c.script.EvalSha(ctx, pipe, []string{c.key}, c.args...)
		}
		pipe.Exec(ctx) // each command's error is read below
		var again []dfCall
		for i, c := range cmds {
			err := c.Err()
			switch {
			case err == nil:
				delete(failed, pending[i].key)
			case attempt == 0 && redis.HasErrorPrefix(err, "NOSCRIPT"):
				again = append(again, pending[i])
				failed[pending[i].key] = err
			default:
				failed[pending[i].key] = err
			}
		}
		if len(again) == 0 {
			break
		}
		if err := r.loadScripts(ctx); err != nil {
			for _, c := range again {
				failed[c.key] = err
			}
			break
		}
		pending = again
	}
	return failed
}

// runDocFreqFlusher flushes every dfFlushEvery until stop is closed.
func (r *Redis) runDocFreqFlusher(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(dfFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-r.df.due:
		}
		if err := r.flushDocFreq(context.Background()); err != nil {
			r.log.Warn("writing document frequencies failed; will retry", "err", err)
			// A failing Redis is retried on the tick, not on every add.
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}
}
