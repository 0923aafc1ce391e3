package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// Merging: the matcher's second pass finds two stories that turned out to be one
// (see stories.Convergence) and folds one into the other. The survivor keeps its
// id; the other's id forwards to it (key s:<sid>:m) for as long as a reader may
// hold it, so a story page or API call for it answers the survivor.

// ErrMergeRefused means a merge was refused for good: an article of one story was
// taken out of the other by a reader (a merge would undo the correction), or the
// story to fold in is larger than maxMergeArticles.
var ErrMergeRefused = errors.New("store: merge refused")

const (
	// maxMergeArticles bounds the articles one merge moves: the script rewrites
	// every record of the story folded in, and the survivor is the larger story,
	// so only two large stories could cost more. Such stories are not fragments.
	maxMergeArticles = MaxStoryArticles
	// maxForwards bounds the forwards a reader follows from a merged-away id: a
	// fragment folded into a story that is folded again leaves a chain.
	maxForwards = 8
)

// mergeScript folds story 2 (KEYS[6..11]) into story 1 (KEYS[1..5]) in one atomic
// step. It refuses ("conflict") when either story changed since the caller read
// them (their versions), so no article added meanwhile is lost and no centroid is
// written over a newer one; the caller reads them again. It refuses for good
// ("excluded") when an article of either story is in the other's exclusions.
//
// Every article of story 2 is moved: its record names story 1 (and lives as long
// as after an add), the survivor's member set, outlets ("@"), aliases ("~"),
// counts, first seen and first published take it in; the exclusions are unioned,
// and the correction log's entries "<sid2>:<aid>" become "<sid1>:<aid>" (their
// data still names the story the reader saw). Story 2's postings, listing entries
// and keys go; its id forwards to story 1 (KEYS[11]) for the retention.
//
// KEYS: 1 story, 2 its articles, 3 centroid, 4 title, 5 exclusions, 6 story to fold
// in, 7 its articles, 8 its centroid, 9 its title, 10 its exclusions, 11 its
// forward, 12 recent, 13 coverage, 14 add counter, 15 corrections, 16 correction
// data, then the survivor's postings (ARGV[11] of them), then story 2's.
// ARGV: 1 sid, 2 sid2, 3 version, 4 version2, 5 merged centroid, 6 headline, 7 ttl
// ms, 8 article key prefix, 9 alias key prefix, 10 posting cap, 11 number of
// survivor postings, 12 most articles to move.
const mergeScript = nextTickLua + `
local sid, sid2 = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[6]) == 0 then return {'conflict'} end
if tonumber(redis.call('HGET', KEYS[1], 'v') or '-1') ~= tonumber(ARGV[3]) or
   tonumber(redis.call('HGET', KEYS[6], 'v') or '-1') ~= tonumber(ARGV[4]) then return {'conflict'} end
if redis.call('ZCARD', KEYS[7]) > tonumber(ARGV[12]) then return {'excluded'} end
for _, aid in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  if redis.call('ZSCORE', KEYS[7], aid) then return {'excluded'} end
end
local moving = redis.call('SMEMBERS', KEYS[10])
for _, aid in ipairs(moving) do
  if redis.call('ZSCORE', KEYS[2], aid) then return {'excluded'} end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[7])
local slack = math.floor(ttl / 10)
-- The articles: records rewritten to name the survivor, members moved.
local members = redis.call('ZRANGE', KEYS[7], 0, -1, 'WITHSCORES')
local out = {'ok'}
for i = 1, #members, 2 do
  local aid = members[i]
  local ak = ARGV[8] .. aid .. '}'
  local v = redis.call('GET', ak)
  if v then
    local nl = string.find(v, '\n', 1, true)
    if nl then redis.call('SET', ak, sid .. string.sub(v, nl), 'PX', ttl + slack) end
  end
  redis.call('ZADD', KEYS[2], members[i + 1], aid)
  out[#out + 1] = aid
end
-- The story's fields: outlets and aliases joined, first seen and first published
-- the earlier (p unknown when either story predates it, see keys.go).
local h = redis.call('HGETALL', KEYS[6])
local f2, p2 = nil, nil
for i = 1, #h, 2 do
  local k, v = h[i], h[i + 1]
  local c = string.sub(k, 1, 1)
  if c == '@' then
    if redis.call('HSETNX', KEYS[1], k, 1) == 1 then redis.call('HINCRBY', KEYS[1], 'o', 1) end
  elseif c == '~' then
    redis.call('HSET', KEYS[1], k, 1)
    redis.call('PEXPIRE', ARGV[9] .. string.sub(k, 2) .. '}', ttl + slack)
  elseif k == 'f' then f2 = v
  elseif k == 'p' then p2 = v
  end
end
local f1 = redis.call('HGET', KEYS[1], 'f')
if f2 and (not f1 or tonumber(f2) < tonumber(f1)) then redis.call('HSET', KEYS[1], 'f', f2) end
local p1 = redis.call('HGET', KEYS[1], 'p')
if not p1 or not p2 then
  redis.call('HDEL', KEYS[1], 'p')
elseif p1 == '' or (p2 ~= '' and tonumber(p2) < tonumber(p1)) then
  redis.call('HSET', KEYS[1], 'p', p2)
end
local version = tonumber(ARGV[3]) + 1
redis.call('HSET', KEYS[1], 'v', version, 'u', now, 'n', redis.call('ZCARD', KEYS[2]))
redis.call('SET', KEYS[3], version .. '\n' .. ARGV[5], 'PX', ttl)
redis.call('SET', KEYS[4], ARGV[6], 'PX', ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
-- Exclusions and the correction log follow the articles' new story.
for _, aid in ipairs(moving) do
  redis.call('SADD', KEYS[5], aid)
  local old, new = sid2 .. ':' .. aid, sid .. ':' .. aid
  local data = redis.call('HGET', KEYS[16], old)
  local at = redis.call('ZSCORE', KEYS[15], old)
  if data and at then
    redis.call('HSET', KEYS[16], new, data)
    redis.call('ZADD', KEYS[15], at, new)
  end
  redis.call('HDEL', KEYS[16], old)
  redis.call('ZREM', KEYS[15], old)
end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('PEXPIRE', KEYS[5], ttl) end
-- Postings: the survivor under its new terms, as an add posts it; story 2 out of its own.
local cap, n1 = tonumber(ARGV[10]), tonumber(ARGV[11])
for i = 17, 16 + n1 do
  if redis.call('ZADD', KEYS[i], nexttick(KEYS[i]), sid) == 1 then
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
for i = 17 + n1, #KEYS do redis.call('ZREM', KEYS[i], sid2) end
redis.call('ZREM', KEYS[12], sid2)
redis.call('ZREM', KEYS[13], sid2)
redis.call('ZADD', KEYS[12], now, sid)
redis.call('ZADD', KEYS[13], redis.call('HGET', KEYS[1], 'o') or 0, sid)
redis.call('DEL', KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10])
redis.call('SET', KEYS[11], sid, 'PX', ttl)
return out
`

// Merge is one story folded into another, with what the caller computed: the
// merged centroid and the terms both stories are found by.
type Merge struct {
	// Into is the survivor (see stories.Survivor), IntoVersion the version read.
	Into        string
	IntoVersion int64
	// From is the story folded in, FromVersion the version read, FromIndexTerms
	// the terms it is found by (stories.Config.IndexKeys of its centroid).
	From           string
	FromVersion    int64
	FromIndexTerms []string
	// Centroid is the merged centroid (stories.Config.Merge), IndexTerms the
	// terms the survivor is to be found by from now on.
	Centroid   *stories.Centroid
	IndexTerms []string
}

// Merged reports what MergeStories did.
type Merged struct {
	// StoryID is the survivor.
	StoryID string
	// Moved is how many articles moved into it.
	Moved int
}

// MergeStories folds story m.From into story m.Into (see mergeScript). Errors:
// ErrConflict (either story changed, or is gone, since it was read: read them
// again), ErrMergeRefused.
func (r *Redis) MergeStories(ctx context.Context, m Merge) (res Merged, err error) {
	defer r.track("merge", time.Now(), &err)
	if m.Into == "" || m.From == "" || m.Into == m.From || m.Centroid == nil {
		return Merged{}, errors.New("store: merge: missing story or centroid")
	}
	blob, err := m.Centroid.MarshalBinary()
	if err != nil {
		return Merged{}, fmt.Errorf("store: merge: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	into, from := m.Into, m.From
	keys := []string{
		r.storyKey(into), r.storyArticlesKey(into), r.centroidKey(into), r.titleKey(into), r.exclusionKey(into),
		r.storyKey(from), r.storyArticlesKey(from), r.centroidKey(from), r.titleKey(from), r.exclusionKey(from),
		r.forwardKey(from), r.recentKey(0), r.coverageKey(0), r.addsKey(), r.correctionsKey(), r.correctionDataKey(),
	}
	for _, t := range m.IndexTerms {
		keys = append(keys, r.termKey(t))
	}
	for _, t := range m.FromIndexTerms {
		keys = append(keys, r.termKey(t))
	}
	args := []any{
		into, from, m.IntoVersion, m.FromVersion, blob, m.Centroid.Headline, r.retention.Milliseconds(),
		r.tagOpen(keyArticle), r.tagOpen(keyAlias), postingCap, len(m.IndexTerms), maxMergeArticles,
	}
	out, err := r.mergeScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		r.cache.clear() // it may have been applied all the same
		return Merged{}, r.wrap("merge", err)
	}
	if len(out) == 0 {
		return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", out)
	}
	switch out[0] {
	case "ok":
		r.cache.drop(from, out[1:]...)
		r.cache.drop(into)
		return Merged{StoryID: into, Moved: len(out) - 1}, nil
	case "conflict":
		return Merged{}, fmt.Errorf("store: merge: %w", ErrConflict)
	case "excluded":
		return Merged{}, fmt.Errorf("store: merge: %w", ErrMergeRefused)
	}
	return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", out)
}

// resolveScript follows a story id's forwards (see mergeScript) to the story that
// holds its articles now: the id itself while its story exists, "" when neither
// it nor a forward does. KEYS: 1 the story (the forwards' keys are built from
// ARGV: no client could name a chain in advance; every key shares the prefix's
// hash tag). ARGV: 1 story key prefix, 2 sid, 3 most forwards followed.
const resolveScript = `
local sid = ARGV[2]
for _ = 0, tonumber(ARGV[3]) do
  if redis.call('EXISTS', ARGV[1] .. sid .. '}') == 1 then return sid end
  local to = redis.call('GET', ARGV[1] .. sid .. '}:m')
  if not to then return '' end
  sid = to
end
return ''
`

// ResolveStory returns the id of the story that holds story sid's articles now:
// sid itself while it exists, the survivor when it was merged into another (see
// MergeStories). ErrNotFound when there is neither.
func (r *Redis) ResolveStory(ctx context.Context, sid string) (id string, err error) {
	defer r.track("resolve_story", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	id, err = r.resolveScript.Run(ctx, r.rdb, []string{r.storyKey(sid)}, r.tagOpen(keyStory), sid, maxForwards).Text()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", r.wrap("resolve story", err)
	}
	if id == "" {
		return "", fmt.Errorf("store: story %q: %w", sid, ErrNotFound)
	}
	return id, nil
}
