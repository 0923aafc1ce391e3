package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cross-slot steps. On a Redis Cluster a script, MGET or MULTI may only name keys
// of one hash slot, and the key scheme (keys.go) gives an article, a story, a term
// and a listing shard each a slot of its own. So a change that spans them is a
// chain of single-slot steps, each atomic, queued on pipelines (go-redis sends a
// cluster pipeline's commands to each node in one batch). The helpers here are the
// steps several writers share: posting a story under terms, listing it, renewing
// its articles, and reading many keys of different slots.

// postingLua defines the functions with which the posting scripts read and write
// a short list held in its bucket: up to postingFields fields of postingInline
// entries each, the term's own field first ("<tick>:<sid> <tick>:<sid>@<minute>",
// newest first) and then term.."\31"..i for i from 2 (no term holds a control
// character: see stories.Analyzer), each at most maxInlineField bytes. A reader
// of the first field alone (a guard, or a Parallax from before there were more)
// finds the newest entries and the list's top tick there.
//
//	p_names(term, n)                the names of the term's n fields
//	p_read(bucket, names)           the entries, newest first: {{tick, sid}, ...},
//	                                and the fields' values
//	p_write(bucket, names, old, entries, per, most, minute)
//	                                writes entries over the fields, per to a field,
//	                                removing the fields of old that are left over;
//	                                false (nothing written) when they do not fit
const postingLua = `
local function p_names(term, n)
  local names = {term}
  for i = 2, n do names[i] = term .. '\31' .. i end
  return names
end
local function p_read(bucket, names)
  local vals = redis.call('HMGET', bucket, unpack(names))
  local entries = {}
  for _, v in ipairs(vals) do
    if v then
      for t, id in string.gmatch(string.match(v, '^[^@]*'), '(%d+):(%S+)') do entries[#entries + 1] = {t, id} end
    end
  end
  return entries, vals
end
local function p_write(bucket, names, old, entries, per, most, minute)
  if #entries > per * #names then return false end
  local fields = {}
  for i = 1, #entries, per do
    local parts = {}
    for j = i, math.min(i + per - 1, #entries) do parts[#parts + 1] = entries[j][1] .. ':' .. entries[j][2] end
    local f = table.concat(parts, ' ') .. '@' .. minute
    -- Longer ticks, or ids from before they were cut (see storyID), may not fit.
    if #f > most then return false end
    fields[#fields + 1] = f
  end
  for i, name in ipairs(names) do
    if fields[i] then
      redis.call('HSET', bucket, name, fields[i])
    elseif old[i] then
      redis.call('HDEL', bucket, name)
    end
  end
  return true
end
`

// postScript posts a story in one term's posting list. Postings are scored with
// the list's own counter, its tick (its highest score plus one), not a clock and
// not one counter for the whole index: a global counter would be one hot key every
// add writes, on one master, and a list's own counter orders its postings exactly
// across replicas and clock steps, which is all the candidate lookup (newest
// first) and the twin check need. A short list lives in its bucket's fields (see
// postingBuckets and postingLua); the post that would make it longer than
// postingFields × postingInline, or a field longer than maxInlineField bytes,
// moves it, ticks and all, to a key of its own in the same slot, where it stays.
// Each post also sweeps a few random fields of the bucket: a field whose last post
// is older than the retention goes (a bucket's TTL is renewed by every post to any
// of its terms, so its fields have none of their own).
//
// KEYS: 1 the bucket, 2 the term's own list. ARGV: 1 term, 2 sid, 3 posting cap,
// 4 TTL ms, 5 now (unix minutes), 6 the retention in minutes, 7 postingInline, 8
// sweepSample, 9 maxInlineField, 10 postingFields.
const postScript = postingLua + `
local term, sid, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = tonumber(ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then
  -- Fields left beside the list: an older Parallax moved the first field alone
  -- to it. Their stories join it, behind the ones there.
  local names = p_names(term, tonumber(ARGV[10]))
  local left, old = p_read(KEYS[1], names)
  if #left > 0 then
    for _, e in ipairs(left) do redis.call('ZADD', KEYS[2], 'NX', e[1], e[2]) end
    for i, name in ipairs(names) do
      if old[i] then redis.call('HDEL', KEYS[1], name) end
    end
  end
  local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local tick = 1
  if #top == 2 then tick = tonumber(top[2]) + 1 end
  -- A list lives for the retention after a story last joined it: re-scoring a
  -- story already in it (most terms of most adds) leaves its TTL alone, which
  -- saves a call per term.
  if redis.call('ZADD', KEYS[2], tick, sid) == 1 then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -cap - 1)
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  return 1
end
local names = p_names(term, tonumber(ARGV[10]))
local read, old = p_read(KEYS[1], names)
local tick = 1
if #read > 0 then tick = tonumber(read[1][1]) + 1 end
local entries = {{tostring(tick), sid}}
for _, e in ipairs(read) do
  if e[2] ~= sid then entries[#entries + 1] = e end
end
if not p_write(KEYS[1], names, old, entries, tonumber(ARGV[7]), tonumber(ARGV[9]), now) then
  local args = {}
  for _, e in ipairs(entries) do
    args[#args + 1] = e[1]
    args[#args + 1] = e[2]
  end
  redis.call('ZADD', KEYS[2], unpack(args))
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -cap - 1)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('HDEL', KEYS[1], unpack(names))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local stale = now - tonumber(ARGV[6])
local sample = redis.call('HRANDFIELD', KEYS[1], ARGV[8], 'WITHVALUES')
for i = 1, #sample - 1, 2 do
  local m = tonumber(string.match(sample[i + 1], '@(%d+)$'))
  if m and m < stale then redis.call('HDEL', KEYS[1], sample[i]) end
end
return 1
`

// sweepSample is how many random fields of its bucket a post looks at (see
// postScript). A bucket's stale fields then stay below a third of its fields
// however fast new terms arrive: each post adds at most one field and, once a
// share s of them are stale, sweeps 3s.
const sweepSample = 3

// unpostScript takes a story out of one term's posting list. KEYS: 1 the bucket,
// 2 the term's own list. ARGV: 1 term, 2 sid, 3 postingInline, 4 maxInlineField,
// 5 postingFields.
const unpostScript = postingLua + `
if redis.call('ZREM', KEYS[2], ARGV[2]) == 1 then return 1 end
local names = p_names(ARGV[1], tonumber(ARGV[5]))
local read, old = p_read(KEYS[1], names)
local entries = {}
for _, e in ipairs(read) do
  if e[2] ~= ARGV[2] then entries[#entries + 1] = e end
end
if #entries == #read then return 0 end
local minute
for _, v in ipairs(old) do minute = minute or (v and string.match(v, '@(%d+)$')) end
-- Fewer entries than were there fit where they were.
p_write(KEYS[1], names, old, entries, tonumber(ARGV[3]), tonumber(ARGV[4]), minute or '0')
return 1
`

// guardScript guards one lookup term of a new story while the story is created
// (see the comment above claimScript): it refuses ("conflict") when a story was
// posted under the term since the caller's view, or another writer's new story
// holds the guard; else it takes the guard for guardTTL. Of two writers creating
// stories under a shared term at once, the later one is refused and matches again,
// finding the earlier one's story. KEYS: 1 the bucket, 2 the term's own list, 3
// its guard. ARGV: 1 term, 2 sid, 3 the list's highest tick at the view, 4
// guardTTL ms, 5 "1" to take the guard (else only check it).
const guardScript = `
if redis.call('EXISTS', KEYS[2]) == 1 then
  if #redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[3], '+inf', 'LIMIT', 0, 1) > 0 then return 0 end
else
  local v = redis.call('HGET', KEYS[1], ARGV[1])
  local top = v and string.match(v, '^(%d+):')
  if top and tonumber(top) > tonumber(ARGV[3]) then return 0 end
end
local g = redis.call('GET', KEYS[3])
if g and g ~= ARGV[2] then return 0 end
if ARGV[5] == '1' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4]) end
return 1
`

// guardTTL bounds how long a new story's guard holds its lookup terms: creating
// the story takes two round trips, and a writer that died meanwhile must not keep
// new stories from those terms for long (a refused writer retries for seconds,
// see lookup.maxAttempts).
const guardTTL = 3 * time.Second

// unguardScript drops a guard if it is the caller's. KEYS: 1 guard. ARGV: 1 sid.
const unguardScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

// listScript lists a story in its listing shard: by update time in recent, by
// outlet count in coverage, drops entries older than the retention (a bounded
// number per call), and keeps the recentDepth newest and the coverageDepth best
// covered, all that a reader reads of one shard (see topListedIn): what a shard
// costs is bounded whatever the size of the index. A story cut from coverage is
// listed again by its next add, with its new count. KEYS: 1 recent shard, 2
// coverage shard. ARGV: 1 sid, 2 updated ms, 3 outlet count, 4 TTL ms, 5
// recentDepth, 6 coverageDepth.
const listScript = `
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl, 'LIMIT', 0, 100)) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
for i, depth in ipairs({tonumber(ARGV[5]), tonumber(ARGV[6])}) do
  if redis.call('ZCARD', KEYS[i]) > depth then redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -depth - 1) end
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`

// guard queues on pipe the checks of a new story's lookup terms (see guardScript),
// with the scores the view saw, and takes the guard of the first (the heaviest)
// only; each reply is 1 when the term passed. Taking one guard, not all, is what
// keeps many writers of one event from refusing each other for ever: with a
// guard on every term, each took some, lost others and gave all up again (20
// writers of one story: most gave up after 64 attempts). Writers of one event
// share its heaviest term nearly always; the others' checks still refuse a story
// posted under any lookup term since the view.
func (r *Redis) guard(ctx context.Context, pipe redis.Pipeliner, sid string, terms []string, seen map[string]int64) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(terms))
	for i, t := range terms {
		take := "0"
		if i == 0 {
			take = "1"
		}
		cmds[i] = r.guardScript.EvalSha(ctx, pipe, []string{r.bucketKey(t), r.spillKey(t), r.guardKey(t)}, t, sid, seen[t], guardTTL.Milliseconds(), take)
	}
	return cmds
}

// unguard queues on pipe the release of a new story's guards.
func (r *Redis) unguard(ctx context.Context, pipe redis.Pipeliner, sid string, terms []string) {
	if len(terms) > 0 {
		r.unguardScript.EvalSha(ctx, pipe, []string{r.guardKey(terms[0])}, sid)
	}
}

// post queues on pipe the posting of sid under terms (see postScript).
func (r *Redis) post(ctx context.Context, pipe redis.Pipeliner, sid string, terms []string) {
	ttl := r.retention.Milliseconds()
	now := time.Now().Unix() / 60
	retention := max(int64(r.retention/time.Minute), 1)
	for _, t := range terms {
		r.postScript.EvalSha(ctx, pipe, []string{r.bucketKey(t), r.spillKey(t)}, t, sid, postingCap, ttl, now, retention, postingInline, sweepSample, maxInlineField, postingFields)
	}
}

// unpost queues on pipe the removal of sid from terms' posting lists, those of
// the layout before buckets included (see readPostings).
func (r *Redis) unpost(ctx context.Context, pipe redis.Pipeliner, sid string, terms []string) {
	for _, t := range terms {
		r.unpostScript.EvalSha(ctx, pipe, []string{r.bucketKey(t), r.spillKey(t)}, t, sid, postingInline, maxInlineField, postingFields)
		pipe.ZRem(ctx, r.legacyTermKey(t), sid)
	}
}

// list queues on pipe the listing of sid (see listScript), and its removal from
// the shard it had before there were listingShards, when that is another.
func (r *Redis) list(ctx context.Context, pipe redis.Pipeliner, sid string, updatedMs, outlets int64) *redis.Cmd {
	sh := listingShard(sid)
	cmd := r.listScript.EvalSha(ctx, pipe, []string{r.recentKey(sh), r.coverageKey(sh)}, sid, updatedMs, outlets, r.retention.Milliseconds(), r.depths.recent, r.depths.coverage)
	if old := legacyListingShard(sid); old != sh {
		pipe.ZRem(ctx, r.recentKey(old), sid)
		pipe.ZRem(ctx, r.coverageKey(old), sid)
	}
	return cmd
}

// unlist queues on pipe the removal of sids from the listings, in the shard
// before there were listingShards too.
func (r *Redis) unlist(ctx context.Context, pipe redis.Pipeliner, sids ...string) {
	for _, sid := range sids {
		sh, old := listingShard(sid), legacyListingShard(sid)
		pipe.ZRem(ctx, r.recentKey(sh), sid)
		pipe.ZRem(ctx, r.coverageKey(sh), sid)
		if old != sh {
			pipe.ZRem(ctx, r.recentKey(old), sid)
			pipe.ZRem(ctx, r.coverageKey(old), sid)
		}
	}
}

// getMany reads keys of any slots with one pipelined GET each (an MGET may only
// name keys of one slot on a cluster): "" for a missing key.
func (r *Redis) getMany(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

// execScripts queues cmds on a pipeline and runs it, loading the pipeline's scripts first where a node lacks
// them: a pipelined EVALSHA cannot fall back to EVAL the way Script.Run does, and
// a node that restarted, or a replica promoted, knows none. The pipeline is
// replayed once after the load (every step queued on it must be idempotent), so
// cmds keeps the commands it queues where the caller reads them: the replay's
// replace the first run's.
func (r *Redis) execScripts(ctx context.Context, cmds func(pipe redis.Pipeliner)) error {
	pipe := r.rdb.Pipeline()
	cmds(pipe)
	_, err := pipe.Exec(ctx)
	if err == nil || err == redis.Nil || !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return err
	}
	if err := r.loadScripts(ctx); err != nil {
		return err
	}
	pipe = r.rdb.Pipeline()
	cmds(pipe)
	_, err = pipe.Exec(ctx)
	if err == redis.Nil {
		return nil
	}
	return err
}

// loadScripts loads the pipelined scripts on every master.
func (r *Redis) loadScripts(ctx context.Context) error {
	return r.forEachShard(ctx, func(ctx context.Context, shard redis.Cmdable) error {
		scripts := []*redis.Script{r.postScript, r.unpostScript, r.listScript, r.finishScript, r.claimScript, r.guardScript, r.unguardScript,
			r.flushBucketScript, r.flushTotalScript}
		for _, s := range append(scripts, r.moves.pipelined()...) {
			if err := s.Load(ctx, shard).Err(); err != nil {
				return r.wrap("load scripts", err)
			}
		}
		return nil
	})
}
