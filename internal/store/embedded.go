package store

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// The embedded store is miniredis, an in-process Redis, listening on loopback behind
// a random password (other local users must not read or write the index). miniredis
// keeps nothing on disk, so it is snapshotted: every SnapshotEvery and on Close, the
// whole keyspace is read in one Lua script (atomic, so a snapshot never holds half
// of an article add) and written to DataDir/snapshotFile through a temporary file,
// fsync and rename, so a crash mid-write leaves the previous snapshot intact.

const (
	snapshotFile = "parallax.snapshot"
	// ttlTick is how often the embedded store's TTLs are counted down.
	ttlTick         = 15 * time.Second
	snapshotMagic   = "parallax-snapshot-v1"
	defaultSnapshot = time.Minute
	// snapshotTimeout bounds one snapshot; it reads the whole keyspace.
	snapshotTimeout = 2 * time.Minute
)

// snapshotScript returns every key as {key, type, pttl, values}.
const snapshotScript = `
local out = {}
for _, k in ipairs(redis.call('KEYS', '*')) do
  local t = redis.call('TYPE', k)
  if type(t) == 'table' then t = t['ok'] end
  local v
  if t == 'string' then v = {redis.call('GET', k)}
  elseif t == 'hash' then v = redis.call('HGETALL', k)
  elseif t == 'set' then v = redis.call('SMEMBERS', k)
  elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  elseif t == 'list' then v = redis.call('LRANGE', k, 0, -1)
  end
  if v then out[#out + 1] = {k, t, redis.call('PTTL', k), v} end
end
return out
`

type embedded struct {
	mr     *miniredis.Miniredis
	dir    string
	every  time.Duration
	log    *slog.Logger
	client redis.UniversalClient

	mu        sync.Mutex // serialises snapshots
	stop      chan struct{}
	done      chan struct{}
	closed    bool
	closeOnce sync.Once
	closeErr  error
}

// snapshotEntry is one key in the snapshot file.
type snapshotEntry struct {
	Key       string
	Type      string
	ExpiresAt int64 // unix ms; 0 = no expiry
	Values    []string
}

func startEmbedded(dir string, every time.Duration, ephemeral bool, log *slog.Logger) (*embedded, *redis.UniversalOptions, error) {
	if ephemeral {
		dir = ""
	} else if dir == "" {
		return nil, nil, fmt.Errorf("%w: the embedded store needs a data directory", ErrConfig)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("store: data directory: %w", err)
	}
	if every <= 0 {
		every = defaultSnapshot
	}
	password, err := randomToken(16)
	if err != nil {
		return nil, nil, err
	}
	// miniredis only counts TTLs down when told to. Its ClockTTL mode does that on
	// every command by walking and sorting the whole keyspace, which made one article
	// add cost 65 ms at a few thousand keys; instead a ticker advances the clock every
	// ttlTick (see startSnapshots), an O(keys) walk a few times a minute. Expiry is
	// then late by at most ttlTick, nothing next to a retention of days.
	mr := miniredis.NewMiniRedis()
	e := &embedded{mr: mr, dir: dir, every: every, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	n, err := e.restore()
	if err != nil {
		return nil, nil, err
	}
	mr.RequireAuth(password)
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("store: start embedded redis: %w", err)
	}
	if dir != "" {
		log.Info("embedded store started", "data_dir", dir, "restored_keys", n)
	}
	return e, &redis.UniversalOptions{Addrs: []string{mr.Addr()}, Password: password, MaxRetries: 1}, nil
}

// startSnapshots runs the embedded store's clock: TTLs every ttlTick, snapshots
// every e.every (none for an ephemeral store).
func (e *embedded) startSnapshots() {
	go func() {
		defer close(e.done)
		tick := time.NewTicker(ttlTick)
		defer tick.Stop()
		lastTick, lastSnapshot := time.Now(), time.Now()
		for {
			select {
			case <-e.stop:
				return
			case now := <-tick.C:
				e.mr.FastForward(now.Sub(lastTick))
				lastTick = now
				if e.dir == "" || now.Sub(lastSnapshot) < e.every {
					continue
				}
				lastSnapshot = now
				ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
				if err := e.snapshot(ctx); err != nil {
					e.log.Error("embedded store snapshot failed", "err", err)
				}
				cancel()
			}
		}
	}()
}

func (e *embedded) close() error {
	e.closeOnce.Do(func() {
		close(e.stop)
		<-e.done
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		defer cancel()
		e.closeErr = e.snapshot(ctx)
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		e.mr.Close()
	})
	return e.closeErr
}

func (e *embedded) path() string { return filepath.Join(e.dir, snapshotFile) }

// snapshot writes the keyspace to disk atomically.
func (e *embedded) snapshot(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.dir == "" {
		return nil
	}
	start := time.Now()
	raw, err := e.client.Eval(ctx, snapshotScript, nil).Slice()
	if err != nil {
		return fmt.Errorf("store: snapshot: read keyspace: %w", err)
	}
	now := time.Now().UnixMilli()
	entries := make([]snapshotEntry, 0, len(raw))
	for _, item := range raw {
		ent, ok := decodeSnapshotItem(item, now)
		if !ok {
			return errors.New("store: snapshot: unexpected reply shape")
		}
		entries = append(entries, ent)
	}
	tmp, err := os.CreateTemp(e.dir, snapshotFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	w := bufio.NewWriter(tmp)
	enc := gob.NewEncoder(w)
	if err := enc.Encode(snapshotMagic); err != nil {
		tmp.Close()
		return fmt.Errorf("store: snapshot: write: %w", err)
	}
	if err := enc.Encode(entries); err != nil {
		tmp.Close()
		return fmt.Errorf("store: snapshot: write: %w", err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("store: snapshot: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("store: snapshot: fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store: snapshot: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.path()); err != nil {
		return fmt.Errorf("store: snapshot: rename: %w", err)
	}
	// The rename is durable only once the directory entry is.
	if d, err := os.Open(e.dir); err == nil {
		d.Sync()
		d.Close()
	}
	e.log.Debug("embedded store snapshot written", "keys", len(entries), "took", time.Since(start))
	return nil
}

func decodeSnapshotItem(item any, nowMs int64) (snapshotEntry, bool) {
	parts, ok := item.([]any)
	if !ok || len(parts) != 4 {
		return snapshotEntry{}, false
	}
	key, ok1 := parts[0].(string)
	typ, ok2 := parts[1].(string)
	ttl, ok3 := parts[2].(int64)
	vals, ok4 := parts[3].([]any)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return snapshotEntry{}, false
	}
	ent := snapshotEntry{Key: key, Type: typ, Values: make([]string, len(vals))}
	if ttl > 0 {
		ent.ExpiresAt = nowMs + ttl
	}
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			return snapshotEntry{}, false
		}
		ent.Values[i] = s
	}
	return ent, true
}

// restore loads the snapshot, if any, into the not yet started miniredis. Keys
// whose TTL ran out while the server was down are skipped.
func (e *embedded) restore() (int, error) {
	if e.dir == "" {
		return 0, nil
	}
	f, err := os.Open(e.path())
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: open snapshot: %w", err)
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReader(f))
	var magic string
	var entries []snapshotEntry
	if err := dec.Decode(&magic); err != nil || magic != snapshotMagic {
		return 0, fmt.Errorf("store: %s is not a Parallax snapshot (move it away to start empty)", e.path())
	}
	if err := dec.Decode(&entries); err != nil {
		return 0, fmt.Errorf("store: read snapshot %s: %w (move it away to start empty)", e.path(), err)
	}
	now := time.Now().UnixMilli()
	n := 0
	for _, ent := range entries {
		if ent.ExpiresAt != 0 && ent.ExpiresAt <= now {
			continue
		}
		if err := e.load(ent); err != nil {
			return n, fmt.Errorf("store: restore key %q: %w", ent.Key, err)
		}
		if ent.ExpiresAt != 0 {
			e.mr.SetTTL(ent.Key, time.Duration(ent.ExpiresAt-now)*time.Millisecond)
		}
		n++
	}
	return n, nil
}

func (e *embedded) load(ent snapshotEntry) error {
	v := ent.Values
	switch ent.Type {
	case "string":
		if len(v) != 1 {
			return errors.New("string without value")
		}
		return e.mr.Set(ent.Key, v[0])
	case "hash":
		if len(v)%2 != 0 {
			return errors.New("odd hash fields")
		}
		e.mr.HSet(ent.Key, v...)
	case "set":
		_, err := e.mr.SAdd(ent.Key, v...)
		return err
	case "zset":
		if len(v)%2 != 0 {
			return errors.New("odd sorted set")
		}
		for i := 0; i < len(v); i += 2 {
			score, err := strconv.ParseFloat(v[i+1], 64)
			if err != nil {
				return fmt.Errorf("score: %w", err)
			}
			if _, err := e.mr.ZAdd(ent.Key, score, v[i]); err != nil {
				return err
			}
		}
	case "list":
		_, err := e.mr.RPush(ent.Key, v...)
		return err
	default:
		return fmt.Errorf("unknown type %q", ent.Type)
	}
	return nil
}
