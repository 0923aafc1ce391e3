package store

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
	"github.com/redis/go-redis/v9"
)

// The embedded store is miniredis, an in-process Redis, listening on loopback behind
// a random password (other local users must not read or write the index). miniredis
// keeps nothing on disk, so the store checkpoints it to DataDir:
//
//   - parallax.snapshot, the base: every key at one moment;
//   - parallax.journal, the checkpoints since: each one holds the keys written
//     since the one before (and tombstones for keys deleted).
//
// Every command miniredis runs, those inside Lua scripts included, passes a hook
// that notes the keys it writes ("dirty"). A checkpoint, every SnapshotEvery
// (PARALLAX_SNAPSHOT_INTERVAL), copies the dirty keys through miniredis's Go API
// while the server goes on, then pauses the store's commands for a moment to copy
// again the keys written during that copy: the checkpoint is then the state at the
// end of the pause, consistent across keys (no half of an article add), and the
// pause lasts as long as copying what changed during one copy takes, not the whole
// keyspace. When the journal outgrows the base, the next checkpoint writes a new
// base the same way and empties the journal. Files are written through fsync (and,
// for the base, a temporary file and rename) and every frame carries a CRC-32C, so a
// crash loses at most the changes since the last checkpoint and a damaged file is
// refused at start, never half loaded. See snapfile.go for the format.

const (
	snapshotFile = "parallax.snapshot"
	journalFile  = "parallax.journal"
	// ttlTick is how often the embedded store's TTLs are counted down.
	ttlTick = 15 * time.Second
	// DefaultSnapshotEvery is the checkpoint period: the most a crash loses. A
	// checkpoint costs what changed since the last one, so a short period costs
	// little (measured at 100k articles: see README).
	DefaultSnapshotEvery = 5 * time.Second
	// pauseKeys is how many written keys a checkpoint copies while the store's
	// commands wait (about 10 µs each); more are copied first in rounds while the
	// store goes on, at most maxRounds of them.
	pauseKeys = 2000
	maxRounds = 4
	// yieldEvery is how many keys a copy reads between two yields to the scheduler.
	yieldEvery = 256
	// minCompact is the journal size below which it is never folded into a new
	// base: rewriting a small base is cheap, but not worth doing every few seconds.
	minCompact = 16 << 20
)

// Checkpoint kinds, for SnapshotEvent.
const (
	CheckpointBase    = "base"
	CheckpointJournal = "journal"
)

// SnapshotEvent describes one checkpoint of the embedded store, for metrics.
type SnapshotEvent struct {
	Kind  string        // CheckpointBase or CheckpointJournal
	Keys  int           // keys written
	Took  time.Duration // the whole checkpoint
	Pause time.Duration // the longest the store's commands waited for it (it pauses them a few times, briefly)
	Bytes int64         // bytes written
	Err   error
}

type embedded struct {
	mr *miniredis.Miniredis
	// srv is mr's command server, kept from the start: miniredis.Server() turns
	// nil once Close begins, while a command already being served (a lookup
	// detached from its caller) still reaches track.
	srv     *server.Server
	dir     string
	every   time.Duration
	log     *slog.Logger
	observe func(SnapshotEvent)

	// gate is held for reading by every command the store sends (see gateHook) and
	// for writing by a checkpoint's pause: while it is held for writing, no command
	// is running, so what a checkpoint copies is one consistent state.
	gate sync.RWMutex

	dmu   sync.Mutex
	dirty map[string]struct{}
	// known holds every key written since the start, restored ones included: a
	// base snapshot lists the keyspace from it, because miniredis lists its keys
	// only sorted, under its lock (180 ms at 250k keys, which every lookup would
	// wait for). Keys that expired or were deleted leave it when a base finds them
	// gone.
	known   map[string]struct{}
	all     bool            // a write the hook could not attribute: copy everything next
	unknown map[string]bool // the commands behind all, for tests

	cmu         sync.Mutex // serialises checkpoints and close
	seq         uint64     // the last checkpoint written
	baseSize    int64
	baseCurrent bool // the base is in the current format (else the next checkpoint rewrites it)
	journal     *os.File
	journalSize int64
	closed      bool
	lastErr     error     // of the last checkpoint; nil when it succeeded
	lastOK      time.Time // when the last checkpoint was written (or the store restored)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

func startEmbedded(dir string, every time.Duration, ephemeral bool, log *slog.Logger, observe func(SnapshotEvent)) (*embedded, *redis.UniversalOptions, error) {
	if ephemeral {
		dir = ""
	} else if dir == "" {
		return nil, nil, fmt.Errorf("%w: the embedded store needs a data directory", ErrConfig)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("store: data directory: %w", err)
	}
	if every <= 0 {
		every = DefaultSnapshotEvery
	}
	if observe == nil {
		observe = func(SnapshotEvent) {}
	}
	password, err := randomToken(16)
	if err != nil {
		return nil, nil, err
	}
	// miniredis only counts TTLs down when told to. Its ClockTTL mode does that on
	// every command by walking and sorting the whole keyspace, which made one article
	// add cost 65 ms at a few thousand keys; instead a ticker advances the clock every
	// ttlTick (see run), an O(keys) walk a few times a minute. Expiry is then late by
	// at most ttlTick, nothing next to a retention of days.
	mr := miniredis.NewMiniRedis()
	e := &embedded{
		mr: mr, dir: dir, every: every, log: log, observe: observe,
		dirty: map[string]struct{}{}, known: map[string]struct{}{}, unknown: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	start := time.Now()
	n, err := e.restore()
	if err != nil {
		return nil, nil, err
	}
	e.lastOK = start
	if dir != "" {
		if err := e.openJournal(); err != nil {
			return nil, nil, err
		}
	}
	mr.RequireAuth(password)
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("store: start embedded redis: %w", err)
	}
	if dir != "" {
		e.srv = mr.Server()
		e.srv.SetPreHook(e.track)
		log.Info("embedded store started", "data_dir", dir, "restored_keys", n, "took", time.Since(start).Round(time.Millisecond),
			"snapshot_every", every)
	}
	return e, &redis.UniversalOptions{Addrs: []string{mr.Addr()}, Password: password, MaxRetries: 1}, nil
}

// gateHook makes every command of the store's client hold the gate for reading.
type gateHook struct{ e *embedded }

// gateHeld marks the context of a command that holds the gate: go-redis sends
// commands of its own inside one (HELLO and a pipeline when it sets up a new
// connection), and taking the gate again there would deadlock behind a waiting
// checkpoint (a read lock is not reentrant once a writer waits).
type gateHeld struct{}

func (h gateHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h gateHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(gateHeld{}) != nil {
			return next(ctx, cmd)
		}
		h.e.gate.RLock()
		defer h.e.gate.RUnlock()
		return next(context.WithValue(ctx, gateHeld{}, true), cmd)
	}
}

func (h gateHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(gateHeld{}) != nil {
			return next(ctx, cmds)
		}
		h.e.gate.RLock()
		defer h.e.gate.RUnlock()
		return next(context.WithValue(ctx, gateHeld{}, true), cmds)
	}
}

// Commands by what they write. The hook sees each command miniredis runs, from a
// client or from inside a Lua script, with its arguments (without the name).
var (
	// writesFirstKey are the writes whose only key is their first argument.
	writesFirstKey = setOf("SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "INCR", "INCRBY",
		"DECR", "DECRBY", "INCRBYFLOAT", "APPEND", "SETRANGE", "PEXPIRE", "EXPIRE", "PEXPIREAT", "EXPIREAT",
		"PERSIST", "HSET", "HSETNX", "HMSET", "HINCRBY", "HINCRBYFLOAT", "HDEL", "ZADD", "ZINCRBY", "ZREM",
		"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "SADD", "SREM", "SPOP",
		"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LSET", "LREM", "LTRIM", "LINSERT")
	// writesAllArgs are the writes whose every argument is a key.
	writesAllArgs = setOf("DEL", "UNLINK", "RENAME", "RENAMENX")
	// noData are commands that touch no key, or (scripts) whose writes the hook sees
	// one by one as the script runs them.
	noData = setOf("PING", "AUTH", "HELLO", "CLIENT", "SELECT", "SCRIPT", "EVAL", "EVALSHA", "EVAL_RO",
		"EVALSHA_RO", "TIME", "INFO", "ECHO", "COMMAND", "QUIT", "RESET", "READONLY", "MULTI", "EXEC", "DISCARD")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// track is miniredis's pre-hook: it notes the keys cmd writes. It never handles the
// command itself (false).
func (e *embedded) track(_ *server.Peer, cmd string, args ...string) bool {
	switch {
	case writesFirstKey[cmd]:
		if len(args) > 0 {
			e.markDirty(args[:1])
		}
	case writesAllArgs[cmd]:
		e.markDirty(args)
	case cmd == "MSET" || cmd == "MSETNX":
		for i := 0; i < len(args); i += 2 {
			e.markDirty(args[i : i+1])
		}
	case noData[cmd] || e.srv.IsReadOnlyCommand(cmd):
	default:
		// A write the table does not know (FLUSHALL, RENAME, a command added
		// later): the next checkpoint copies every key rather than miss one.
		e.dmu.Lock()
		e.all = true
		e.unknown[cmd] = true
		e.dmu.Unlock()
	}
	return false
}

func (e *embedded) markDirty(keys []string) {
	e.dmu.Lock()
	for _, k := range keys {
		e.dirty[k] = struct{}{}
		e.known[k] = struct{}{}
	}
	e.dmu.Unlock()
}

// mergeInto adds the keys of src to dst (allocated when nil) and returns it.
func mergeInto(dst, src map[string]struct{}) map[string]struct{} {
	if dst == nil {
		dst = make(map[string]struct{}, len(src))
	}
	for k := range src {
		dst[k] = struct{}{}
	}
	return dst
}

// takeDirty returns the dirty keys and starts a new set.
func (e *embedded) takeDirty() (keys map[string]struct{}, all bool) {
	e.dmu.Lock()
	defer e.dmu.Unlock()
	keys, all = e.dirty, e.all
	e.dirty, e.all = make(map[string]struct{}, len(keys)), false
	return keys, all
}

// putBack returns keys to the dirty set after a failed checkpoint: their changes
// are on disk nowhere yet.
func (e *embedded) putBack(sets []map[string]struct{}, all bool) {
	e.dmu.Lock()
	defer e.dmu.Unlock()
	for _, s := range sets {
		for k := range s {
			e.dirty[k] = struct{}{}
		}
	}
	e.all = e.all || all
}

// run counts TTLs down every ttlTick and checkpoints every e.every (an ephemeral
// store only counts TTLs down).
func (e *embedded) run() {
	defer close(e.done)
	ttls := time.NewTicker(ttlTick)
	defer ttls.Stop()
	var checkpoints <-chan time.Time
	if e.dir != "" {
		t := time.NewTicker(e.every)
		defer t.Stop()
		checkpoints = t.C
	}
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-ttls.C:
			e.mr.FastForward(now.Sub(last))
			last = now
		case <-checkpoints:
			if err := e.checkpoint(false); err != nil {
				e.log.Error("embedded store snapshot failed; a crash would lose the changes since the last one "+
					"(check that the data directory is writable and the disk has room)", "data_dir", e.dir, "err", err)
			}
		}
	}
}

func (e *embedded) startSnapshots() { go e.run() }

// health is nil when the last checkpoint succeeded (or none was due yet).
func (e *embedded) health() error {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	return e.lastErr
}

func (e *embedded) close() error {
	e.closeOnce.Do(func() {
		close(e.stop)
		<-e.done
		if e.dir != "" {
			if err := e.checkpoint(false); err != nil {
				e.closeErr = fmt.Errorf("store: final snapshot failed, so the changes since %s are lost; "+
					"the previous snapshot in %s is kept: %w", e.lastCheckpointTime(), e.dir, err)
			}
		}
		e.cmu.Lock()
		e.closed = true
		if e.journal != nil {
			e.journal.Close()
		}
		e.cmu.Unlock()
		e.mr.Close()
	})
	return e.closeErr
}

// lastCheckpointTime says when the last checkpoint was written, for messages.
func (e *embedded) lastCheckpointTime() string {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	if e.lastOK.IsZero() {
		return "the start"
	}
	return e.lastOK.UTC().Format(time.RFC3339)
}

// checkpoint writes the keys changed since the last checkpoint to the journal, or
// a new base when full is set, the journal has outgrown the base or the base is of
// an older format. It is a no-op when nothing changed.
func (e *embedded) checkpoint(full bool) (err error) {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	if e.closed || e.dir == "" {
		return nil
	}
	full = full || !e.baseCurrent || e.journal == nil || e.journalSize > max(e.baseSize, minCompact)
	start := time.Now()
	ev := SnapshotEvent{Kind: CheckpointJournal}
	if full {
		ev.Kind = CheckpointBase
	}
	defer func() {
		e.lastErr = err
		if err == nil {
			e.lastOK = start
		}
		ev.Took, ev.Err = time.Since(start), err
		e.observe(ev)
		if err == nil && ev.Keys > 0 {
			e.log.Debug("embedded store checkpoint written", "kind", ev.Kind, "keys", ev.Keys, "bytes", ev.Bytes,
				"took", ev.Took, "pause", ev.Pause)
		}
	}()

	pauseStart := time.Now()
	e.gate.Lock()
	first, all := e.takeDirty()
	e.gate.Unlock()
	ev.Pause = time.Since(pauseStart)
	if all {
		full, ev.Kind = true, CheckpointBase
	}
	if !full && len(first) == 0 {
		return nil
	}
	seq := e.seq + 1
	var f *os.File
	var offset int64
	if full {
		f, err = os.CreateTemp(e.dir, snapshotFile+".tmp-*")
		if err != nil {
			e.putBack([]map[string]struct{}{first}, all)
			return fmt.Errorf("store: snapshot: %w", err)
		}
		defer func() {
			f.Close()
			os.Remove(f.Name()) // a no-op after the rename
		}()
	} else {
		f, offset = e.journal, e.journalSize
	}
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 256<<10)
	fw := &frameWriter{w: bw}
	var second map[string]struct{} // keys taken from the dirty set after first
	fail := func(werr error) error {
		e.putBack([]map[string]struct{}{first, second}, all)
		if !full {
			// Cut the journal back to its last whole checkpoint, so later ones
			// follow it directly; if even that fails, the next checkpoint starts
			// a new base and journal.
			if terr := e.journal.Truncate(offset); terr != nil {
				e.journal.Close()
				e.journal = nil
			}
		}
		return fmt.Errorf("store: snapshot: %w", werr)
	}
	if full {
		if werr := writeHeader(bw); werr != nil {
			return fail(werr)
		}
	}
	fw.start(seq, map[bool]byte{true: segmentBase, false: segmentJournal}[full], time.Now().UnixMilli())

	// The copy, while the store goes on.
	var keys []string
	if full {
		e.dmu.Lock()
		keys = sortedKeys(e.known)
		e.dmu.Unlock()
	} else {
		keys = sortedKeys(first)
	}
	var ent entry
	var gone []string // keys of the listing that no longer exist
	for i, k := range keys {
		if i%yieldEvery == yieldEvery-1 {
			// The copy is CPU work beside the server's own on a small machine:
			// let waiting requests run between batches rather than at the
			// scheduler's next preemption.
			runtime.Gosched()
		}
		e.read(k, &ent)
		if full && ent.Type == 0 {
			gone = append(gone, k) // a base holds no tombstones
			continue
		}
		fw.record(&ent)
	}
	ev.Keys = len(keys)

	// Keys written during the copy are dirty again. They are copied once more, in
	// rounds while the store goes on (each shorter than the one before, as it
	// copies only what the one before took time to let change), until few enough
	// remain to copy in the pause: no command runs while those are read, so the
	// checkpoint is the state at its end. The pause's records are encoded in
	// memory: the disk is not written while the store waits.
	var again []byte
	n := 0
	for round := 0; ; round++ {
		pauseStart = time.Now()
		e.gate.Lock()
		dirty, moreAll := e.takeDirty()
		second = mergeInto(second, dirty)
		if moreAll {
			e.gate.Unlock()
			ev.Pause = max(ev.Pause, time.Since(pauseStart))
			all = true
			// A write the hook could not attribute happened during the copy: this
			// checkpoint cannot be made consistent; the next one copies everything.
			return fail(errors.New("an unrecognised write during the copy; retrying with a full snapshot"))
		}
		if len(dirty) <= pauseKeys || round == maxRounds {
			for _, k := range sortedKeys(dirty) {
				e.read(k, &ent)
				again = encodeEntry(again, &ent)
				n++
			}
			// No command runs now, so a key that was gone and not written since
			// (it would be in second) is gone for good: it leaves the listing.
			e.dmu.Lock()
			for _, k := range gone {
				if _, written := second[k]; !written {
					delete(e.known, k)
				}
			}
			e.dmu.Unlock()
			e.gate.Unlock()
			ev.Pause = max(ev.Pause, time.Since(pauseStart))
			break
		}
		e.gate.Unlock()
		ev.Pause = max(ev.Pause, time.Since(pauseStart))
		for _, k := range sortedKeys(dirty) {
			e.read(k, &ent)
			fw.record(&ent)
		}
		ev.Keys += len(dirty)
	}
	fw.records(again, n)
	ev.Keys += n
	if werr := fw.end(seq); werr != nil {
		return fail(werr)
	}
	if werr := bw.Flush(); werr != nil {
		return fail(werr)
	}
	if werr := f.Sync(); werr != nil {
		return fail(fmt.Errorf("fsync: %w", werr))
	}
	ev.Bytes = cw.n
	if !full {
		e.journalSize += cw.n
		e.seq = seq
		return nil
	}
	if werr := f.Close(); werr != nil {
		return fail(werr)
	}
	if werr := os.Rename(f.Name(), filepath.Join(e.dir, snapshotFile)); werr != nil {
		return fail(fmt.Errorf("rename: %w", werr))
	}
	syncDir(e.dir)
	e.seq, e.baseSize, e.baseCurrent = seq, cw.n, true
	// The journal's checkpoints are all in the new base now (a crash before this
	// truncation leaves them there, and restore skips them by their numbers).
	if werr := e.resetJournal(); werr != nil {
		e.log.Warn("emptying the embedded store's journal failed; the next checkpoint retries", "err", werr)
	}
	return nil
}

// read copies key k into ent through miniredis's Go API; a key that no longer
// exists becomes a tombstone.
func (e *embedded) read(k string, ent *entry) {
	*ent = entry{Key: k, Values: ent.Values[:0], Scores: ent.Scores[:0]}
	var err error
	switch e.mr.Type(k) {
	case "string":
		var v string
		v, err = e.mr.Get(k)
		ent.Type, ent.Values = 's', append(ent.Values, v)
	case "hash":
		var fields []string
		fields, err = e.mr.HKeys(k)
		ent.Type = 'h'
		for _, f := range fields {
			ent.Values = append(ent.Values, f, e.mr.HGet(k, f))
		}
	case "zset":
		var members []string
		if members, err = e.mr.ZMembers(k); err == nil {
			var scores []float64
			if scores, err = e.mr.ZMScore(k, members...); err == nil && len(scores) == len(members) {
				ent.Type = 'z'
				ent.Values = append(ent.Values, members...)
				ent.Scores = append(ent.Scores, scores...)
			}
		}
	case "set":
		var members []string
		members, err = e.mr.Members(k)
		ent.Type, ent.Values = 'S', append(ent.Values, members...)
	case "list":
		var items []string
		items, err = e.mr.List(k)
		ent.Type, ent.Values = 'l', append(ent.Values, items...)
	}
	if err != nil || ent.Type == 0 {
		// Gone (expired or deleted) between the listing and the read, or replaced
		// by another type mid-read: a tombstone now, and it is dirty again if it
		// was written.
		*ent = entry{Key: k, Values: ent.Values[:0], Scores: ent.Scores[:0]}
		return
	}
	if ttl := e.mr.TTL(k); ttl > 0 {
		ent.ExpiresAt = time.Now().Add(ttl).UnixMilli()
	}
}

// openJournal opens the journal for appending, creating it when there is none.
func (e *embedded) openJournal() error {
	f, err := os.OpenFile(filepath.Join(e.dir, journalFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: journal: %w", err)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return fmt.Errorf("store: journal: %w", err)
	}
	if size == 0 {
		if err := writeHeader(f); err != nil {
			f.Close()
			return fmt.Errorf("store: journal: %w", err)
		}
		size, _ = f.Seek(0, io.SeekEnd)
	}
	e.journal, e.journalSize = f, size
	return nil
}

// resetJournal empties the journal after a new base.
func (e *embedded) resetJournal() error {
	if e.journal == nil {
		return e.openJournal()
	}
	if err := e.journal.Truncate(0); err != nil {
		return err
	}
	if _, err := e.journal.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := writeHeader(e.journal); err != nil {
		return err
	}
	size, err := e.journal.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	e.journalSize = size
	return e.journal.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// restore loads the base and then the journal's complete checkpoints into the not
// yet started miniredis. Keys whose TTL ran out while the server was down are
// skipped. A damaged file stops the start with a message naming it: loading what
// can be read of it would serve a silently wrong index.
func (e *embedded) restore() (int, error) {
	if e.dir == "" {
		return 0, nil
	}
	now := time.Now().UnixMilli()
	apply := func(ent *entry) error {
		e.mr.Del(ent.Key)
		if ent.Type == 0 || (ent.ExpiresAt != 0 && ent.ExpiresAt <= now) {
			delete(e.known, ent.Key)
			return nil
		}
		e.known[ent.Key] = struct{}{}
		if err := e.load(ent); err != nil {
			return fmt.Errorf("key %q: %w", ent.Key, err)
		}
		if ent.ExpiresAt != 0 {
			e.mr.SetTTL(ent.Key, time.Duration(ent.ExpiresAt-now)*time.Millisecond)
		}
		return nil
	}
	base := filepath.Join(e.dir, snapshotFile)
	baseSeq, format, size, err := e.restoreBase(base, apply)
	if err != nil {
		return 0, fmt.Errorf("store: snapshot %s: %w (move it away to start with an empty index, or put back a backup)", base, err)
	}
	e.seq, e.baseSize, e.baseCurrent = baseSeq, size, format == snapshotFormat
	journal := filepath.Join(e.dir, journalFile)
	seq, err := e.restoreJournal(journal, baseSeq, apply)
	if err != nil {
		return 0, fmt.Errorf("store: journal %s: %w (move it away to start from the snapshot alone, losing the changes since it)", journal, err)
	}
	e.seq = max(e.seq, seq)
	return len(e.known), nil
}

// restoreBase loads the base snapshot; no file is an empty index.
func (e *embedded) restoreBase(path string, apply func(*entry) error) (seq uint64, format int, size int64, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, snapshotFormat, 0, nil
	}
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	fr := &frameReader{r: bufio.NewReaderSize(f, 256<<10), remain: fi.Size()}
	format, err = readHeader(fr)
	if err != nil {
		return 0, 0, 0, err
	}
	switch format {
	case 1:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, 0, 0, err
		}
		return 0, 1, fi.Size(), readSnapshotV1(bufio.NewReader(f), apply)
	case snapshotFormat:
	default:
		return 0, 0, 0, fmt.Errorf("written in format %d by a newer Parallax (this one reads formats 1 and %d)", format, snapshotFormat)
	}
	sr := &segmentReader{fr: fr}
	seg, err := sr.next(func(segment) func(*entry) error { return apply })
	if err != nil {
		return 0, 0, 0, err
	}
	if seg.Kind != segmentBase {
		return 0, 0, 0, fmt.Errorf("holds no base snapshot: %w", errDamaged)
	}
	if _, err := fr.next(); err != io.EOF {
		return 0, 0, 0, fmt.Errorf("data after the snapshot's end: %w", errDamaged)
	}
	return seg.Seq, format, fi.Size(), nil
}

// restoreJournal applies the journal's checkpoints numbered after the base. It reads
// the file twice: first to check every frame and find where the last complete
// checkpoint ends (a crash may have cut the last one short: that one is dropped, as
// it never finished), then to apply up to there.
func (e *embedded) restoreJournal(path string, after uint64, apply func(*entry) error) (uint64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return 0, err
	}
	// scan reads the checkpoints up to upTo bytes (all when negative), calling
	// apply for the records of those numbered after the base when it is set. It
	// returns the offset after the last complete checkpoint and its number.
	scan := func(apply func(*entry) error, upTo int64) (complete int64, last uint64, err error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, 0, err
		}
		fr := &frameReader{r: bufio.NewReaderSize(f, 256<<10), remain: fi.Size()}
		format, err := readHeader(fr)
		if err != nil {
			return 0, 0, err
		}
		if format != snapshotFormat {
			return 0, 0, fmt.Errorf("format %d is not one this Parallax writes: %w", format, errDamaged)
		}
		complete = fr.off
		sr := &segmentReader{fr: fr}
		for upTo < 0 || fr.off < upTo {
			seg, err := sr.next(func(seg segment) func(*entry) error {
				// Checkpoints numbered up to the base's are in it already (the
				// journal was not emptied before a crash): applying them would
				// bring back older values.
				if apply == nil || seg.Seq <= after {
					return nil
				}
				return apply
			})
			switch {
			case err == io.EOF:
				return complete, last, nil
			case errors.Is(err, errTruncated) && upTo < 0:
				e.log.Warn("the embedded store's journal ends in a checkpoint cut short (a crash while writing it); "+
					"that checkpoint is dropped", "journal", path, "at_byte", complete)
				return complete, last, nil
			case err != nil:
				return 0, 0, err
			case seg.Kind != segmentJournal || seg.Seq <= last:
				return 0, 0, fmt.Errorf("checkpoint %d out of order: %w", seg.Seq, errDamaged)
			}
			complete, last = fr.off, seg.Seq
		}
		return complete, last, nil
	}
	complete, last, err := scan(nil, -1)
	if err != nil {
		return 0, err
	}
	if _, _, err := scan(apply, complete); err != nil {
		return 0, err
	}
	// Drop a checkpoint cut short now, so that new ones follow the last complete one.
	if complete < fi.Size() {
		if err := os.Truncate(path, complete); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// load writes one key into the not yet started miniredis.
func (e *embedded) load(ent *entry) error {
	v := ent.Values
	switch ent.Type {
	case 's':
		if len(v) != 1 {
			return errors.New("string without value")
		}
		return e.mr.Set(ent.Key, v[0])
	case 'h':
		if len(v)%2 != 0 || len(v) == 0 {
			return errors.New("odd hash fields")
		}
		e.mr.HSet(ent.Key, v...)
	case 'z':
		if len(ent.Scores) != len(v) || len(v) == 0 {
			return errors.New("sorted set without scores")
		}
		for i, m := range v {
			if _, err := e.mr.ZAdd(ent.Key, ent.Scores[i], m); err != nil {
				return err
			}
		}
	case 'S':
		_, err := e.mr.SAdd(ent.Key, v...)
		return err
	case 'l':
		_, err := e.mr.RPush(ent.Key, v...)
		return err
	default:
		return fmt.Errorf("unknown type %q", ent.Type)
	}
	return nil
}

// Format 1, the gob snapshot Parallax wrote before format 2: read so that an
// upgrade keeps the index (the first checkpoint then writes a format-2 base).

const snapshotMagicV1 = "parallax-snapshot-v1"

type snapshotEntryV1 struct {
	Key       string
	Type      string
	ExpiresAt int64 // unix ms; 0 = no expiry
	Values    []string
}

func readSnapshotV1(r io.Reader, apply func(*entry) error) error {
	dec := gob.NewDecoder(r)
	var magic string
	if err := dec.Decode(&magic); err != nil || magic != snapshotMagicV1 {
		return errors.New("not a Parallax snapshot")
	}
	var entries []snapshotEntryV1
	if err := dec.Decode(&entries); err != nil {
		return fmt.Errorf("format 1: %w", err)
	}
	for _, old := range entries {
		ent := entry{Key: old.Key, ExpiresAt: old.ExpiresAt}
		switch old.Type {
		case "string":
			ent.Type, ent.Values = 's', old.Values
		case "hash":
			ent.Type, ent.Values = 'h', old.Values
		case "set":
			ent.Type, ent.Values = 'S', old.Values
		case "list":
			ent.Type, ent.Values = 'l', old.Values
		case "zset":
			if len(old.Values)%2 != 0 {
				return fmt.Errorf("format 1: key %q: odd sorted set", old.Key)
			}
			ent.Type = 'z'
			for i := 0; i < len(old.Values); i += 2 {
				score, err := strconv.ParseFloat(old.Values[i+1], 64)
				if err != nil {
					return fmt.Errorf("format 1: key %q: score: %w", old.Key, err)
				}
				ent.Values = append(ent.Values, old.Values[i])
				ent.Scores = append(ent.Scores, score)
			}
		default:
			return fmt.Errorf("format 1: key %q: unknown type %q", old.Key, old.Type)
		}
		if err := apply(&ent); err != nil {
			return err
		}
	}
	return nil
}
