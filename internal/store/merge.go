package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// maxMergeArticles bounds the articles one merge moves: its reply carries
	// every member of the story folded in, the survivor's script takes them all,
	// and one pipeline rewrites every record (a script each); the survivor is the
	// larger story, so only two large stories could cost more. Such stories are
	// not fragments.
	maxMergeArticles = MaxStoryArticles
	// maxForwards bounds the forwards a reader follows from a merged-away id: a
	// fragment folded into a story that is folded again leaves a chain.
	maxForwards = 8
)

// mergeMarkScript freezes the story a merge folds in (step 1 of MergeStories):
// with the version check, it sets the story's forward to the survivor and bumps
// its version without rewriting its centroid, so that every writer that read the
// story (adds, moves, other merges: they take the version from the centroid) is
// refused from now on, and the moves check the forward too. The centroid gets
// moveTTL: if the merge dies here, the matcher stops proposing the frozen story
// once it expires. A story frozen for this same merge (the forward names the
// survivor, the version is the one read plus one) is a re-run resuming it.
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 exclusions, 5 forward. ARGV: 1 the
// survivor, 2 expected version, 3 TTL ms, 4 most articles to move, 5 moveTTL ms.
// Reply: {"ok", members and scores, the story's fields and values, its
// exclusions}, {"conflict"} or {"excluded"} (too large).
const mergeMarkScript = membersLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'conflict'} end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
local version = tonumber(ARGV[2])
local mark = redis.call('GET', KEYS[5])
if mark then
  if mark ~= ARGV[1] or v ~= version + 1 then return {'conflict'} end
else
  if v ~= version then return {'conflict'} end
  if m_count(KEYS[1], KEYS[2]) > tonumber(ARGV[4]) then return {'excluded'} end
  redis.call('HSET', KEYS[1], 'v', version + 1)
  redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[3])
end
local cleft = redis.call('PTTL', KEYS[3])
if cleft == -1 or cleft > tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
local members = {}
for _, m in ipairs(m_all(KEYS[1], KEYS[2])) do
  members[#members + 1] = m[1]
  members[#members + 1] = m[2]
end
return {'ok', members, redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[4])}
`

// mergeUnmarkScript thaws a story mergeMarkScript froze, when the merge is
// refused or conflicts at the survivor: the forward goes, the centroid carries the
// bumped version and lives as long as the story again. KEYS: 1 story, 2 centroid,
// 3 forward. ARGV: 1 the survivor, 2 the version read.
const mergeUnmarkScript = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
if v ~= tonumber(ARGV[2]) + 1 then return 0 end
redis.call('DEL', KEYS[3])
local c = redis.call('GET', KEYS[2])
local nl = c and string.find(c, '\n', 1, true)
local left = redis.call('PTTL', KEYS[1])
if nl and left > 0 then redis.call('SET', KEYS[2], v .. string.sub(c, nl), 'PX', left) end
return 1
`

// mergeIntoScript takes the folded story's articles into the survivor (step 2 of
// MergeStories), with the survivor's version check: its member set, outlets ("@"),
// aliases ("~"), counts, first seen and first published (unknown when either
// story predates the field, see keys.go) take them in, and its exclusions take
// the folded story's. It refuses ("excluded") when an article of either story is
// in the other's exclusions (a merge would undo a reader's correction), and
// ("conflict") when the survivor changed since read or is being merged itself. A
// survivor that holds every article already took them in a merge that did not
// finish: "ok" whatever its version (a later add may have moved it on), nothing
// is written again.
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 expected version, 2 merged centroid, 3 headline, 4 TTL ms, 5 number of
// articles, 6 number of fields, 7 number of exclusions; then the articles (id,
// score), the folded story's fields (name, value) and its exclusions. Reply:
// {"ok", outlet count, updated ms}, {"conflict"} or {"excluded"}.
const mergeIntoScript = titleLua + membersLua + `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[6]) == 1 then return {'conflict'} end
local nm, nh, nx = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local m0 = 8
local h0 = m0 + 2 * nm
local x0 = h0 + 2 * nh
-- Taken in already (the version moved on since, by this very step): done,
-- whatever the version, or a conflict would thaw the folded story and leave
-- its articles in both.
local applied = nm > 0
for i = m0, h0 - 1, 2 do
  if not m_score(KEYS[1], KEYS[2], ARGV[i]) then applied = false end
end
if applied then return {'ok', redis.call('HGET', KEYS[1], 'o') or '0', redis.call('HGET', KEYS[1], 'u') or '0'} end
local version = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'v') or '-1') ~= version then return {'conflict'} end
for i = m0, h0 - 1, 2 do
  if redis.call('SISMEMBER', KEYS[5], ARGV[i]) == 1 then return {'excluded'} end
end
for i = x0, x0 + nx - 1 do
  if m_score(KEYS[1], KEYS[2], ARGV[i]) then return {'excluded'} end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[4])
for i = m0, h0 - 1, 2 do m_add(KEYS[1], KEYS[2], ARGV[i], ARGV[i + 1]) end
local f2, p2 = nil, nil
for i = h0, x0 - 1, 2 do
  local k, v = ARGV[i], ARGV[i + 1]
  local c = string.sub(k, 1, 1)
  if c == '@' then
    if redis.call('HSETNX', KEYS[1], k, 1) == 1 then redis.call('HINCRBY', KEYS[1], 'o', 1) end
  elseif c == '~' then
    redis.call('HSET', KEYS[1], k, 1)
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
redis.call('HSET', KEYS[1], 'v', version + 1, 'u', now, 'n', m_count(KEYS[1], KEYS[2]))
redis.call('SET', KEYS[3], (version + 1) .. '\n' .. ARGV[2], 'PX', ttl)
set_title(ARGV[3], ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
for i = x0, x0 + nx - 1 do redis.call('SADD', KEYS[5], ARGV[i]) end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('PEXPIRE', KEYS[5], ttl) end
return {'ok', redis.call('HGET', KEYS[1], 'o') or '0', tostring(now)}
`

// mergeDropScript deletes the folded story's keys (step 4 of MergeStories), once
// no record names it, and leaves its forward to the survivor for the retention.
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 the survivor, 2 TTL ms. Reply 1, or 0 when the story is not frozen for this
// merge (a replay after the drop finds it so too, harmlessly).
const mergeDropScript = `
if redis.call('GET', KEYS[6]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('PEXPIRE', KEYS[6], ARGV[2])
return 1
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

// MergeStories folds story m.From into story m.Into. Errors: ErrConflict (either
// story changed, or is gone, since it was read: read them again),
// ErrMergeRefused.
//
// The chain (see move.go), and what a crash after each step leaves:
//
//  1. mergeMarkScript freezes m.From (forward, version bump) and reads its
//     articles, fields and exclusions. Left: m.From refuses every writer and
//     still answers for itself (it exists, so its forward is not followed); a
//     re-run of the merge (the merge pass tries again when an article joins
//     either story) resumes from the mark; otherwise its centroid expires after
//     moveTTL, the matcher no longer proposes it, and it stays readable, frozen,
//     until it expires.
//  2. mergeIntoScript: m.Into takes the articles in, with its version check (a
//     conflict or refusal here thaws m.From: mergeUnmarkScript). Left: the
//     articles listed by both stories, their records naming m.From, so every URL
//     still answers a story that holds it; a re-run finds them all in m.Into and
//     goes on.
//  3. One pipeline: restoryScript rewrites each article's record (bounded by
//     maxMergeArticles) to name m.Into by compare-and-set; aliases get the
//     articles' TTL; the corrections are filed under m.Into; m.Into is posted and
//     listed, m.From unposted and unlisted. All idempotent. Left: some records
//     naming m.Into, some m.From, each a story that holds them; a re-run rewrites
//     the rest.
//  4. mergeDropScript deletes m.From's keys and keeps its forward. Left after it:
//     nothing; a reader holding m.From's id follows the forward (ResolveStory).
func (r *Redis) MergeStories(ctx context.Context, m Merge) (res Merged, err error) {
	defer r.track("merge", time.Now(), &err)
	return r.merge(ctx, m, 0)
}

// merge runs MergeStories' chain; a stop other than 0 ends it after that step, as
// a merger dying there would (tests).
func (r *Redis) merge(ctx context.Context, m Merge, stop int) (Merged, error) {
	if m.Into == "" || m.From == "" || m.Into == m.From || m.Centroid == nil {
		return Merged{}, errors.New("store: merge: missing story or centroid")
	}
	blob, err := r.pack.centroid(m.Centroid)
	if err != nil {
		return Merged{}, fmt.Errorf("store: merge: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	into, from := m.Into, m.From
	ttl := r.retention.Milliseconds()
	fromKeys, intoKeys := r.storyKeys(from), r.storyKeys(into)

	// Step 1: freeze the story folded in.
	mark, err := r.moves.mergeMark.Run(ctx, r.rdb, []string{fromKeys[0], fromKeys[1], fromKeys[2], fromKeys[4], fromKeys[5]},
		into, m.FromVersion, ttl, maxMergeArticles, msArg(moveTTL)).Slice()
	if err != nil {
		return Merged{}, r.wrap("merge", err)
	}
	if len(mark) == 0 {
		return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", mark)
	}
	switch str(mark[0]) {
	case "conflict":
		return Merged{}, fmt.Errorf("store: merge: %w", ErrConflict)
	case "excluded":
		return Merged{}, fmt.Errorf("store: merge: %w", ErrMergeRefused)
	}
	if str(mark[0]) != "ok" || len(mark) != 4 {
		return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", mark)
	}
	members, fields, excluded := replyStrings(mark[1]), replyStrings(mark[2]), replyStrings(mark[3])
	defer r.cache.drop(into)
	aids := make([]string, 0, len(members)/2)
	for i := 0; i+1 < len(members); i += 2 {
		aids = append(aids, members[i])
	}
	defer r.cache.drop(from, aids...)
	if stop == 1 {
		return Merged{}, errStopped
	}

	// Step 2: the survivor takes them in.
	args := []any{m.IntoVersion, blob, m.Centroid.Headline, ttl, len(members) / 2, len(fields) / 2, len(excluded)}
	for _, v := range members {
		args = append(args, v)
	}
	for _, v := range fields {
		args = append(args, v)
	}
	for _, v := range excluded {
		args = append(args, v)
	}
	out, err := r.moves.mergeInto.Run(ctx, r.rdb, intoKeys, args...).StringSlice()
	if err != nil {
		// It may have been applied all the same: m.From stays frozen for a re-run.
		return Merged{}, r.wrap("merge", err)
	}
	if len(out) == 0 || out[0] != "ok" {
		thaw := r.moves.mergeUnmark.Run(ctx, r.rdb, []string{fromKeys[0], fromKeys[2], fromKeys[5]}, into, m.FromVersion).Err()
		switch {
		case thaw != nil:
			return Merged{}, r.wrap("merge: thaw", thaw)
		case len(out) == 1 && out[0] == "conflict":
			return Merged{}, fmt.Errorf("store: merge: %w", ErrConflict)
		case len(out) == 1 && out[0] == "excluded":
			return Merged{}, fmt.Errorf("store: merge: %w", ErrMergeRefused)
		}
		return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", out)
	}
	if len(out) < 3 {
		return Merged{}, fmt.Errorf("store: merge: unexpected reply %q", out)
	}
	outlets, _ := strconv.ParseInt(out[1], 10, 64)
	updated, _ := strconv.ParseInt(out[2], 10, 64)
	if stop == 2 {
		return Merged{}, errStopped
	}

	// Step 3: the records, aliases, corrections, postings and listings.
	slack := ttl / 10
	err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
		for _, aid := range aids {
			r.moves.restory.EvalSha(ctx, pipe, []string{r.articleKey(aid), r.redirectKey(aid)}, from, into, ttl+slack, claimTTL.Milliseconds())
		}
		for i := 0; i+1 < len(fields); i += 2 {
			if alias, ok := strings.CutPrefix(fields[i], "~"); ok {
				pipe.PExpire(ctx, r.aliasKey(alias), time.Duration(ttl+slack)*time.Millisecond)
			}
		}
		if len(excluded) > 0 {
			refile := []any{from, into}
			for _, aid := range excluded {
				refile = append(refile, aid)
			}
			r.moves.refile.EvalSha(ctx, pipe, []string{r.correctionsKey(), r.correctionDataKey()}, refile...)
		}
		r.post(ctx, pipe, into, m.IndexTerms)
		r.list(ctx, pipe, into, updated, outlets)
		r.unpost(ctx, pipe, from, m.FromIndexTerms)
		r.unlist(ctx, pipe, from)
	})
	if err != nil {
		return Merged{}, r.wrap("merge", err)
	}
	if stop == 3 {
		return Merged{}, errStopped
	}

	// Step 4: the folded story's keys go; its forward stays.
	if err := r.moves.mergeDrop.Run(ctx, r.rdb, fromKeys, into, ttl).Err(); err != nil {
		return Merged{}, r.wrap("merge", err)
	}
	return Merged{StoryID: into, Moved: len(aids)}, nil
}

// ResolveStory returns the id of the story that holds story sid's articles now:
// sid itself while it exists, the survivor when it was merged into another (see
// MergeStories). ErrNotFound when there is neither. Each story and its forward
// share a slot, so every hop of a chain of forwards (bounded by maxForwards) is one
// round trip of two reads; a story that exists, the common case, costs one.
func (r *Redis) ResolveStory(ctx context.Context, sid string) (id string, err error) {
	defer r.track("resolve_story", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	id = sid
	for range maxForwards + 1 {
		pipe := r.rdb.Pipeline()
		exists := pipe.Exists(ctx, r.storyKey(id))
		to := pipe.Get(ctx, r.forwardKey(id))
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return "", r.wrap("resolve story", err)
		}
		if exists.Val() == 1 {
			return id, nil
		}
		if to.Val() == "" {
			break
		}
		id = to.Val()
	}
	return "", fmt.Errorf("store: story %q: %w", sid, ErrNotFound)
}
