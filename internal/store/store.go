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
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
)

// Defaults and bounds.
const (
	// DefaultPrefix puts every key into one Redis Cluster hash slot (see keys.go).
	DefaultPrefix = "{px}:"
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
	// address, or cluster=true, means Redis Cluster) and master_name=NAME (Sentinel:
	// the addresses are the sentinels). Empty starts the embedded store.
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
	rdb           redis.UniversalClient
	prefix        string
	retention     time.Duration
	observe       func(op string, d time.Duration, err error)
	log           *slog.Logger
	embedded      *embedded // nil when talking to an external Redis
	addScript     *redis.Script
	aliasScript   *redis.Script
	indexedScript *redis.Script
	flushDFScript *redis.Script
	detachScript  *redis.Script
	attachScript  *redis.Script
	df            *docFreqs
	stopFlush     chan struct{}
	flushDone     chan struct{}
	closeOnce     sync.Once
	// warned holds the kinds of stored values already reported as unreadable.
	warned sync.Map

	// storyByArticleScript and cache serve indexed lookups (articlestory.go).
	storyByArticleScript *redis.Script
	cache                *lookupCache

	// fragmentsScript counts outlets' boilerplate (fragments.go).
	fragmentsScript *redis.Script
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
		prefix:        opts.Prefix,
		retention:     opts.Retention,
		observe:       opts.Observe,
		log:           opts.Logger,
		addScript:     redis.NewScript(addArticleScript),
		aliasScript:   redis.NewScript(addAliasScript),
		indexedScript: redis.NewScript(articlesIndexedScript),
		flushDFScript: redis.NewScript(flushDocFreqScript),
		detachScript:  redis.NewScript(detachScript),
		attachScript:  redis.NewScript(attachScript),
		df:            newDocFreqs(),
		stopFlush:     make(chan struct{}),
		flushDone:     make(chan struct{}),

		storyByArticleScript: redis.NewScript(storyByArticleScript),
		cache:                newLookupCache(),

		fragmentsScript: redis.NewScript(fragmentsScript),
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
		return r, nil
	}
	uopts, err := parseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	r.rdb = redis.NewUniversalClient(uopts)
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
	q.Del("addr")
	q.Del("master_name")
	q.Del("cluster")
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
		DialTimeout:   2 * time.Second,
		ReadTimeout:   3 * time.Second,
		WriteTimeout:  3 * time.Second,
		// go-redis retries a failed command this many times; keep it low so a dead
		// Redis turns into a fast 503 instead of a slow one.
		MaxRetries: 1,
	}, nil
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

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) (err error) {
	defer r.track("ping", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return r.wrap("ping", r.rdb.Ping(ctx).Err())
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
func StoryIDFor(canonicalURL string) string { return "s" + ArticleID(canonicalURL) }

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
	iter := r.rdb.Scan(ctx, 0, escapeGlob(r.prefix)+"*", purgeBatch).Iterator()
	batch := make([]string, 0, purgeBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// One key per DEL: on Cluster a multi-key DEL must stay in one slot, which
		// the hash tag guarantees, but a custom prefix without one would not.
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
				return r.wrap("purge", err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return r.wrap("purge", err)
	}
	return r.wrap("purge", flush())
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

// UsedMemory returns Redis's used_memory (INFO memory), for benchmarks.
func (r *Redis) UsedMemory(ctx context.Context) (n int64, err error) {
	info, err := r.rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, r.wrap("info", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("store: info: no used_memory")
}
