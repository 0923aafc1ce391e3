package store

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
)

// Document frequencies are read and counted on every article, a few hundred terms
// each, which made them most of Redis's work per article. So each process keeps
// them in memory: a term's count is read from Redis once and refreshed after
// dfRefresh, the process's own increments are counted at once in memory and written
// to Redis in batches every dfFlushEvery (and on Close). Another replica's counts
// reach this one within dfRefresh; weights a minute stale match the same stories.
// A crash loses at most one flush period of counts, which only shifts weights.
const (
	dfRefresh    = time.Minute
	dfFlushEvery = time.Second
	// dfCacheMax bounds the terms held; past it the cache starts over (the pending
	// increments are kept). A month of news has a few hundred thousand terms.
	dfCacheMax = 500_000
	// dfFlushBatch bounds the increments sent in one script call.
	dfFlushBatch = 4096
)

// flushDocFreqScript adds counts to the df buckets. KEYS: the total key, then the
// bucket keys. ARGV: ttl ms, total increment, then triples (bucket index, term, n).
const flushDocFreqScript = `
local ttl = ARGV[1]
if tonumber(ARGV[2]) > 0 then
  redis.call('INCRBY', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
for i = 3, #ARGV, 3 do
  local k = KEYS[1 + tonumber(ARGV[i])]
  if redis.call('HINCRBY', k, ARGV[i + 1], ARGV[i + 2]) == tonumber(ARGV[i + 2]) then redis.call('PEXPIRE', k, ttl) end
end
return 1
`

type dfEntry struct {
	n       int64
	fetched time.Time
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
	pending      map[string]int64 // increments not yet written, current epoch
	pendingTotal int64
}

func newDocFreqs() *docFreqs {
	return &docFreqs{terms: map[string]dfEntry{}, pending: map[string]int64{}}
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
		if !cached || now.Sub(e.fetched) >= dfRefresh {
			g.missing = append(g.missing, t)
		}
		if n > 0 {
			counts[t] = n
		}
	}
	g.needTotal = now.Sub(df.totalFetched) >= dfRefresh
	g.DocFreq = stories.DocFreq{Docs: df.total, Counts: counts}
	return g
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
		df.terms[t] = dfEntry{n: n, fetched: now}
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
	df.totalFetched = now
	changed = changed || d.Docs != df.total
	d.Docs = df.total
	return changed
}

// docFreqRead builds the script call that reads counts summed over the current and
// previous window: total first, then one per term.
func (r *Redis) docFreqRead(epoch int64, terms []string) (keys []string, args []any) {
	keys = []string{r.docTotalKey(epoch), r.docTotalKey(epoch - 1)}
	buckets, index := groupBuckets(terms)
	for _, b := range buckets {
		keys = append(keys, r.docFreqKey(epoch, b), r.docFreqKey(epoch-1, b))
	}
	args = make([]any, 0, 2*len(terms))
	for i, t := range terms {
		args = append(args, index[i], t)
	}
	return keys, args
}

// groupBuckets groups terms by their document-frequency bucket, as the scripts
// take them: buckets lists each bucket once, in order of first appearance, and
// index[i] is the 1-based position of terms[i]'s bucket in it.
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

// readDocFreqScript returns the document total of both windows, then each term's
// count over both. KEYS: the two totals, then per bucket its current and previous
// window. ARGV: pairs (bucket index, term).
const readDocFreqScript = `
local out = {tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(redis.call('GET', KEYS[2]) or '0')}
for i = 1, #ARGV, 2 do
  local b = 1 + 2 * tonumber(ARGV[i])
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[b], ARGV[i + 1]) or '0') + tonumber(redis.call('HGET', KEYS[b + 1], ARGV[i + 1]) or '0')
end
return out
`

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
}

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
	totalLeft := total
	defer func() {
		if err != nil { // put back what was not written, for the next try
			df.mu.Lock()
			for t, n := range pending {
				df.pending[t] += n
			}
			df.pendingTotal += totalLeft
			df.mu.Unlock()
		}
	}()
	terms := make([]string, 0, len(pending))
	for t := range pending {
		terms = append(terms, t)
	}
	ttl := strconv.FormatInt(2*r.retention.Milliseconds(), 10)
	for start := 0; start < len(terms) || total > 0; start += dfFlushBatch {
		batch := terms[start:min(start+dfFlushBatch, len(terms))]
		keys := []string{r.docTotalKey(epoch)}
		args := []any{ttl, total}
		total = 0
		buckets, index := groupBuckets(batch)
		for _, b := range buckets {
			keys = append(keys, r.docFreqKey(epoch, b))
		}
		for i, t := range batch {
			args = append(args, index[i], t, pending[t])
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := r.flushDFScript.Run(cctx, r.rdb, keys, args...).Err()
		cancel()
		if err != nil {
			return r.wrap("flush document frequencies", err)
		}
		for _, t := range batch {
			delete(pending, t)
		}
		totalLeft = 0
	}
	return nil
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
			if err := r.flushDocFreq(context.Background()); err != nil {
				r.log.Warn("writing document frequencies failed; will retry", "err", err)
			}
		}
	}
}
