// Package store is Parallax's index of articles and stories, kept in Redis through
// go-redis v9. It is the only package that talks to Redis. Every key has a TTL and
// the key scheme is documented in keys.go. Writes that touch several keys run as one
// Lua script, so concurrent server replicas never lose an article or split a story
// by race. With no Redis URL configured, Open starts an embedded in-process Redis
// (miniredis) that is snapshotted to disk, so a bare machine needs nothing else.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrUnavailable means Redis did not answer (down, unreachable, timed out).
	ErrUnavailable = errors.New("store: unavailable")
	// ErrTimeout means a call timed out: it also wraps ErrUnavailable, but a
	// timeout while the connection stands is most often this process or Redis
	// overloaded rather than Redis gone, and is answered as "busy".
	ErrTimeout = errors.New("store: timed out")
	// ErrNotFound means the story or article is not in the index (never added, or expired).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means another writer changed the story, or created a story, since the
	// matcher read the index; the caller matches again.
	ErrConflict = errors.New("store: conflict")
	// ErrConfig means the options are invalid.
	ErrConfig = errors.New("store: invalid configuration")
	// ErrNotDurable means the embedded store cannot write its snapshot: it works,
	// but a restart would lose what changed since the last one written.
	ErrNotDurable = errors.New("store: snapshots failing")
	// ErrClusterDown means a Redis Cluster cannot serve every hash slot: a master
	// does not answer, or the cluster reports cluster_state:fail (a master is
	// down and no replica has taken over yet). It wraps ErrUnavailable.
	ErrClusterDown = fmt.Errorf("store: a cluster hash slot has no reachable master: %w", ErrUnavailable)
)

// Defaults and bounds.
const (
	// DefaultPrefix holds no hash tag, so that each key's own tag decides its slot
	// and the index spreads over a Redis Cluster (see keys.go).
	DefaultPrefix = "px:"
	// DefaultRetention is how long stories and articles live after their last activity.
	DefaultRetention = 30 * 24 * time.Hour
	// callTimeout bounds one store call: a lookup must fail fast with 503 when Redis
	// hangs rather than pile up requests.
	callTimeout = 5 * time.Second
	// postingCap is how many stories a term's posting list keeps: the newest ones.
	// Matching only needs recent stories, and a bounded list keeps the cost of finding
	// candidates independent of the size of the index. Matching reads the newest
	// postingsPerTerm; the rest is a margin for stories that expired while listed
	// (a story that was cut rejoins the top when it is next updated).
	postingCap = 48
	// postingsPerTerm is how many of a term's newest stories are read per lookup term.
	postingsPerTerm = 32
	// maxCandidates bounds the stories scored for one article.
	maxCandidates = 24
	// MaxStoryArticles bounds the articles a story read returns (the newest).
	MaxStoryArticles = 500
	// refreshMembers is how many of a story's newest articles get their TTL renewed
	// (once per tenth of the retention, see the add script); older ones may expire
	// first, which drops the oldest coverage of a huge story rather than making a
	// renewal cost O(story size).
	refreshMembers = 500
)

// Options configures Open.
type Options struct {
	// URL of the Redis server: redis://[user:password@]host:port[/db] or rediss://
	// (TLS). Extra query parameters: addr=host:port (repeatable; more than one
	// address, or cluster=true, means Redis Cluster, the addresses being seeds) and
	// master_name=NAME (Sentinel: the addresses are the sentinels, and
	// sentinel_username / sentinel_password their own credentials, the URL's being
	// the data nodes'). Empty starts the embedded store.
	URL string
	// Prefix of every key; DefaultPrefix when empty.
	Prefix string
	// Retention of stories and articles after their last activity; DefaultRetention when 0.
	Retention time.Duration
	// DataDir holds the embedded store's snapshot. Ignored with a URL.
	DataDir string
	// SnapshotEvery is the embedded store's checkpoint period, the most a crash
	// loses; DefaultSnapshotEvery when 0.
	SnapshotEvery time.Duration
	// OnSnapshot, when set, is told of every checkpoint of the embedded store.
	OnSnapshot func(SnapshotEvent)
	// Ephemeral keeps the embedded store in memory only: no snapshot is read or
	// written (batch jobs that start from an empty index). Ignored with a URL.
	Ephemeral bool
	// Logger receives the store's own messages (snapshots); slog.Default() when nil.
	Logger *slog.Logger
	// Observe, when set, is called after every store call with its name, duration and
	// error, for metrics.
	Observe func(op string, d time.Duration, err error)
}

// Redis is the index. It is safe for concurrent use.
type Redis struct {
	rdb              redis.UniversalClient
	prefix           string
	retention        time.Duration
	observe          func(op string, d time.Duration, err error)
	log              *slog.Logger
	embedded         *embedded // nil when talking to an external Redis
	claimScript      *redis.Script
	finishScript     *redis.Script
	storyAddScript   *redis.Script
	aliasStoryScript *redis.Script
	// moves are the steps of Detach, Attach and MergeStories (move.go).
	moves     moveScripts
	df        *docFreqs
	stopFlush chan struct{}
	flushDone chan struct{}
	closeOnce sync.Once
	// warned holds the kinds of stored values already reported as unreadable.
	warned sync.Map

	// storyReadScript and cache serve indexed lookups (articlestory.go).
	storyReadScript *redis.Script
	cache           *lookupCache

	// pack packs article records and centroids (packing.go).
	pack *packing

	// depths bound what a listing shard keeps (see listScript): recentDepth and
	// coverageDepth, smaller in tests.
	depths listingDepths

	// fragmentsScript counts outlets' boilerplate (fragments.go).
	fragmentsScript *redis.Script

	// flushBucketScript and flushTotalScript write the document counts, one key
	// per call (docfreq.go).
	flushBucketScript *redis.Script
	flushTotalScript  *redis.Script

	// postScript and listScript are steps of cross-slot writes, queued on
	// pipelines (shard.go).
	postScript    *redis.Script
	unpostScript  *redis.Script
	listScript    *redis.Script
	guardScript   *redis.Script
	unguardScript *redis.Script
}

// unreadable reports, once per kind of value per process, that the index holds
// values this process cannot read and skips: during a rolling deploy a newer
// server's writes, after a downgrade the data the newer one left.
func (r *Redis) unreadable(kind, why string) {
	if _, seen := r.warned.LoadOrStore(kind, true); seen {
		return
	}
	r.log.Warn("the index holds a "+kind+" this server cannot read; skipping such values until they are rewritten or expire (see README, Upgrading)",
		"kind", kind, "reason", why)
}

// Open connects to Redis, or starts the embedded store when opts.URL is empty. It
// does not fail when an external Redis is down: the server starts, /readyz reports
// it, and calls fail with ErrUnavailable until Redis answers.
func Open(ctx context.Context, opts Options) (*Redis, error) {
	r := &Redis{
		prefix:           opts.Prefix,
		retention:        opts.Retention,
		observe:          opts.Observe,
		log:              opts.Logger,
		claimScript:      redis.NewScript(claimScript),
		finishScript:     redis.NewScript(finishScript),
		storyAddScript:   redis.NewScript(storyAddScript),
		aliasStoryScript: redis.NewScript(aliasStoryScript),
		moves:            newMoveScripts(),
		df:               newDocFreqs(),
		stopFlush:        make(chan struct{}),
		flushDone:        make(chan struct{}),

		storyReadScript: redis.NewScript(storyReadScript),
		cache:           newLookupCache(),
		pack:            newPacking(),

		fragmentsScript: redis.NewScript(fragmentsScript),

		flushBucketScript: redis.NewScript(flushBucketScript),
		flushTotalScript:  redis.NewScript(flushTotalScript),

		postScript:    redis.NewScript(postScript),
		unpostScript:  redis.NewScript(unpostScript),
		listScript:    redis.NewScript(listScript),
		depths:        listingDepths{recent: recentDepth, coverage: coverageDepth},
		guardScript:   redis.NewScript(guardScript),
		unguardScript: redis.NewScript(unguardScript),
	}
	if r.prefix == "" {
		r.prefix = DefaultPrefix
	}
	if r.retention == 0 {
		r.retention = DefaultRetention
	}
	if r.retention < time.Minute {
		return nil, fmt.Errorf("%w: retention %s is under a minute", ErrConfig, r.retention)
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.observe == nil {
		r.observe = func(string, time.Duration, error) {}
	}
	if opts.URL == "" {
		emb, uopts, err := startEmbedded(opts.DataDir, opts.SnapshotEvery, opts.Ephemeral, r.log, opts.OnSnapshot)
		if err != nil {
			return nil, err
		}
		r.embedded = emb
		r.rdb = redis.NewUniversalClient(uopts)
		r.rdb.AddHook(gateHook{emb})
		emb.startSnapshots()
		go r.runDocFreqFlusher(r.stopFlush, r.flushDone)
		if err := r.migrateEmbedded(ctx); err != nil {
			r.Close()
			return nil, err
		}
		return r, nil
	}
	uopts, err := parseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	r.rdb = newClient(uopts)
	go r.runDocFreqFlusher(r.stopFlush, r.flushDone)
	return r, nil
}

// parseURL turns a redis:// URL into universal options (single node, Cluster or
// Sentinel).
func parseURL(raw string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: redis URL: %w", ErrConfig, err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("%w: redis URL scheme %q (want redis:// or rediss://)", ErrConfig, u.Scheme)
	}
	q := u.Query()
	extra := q["addr"]
	master := q.Get("master_name")
	cluster := q.Get("cluster") == "true"
	sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
	if master == "" && (sentinelUser != "" || sentinelPassword != "") {
		return nil, fmt.Errorf("%w: redis URL: sentinel_username and sentinel_password need master_name (Sentinel)", ErrConfig)
	}
	for _, k := range []string{"addr", "master_name", "cluster", "sentinel_username", "sentinel_password"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &redis.UniversalOptions{
		Addrs:         append([]string{o.Addr}, extra...),
		DB:            o.DB,
		Username:      o.Username,
		Password:      o.Password,
		TLSConfig:     o.TLSConfig,
		MasterName:    master,
		IsClusterMode: cluster,
		// Sentinels keep credentials of their own (requirepass in sentinel.conf);
		// go-redis does not send the data nodes' to them.
		SentinelUsername: sentinelUser,
		SentinelPassword: sentinelPassword,
		DialTimeout:      2 * time.Second,
		ReadTimeout:      3 * time.Second,
		WriteTimeout:     3 * time.Second,
		// go-redis retries a failed command this many times; keep it low so a dead
		// Redis turns into a fast 503 instead of a slow one.
		MaxRetries: 1,
	}, nil
}

// Redis Cluster client settings: how a dead master's slots are found again.
// go-redis re-reads the slot map only on MOVED/ASK/READONLY replies and every
// ClusterStateReloadInterval (60 s by default), and a dead master answers
// nothing, so with its defaults calls kept dialling the dead node until the next
// periodic reload: TestFailover measured errors for 51 s after the replica's
// promotion. With the settings below, every connection-level error on a node
// re-reads the slot map at once (reloadOnError), and a call retries, with
// backoff, long enough to meet the map that names the new master.
const (
	// clusterReloadEvery bounds how stale the slot map gets when nothing fails.
	clusterReloadEvery = 10 * time.Second
	// clusterAttempts is go-redis's MaxRedirects: the retries of one call (on
	// MOVED/ASK, connection errors, CLUSTERDOWN, TRYAGAIN), the first one against
	// the same node, the next against the node the slot map then names.
	clusterAttempts = 6
	// clusterMinBackoff and clusterMaxBackoff space those retries: attempt n waits
	// between clusterMinBackoff and clusterMinBackoff<<n, at most clusterMaxBackoff,
	// so the six waits add up to under 2 s, well inside callTimeout, and a call that
	// starts while no master serves its slot fails within about 2 s with
	// ErrUnavailable rather than hang. Calls that meet the promotion succeed:
	// TestFailover's errors stopped within 0.6 s of it.
	clusterMinBackoff = 25 * time.Millisecond
	clusterMaxBackoff = 500 * time.Millisecond
)

// newClient builds the go-redis client for parsed URL options: Sentinel when a
// master name is given, Redis Cluster for several addresses or cluster=true, else
// a single server.
func newClient(o *redis.UniversalOptions) redis.UniversalClient {
	switch {
	case o.MasterName != "":
		return redis.NewFailoverClient(o.Failover())
	case o.IsClusterMode || len(o.Addrs) > 1:
		return newClusterClient(o.Cluster())
	}
	return redis.NewClient(o.Simple())
}

// newClusterClient builds a Redis Cluster client that finds a failed-over
// master's replacement within a call or two of its promotion (see the
// constants above).
func newClusterClient(co *redis.ClusterOptions) *redis.ClusterClient {
	co.ClusterStateReloadInterval = clusterReloadEvery
	co.MaxRedirects = clusterAttempts
	co.MinRetryBackoff, co.MaxRetryBackoff = clusterMinBackoff, clusterMaxBackoff
	// Retries belong to the cluster client, which picks the node again from the
	// slot map each time; a node client retrying on its own would dial the dead
	// node twice per attempt. One dial per attempt for the same reason (go-redis
	// dials 5 times, 100 ms apart, by default).
	co.MaxRetries = -1
	co.DialerRetries = 1
	c := redis.NewClusterClient(co)
	c.OnNewNode(func(node *redis.Client) { node.AddHook(reloadOnError{c}) })
	return c
}

// reloadOnError is a hook on every node of a cluster client: a call to the node
// that fails for want of the node (refused, reset, timed out) or of the cluster
// (CLUSTERDOWN, TRYAGAIN) asks the client to re-read the slot map. go-redis does
// that in the background, at most once per 200 ms however many calls ask, so an
// outage costs a few CLUSTER SLOTS per second.
type reloadOnError struct{ c *redis.ClusterClient }

func (h reloadOnError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		// Not for CLUSTER SLOTS itself: the reload's own failure on the dead
		// node would ask for another reload.
		if cmd.Name() != "cluster" && topologyError(ctx, err) {
			h.c.ReloadState(ctx)
		}
		return err
	}
}

func (h reloadOnError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if topologyError(ctx, err) {
			h.c.ReloadState(ctx)
		}
		return err
	}
}

// topologyError reports whether err may mean the slot map is out of date: the
// node is unreachable (refused, reset, or timed out: a dial or read timeout is a
// net.Error, which a dead host behind a firewall gives instead of a refusal) or
// the cluster is reconfiguring. A call that failed because its caller gave up
// (ctx done) says nothing about the node.
func topologyError(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "CLUSTERDOWN") || strings.HasPrefix(msg, "TRYAGAIN")
}

// Close writes the pending document counts, stops the embedded store after a final
// snapshot, and closes the connection.
func (r *Redis) Close() error {
	var errs []error
	r.closeOnce.Do(func() {
		close(r.stopFlush)
		<-r.flushDone
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		errs = append(errs, r.flushDocFreq(ctx))
		cancel()
		if r.embedded != nil {
			errs = append(errs, r.embedded.close())
		}
		errs = append(errs, r.rdb.Close())
	})
	return errors.Join(errs...)
}

// Embedded reports whether this is the in-process store.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Snapshot writes a checkpoint of the embedded store now: a new base snapshot when
// full is set, else the changes since the last checkpoint. It is a no-op on an
// external Redis.
func (r *Redis) Snapshot(full bool) error {
	if r.embedded == nil {
		return nil
	}
	return r.embedded.checkpoint(full)
}

// Durable is nil when the store keeps what it is given: always on an external Redis
// (whose persistence is its operator's business); for the embedded store, when its
// last checkpoint succeeded. /readyz reports it.
func (r *Redis) Durable() error {
	if r.embedded == nil {
		return nil
	}
	if err := r.embedded.health(); err != nil {
		return fmt.Errorf("%w: a restart would lose the changes since the last one: %w", ErrNotDurable, err)
	}
	return nil
}

// Ping checks that Redis answers. On a Redis Cluster it asks every master the
// client routes to for CLUSTER INFO: one that does not answer, or a cluster that
// is not cluster_state:ok, is ErrClusterDown. A PING would reach any one node and
// say nothing of the slots the others serve.
func (r *Redis) Ping(ctx context.Context) (err error) {
	defer r.track("ping", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	c, ok := r.rdb.(*redis.ClusterClient)
	if !ok {
		return r.wrap("ping", r.rdb.Ping(ctx).Err())
	}
	var masters atomic.Int32
	err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		masters.Add(1)
		info, err := node.ClusterInfo(ctx).Result()
		if err != nil {
			if ctx.Err() != nil {
				return err // the caller's deadline: a slow answer, not a dead master
			}
			return fmt.Errorf("%w: master %s: %w", ErrClusterDown, node.Options().Addr, err)
		}
		if state := infoField(info, "cluster_state"); state != "ok" {
			return fmt.Errorf("%w: master %s reports cluster_state:%s", ErrClusterDown, node.Options().Addr, state)
		}
		return nil
	})
	if err == nil && masters.Load() == 0 {
		// A slot map without masters (a cluster not yet set up, or read from a
		// node that lost its slots): nothing would fail on its own to ask for a
		// fresh one before the periodic reload.
		c.ReloadState(ctx)
		err = fmt.Errorf("%w: no master serves any slot", ErrClusterDown)
	}
	if errors.Is(err, ErrClusterDown) {
		return fmt.Errorf("store: ping: %w", err)
	}
	return r.wrap("ping", err)
}

// infoField reads one field of an INFO-style reply (lines of name:value).
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// Prefix returns the key prefix.
func (r *Redis) Prefix() string { return r.prefix }

// Retention returns how long idle stories are kept.
func (r *Redis) Retention() time.Duration { return r.retention }

// track reports a call to the Observe hook.
func (r *Redis) track(op string, start time.Time, err *error) {
	r.observe(op, time.Since(start), *err)
}

// wrap turns a go-redis error into a store error: connection-level failures become
// ErrUnavailable so the server can answer 503.
func (r *Redis) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !isConnectivity(rerr.Error()) {
		// Redis answered with an error: a bug or a misconfigured server, not an outage.
		return fmt.Errorf("store: %s: %w", op, err)
	}
	var nerr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()) {
		return fmt.Errorf("store: %s: %w: %w: %w", op, ErrTimeout, ErrUnavailable, err)
	}
	return fmt.Errorf("store: %s: %w: %w", op, ErrUnavailable, err)
}

// isConnectivity recognises Redis replies that mean "not now" rather than "wrong".
func isConnectivity(msg string) bool {
	for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// ArticleID returns the id under which the article with this canonical URL is kept.
func ArticleID(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// StoryIDFor returns the id a story gets when the article with this canonical URL
// starts it.
func StoryIDFor(canonicalURL string) string { return storyID(canonicalURL) }

// storyID is "s" and the first storyIDChars characters of key's ArticleID. A
// story's id is written wherever the story is: in its keys' names, in every
// posting list it is found by (some twenty), its listings and its articles'
// records. With the whole 16 characters three postings did not fit in a bucket
// field (see postingInline). 65 bits keep ids apart: among 30 million stories
// two share one with odds of about one in eighty thousand, and a new story whose
// id is taken is refused, never merged (storyAddScript). Stories started before
// ids were cut keep their 17 characters; readers take either.
func storyID(key string) string { return "s" + ArticleID(key)[:storyIDChars] }

const storyIDChars = 13

// randomToken returns n random bytes in hex, for the embedded store's password and
// lease tokens.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// purgeBatch bounds the keys deleted per round trip in Purge.
const purgeBatch = 500

// Purge deletes every key under the store's prefix: the whole index. Tests use it
// to leave a shared Redis as they found it.
func (r *Redis) Purge(ctx context.Context) (err error) {
	defer r.track("purge", time.Now(), &err)
	defer r.cache.clear()
	return r.wrap("purge", r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		iter := shard.Scan(ctx, 0, escapeGlob(r.prefix)+"*", purgeBatch).Iterator()
		batch := make([]string, 0, purgeBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			// One key per DEL: on Cluster a multi-key DEL must stay in one slot,
			// which a custom prefix without a hash tag would not. Through the
			// cluster client, so each key goes to the node serving it even if its
			// slot moved since the scan.
			pipe := r.rdb.Pipeline()
			for _, k := range batch {
				pipe.Del(ctx, k)
			}
			batch = batch[:0]
			_, err := pipe.Exec(ctx)
			return err
		}
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == purgeBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}))
}

// forEachShard calls fn with every node that holds a part of the keyspace: each
// master of a Redis Cluster (concurrently), else the one server. Commands without a
// key (SCAN, KEYS, INFO) see only the node they are sent to, and a cluster client
// sends them to any one node.
func (r *Redis) forEachShard(ctx context.Context, fn func(ctx context.Context, shard redis.Cmdable) error) error {
	if c, ok := r.rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	}
	return fn(ctx, r.rdb)
}

// escapeGlob escapes the glob characters of SCAN MATCH patterns, which the default
// prefix's hash-tag braces are not but a custom prefix may contain.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// driverLog adapts slog to go-redis's logger, which reports connection-pool trouble.
type driverLog struct{ log *slog.Logger }

func (d driverLog) Printf(ctx context.Context, format string, v ...any) {
	d.log.Log(ctx, slog.LevelDebug, "redis driver: "+fmt.Sprintf(format, v...))
}

// RouteDriverLogs sends go-redis's own messages (connection retries, which the store
// already reports as errors) to log at debug level instead of standard error. The
// driver's logger is process-wide, so main calls this once.
func RouteDriverLogs(log *slog.Logger) { redis.SetLogger(driverLog{log}) }

// UsedMemory returns Redis's used_memory (INFO memory), for benchmarks: on a
// Redis Cluster, the sum over the masters.
func (r *Redis) UsedMemory(ctx context.Context) (n int64, err error) {
	var mu sync.Mutex
	err = r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		m, err := r.usedMemory(ctx, shard)
		mu.Lock()
		n += m
		mu.Unlock()
		return err
	})
	return n, err
}

// usedMemory returns one server's used_memory.
func (r *Redis) usedMemory(ctx context.Context, shard redis.Cmdable) (int64, error) {
	info, err := shard.Info(ctx, "memory").Result()
	if err != nil {
		return 0, r.wrap("info", err)
	}
	v := infoField(info, "used_memory")
	if v == "" {
		return 0, errors.New("store: info: no used_memory")
	}
	m, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store: info: used_memory: %w", err)
	}
	return m, nil
}
