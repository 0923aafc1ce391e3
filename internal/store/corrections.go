package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// Corrections: a reader says an article is not about its story ("not this story").
// The article moves to a story of its own, and the story remembers, in an exclusion
// set that lives as long as it does, that the article is not to rejoin it. Each
// correction is also kept in a bounded log for operators, who can export it to tune
// the matcher.

// Errors of Detach and Attach.
var (
	// ErrArticleNotFound means no article has the id (never indexed, or expired).
	ErrArticleNotFound = errors.New("store: article not found")
	// ErrNotInStory means the article is in another story than the one named.
	ErrNotInStory = errors.New("store: article not in story")
	// ErrSoleArticle means the article is its story's only one: it is a story of
	// its own already.
	ErrSoleArticle = errors.New("store: article alone in its story")
)

// MaxCorrections bounds the correction log: the newest are kept. 10,000 entries of
// about 600 bytes each are 6 MB at most; readers correcting more than that within a
// retention period are tuning data enough.
const MaxCorrections = 10000

// Correction is one "not this story" a reader gave.
type Correction struct {
	StoryID    string    `json:"story"`   // the story the article was taken out of
	ArticleID  string    `json:"article"` // the article's id (see ArticleID)
	URL        string    `json:"url"`     // the article's canonical URL
	Title      string    `json:"title"`   // the article's headline
	StoryTitle string    `json:"story_title"`
	NewStoryID string    `json:"new_story"` // the story of its own it was moved to
	At         time.Time `json:"at"`
	// Match is the evidence the article had joined the story with (nil for an
	// article indexed before Parallax kept it).
	Match *stories.Evidence `json:"match"`
}

// detachNewScript creates the story of its own a detach moves an article to
// (step 2a of Detach), as the add script starts one, but for moveTTL only: until
// the article's record names it nobody can reach it, and a detach that dies
// leaves nothing for long. Its id is one per story version (DetachedStoryID), so
// finding it already made is a replay of this very detach: kept, its TTL made at
// least moveTTL again (never shortened: it may be finished already).
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 aid, 2 centroid, 3 headline, 4 moveTTL ms, 5 article time ms, 6 source, 7
// published ms (0 unknown). Reply: {"ok", created ms} or {"conflict"} (the id is
// another story's).
const detachNewScript = titleLua + membersLua + `
local pending = tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 1 then
  local m = m_all(KEYS[1], KEYS[2])
  if #m ~= 1 or m[1][1] ~= ARGV[1] then return {'conflict'} end
  for i = 1, 4 do
    if redis.call('PTTL', KEYS[i]) < pending then redis.call('PEXPIRE', KEYS[i], pending) end
  end
  return {'ok', redis.call('HGET', KEYS[1], 'u') or '0'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
local pub = tonumber(ARGV[7])
local p = ''
if pub > 0 then p = pub end
redis.call('HSET', KEYS[1], 'f', now, 'p', p, 'v', 1, 'u', now, 'n', 1, 'o', 1, 'r', now, '@' .. ARGV[6], 1)
m_add(KEYS[1], KEYS[2], ARGV[1], ARGV[5])
redis.call('SET', KEYS[3], '1\n' .. ARGV[2], 'PX', pending)
set_title(ARGV[3], pending)
redis.call('PEXPIRE', KEYS[1], pending)
redis.call('PEXPIRE', KEYS[2], pending)
return {'ok', tostring(now)}
`

// detachStoryScript takes an article out of its story (step 2b of Detach: the
// commit), with the story's version check, and excludes it from the story for as
// long as the story lives. It refuses ("conflict") when the story changed since the
// caller read it, or is being merged into another (its forward, see
// mergeMarkScript). An article the story no longer lists but excludes was taken
// out by a detach that did not finish (its record still names the story):
// "detached", nothing is written, and the caller finishes the move.
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 aid, 2 expected version, 3 centroid, 4 headline, 5 TTL ms, 6 source, 7 "1"
// when another article of the story has the source, 8 the story's first-published
// ms ("-" to keep it). Reply: {"ok"|"detached", updated ms, outlet count},
// {"not_found"}, {"not_in_story"}, {"sole_article"} or {"conflict"}.
const detachStoryScript = titleLua + membersLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
if redis.call('EXISTS', KEYS[6]) == 1 then return {'conflict'} end
local aid = ARGV[1]
if not m_score(KEYS[1], KEYS[2], aid) then
  if redis.call('SISMEMBER', KEYS[5], aid) == 1 then
    return {'detached', redis.call('HGET', KEYS[1], 'u') or '0', redis.call('HGET', KEYS[1], 'o') or '0'}
  end
  return {'not_in_story'}
end
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
if version ~= tonumber(ARGV[2]) then return {'conflict'} end
if m_count(KEYS[1], KEYS[2]) <= 1 then return {'sole_article'} end
-- The story keeps its own expiry: a correction is no news about it. Whatever
-- it writes, and the exclusion set, expire with it.
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then left = tonumber(ARGV[5]) end
m_remove(KEYS[1], KEYS[2], aid)
redis.call('HSET', KEYS[1], 'v', version + 1, 'n', m_count(KEYS[1], KEYS[2]))
if ARGV[7] ~= '1' and redis.call('HDEL', KEYS[1], '@' .. ARGV[6]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'o', -1)
end
if ARGV[8] ~= '-' then redis.call('HSET', KEYS[1], 'p', ARGV[8]) end
redis.call('SET', KEYS[3], (version + 1) .. '\n' .. ARGV[3], 'PX', left)
set_title(ARGV[4], left)
redis.call('SADD', KEYS[5], aid)
redis.call('PEXPIRE', KEYS[5], left)
return {'ok', redis.call('HGET', KEYS[1], 'u') or '0', redis.call('HGET', KEYS[1], 'o') or '0'}
`

// attachTargetScript puts an article into the story an attach moves it to (step
// 2a of Attach), as an add does (the story lives on as after an add), with the
// story's version check, and lifts the article's exclusion from it. It refuses
// ("conflict") when the story changed since the caller read it or is being
// merged. A story that lists the article already took it in an attach that did not
// finish: "ok", nothing is written again.
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 aid, 2 expected version, 3 centroid, 4 headline, 5 TTL ms, 6 article time ms,
// 7 source, 8 published ms (0 unknown). Reply: {"ok", updated ms, outlet count},
// {"not_found"} or {"conflict"}.
const attachTargetScript = titleLua + membersLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
if redis.call('EXISTS', KEYS[6]) == 1 then return {'conflict'} end
local aid, ttl = ARGV[1], tonumber(ARGV[5])
if not m_score(KEYS[1], KEYS[2], aid) then
  local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
  if version ~= tonumber(ARGV[2]) then return {'conflict'} end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  m_add(KEYS[1], KEYS[2], aid, ARGV[6])
  if redis.call('HSETNX', KEYS[1], '@' .. ARGV[7], 1) == 1 then redis.call('HINCRBY', KEYS[1], 'o', 1) end
  local pub = tonumber(ARGV[8])
  if pub > 0 then
    local p = redis.call('HGET', KEYS[1], 'p')
    if p and (p == '' or pub < tonumber(p)) then redis.call('HSET', KEYS[1], 'p', pub) end
  end
  redis.call('HSET', KEYS[1], 'v', version + 1, 'u', now, 'n', m_count(KEYS[1], KEYS[2]))
  redis.call('SET', KEYS[3], (version + 1) .. '\n' .. ARGV[3], 'PX', ttl)
  set_title(ARGV[4], ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if redis.call('SREM', KEYS[5], aid) == 1 then redis.call('PEXPIRE', KEYS[5], ttl) end
return {'ok', redis.call('HGET', KEYS[1], 'u') or '0', redis.call('HGET', KEYS[1], 'o') or '0'}
`

// attachSourceScript takes an article out of the story it leaves (step 2b of
// Attach), with the story's version check (-1: the caller found it gone). A story
// left empty keeps its keys, with no members, until the article's record names its
// new story (dropEmptyScript): a record naming a story that is gone reads as
// dangling, and the next lookup would index the URL afresh over the move. It
// refuses ("conflict") when the story changed since the caller read it or is being
// merged. A story that no longer lists the article let it go in an attach that did
// not finish: "left", nothing is written.
//
// KEYS: 1 story, 2 articles, 3 centroid, 4 title, 5 exclusions, 6 forward. ARGV:
// 1 aid, 2 expected version, 3 centroid, 4 headline, 5 TTL ms, 6 source, 7 "1" when
// another article of the story has it, 8 the story's first-published ms ("-" to
// keep). Reply: {"ok", updated ms, outlet count}, {"emptied"}, {"left"} (or the
// story is gone) or {"conflict"}.
const attachSourceScript = titleLua + membersLua + `
local version = tonumber(ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then
  if version == -1 then return {'left'} end
  return {'conflict'}
end
if version == -1 or redis.call('EXISTS', KEYS[6]) == 1 then return {'conflict'} end
local aid = ARGV[1]
if not m_score(KEYS[1], KEYS[2], aid) then return {'left'} end
if tonumber(redis.call('HGET', KEYS[1], 'v') or '-1') ~= version then return {'conflict'} end
m_remove(KEYS[1], KEYS[2], aid)
local remaining = m_count(KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'v', version + 1, 'n', remaining)
if remaining == 0 then
  -- The centroid keeps its content but carries the new version, so that the
  -- story reads as any other (of no articles) until it goes.
  local c = redis.call('GET', KEYS[3])
  local nl = c and string.find(c, '\n', 1, true)
  local cleft = redis.call('PTTL', KEYS[3])
  if nl and cleft > 0 then redis.call('SET', KEYS[3], (version + 1) .. string.sub(c, nl), 'PX', cleft) end
  return {'emptied'}
end
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then left = tonumber(ARGV[5]) end
if ARGV[7] ~= '1' and redis.call('HDEL', KEYS[1], '@' .. ARGV[6]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'o', -1)
end
if ARGV[8] ~= '-' then redis.call('HSET', KEYS[1], 'p', ARGV[8]) end
redis.call('SET', KEYS[3], (version + 1) .. '\n' .. ARGV[3], 'PX', left)
set_title(ARGV[4], left)
return {'ok', redis.call('HGET', KEYS[1], 'u') or '0', redis.call('HGET', KEYS[1], 'o') or '0'}
`

// dropEmptyScript deletes a story an attach left without articles (step 4 of
// Attach), unless an add put one in since. KEYS: 1 story, 2 articles, 3 centroid,
// 4 title, 5 exclusions.
const dropEmptyScript = membersLua + `
if m_count(KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1
`

// Move is one article moved between stories by Detach or Attach, with what the
// caller computed for both: the stories' centroids without (or with) the article.
type Move struct {
	ArticleID string
	// Article is the article's record as it is to be stored after the move (its
	// Match says how it came to be where it is now).
	Article stories.Article
	SimHash uint64
	// From is the story the article leaves, FromVersion the version the caller
	// read, FromCentroid its centroid without the article (nil when the move leaves
	// it empty), FromIndexTerms the terms it is found by from now on.
	From           string
	FromVersion    int64
	FromCentroid   *stories.Centroid
	FromIndexTerms []string
	// FromKeepsSource is set when another article of From has the article's
	// source (its outlet still covers the story); FromFirstPublished the earliest
	// publication time of From's remaining articles (zero when none is dated),
	// and FromKnowsFirst whether it could be told (every article was read).
	FromKeepsSource    bool
	FromFirstPublished time.Time
	FromKnowsFirst     bool
	// To is the story it joins (Attach; Detach makes a new one), ToVersion the
	// version read, ToCentroid its centroid with the article, ToIndexTerms its terms.
	To           string
	ToVersion    int64
	ToCentroid   *stories.Centroid
	ToIndexTerms []string
	// Correction is what Detach logs.
	Correction Correction
}

// Moved reports what Detach or Attach did.
type Moved struct {
	// StoryID is the story the article is in now.
	StoryID string
	// Unchanged is set when the article was already where the call would put it:
	// nothing was written (a repeated call).
	Unchanged bool
}

// DetachedStoryID returns the id of the story an article gets of its own when it
// is detached from story sid at version: a new id for every detach, since the
// article's own StoryIDFor may be sid itself (it started the story).
func DetachedStoryID(canonicalURL, sid string, version int64) string {
	return storyID(canonicalURL + "\n" + sid + "\n" + strconv.FormatInt(version, 10))
}

// Detach moves an article out of story m.From into a new story of its own and
// records the correction. Errors: ErrNotFound (no such story),
// ErrArticleNotFound, ErrNotInStory, ErrSoleArticle, ErrConflict (the story
// changed since it was read, or another mover holds the article: read it again).
//
// The chain (see move.go), and what a crash after each step leaves:
//
//  1. One pipeline: lockScript takes the article while its record names m.From;
//     detachNewScript creates the new story (id DetachedStoryID) holding the
//     article, for moveTTL. Left: a story nobody can reach (no record names it, it
//     is neither posted nor listed), gone after moveTTL, and a lock that expires
//     as soon; a re-run at the same version takes the same story over.
//  2. detachStoryScript, the commit: the article leaves m.From with its version
//     check and is excluded from it. Left: the record still names m.From, which no
//     longer lists it (a reader of the URL gets the story without the article);
//     the new story expires after moveTTL. A re-run (the reader pressing "not this
//     story" again, once the lock expired) finds the article excluded and not a
//     member ("detached"), and finishes with a new story of its own, also when
//     the story kept a single article (lookup.Detach tells the article that left
//     from the story's last one, which it refuses as ErrSoleArticle).
//  3. One pipeline: moveRecordScript rewrites the record to name the new story and
//     gives the lock up; promoteScript gives the new story the retention; both
//     stories are posted and listed; the correction is logged. Each is
//     idempotent. A crash inside it may leave the new story unposted or unlisted
//     (found by its article, not by its terms) or the correction unlogged; a
//     record not rewritten is step 2's case.
func (r *Redis) Detach(ctx context.Context, m Move) (res Moved, err error) {
	defer r.track("detach", time.Now(), &err)
	return r.detach(ctx, m, 0)
}

// detach runs Detach's chain; a stop other than 0 ends it after that step, as a
// mover dying there would (tests).
func (r *Redis) detach(ctx context.Context, m Move, stop int) (Moved, error) {
	if m.Article.URL == "" || m.FromCentroid == nil || m.ToCentroid == nil {
		return Moved{}, errors.New("store: detach: missing article or centroid")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	sid, aid := m.From, m.ArticleID
	nsid := DetachedStoryID(m.Article.URL, sid, m.FromVersion)
	oldBlob, err := r.pack.centroid(m.FromCentroid)
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: %w", err)
	}
	newBlob, err := r.pack.centroid(m.ToCentroid)
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: %w", err)
	}
	value, err := r.pack.record(m.Article, m.SimHash)
	if err != nil {
		return Moved{}, err
	}
	m.Correction.NewStoryID = nsid
	corr, err := json.Marshal(m.Correction)
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: encode correction: %w", err)
	}
	token, err := moveToken("detach")
	if err != nil {
		return Moved{}, err
	}
	ttl := r.retention.Milliseconds()
	defer r.cache.drop(sid, aid)
	defer r.cache.drop(nsid)

	// Step 1: the lock and the new story.
	var locked, created *redis.Cmd
	err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
		locked = r.moves.lock.EvalSha(ctx, pipe, []string{r.articleKey(aid), r.moveKey(aid)}, token, msArg(moveTTL), sid)
		created = r.moves.detachNew.EvalSha(ctx, pipe, r.storyKeys(nsid), aid, newBlob, m.ToCentroid.Headline,
			msArg(moveTTL), m.Article.When().UnixMilli(), m.Article.Source(), publishedMs(m.Article.Published))
	})
	if err != nil {
		r.unlock(ctx, aid, token)
		return Moved{}, r.wrap("detach", err)
	}
	if done, err := r.locked(ctx, "detach", locked.Val(), sid, aid); done != nil || err != nil {
		return *done, err
	}
	if out := replyStrings(created.Val()); len(out) < 2 || out[0] != "ok" {
		r.unlock(ctx, aid, token)
		return Moved{}, fmt.Errorf("store: detach: the new story's id is taken: %w", ErrConflict)
	}
	createdAt := replyStrings(created.Val())[1]
	if stop == 1 {
		return Moved{}, errStopped
	}

	// Step 2: the commit in the story the article leaves.
	out, err := r.moves.detachStory.Run(ctx, r.rdb, r.storyKeys(sid), aid, m.FromVersion, oldBlob, m.FromCentroid.Headline,
		ttl, m.Article.Source(), flag(m.FromKeepsSource), firstPublishedArg(m.FromFirstPublished, m.FromKnowsFirst)).StringSlice()
	if err != nil {
		// It may have been applied all the same: a re-run finishes it (see above).
		r.unlock(ctx, aid, token)
		return Moved{}, r.wrap("detach", err)
	}
	if len(out) == 0 || (out[0] != "ok" && out[0] != "detached") {
		r.unlock(ctx, aid, token)
		return moveReply("detach", append(out, sid)[:2])
	}
	if len(out) < 3 {
		r.unlock(ctx, aid, token)
		return Moved{}, fmt.Errorf("store: detach: unexpected reply %q", out)
	}
	committed := out[0] == "ok"
	updated, _ := strconv.ParseInt(out[1], 10, 64)
	outlets, _ := strconv.ParseInt(out[2], 10, 64)
	now, _ := strconv.ParseInt(createdAt, 10, 64)
	if stop == 2 {
		return Moved{}, errStopped
	}

	// Step 3: the record, the postings, the listings, the log.
	slack := ttl / 10
	var rewritten *redis.Cmd
	err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
		rewritten = r.moves.record.EvalSha(ctx, pipe, []string{r.articleKey(aid), r.moveKey(aid)}, token, sid, nsid+"\n"+value, ttl+slack)
		r.moves.promote.EvalSha(ctx, pipe, r.storyKeys(nsid)[:4], ttl)
		r.post(ctx, pipe, nsid, m.ToIndexTerms)
		if committed {
			// A re-run finishing an earlier commit computed m.From's terms from a
			// centroid that lost the article already: they are left as they are.
			r.post(ctx, pipe, sid, m.FromIndexTerms)
		}
		r.list(ctx, pipe, nsid, now, 1)
		r.list(ctx, pipe, sid, updated, outlets)
		r.moves.log.EvalSha(ctx, pipe, []string{r.correctionsKey(), r.correctionDataKey()}, sid+":"+aid, string(corr), ttl, MaxCorrections)
	})
	if err != nil {
		return Moved{}, r.wrap("detach", err)
	}
	if n, _ := rewritten.Int(); n != 1 {
		// The lock expired under this mover (it ran for over moveTTL) and another
		// moved the article since: where it is now is the other's answer.
		return Moved{}, fmt.Errorf("store: detach: the lock on the article expired: %w", ErrConflict)
	}
	return Moved{StoryID: nsid}, nil
}

// locked reads a lockScript reply for a mover taking article aid out of story sid.
// done is nil when the caller holds the lock; else the call's answer: Unchanged
// when the article is in its story already (an exclusion of sid says a detach took
// it there; for an attach, the caller checks its target), or an error.
func (r *Redis) locked(ctx context.Context, op string, reply any, sid, aid string) (done *Moved, err error) {
	out := replyStrings(reply)
	if len(out) != 2 {
		return &Moved{}, fmt.Errorf("store: %s: unexpected reply %q", op, out)
	}
	esid := out[1]
	switch {
	case out[0] == "ok":
		return nil, nil
	case out[0] == "article_not_found" || strings.HasPrefix(esid, pendingMark):
		return &Moved{}, fmt.Errorf("store: %s: %w", op, ErrArticleNotFound)
	case out[0] == "busy":
		return &Moved{}, fmt.Errorf("store: %s: another writer is moving the article: %w", op, ErrConflict)
	case out[0] != "elsewhere":
		return &Moved{}, fmt.Errorf("store: %s: unexpected reply %q", op, out)
	}
	if op != "detach" {
		return &Moved{StoryID: esid}, nil
	}
	pipe := r.rdb.Pipeline()
	exists := pipe.Exists(ctx, r.storyKey(sid))
	excluded := pipe.SIsMember(ctx, r.exclusionKey(sid), aid)
	if _, err := pipe.Exec(ctx); err != nil {
		return &Moved{}, r.wrap(op, err)
	}
	switch {
	case exists.Val() == 0:
		return &Moved{}, fmt.Errorf("store: %s: story: %w", op, ErrNotFound)
	case excluded.Val():
		return &Moved{StoryID: esid, Unchanged: true}, nil
	}
	return &Moved{StoryID: esid}, fmt.Errorf("store: %s: %w", op, ErrNotInStory)
}

// Attach moves an article from story m.From into story m.To: the undo of a
// Detach, whose correction it withdraws. Errors: ErrNotFound (no such target
// story), ErrArticleNotFound, ErrConflict (either story changed since it was
// read, or another mover holds the article).
//
// The chain (see move.go), and what a crash after each step leaves:
//
//  1. lockScript takes the article while its record names m.From. Left: a lock
//     that expires after moveTTL.
//  2. attachTargetScript: m.To takes the article in, with its version check, and
//     lifts its exclusion. Left: the article listed by both stories, its record
//     naming m.From. A re-run (the lookup retries a conflict at once) finds m.To
//     holding it and goes on.
//  3. attachSourceScript: m.From lets it go, with its version check; a conflict
//     here leaves step 2's state for the caller's retry. A story left empty stays,
//     with no articles, until step 5. Left: the record names m.From, which no
//     longer lists it; a re-run finds it gone from m.From ("left") and finishes.
//  4. One pipeline: moveRecordScript rewrites the record to name m.To and gives
//     the lock up; the stories are posted and listed; the correction of the
//     article out of m.To is withdrawn. Idempotent; a crash inside it may leave a
//     story unposted or the correction logged, which a re-run finishes.
//  5. dropEmptyScript deletes m.From if the move left it empty (and no add filled
//     it since), and it leaves the listings. Left otherwise: an empty story that
//     expires with its TTL.
func (r *Redis) Attach(ctx context.Context, m Move) (res Moved, err error) {
	defer r.track("attach", time.Now(), &err)
	return r.attach(ctx, m, 0)
}

// attach runs Attach's chain; a stop other than 0 ends it after that step (tests).
func (r *Redis) attach(ctx context.Context, m Move, stop int) (Moved, error) {
	if m.Article.URL == "" || m.ToCentroid == nil {
		return Moved{}, errors.New("store: attach: missing article or centroid")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	tsid, ssid, aid := m.To, m.From, m.ArticleID
	toBlob, err := r.pack.centroid(m.ToCentroid)
	if err != nil {
		return Moved{}, fmt.Errorf("store: attach: %w", err)
	}
	var fromBlob string
	fromHeadline := ""
	if m.FromCentroid != nil {
		if fromBlob, err = r.pack.centroid(m.FromCentroid); err != nil {
			return Moved{}, fmt.Errorf("store: attach: %w", err)
		}
		fromHeadline = m.FromCentroid.Headline
	}
	value, err := r.pack.record(m.Article, m.SimHash)
	if err != nil {
		return Moved{}, err
	}
	token, err := moveToken("attach")
	if err != nil {
		return Moved{}, err
	}
	ttl := r.retention.Milliseconds()
	defer r.cache.drop(tsid, aid)
	defer r.cache.drop(ssid)

	// Step 1: the lock.
	reply, err := r.moves.lock.Run(ctx, r.rdb, []string{r.articleKey(aid), r.moveKey(aid)}, token, msArg(moveTTL), ssid).Result()
	if err != nil {
		r.unlock(ctx, aid, token)
		return Moved{}, r.wrap("attach", err)
	}
	if done, err := r.locked(ctx, "attach", reply, ssid, aid); done != nil || err != nil {
		if err != nil {
			return *done, err
		}
		n, err := r.rdb.Exists(ctx, r.storyKey(tsid)).Result()
		switch {
		case err != nil:
			return Moved{}, r.wrap("attach", err)
		case n == 0:
			return Moved{}, fmt.Errorf("store: attach: story: %w", ErrNotFound)
		case done.StoryID == tsid:
			return Moved{StoryID: tsid, Unchanged: true}, nil
		}
		return Moved{}, fmt.Errorf("store: attach: the article moved since it was read: %w", ErrConflict)
	}
	fail := func(err error) (Moved, error) {
		r.unlock(ctx, aid, token)
		return Moved{}, err
	}
	if stop == 1 {
		return Moved{}, errStopped
	}

	// Step 2: the story it joins.
	out, err := r.moves.attachTarget.Run(ctx, r.rdb, r.storyKeys(tsid), aid, m.ToVersion, toBlob, m.ToCentroid.Headline,
		ttl, m.Article.When().UnixMilli(), m.Article.Source(), publishedMs(m.Article.Published)).StringSlice()
	if err != nil {
		return fail(r.wrap("attach", err))
	}
	if len(out) < 3 || out[0] != "ok" {
		if _, err := moveReply("attach", append(out, tsid)[:2]); err != nil {
			return fail(err)
		}
		return fail(fmt.Errorf("store: attach: unexpected reply %q", out))
	}
	updated, _ := strconv.ParseInt(out[1], 10, 64)
	outlets, _ := strconv.ParseInt(out[2], 10, 64)
	if stop == 2 {
		return Moved{}, errStopped
	}

	// Step 3: the story it leaves.
	src, err := r.moves.attachSource.Run(ctx, r.rdb, r.storyKeys(ssid), aid, m.FromVersion, string(fromBlob), fromHeadline,
		ttl, m.Article.Source(), flag(m.FromKeepsSource), firstPublishedArg(m.FromFirstPublished, m.FromKnowsFirst)).StringSlice()
	if err != nil {
		return fail(r.wrap("attach", err))
	}
	if len(src) == 0 || src[0] == "conflict" {
		return fail(fmt.Errorf("store: attach: %w", ErrConflict))
	}
	var srcUpdated, srcOutlets int64
	switch src[0] {
	case "ok":
		if len(src) < 3 {
			return fail(fmt.Errorf("store: attach: unexpected reply %q", src))
		}
		srcUpdated, _ = strconv.ParseInt(src[1], 10, 64)
		srcOutlets, _ = strconv.ParseInt(src[2], 10, 64)
	case "emptied", "left":
	default:
		return fail(fmt.Errorf("store: attach: unexpected reply %q", src))
	}
	if stop == 3 {
		return Moved{}, errStopped
	}

	// Step 4: the record, the postings, the listings, the log.
	slack := ttl / 10
	var rewritten *redis.Cmd
	err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
		rewritten = r.moves.record.EvalSha(ctx, pipe, []string{r.articleKey(aid), r.moveKey(aid)}, token, ssid, tsid+"\n"+value, ttl+slack)
		r.post(ctx, pipe, tsid, m.ToIndexTerms)
		r.list(ctx, pipe, tsid, updated, outlets)
		if src[0] == "ok" {
			r.post(ctx, pipe, ssid, m.FromIndexTerms)
			r.list(ctx, pipe, ssid, srcUpdated, srcOutlets)
		}
		r.moves.unlog.EvalSha(ctx, pipe, []string{r.correctionsKey(), r.correctionDataKey()}, tsid+":"+aid)
	})
	if err != nil {
		return Moved{}, r.wrap("attach", err)
	}
	if n, _ := rewritten.Int(); n != 1 {
		return Moved{}, fmt.Errorf("store: attach: the lock on the article expired: %w", ErrConflict)
	}
	if stop == 4 {
		return Moved{}, errStopped
	}

	// Step 5: the story the move emptied (or that an attach which did not finish
	// emptied: "left").
	if src[0] == "emptied" || src[0] == "left" {
		var dropped *redis.Cmd
		err = r.execScripts(ctx, func(pipe redis.Pipeliner) {
			dropped = r.moves.dropEmpty.EvalSha(ctx, pipe, r.storyKeys(ssid)[:5])
		})
		if err != nil {
			return Moved{}, r.wrap("attach", err)
		}
		if n, _ := dropped.Int(); n == 1 {
			if err := r.execScripts(ctx, func(pipe redis.Pipeliner) { r.unlist(ctx, pipe, ssid) }); err != nil {
				return Moved{}, r.wrap("attach", err)
			}
		}
	}
	return Moved{StoryID: tsid}, nil
}

func moveReply(op string, out []string) (Moved, error) {
	if len(out) != 2 {
		return Moved{}, fmt.Errorf("store: %s: unexpected reply %q", op, out)
	}
	switch out[0] {
	case "ok":
		return Moved{StoryID: out[1]}, nil
	case "unchanged":
		return Moved{StoryID: out[1], Unchanged: true}, nil
	case "conflict":
		return Moved{}, fmt.Errorf("store: %s: %w", op, ErrConflict)
	case "not_found":
		return Moved{}, fmt.Errorf("store: %s: story: %w", op, ErrNotFound)
	case "article_not_found":
		return Moved{}, fmt.Errorf("store: %s: %w", op, ErrArticleNotFound)
	case "not_in_story":
		return Moved{StoryID: out[1]}, fmt.Errorf("store: %s: %w", op, ErrNotInStory)
	case "sole_article":
		return Moved{}, fmt.Errorf("store: %s: %w", op, ErrSoleArticle)
	}
	return Moved{}, fmt.Errorf("store: %s: unexpected reply %q", op, out)
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// firstPublishedArg is a story's new first-published field: "-" to leave it when
// it cannot be told, "" when none of its articles is dated.
func firstPublishedArg(t time.Time, known bool) string {
	switch {
	case !known:
		return "-"
	case t.IsZero():
		return ""
	}
	return strconv.FormatInt(publishedMs(t), 10)
}

func publishedMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return max(t.UnixMilli(), 0)
}

// Excluded reports whether the article aid was taken out of story sid by a
// correction that still stands.
func (r *Redis) Excluded(ctx context.Context, sid, aid string) (ok bool, err error) {
	defer r.track("excluded", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	ok, err = r.rdb.SIsMember(ctx, r.exclusionKey(sid), aid).Result()
	return ok, r.wrap("excluded", err)
}

// Correction returns the logged correction of article aid out of story sid;
// ErrNotFound when there is none (never made, undone, or dropped from the log).
func (r *Redis) Correction(ctx context.Context, sid, aid string) (c Correction, err error) {
	defer r.track("correction", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.HGet(ctx, r.correctionDataKey(), sid+":"+aid).Result()
	if errors.Is(err, redis.Nil) {
		// A merge files a story's corrections under the survivor (see refileScript).
		if to, rerr := r.ResolveStory(ctx, sid); rerr == nil && to != sid {
			v, err = r.rdb.HGet(ctx, r.correctionDataKey(), to+":"+aid).Result()
		}
	}
	if err != nil {
		return Correction{}, r.wrap("correction", err)
	}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return Correction{}, fmt.Errorf("store: correction: %w", ErrNotFound)
	}
	return c, nil
}

// Corrections returns up to limit of the logged corrections, newest first
// (MaxCorrections when limit is 0 or larger), in two round trips.
func (r *Redis) Corrections(ctx context.Context, limit int) (out []Correction, err error) {
	defer r.track("corrections", time.Now(), &err)
	if limit <= 0 || limit > MaxCorrections {
		limit = MaxCorrections
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	members, err := r.rdb.ZRevRange(ctx, r.correctionsKey(), 0, int64(limit-1)).Result()
	if err != nil || len(members) == 0 {
		return nil, r.wrap("corrections", err)
	}
	values, err := r.rdb.HMGet(ctx, r.correctionDataKey(), members...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, r.wrap("corrections", err)
	}
	out = make([]Correction, 0, len(values))
	for _, v := range values {
		var c Correction
		if s := str(v); s != "" && json.Unmarshal([]byte(s), &c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// StoryCentroid returns a story's centroid and the version it belongs to.
func (r *Redis) StoryCentroid(ctx context.Context, sid string) (c Candidate, err error) {
	defer r.track("centroid", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, r.centroidKey(sid)).Result()
	if err != nil {
		return Candidate{}, r.wrap("centroid", err)
	}
	version, blob, ok := r.pack.storedCentroid(v)
	if !ok {
		return Candidate{}, fmt.Errorf("store: centroid of %q: %w", sid, ErrNotFound)
	}
	c = Candidate{ID: sid, Version: version}
	if err := c.Centroid.UnmarshalBinary([]byte(blob)); err != nil {
		return Candidate{}, fmt.Errorf("store: centroid of %q: %w", sid, err)
	}
	return c, nil
}

// ArticleRecord returns the indexed article with this id, its story id and its
// body fingerprint, which a move keeps in the record.
func (r *Redis) ArticleRecord(ctx context.Context, aid string) (a stories.Article, storyID string, simhash uint64, err error) {
	defer r.track("article", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, r.articleKey(aid)).Result()
	if errors.Is(err, redis.Nil) {
		return stories.Article{}, "", 0, fmt.Errorf("store: article: %w", ErrArticleNotFound)
	}
	if err != nil {
		return stories.Article{}, "", 0, r.wrap("article", err)
	}
	a, sid, ok := r.article(v)
	if !ok {
		return stories.Article{}, "", 0, fmt.Errorf("store: article: %w", ErrArticleNotFound)
	}
	plain, _ := r.pack.unpackRecord(v)
	if _, body, found := strings.Cut(plain, "\n"); found {
		var s storedArticle
		if json.Unmarshal([]byte(body), &s) == nil {
			simhash = s.SimHash
		}
	}
	return a, sid, simhash, nil
}
