package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Moves: Detach, Attach (corrections.go) and MergeStories (merge.go) move articles
// between stories. Each spans slots on a Redis Cluster (keys.go): the article's,
// each story's, the terms', the listing shard's, the correction log's. Each runs
// as a chain of single-slot atomic steps in one order:
//
//  1. The mover takes the article (a detach or attach: a lock beside its record,
//     see lockScript) or freezes the story that goes (a merge: its forward and a
//     version bump, see mergeMarkScript), so that no other writer moves the same
//     articles meanwhile.
//  2. The stories change, each in its own slot with its version check: the story
//     the articles go to first, then the one they leave. Every decision (a
//     conflict, a refusal) is taken here, before any record changes.
//  3. The articles' records are rewritten by compare-and-set to name their new
//     story, the stories are posted and listed, the correction log is told.
//  4. What the move left empty goes (a merge's folded story, an attach's emptied
//     source), only after the records no longer name it.
//
// So a record always names a story that exists and holds the article, or held it
// a moment ago: between 2 and 3 the URL still answers the story the article
// leaves. Each function says what a crash at each point leaves and how it heals.

// moveTTL bounds how long a mover holds an article (the lock), and how long a story
// a detach creates lives until the detach finishes: the steps take milliseconds
// and every one runs within callTimeout of the lock being taken, so the lock
// cannot expire under a live mover; a mover that died must not keep the article
// from being moved again for long, nor leave a story nobody can reach.
const moveTTL = claimTTL

// errStopped is what a chain run with a stop step returns (tests: a mover dying
// after that step).
var errStopped = errors.New("store: move stopped")

// moveKey is the lock a mover takes on an article: P a:{<aid>}:mv, a string
// holding the mover's token for moveTTL. It shares the record's slot (its hash tag)
// so that the record's rewrite checks it in one script.
func (r *Redis) moveKey(aid string) string { return r.articleKey(aid) + ":mv" }

// redirectKey holds, while an add's claim is pending, the merges its story took
// part in: P a:{<aid>}:to, a hash from a merged-away story to its survivor (see
// restoryScript), in the record's slot.
func (r *Redis) redirectKey(aid string) string { return r.articleKey(aid) + ":to" }

// lockScript takes an article for a move, while its record names story ARGV[3].
// KEYS: 1 article, 2 its lock. ARGV: 1 token, 2 moveTTL ms, 3 sid. Reply:
// {"ok", sid}, {"article_not_found", ""}, {"busy", story} (another mover holds it)
// or {"elsewhere", story} (the record names another story: nothing is taken).
// Taking a lock already the caller's is a no-op: a replay.
const lockScript = `
local v = redis.call('GET', KEYS[1])
if not v then return {'article_not_found', ''} end
local esid = string.match(v, '^[^\n]*')
local held = redis.call('GET', KEYS[2])
if held and held ~= ARGV[1] then return {'busy', esid} end
if esid ~= ARGV[3] then return {'elsewhere', esid} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {'ok', esid}
`

// moveRecordScript rewrites a locked article's record to name its new story, and
// gives the lock up. KEYS: 1 article, 2 its lock. ARGV: 1 token, 2 the story the
// record must name, 3 the new record, 4 TTL ms. Reply 1 when the record is the new
// one (a replay finds it so), 0 when the lock or the record is not what the mover
// took.
const moveRecordScript = `
local v = redis.call('GET', KEYS[1])
local held = redis.call('GET', KEYS[2])
if v == ARGV[3] then
  if held == ARGV[1] then redis.call('DEL', KEYS[2]) end
  return 1
end
if held ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if not v or string.match(v, '^[^\n]*') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
`

// restoryScript rewrites an article's record to name story ARGV[2] while it names
// ARGV[1], keeping the rest (a merge: the article's data is unchanged). An add
// that joined the story before the merge froze it may not have written the
// record yet (it holds a claim, see claimScript): the script then leaves the add
// a redirect from ARGV[1] to ARGV[2] in the article's slot, which finishScript
// follows when it writes the record, so the record never names a story merged
// away. KEYS: 1 article, 2 its redirects. ARGV: 1 from sid, 2 into sid, 3 TTL ms,
// 4 claimTTL ms. Reply 1 when the record names ARGV[2] now or will (a replay finds
// it so), 0 when it names another story or is gone.
const restoryScript = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if string.sub(v, 1, 1) == '?' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  return 1
end
local nl = string.find(v, '\n', 1, true)
if not nl then return 0 end
local sid = string.sub(v, 1, nl - 1)
if sid == ARGV[2] then return 1 end
if sid ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. string.sub(v, nl), 'PX', ARGV[3])
return 1
`

// promoteScript gives a story a detach created (with moveTTL, see
// detachNewScript) the retention, once the article's record names it. KEYS: 1
// story, 2 articles, 3 centroid, 4 title. ARGV: 1 TTL ms.
const promoteScript = `
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1
`

// logScript files a correction in the log: newest kept, at most the cap, none
// older than the retention. Rewriting an entry (a replay) keeps one. KEYS: 1 log,
// 2 its data. ARGV: 1 member "<sid>:<aid>", 2 the correction (JSON), 3 TTL ms,
// 4 cap.
const logScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local drop = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl, 'LIMIT', 0, 100)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do table.insert(drop, m) end
end
for _, m in ipairs(drop) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('HDEL', KEYS[2], m)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`

// unlogScript withdraws a correction from the log. KEYS: 1 log, 2 its data. ARGV:
// 1 member.
const unlogScript = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`

// refileScript files the corrections of articles of story ARGV[1] under story
// ARGV[2] (a merge: "<from>:<aid>" becomes "<into>:<aid>", the data still names
// the story the reader saw). Idempotent. KEYS: 1 log, 2 its data. ARGV: 1 from, 2
// into, then the articles' ids.
const refileScript = `
for i = 3, #ARGV do
  local old, new = ARGV[1] .. ':' .. ARGV[i], ARGV[2] .. ':' .. ARGV[i]
  local data = redis.call('HGET', KEYS[2], old)
  local at = redis.call('ZSCORE', KEYS[1], old)
  if data and at then
    redis.call('HSET', KEYS[2], new, data)
    redis.call('ZADD', KEYS[1], at, new)
  end
  redis.call('HDEL', KEYS[2], old)
  redis.call('ZREM', KEYS[1], old)
end
return 1
`

// moveScripts are the steps of the moves (this file, corrections.go, merge.go).
type moveScripts struct {
	lock, record, restory, promote, log, unlog, refile *redis.Script
	detachNew, detachStory                             *redis.Script
	attachTarget, attachSource, dropEmpty              *redis.Script
	mergeMark, mergeUnmark, mergeInto, mergeDrop       *redis.Script
}

func newMoveScripts() moveScripts {
	return moveScripts{
		lock: redis.NewScript(lockScript), record: redis.NewScript(moveRecordScript),
		restory: redis.NewScript(restoryScript), promote: redis.NewScript(promoteScript),
		log: redis.NewScript(logScript), unlog: redis.NewScript(unlogScript), refile: redis.NewScript(refileScript),
		detachNew: redis.NewScript(detachNewScript), detachStory: redis.NewScript(detachStoryScript),
		attachTarget: redis.NewScript(attachTargetScript), attachSource: redis.NewScript(attachSourceScript),
		dropEmpty: redis.NewScript(dropEmptyScript),
		mergeMark: redis.NewScript(mergeMarkScript), mergeUnmark: redis.NewScript(mergeUnmarkScript),
		mergeInto: redis.NewScript(mergeIntoScript), mergeDrop: redis.NewScript(mergeDropScript),
	}
}

// pipelined are the move scripts queued on pipelines (see loadScripts).
func (m moveScripts) pipelined() []*redis.Script {
	return []*redis.Script{m.lock, m.record, m.restory, m.promote, m.log, m.unlog, m.refile, m.detachNew, m.dropEmpty}
}

// storyKeys are a story's keys in the order the move scripts take them: story,
// articles, centroid, title, exclusions, forward.
func (r *Redis) storyKeys(sid string) []string {
	return []string{r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid), r.titleKey(sid), r.exclusionKey(sid), r.forwardKey(sid)}
}

// unlock gives a move lock up, if it is still the caller's. Best effort: a lock
// left expires after moveTTL.
func (r *Redis) unlock(ctx context.Context, aid, token string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	// unguardScript drops a key holding the caller's value: what a lock needs too.
	r.unguardScript.Run(rctx, r.rdb, []string{r.moveKey(aid)}, token)
}

// moveToken is a fresh token for a mover's lock.
func moveToken(op string) (string, error) {
	t, err := randomToken(8)
	if err != nil {
		return "", fmt.Errorf("store: %s: %w", op, err)
	}
	return t, nil
}

// replyStrings reads a script reply of strings (numbers as their decimal text).
func replyStrings(v any) []string {
	vs, _ := v.([]any)
	out := make([]string, len(vs))
	for i, x := range vs {
		switch x := x.(type) {
		case string:
			out[i] = x
		case int64:
			out[i] = strconv.FormatInt(x, 10)
		}
	}
	return out
}

// msArg is a duration in milliseconds, as scripts take TTLs.
func msArg(d time.Duration) int64 { return d.Milliseconds() }
