package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// An add spans three kinds of slot on a Redis Cluster (keys.go): the article's,
// its story's and its terms'. It runs as three atomic steps, ordered so that no
// reader ever sees a wrong answer between them and a failed step leaves nothing
// to repair:
//
//  1. claimScript claims the article's key with a pending marker, so that two
//     writers of one URL (two replicas, a feed and a reader) never add it twice:
//     the second sees the claim and matches again once the first is done. A new
//     story also guards its lookup terms (below).
//  2. storyAddScript changes the story, checking the version the matcher read.
//  3. One pipeline finalises the article's record (finishScript: only over its
//     own claim), posts the story under its terms (postScript, shard.go), drops
//     a new story's guards, lists it (listScript) and renews its articles' TTLs
//     when due.
//
// A reader between 2 and 3 sees the story with a member whose record is not
// there yet (skipped, as an expired one is) and cannot find the story by the
// terms yet. A crash between them leaves the same, and the claim expires after
// claimTTL, so the URL is indexed again on its next lookup.
//
// What protects a new event from two stories when two replicas see it at once
// used to be one script checking every lookup term for a story posted since the
// view; the terms now live in other slots than the story. So a new story checks
// each lookup term in the term's slot, in the pipeline of step 1 (guardScript,
// shard.go), and takes a short guard on its heaviest: refused when a story was
// posted under a term since the view, or another writer's new story holds the
// guard of one. Of two writers starting stories of one event at once, the later
// is refused and matches again, finding the other's story. The guard goes in
// step 3. What this leaves open: two writers whose heaviest terms differ, both
// checking before either posts (a window of two round trips), still start two
// stories; the merge pass may join them later.

// claimTTL bounds how long a claim holds an article's key: steps 2 and 3 take
// milliseconds, and a writer that died between them must not keep the URL out of
// the index for long.
const claimTTL = 30 * time.Second

// pendingMark starts a claimed article key's value: no story id starts so (ids are
// "s" and base32), so every reader takes it for "not indexed".
const pendingMark = "?"

// claimScript claims an article's key. KEYS: 1 article. ARGV: 1 the claim (pendingMark
// and a random token), 2 claimTTL ms, 3 the value the caller saw and found dangling
// ("" when it saw none): it may be replaced, nothing else. Reply: {"claimed"},
// {"exists", value} (an indexed article, or a dangling one the caller checks), or
// {"busy"} (another writer's claim).
const claimScript = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return {'claimed'} end
if v and v ~= ARGV[3] then
  if string.sub(v, 1, 1) == '?' then return {'busy'} end
  return {'exists', v}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'claimed'}
`

// finishScript replaces a claim with the article's record, or drops it (ARGV[2]
// ""), only while the claim is the caller's. A merge that folded the article's
// story into another while the claim was pending left redirects (see
// restoryScript): the record names the survivor. KEYS: 1 article, 2 its
// redirects. ARGV: 1 the claim, 2 the record, 3 TTL ms.
const finishScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
local rec = ARGV[2]
local nl = string.find(rec, '\n', 1, true)
local sid = string.sub(rec, 1, nl - 1)
for _ = 1, 8 do
  local to = redis.call('HGET', KEYS[2], sid)
  if not to then break end
  sid = to
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], sid .. string.sub(rec, nl), 'PX', ARGV[3])
return 1
`

// titleLua defines set_title(title, ttl), with which every script that writes a
// story's headline writes it, for scripts whose KEYS[1] is the story's hash and
// KEYS[4] its title key: a headline of at most maxHashTitle bytes is field t of
// the hash, one of up to twice that its two halves, fields ta (the first
// maxHashTitle bytes) and tb (the rest), a longer one the title key, with ttl
// (ms), and each removes the other places. A key of its own costs some 170 bytes
// more than the fields (the key, its expiry, Redis's bookkeeping of both), but a
// value over maxHashTitle bytes would move the whole hash out of Redis's compact
// encoding (see keys.go). On the gun-violence stream 61% of headlines fit in t
// and all but 0.5% of the rest in ta and tb. The halves are byte slices: a
// reader joins them before it looks at the text (hashTitle). A Parallax from
// before the halves finds neither t nor a key for such a story and reads the
// centroid's headline, as it does for stories written before titles were kept.
const titleLua = `
local function set_title(title, ttl)
  if #title <= ` + maxHashTitle + ` then
    redis.call('HSET', KEYS[1], 't', title)
    redis.call('HDEL', KEYS[1], 'ta', 'tb')
    redis.call('DEL', KEYS[4])
  elseif #title <= 2 * ` + maxHashTitle + ` then
    redis.call('HSET', KEYS[1], 'ta', string.sub(title, 1, ` + maxHashTitle + `), 'tb', string.sub(title, ` + maxHashTitle + ` + 1))
    redis.call('HDEL', KEYS[1], 't')
    redis.call('DEL', KEYS[4])
  else
    redis.call('SET', KEYS[4], title, 'PX', ttl)
    redis.call('HDEL', KEYS[1], 't', 'ta', 'tb')
  end
end
`

// maxHashTitle is the longest value of a title field of a story's hash: Redis's
// default hash-max-listpack-value, the longest value a hash may hold and stay
// compact.
const maxHashTitle = "64"

// hashTitle is the title a story's hash holds, from its fields t, ta and tb (see
// titleLua): "" when it holds none.
func hashTitle(t, ta, tb string) string {
	if t != "" {
		return t
	}
	return ta + tb
}

// titleFields is hashTitle of the values of an HMGET of t, ta and tb.
func titleFields(v []any) string {
	if len(v) != 3 {
		return ""
	}
	return hashTitle(str(v[0]), str(v[1]), str(v[2]))
}

// membersLua defines the functions with which every script reads and writes a
// story's members, given the story's hash h and its member set z: a story of at
// most maxInlineMembers articles holds them in its hash, a field "=<aid>" each
// whose value is the article's time (ms), as the set scores them; the add that
// would pass that moves them all to the set. The set is a key of its own: some
// 200 bytes of key, expiry and Redis's bookkeeping, where a field costs some 30,
// and 60% of the gun-violence stream's stories hold one article. A story may hold
// members in both, when an older Parallax added to it during a rolling upgrade:
// the functions read the union (an older Parallax leaves the hash's members and
// field k, their count, alone). Members are ordered as a sorted set orders them,
// by time, then id.
//
//	m_score(h, z, aid)      the member's time, or false
//	m_count(h, z)           how many members
//	m_add(h, z, aid, ms)    adds (or re-times) a member
//	m_remove(h, z, aid)     takes a member out
//	m_all(h, z)             every member, oldest first: {{aid, ms}, ...}
//	m_newest(h, z, n)       the ids of the n newest members, newest first
//
// Field k counts the hash's members, so that a story of many articles, whose
// members are all in its set, is counted and read by rank as before, without
// reading its hash of many outlets.
const membersLua = `
local function m_inline(h)
  local out = {}
  if tonumber(redis.call('HGET', h, 'k') or '0') == 0 then return out end
  local f = redis.call('HGETALL', h)
  for i = 1, #f, 2 do
    if string.byte(f[i]) == 61 then out[#out + 1] = {string.sub(f[i], 2), f[i + 1]} end
  end
  return out
end
local function m_score(h, z, aid)
  return redis.call('HGET', h, '=' .. aid) or redis.call('ZSCORE', z, aid)
end
local function m_count(h, z)
  return tonumber(redis.call('HGET', h, 'k') or '0') + redis.call('ZCARD', z)
end
local function m_add(h, z, aid, ms)
  if redis.call('HEXISTS', h, '=' .. aid) == 1 then
    redis.call('HSET', h, '=' .. aid, ms)
    return
  end
  if redis.call('EXISTS', z) == 1 then
    redis.call('ZADD', z, ms, aid)
    return
  end
  if tonumber(redis.call('HGET', h, 'k') or '0') < ` + maxInlineMembers + ` then
    redis.call('HSET', h, '=' .. aid, ms)
    redis.call('HINCRBY', h, 'k', 1)
    return
  end
  for _, m in ipairs(m_inline(h)) do
    redis.call('ZADD', z, m[2], m[1])
    redis.call('HDEL', h, '=' .. m[1])
  end
  redis.call('HDEL', h, 'k')
  redis.call('ZADD', z, ms, aid)
end
local function m_remove(h, z, aid)
  if redis.call('HDEL', h, '=' .. aid) == 1 then redis.call('HINCRBY', h, 'k', -1) end
  redis.call('ZREM', z, aid)
end
local function m_before(a, b)
  local x, y = tonumber(a[2]), tonumber(b[2])
  if x ~= y then return x < y end
  return a[1] < b[1]
end
local function m_all(h, z)
  local all = m_inline(h)
  local zs = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
  for i = 1, #zs, 2 do all[#all + 1] = {zs[i], zs[i + 1]} end
  table.sort(all, m_before)
  return all
end
local function m_newest(h, z, n)
  local all = m_inline(h)
  if n <= 0 then return {} end
  local zs = redis.call('ZREVRANGE', z, 0, n - 1, 'WITHSCORES')
  for i = 1, #zs, 2 do all[#all + 1] = {zs[i], zs[i + 1]} end
  table.sort(all, function(a, b) return m_before(b, a) end)
  local out = {}
  for i = 1, math.min(n, #all) do out[i] = all[i][1] end
  return out
end
`

// maxInlineMembers is how many members a story holds in its hash (see
// membersLua): with as many outlets and its dozen other fields, the hash stays
// under the 128 fields of Redis's compact encoding (hash-max-listpack-entries).
const maxInlineMembers = "16"

// storyAddScript adds an article to a story, in the story's slot. It refuses
// ("conflict") when the story changed since the matcher read it (its version), when
// a new story's id is taken, or when a reader took the article out of the story
// since (see corrections.go).
//
// KEYS: 1 story, 2 story articles, 3 centroid, 4 title, 5 exclusions, 6 forward.
// ARGV: 1 expected version (0 = new story), 2 centroid, 3 TTL ms, 4 aid, 5 article
// time ms, 6 source, 7 how many of the newest members get their TTL renewed, 8 the
// headline, 9 the article's publication time ms (0 when unknown).
//
// Reply: {"ok", outlet count, now ms, renew}, then, when renew is "1", the ids of
// the members and then of the aliases whose TTLs are due (see below), the two lists
// separated by "".
const storyAddScript = titleLua + membersLua + `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local version, ttl = tonumber(ARGV[1]), tonumber(ARGV[3])
if version == 0 then
  if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict'} end
  -- A story of this id may have expired just now (a dangling article starting
  -- again), or been merged into another (its forward, see merge.go): nothing of
  -- it may leak into the new one.
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[6])
  -- p "" says the story is of this format but none of its articles is dated yet.
  redis.call('HSET', KEYS[1], 'f', now, 'p', '')
elseif tonumber(redis.call('HGET', KEYS[1], 'v') or '-1') ~= version then
  return {'conflict'}
elseif redis.call('SISMEMBER', KEYS[5], ARGV[4]) == 1 then
  -- A reader took the article out of this story (see corrections.go); the
  -- matcher skips such stories, so only a detach since its read lands here.
  return {'conflict'}
end
m_add(KEYS[1], KEYS[2], ARGV[4], ARGV[5])
if redis.call('HSETNX', KEYS[1], '@' .. ARGV[6], 1) == 1 then redis.call('HINCRBY', KEYS[1], 'o', 1) end
-- When the story was first reported (field p): lowered only by a dated article
-- older than every dated one before it. A story started before Parallax kept the
-- field has none, and gets none: the times of its earlier articles are not known
-- here (readers fall back on the articles they read).
local pub = tonumber(ARGV[9])
if pub > 0 then
  local p = redis.call('HGET', KEYS[1], 'p')
  if p and (p == '' or pub < tonumber(p)) then redis.call('HSET', KEYS[1], 'p', pub) end
end
-- The centroid carries the version it belongs to (see packing.storedCentroid).
redis.call('SET', KEYS[3], (version + 1) .. '\n' .. ARGV[2], 'PX', ttl)
-- The headline is kept apart from the centroid, so that listings and searches
-- read it without the centroid (see titleLua).
set_title(ARGV[8], ttl)
redis.call('HSET', KEYS[1], 'v', version + 1, 'u', now, 'n', m_count(KEYS[1], KEYS[2]))
for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], ttl) end
-- The story's exclusions (see corrections.go) expire with it.
redis.call('PEXPIRE', KEYS[5], ttl)
local out = {'ok', redis.call('HGET', KEYS[1], 'o'), tostring(now), '0'}
-- The articles live as long as their story. Renewing every member on every add
-- made an add cost as much as the story is large; instead members are renewed to
-- the retention plus the slack once per slack period (field r), so none expires
-- before the story and none outlives it by more than the slack. Their keys are in
-- other slots: the caller renews them.
local slack = math.floor(ttl / 10)
if now - tonumber(redis.call('HGET', KEYS[1], 'r') or '0') >= slack then
  out[4] = '1'
  for _, aid in ipairs(m_newest(KEYS[1], KEYS[2], tonumber(ARGV[7]))) do out[#out + 1] = aid end
  out[#out + 1] = ''
  -- Aliases of its articles (fields "~<alias id>", see AddAlias) live as long.
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(f, 1, 1) == '~' then out[#out + 1] = string.sub(f, 2) end
  end
  redis.call('HSET', KEYS[1], 'r', now)
end
return out
`

// Add is one article to add to the index.
type Add struct {
	Article stories.Article
	// StoryID is the story to join; empty starts a new story.
	StoryID string
	// Version is the story's version the matcher read (ignored for a new story).
	Version int64
	// Seen holds, per lookup term, its posting list's highest score at the
	// matcher's view (View.Seen), and LookupTerms the terms it looked candidates up
	// by: a new story is refused if a story was posted under those terms since, or
	// another writer is creating one under them (see guardScript).
	Seen        map[string]int64
	LookupTerms []string
	// Centroid is the story's centroid with the article folded in.
	Centroid *stories.Centroid
	// IndexTerms are the terms the story is to be found by from now on.
	IndexTerms []string
	// DocTerms are the article's distinct terms, counted into document frequencies.
	DocTerms []string
	// SimHash is the article body's fingerprint (0 when none).
	SimHash uint64
}

// Added reports what AddArticle did.
type Added struct {
	StoryID string
	// Existed is true when the article was already indexed (by another lookup or
	// replica); nothing was changed and StoryID is its story.
	Existed bool
}

// AddArticle stores a's article in its story in three atomic steps (see the
// comment above claimScript): the article's claim, the story's change and its
// postings and listing. It returns ErrConflict when the story changed (or its id
// was taken) since the matcher read the index, or when another writer is adding
// the same URL: the caller matches again.
func (r *Redis) AddArticle(ctx context.Context, a Add) (res Added, err error) {
	defer r.track("add_article", time.Now(), &err)
	if a.Article.URL == "" || a.Centroid == nil {
		return Added{}, errors.New("store: add article: missing URL or centroid")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	aid := ArticleID(a.Article.URL)
	sid := a.StoryID
	version := a.Version
	if sid == "" {
		sid, version = StoryIDFor(a.Article.URL), 0
	} else if version <= 0 {
		return Added{}, errors.New("store: add article: joining a story needs its version")
	}
	blob, err := r.pack.centroid(a.Centroid)
	if err != nil {
		return Added{}, fmt.Errorf("store: add article: %w", err)
	}
	value, err := r.pack.record(a.Article, a.SimHash)
	if err != nil {
		return Added{}, err
	}
	var published int64 // 0: unknown (a time before 1970 is nobody's publication time)
	if !a.Article.Published.IsZero() {
		published = max(a.Article.Published.UnixMilli(), 0)
	}

	// Step 1: the claim, and a new story's guards, in one pipeline.
	token, err := randomToken(8)
	if err != nil {
		return Added{}, fmt.Errorf("store: add article: %w", err)
	}
	claim := pendingMark + token
	var guarded []string
	if version == 0 {
		guarded = a.LookupTerms
	}
	existing, err := r.claim(ctx, aid, claim, sid, guarded, a.Seen)
	if err != nil || existing != "" {
		return Added{StoryID: existing, Existed: existing != ""}, err
	}
	release := func() { r.releaseClaim(ctx, aid, claim, sid, guarded) }

	// Step 2: the story.
	ttl := r.retention.Milliseconds()
	keys := []string{
		r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid), r.titleKey(sid),
		r.exclusionKey(sid), r.forwardKey(sid),
	}
	args := []any{
		version, blob, ttl, aid, a.Article.When().UnixMilli(), a.Article.Source(),
		refreshMembers, a.Centroid.Headline, published,
	}
	out, err := r.storyAddScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		// It may have been applied all the same: the story then has a member
		// without a record, which readers skip, until the URL is indexed again.
		r.cache.drop(sid, aid)
		release()
		return Added{}, r.wrap("add article", err)
	}
	if len(out) == 1 && out[0] == "conflict" {
		release()
		return Added{}, fmt.Errorf("store: add article: %w", ErrConflict)
	}
	if len(out) < 4 || out[0] != "ok" {
		release()
		return Added{}, fmt.Errorf("store: add article: unexpected reply %q", out)
	}
	outlets, _ := strconv.ParseInt(out[1], 10, 64)
	now, _ := strconv.ParseInt(out[2], 10, 64)
	var renewArticles, renewAliases []string
	if out[3] == "1" {
		rest := out[4:]
		if i := slices.Index(rest, ""); i >= 0 {
			renewArticles, renewAliases = rest[:i], rest[i+1:]
		}
	}

	// Step 3: the record, the postings, the listing, the renewals; the guards go.
	slack := ttl / 10
	var finished *redis.Cmd
	err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
		finished = r.finishScript.EvalSha(ctx, pipe, []string{r.articleKey(aid), r.redirectKey(aid)}, claim, sid+"\n"+value, ttl+slack)
		r.post(ctx, pipe, sid, a.IndexTerms)
		r.unguard(ctx, pipe, sid, guarded)
		r.list(ctx, pipe, sid, now, outlets)
		for _, id := range renewArticles {
			pipe.PExpire(ctx, r.articleKey(id), time.Duration(ttl+slack)*time.Millisecond)
		}
		for _, id := range renewAliases {
			pipe.PExpire(ctx, r.aliasKey(id), time.Duration(ttl+slack)*time.Millisecond)
		}
	})
	r.cache.drop(sid, aid)
	if err != nil {
		return Added{}, r.wrap("add article", err)
	}
	if n, _ := finished.Int(); n != 1 {
		// The claim expired before the record was written (the steps took over
		// claimTTL) and another writer may hold it now: the story keeps a member
		// without a record, which readers skip.
		return Added{}, fmt.Errorf("store: add article: the claim on the article expired before it was written: %w", ErrConflict)
	}
	r.countDocument(a.DocTerms)
	return Added{StoryID: sid}, nil
}

// claim runs step 1 of an add: it claims the article's key and, for a new story
// sid, guards its lookup terms (see guardScript), in one pipeline. It returns ""
// when the caller holds the claim and the guards, or the story id of the indexed
// article; ErrConflict when another writer holds the claim or a guard, or a story
// was posted under a lookup term since the view. A dangling article (its story
// expired) is claimed over.
func (r *Redis) claim(ctx context.Context, aid, claim, sid string, guarded []string, seen map[string]int64) (storyID string, err error) {
	key := []string{r.articleKey(aid)}
	ms := claimTTL.Milliseconds()
	replace := ""
	for range 2 {
		var claimed *redis.Cmd
		var guards []*redis.Cmd
		err := r.execScripts(ctx, func(pipe redis.Pipeliner) {
			claimed = r.claimScript.EvalSha(ctx, pipe, key, claim, ms, replace)
			guards = r.guard(ctx, pipe, sid, guarded, seen)
		})
		if err != nil {
			r.releaseGuards(ctx, sid, guarded)
			return "", r.wrap("add article: claim", err)
		}
		out, err := claimed.StringSlice()
		if err != nil {
			return "", r.wrap("add article: claim", err)
		}
		held := true
		for _, g := range guards {
			if n, _ := g.Int(); n != 1 {
				held = false
			}
		}
		switch {
		case len(out) == 1 && out[0] == "claimed":
			if held {
				return "", nil
			}
			r.releaseClaim(ctx, aid, claim, sid, guarded)
			return "", fmt.Errorf("store: add article: a story was started under its terms since the read: %w", ErrConflict)
		case len(out) == 1 && out[0] == "busy":
			r.releaseGuards(ctx, sid, guarded)
			return "", fmt.Errorf("store: add article: another writer is adding it: %w", ErrConflict)
		case len(out) != 2 || out[0] != "exists":
			r.releaseGuards(ctx, sid, guarded)
			return "", fmt.Errorf("store: add article: claim: unexpected reply %q", out)
		}
		r.releaseGuards(ctx, sid, guarded)
		esid, _, _ := strings.Cut(out[1], "\n")
		n, err := r.rdb.Exists(ctx, r.storyKey(esid)).Result()
		if err != nil {
			return "", r.wrap("add article: claim", err)
		}
		if n == 1 {
			return esid, nil
		}
		// Its story has expired (an article outlives its story by up to the slack):
		// indexed afresh, never answered with a story that is gone.
		replace = out[1]
	}
	return "", fmt.Errorf("store: add article: claim: %w", ErrConflict)
}

// releaseClaim gives up a claim and the guards taken with it; releaseGuards only
// the guards. Best effort: a claim left expires after claimTTL, a guard after
// guardTTL.
func (r *Redis) releaseClaim(ctx context.Context, aid, claim, sid string, guarded []string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	r.execScripts(rctx, func(pipe redis.Pipeliner) {
		r.finishScript.EvalSha(rctx, pipe, []string{r.articleKey(aid), r.redirectKey(aid)}, claim, "", 0)
		r.unguard(rctx, pipe, sid, guarded)
	})
}

func (r *Redis) releaseGuards(ctx context.Context, sid string, guarded []string) {
	if len(guarded) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	r.execScripts(rctx, func(pipe redis.Pipeliner) { r.unguard(rctx, pipe, sid, guarded) })
}

// articleFormat is the version of the stored article encoding, written in its
// "v" field. A reader meets three cases: no "v" (written before formats were
// versioned: the same fields as version 1), a version it knows, or a newer one
// written by a newer Parallax during a rolling deploy or after a downgrade, which it
// skips as if the article were not indexed (it is indexed again, or expires)
// instead of failing the request. Adding an optional field keeps the version;
// changing or removing one bumps it.
const articleFormat = 1

// storedArticle is an article as kept in Redis: one compact JSON string (a hash
// would leave Redis's compact encoding as soon as a title or excerpt passed 64
// bytes, tripling its size), prefixed by the story id and a newline.
type storedArticle struct {
	Format      int    `json:"v"`
	URL         string `json:"u"`
	Title       string `json:"t,omitempty"`
	Byline      string `json:"b,omitempty"`
	Excerpt     string `json:"x,omitempty"`
	Lang        string `json:"l,omitempty"`
	Published   int64  `json:"p,omitempty"` // unix ms
	Added       int64  `json:"ad"`
	OutletID    string `json:"o,omitempty"`
	Domain      string `json:"d,omitempty"`
	DuplicateOf string `json:"dup,omitempty"`
	Partial     bool   `json:"pa,omitempty"`
	SimHash     uint64 `json:"h,omitempty"`
	Provenance  string `json:"src,omitempty"`
	// The summary's candidate sentences (stories.Candidates) and their positions
	// in the article, in two parallel arrays: c and cp, added without a format
	// change (an older record has neither and reads with no candidates). A
	// sentence the excerpt holds (the lead, when the excerpt is the first
	// paragraph) is kept once: its c entry is "" and cx holds its offset and
	// length in the excerpt, a pair per empty entry, in order. On BASIL that
	// saves about a third of the candidates' bytes.
	Candidates []string `json:"c,omitempty"`
	CandPos    []int    `json:"cp,omitempty"`
	CandInExc  []int    `json:"cx,omitempty"`
	// Match is why the article is in its story (see storedEvidence); absent in
	// articles stored before Parallax kept it, which decode without it.
	Match *storedEvidence `json:"m,omitempty"`
}

// storedEvidence is stories.Evidence as the article record keeps it: one-letter
// names and three decimals: 228 bytes with its ten terms for the lookup fixtures'
// articles that joined a story, 38 for one that started it (the whole record is
// 400–700 bytes of the 2 KB an article costs, see keys.go).
type storedEvidence struct {
	Started    bool     `json:"n,omitempty"` // started its story
	Score      float64  `json:"s"`
	Threshold  float64  `json:"th"`
	Title      float64  `json:"t,omitempty"`
	Body       float64  `json:"b,omitempty"`
	Entities   float64  `json:"e,omitempty"`
	GapSeconds int64    `json:"g,omitempty"`
	TimeFactor float64  `json:"f,omitempty"`
	Terms      []string `json:"w,omitempty"`
	Names      []string `json:"x,omitempty"`
	Corrected  bool     `json:"c,omitempty"`
}

func evidenceOut(ev *stories.Evidence) *storedEvidence {
	if ev == nil {
		return nil
	}
	return &storedEvidence{
		Started: ev.Started, Score: ev.Score, Threshold: ev.Threshold,
		Title: ev.Title, Body: ev.Body, Entities: ev.Entities,
		GapSeconds: int64(ev.TimeGap / time.Second), TimeFactor: ev.TimeFactor,
		Terms: boundTerms(ev.SharedTerms), Names: boundTerms(ev.SharedEntities),
		Corrected: ev.Corrected,
	}
}

func (s *storedEvidence) evidence() *stories.Evidence {
	if s == nil {
		return nil
	}
	tf := s.TimeFactor
	if tf == 0 {
		tf = 1
	}
	return &stories.Evidence{
		Started: s.Started, Score: s.Score, Threshold: s.Threshold,
		Title: s.Title, Body: s.Body, Entities: s.Entities,
		TimeGap: time.Duration(s.GapSeconds) * time.Second, TimeFactor: tf,
		SharedTerms: boundTerms(s.Terms), SharedEntities: boundTerms(s.Names),
		Corrected: s.Corrected,
	}
}

// boundTerms keeps at most stories.EvidenceTerms terms of at most 64 bytes: a
// record is read back as it was written, but a damaged or foreign one must not
// make an answer grow. Never nil, so the API says [] rather than null.
func boundTerms(ts []string) []string {
	out := make([]string, 0, min(len(ts), stories.EvidenceTerms))
	for _, t := range ts {
		if len(out) == stories.EvidenceTerms {
			break
		}
		if len(t) > 64 {
			t = t[:64]
		}
		out = append(out, t)
	}
	return out
}

// maxStoredCandidates bounds what a record may hold, whatever wrote it.
const maxStoredCandidates = stories.MaxCandidates

func encodeArticle(a stories.Article, simhash uint64) (string, error) {
	s := storedArticle{
		Format: articleFormat,
		URL:    a.URL, Title: a.Title, Byline: a.Byline, Excerpt: a.Excerpt, Lang: a.Lang,
		Added: a.Added.UnixMilli(), OutletID: a.OutletID, Domain: a.Domain,
		DuplicateOf: a.DuplicateOf, Partial: a.Partial, SimHash: simhash, Provenance: a.Provenance,
		Match: evidenceOut(a.Match),
	}
	if !a.Published.IsZero() {
		s.Published = a.Published.UnixMilli()
	}
	for _, c := range a.Candidates[:min(len(a.Candidates), maxStoredCandidates)] {
		text := c.Text
		if i := strings.Index(a.Excerpt, text); i >= 0 && text != "" {
			s.CandInExc = append(s.CandInExc, i, len(text))
			text = ""
		}
		s.Candidates = append(s.Candidates, text)
		s.CandPos = append(s.CandPos, c.Pos)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("store: encode article: %w", err)
	}
	return string(b), nil
}

// articleStatus says why decodeArticle found no article.
type articleStatus int

const (
	articleOK     articleStatus = iota
	articleAbsent               // no value (never indexed, or expired)
	articleBad                  // not a stored article (damaged)
	articleNewer                // written in a format newer than articleFormat
)

// decodeArticle reads a stored article value.
func decodeArticle(v string) (a stories.Article, storyID string, status articleStatus) {
	if v == "" {
		return stories.Article{}, "", articleAbsent
	}
	sid, body, found := strings.Cut(v, "\n")
	if !found {
		return stories.Article{}, "", articleBad
	}
	var s storedArticle
	if json.Unmarshal([]byte(body), &s) != nil || s.URL == "" {
		return stories.Article{}, "", articleBad
	}
	if s.Format > articleFormat {
		return stories.Article{}, "", articleNewer
	}
	a = stories.Article{
		URL: s.URL, Title: s.Title, Byline: s.Byline, Excerpt: s.Excerpt, Lang: s.Lang,
		OutletID: s.OutletID, Domain: s.Domain, DuplicateOf: s.DuplicateOf, Partial: s.Partial,
		Added: time.UnixMilli(s.Added).UTC(), Provenance: s.Provenance, Match: s.Match.evidence(),
	}
	if s.Published != 0 {
		a.Published = time.UnixMilli(s.Published).UTC()
	}
	a.Candidates = decodeCandidates(s)
	return a, sid, articleOK
}

// decodeCandidates reads a record's candidates. Damaged lists (positions that do
// not pair with sentences, an excerpt reference out of range) drop the
// candidates, never the article.
func decodeCandidates(s storedArticle) []stories.Candidate {
	if len(s.CandPos) != len(s.Candidates) || len(s.Candidates) > maxStoredCandidates {
		return nil
	}
	var out []stories.Candidate
	refs := s.CandInExc
	for i, text := range s.Candidates {
		if text == "" {
			if len(refs) < 2 {
				return nil
			}
			off, n := refs[0], refs[1]
			refs = refs[2:]
			if off < 0 || n <= 0 || off > len(s.Excerpt)-n {
				return nil
			}
			text = s.Excerpt[off : off+n]
		}
		out = append(out, stories.Candidate{Text: text, Pos: s.CandPos[i]})
	}
	return out
}

// article decodes a stored article value for a reader: ok false when there is
// none it can use. Values it cannot read are reported once per kind (see unreadable).
func (r *Redis) article(v string) (stories.Article, string, bool) {
	a, sid, status := r.pack.decodeRecord(v)
	switch status {
	case articleNewer:
		r.unreadable("article", "written by a newer Parallax")
	case articleBad:
		r.unreadable("article", "damaged")
	}
	return a, sid, status == articleOK
}

func msTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s == "" {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ArticleByURL returns the indexed article with this canonical URL and its story
// id, following an alias (see AddAlias) when the URL is not an article's own.
func (r *Redis) ArticleByURL(ctx context.Context, canonicalURL string) (a stories.Article, storyID string, err error) {
	defer r.track("article", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	aid := ArticleID(canonicalURL)
	pipe := r.rdb.Pipeline()
	own := pipe.Get(ctx, r.articleKey(aid))
	alias := pipe.Get(ctx, r.aliasKey(aid))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return stories.Article{}, "", r.wrap("article", err)
	}
	v := own.Val()
	if v == "" && alias.Val() != "" {
		// Only a URL that was looked up under another canonical costs this second
		// round trip; a miss then goes on to extraction, which costs far more.
		if v, err = r.rdb.Get(ctx, r.articleKey(alias.Val())).Result(); err != nil {
			return stories.Article{}, "", r.wrap("article", err)
		}
	}
	return r.readArticle(v)
}

// ArticleByID returns the indexed article with this id (see ArticleID) and its story id.
func (r *Redis) ArticleByID(ctx context.Context, aid string) (a stories.Article, storyID string, err error) {
	defer r.track("article", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, r.articleKey(aid)).Result()
	if err != nil {
		return stories.Article{}, "", r.wrap("article", err)
	}
	return r.readArticle(v)
}

func (r *Redis) readArticle(v string) (stories.Article, string, error) {
	a, sid, ok := r.article(v)
	if !ok {
		return stories.Article{}, "", fmt.Errorf("store: article: %w", ErrNotFound)
	}
	return a, sid, nil
}

// aliasStoryScript records an alias in its article's story (field "~<alias id>"),
// so that the add script renews it with the story's articles, if the story still
// exists (an HSET alone would leave a stub story behind). KEYS: 1 story. ARGV: 1 the
// alias's id.
const aliasStoryScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], '~' .. ARGV[1], 1)
return 1
`

// AddAlias makes the canonical URL requestedURL find the article indexed at
// articleURL. A page may declare a canonical URL other than the one a reader asked
// for (an AMP or syndicated copy naming its original): the article is kept under
// its own URL, and without the alias every later lookup of the requested URL would
// miss the index and fetch the publisher again. It is a no-op when the article is
// not (or no longer) indexed.
func (r *Redis) AddAlias(ctx context.Context, requestedURL, articleURL string) (err error) {
	defer r.track("add_alias", time.Now(), &err)
	if requestedURL == articleURL {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	alias, target := ArticleID(requestedURL), ArticleID(articleURL)
	defer r.cache.drop("", alias)
	// Three slots (the article's, the alias's, the story's): the article is read
	// first, the story told, then the alias written for as long as the article
	// lives. A failure between the last two leaves a field naming an alias that is
	// not there, which the story's renewal skips: harmless.
	pipe := r.rdb.Pipeline()
	v := pipe.Get(ctx, r.articleKey(target))
	pttl := pipe.PTTL(ctx, r.articleKey(target))
	if _, err := pipe.Exec(ctx); err != nil {
		if errors.Is(err, redis.Nil) {
			return nil
		}
		return r.wrap("add alias", err)
	}
	sid, _, found := strings.Cut(v.Val(), "\n")
	if !found || strings.HasPrefix(sid, pendingMark) || pttl.Val() <= 0 {
		return nil
	}
	ok, err := r.aliasStoryScript.Run(ctx, r.rdb, []string{r.storyKey(sid)}, alias).Int()
	if err != nil || ok == 0 {
		return r.wrap("add alias", err)
	}
	return r.wrap("add alias", r.rdb.Set(ctx, r.aliasKey(alias), target, pttl.Val()).Err())
}

// Story returns a story with up to limit of its newest articles (MaxStoryArticles
// when limit is 0 or larger), in two round trips. An id merged into another story
// (see MergeStories) returns the survivor, whose ID differs, in one more.
func (r *Redis) Story(ctx context.Context, id string, limit int) (s stories.Story, err error) {
	s, err = r.story(ctx, id, limit)
	if !errors.Is(err, ErrNotFound) {
		return s, err
	}
	to, rerr := r.ResolveStory(ctx, id)
	switch {
	case errors.Is(rerr, ErrNotFound) || to == id:
		return stories.Story{}, err
	case rerr != nil:
		return stories.Story{}, rerr
	}
	return r.story(ctx, to, limit)
}

func (r *Redis) story(ctx context.Context, id string, limit int) (s stories.Story, err error) {
	defer r.track("story", time.Now(), &err)
	if limit <= 0 || limit > MaxStoryArticles {
		limit = MaxStoryArticles
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// One transaction, in the story's slot: an add that moves the members from
	// the hash to the set (see membersLua) must not fall between the reads.
	pipe := r.rdb.TxPipeline()
	meta := pipe.HGetAll(ctx, r.storyKey(id))
	title := pipe.Get(ctx, r.titleKey(id))
	set := pipe.ZRevRangeWithScores(ctx, r.storyArticlesKey(id), 0, int64(limit-1))
	setSize := pipe.ZCard(ctx, r.storyArticlesKey(id))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return stories.Story{}, r.wrap("story", err)
	}
	m := meta.Val()
	if m["v"] == "" {
		return stories.Story{}, fmt.Errorf("store: story %q: %w", id, ErrNotFound)
	}
	version, _ := strconv.ParseInt(m["v"], 10, 64)
	ids, total := newestMembers(m, set.Val(), int(setSize.Val()), limit)
	s = stories.Story{
		ID:             id,
		Title:          cmp.Or(hashTitle(m["t"], m["ta"], m["tb"]), title.Val()),
		Version:        version,
		FirstSeen:      msTime(m["f"]),
		FirstPublished: msTime(m["p"]),
		Updated:        msTime(m["u"]),
		ArticleCount:   total,
	}
	// The articles, and the centroid only for a story written before titles had a
	// key of their own, in the second round trip.
	pipe = r.rdb.Pipeline()
	var cent *redis.StringCmd
	if s.Title == "" {
		cent = pipe.Get(ctx, r.centroidKey(id))
	}
	var values []*redis.StringCmd
	if len(ids) > 0 {
		keys := make([]string, len(ids))
		for i, aid := range ids {
			keys[i] = r.articleKey(aid)
		}
		values = make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			values[i] = pipe.Get(ctx, k) // keys of many slots: no MGET (see shard.go)
		}
	}
	if pipe.Len() > 0 {
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return stories.Story{}, r.wrap("story articles", err)
		}
	}
	if cent != nil {
		s.Title = r.headline(cent.Val())
	}
	if values != nil {
		for _, c := range values {
			v := c.Val()
			// An article whose key expired before its story (see refreshMembers) is skipped.
			if a, _, ok := r.article(str(v)); ok {
				s.Articles = append(s.Articles, a)
			}
		}
	}
	if s.FirstPublished.IsZero() && len(s.Articles) == s.ArticleCount {
		// No field p: a story started before Parallax kept it. With every article
		// read, their times say it.
		s.FirstPublished = stories.FirstPublished(s.Articles)
	}
	return s, nil
}

// newestMembers returns the ids of a story's newest members, newest first, up to
// limit, and how many members it has: those of its hash's fields (see membersLua)
// and those of its member set, read newest first (set, of setSize in all), in the
// order membersLua's m_newest gives.
func newestMembers(fields map[string]string, set []redis.Z, setSize, limit int) ([]string, int) {
	all := inlineMembers(fields)
	total := len(all) + setSize
	if len(all) == 0 {
		// The common case for a large story, and a story written before members
		// were kept in the hash: the set's order is the order.
		all = set
	} else {
		all = append(all, set...)
		slices.SortFunc(all, func(a, b redis.Z) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			return strings.Compare(str(b.Member), str(a.Member))
		})
	}
	ids := make([]string, 0, min(limit, len(all)))
	for _, z := range all[:min(limit, len(all))] {
		ids = append(ids, str(z.Member))
	}
	return ids, total
}

// inlineMembers returns the members a story's hash holds (see membersLua), in no
// order.
func inlineMembers(fields map[string]string) []redis.Z {
	var out []redis.Z
	for k, v := range fields {
		if aid, ok := strings.CutPrefix(k, "="); ok {
			ms, _ := strconv.ParseFloat(v, 64)
			out = append(out, redis.Z{Member: aid, Score: ms})
		}
	}
	return out
}

// headline returns the title kept in a stored centroid, "" when there is none or
// it cannot be read.
func (r *Redis) headline(value string) string {
	var c stories.Centroid
	_, blob, ok := r.pack.storedCentroid(value)
	if !ok {
		return ""
	}
	if err := c.Decode(blob); err != nil {
		r.unreadable("centroid", err.Error())
		return ""
	}
	return c.Headline
}

// splitCentroid splits a centroid key's value into the story version it was
// written with and the centroid's stored bytes (see packing.storedCentroid). ok is
// false for an empty or malformed value.
func splitCentroid(value string) (version int64, blob string, ok bool) {
	v, blob, found := strings.Cut(value, "\n")
	if !found || blob == "" {
		return 0, "", false
	}
	version, err := strconv.ParseInt(v, 10, 64)
	if err != nil || version <= 0 {
		return 0, "", false
	}
	return version, blob, true
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// dfBuckets is how many hashes a document-frequency window is spread over (and so
// over a cluster's slots). Redis keeps a hash of up to 128 short fields in a
// compact listpack (about 15 bytes a term) but switches to a hash table (about 80)
// beyond. Every key also costs bytes of its own, so the bucket count is a trade:
// 16,384 buckets kept two million terms compact, but held three terms a key on the
// gun-violence stream (59,000 terms in 15,900 keys); 1,024 cut its index from
// 5,310 to 4,830 bytes per article (INFO used_memory). They keep 128,000 terms
// compact, and past that the hash table's 65 bytes more per term are little next
// to an index that size (a few bytes per article).
const dfBuckets = 1 << 10

func dfBucket(term string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(term))
	return h.Sum32() % dfBuckets
}
