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

// detachScript moves an article out of a story into a new story of its own, and
// records the correction, in one atomic step. It refuses ("conflict") when the
// story changed since the caller read it (its version), so the centroid the caller
// computed is never written over a newer one.
//
// KEYS: 1 article, 2 story, 3 story articles, 4 centroid, 5 title, 6 exclusions,
// 7 new story, 8 new story articles, 9 new centroid, 10 new title, 11 recent,
// 12 coverage, 13 add counter, 14 corrections, 15 correction data, then the new
// story's postings (ARGV[16] of them), then the story's.
// ARGV: 1 sid, 2 new sid, 3 aid, 4 expected version, 5 the article's new value,
// 6 centroid, 7 new centroid, 8 headline, 9 new headline, 10 ttl ms, 11 article
// time ms, 12 source, 13 "1" when another article of the story has the source,
// 14 the story's first-published ms ("-" to keep it), 15 the article's published
// ms (0 unknown), 16 number of new-story postings, 17 posting cap, 18 correction
// JSON, 19 corrections cap.
const detachScript = nextTickLua + `
local v = redis.call('GET', KEYS[1])
if not v then return {'article_not_found', ''} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'not_found', ''} end
local sid, nsid, aid = ARGV[1], ARGV[2], ARGV[3]
local esid = string.match(v, '^[^\n]*')
if esid ~= sid then
  if redis.call('SISMEMBER', KEYS[6], aid) == 1 then return {'unchanged', esid} end
  return {'not_in_story', esid}
end
local version = tonumber(redis.call('HGET', KEYS[2], 'v') or '-1')
if version ~= tonumber(ARGV[4]) then return {'conflict', ''} end
if redis.call('ZCARD', KEYS[3]) <= 1 then return {'sole_article', ''} end
if redis.call('EXISTS', KEYS[7]) == 1 then return {'conflict', ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[10])
local slack = math.floor(ttl / 10)
-- The story keeps its own expiry: a correction is no news about it. Whatever
-- it writes, and the exclusion set, expire with it.
local left = redis.call('PTTL', KEYS[2])
if left <= 0 then left = ttl end
redis.call('ZREM', KEYS[3], aid)
redis.call('HSET', KEYS[2], 'v', version + 1, 'n', redis.call('ZCARD', KEYS[3]))
if ARGV[13] ~= '1' and redis.call('HDEL', KEYS[2], '@' .. ARGV[12]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'o', -1)
end
if ARGV[14] ~= '-' then redis.call('HSET', KEYS[2], 'p', ARGV[14]) end
redis.call('SET', KEYS[4], (version + 1) .. '\n' .. ARGV[6], 'PX', left)
redis.call('SET', KEYS[5], ARGV[8], 'PX', left)
redis.call('SADD', KEYS[6], aid)
redis.call('PEXPIRE', KEYS[6], left)
-- The new story, as the add script starts one.
local pub = tonumber(ARGV[15])
local p = ''
if pub > 0 then p = pub end
redis.call('HSET', KEYS[7], 'f', now, 'p', p, 'v', 1, 'u', now, 'n', 1, 'o', 1, 'r', now, '@' .. ARGV[12], 1)
redis.call('SET', KEYS[1], nsid .. '\n' .. ARGV[5], 'PX', ttl + slack)
redis.call('ZADD', KEYS[8], ARGV[11], aid)
redis.call('SET', KEYS[9], '1\n' .. ARGV[7], 'PX', ttl)
redis.call('SET', KEYS[10], ARGV[9], 'PX', ttl)
redis.call('PEXPIRE', KEYS[7], ttl)
redis.call('PEXPIRE', KEYS[8], ttl)
local cap, nn = tonumber(ARGV[17]), tonumber(ARGV[16])
for i = 16, #KEYS do
  local id = sid
  if i < 16 + nn then id = nsid end
  if redis.call('ZADD', KEYS[i], nexttick(KEYS[i]), id) == 1 then
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
redis.call('ZADD', KEYS[11], now, nsid)
redis.call('ZADD', KEYS[12], 1, nsid)
local o = redis.call('HGET', KEYS[2], 'o')
if o then redis.call('ZADD', KEYS[12], o, sid) end
-- The log: newest kept, at most the cap, none older than the retention.
local member = sid .. ':' .. aid
redis.call('ZADD', KEYS[14], now, member)
redis.call('HSET', KEYS[15], member, ARGV[18])
local drop = redis.call('ZRANGEBYSCORE', KEYS[14], '-inf', now - ttl, 'LIMIT', 0, 100)
local over = redis.call('ZCARD', KEYS[14]) - tonumber(ARGV[19])
if over > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[14], 0, over - 1)) do table.insert(drop, m) end
end
for _, m in ipairs(drop) do
  redis.call('ZREM', KEYS[14], m)
  redis.call('HDEL', KEYS[15], m)
end
redis.call('PEXPIRE', KEYS[14], ttl)
redis.call('PEXPIRE', KEYS[15], ttl)
return {'ok', nsid}
`

// attachScript moves an article from the story it is in into another, in one
// atomic step: the undo of a detach, or an operator's correction the other way.
// The article's exclusion from the target and the target's correction entry for it
// are removed. A story the move leaves empty is deleted. It refuses ("conflict")
// when either story changed since the caller read them.
//
// KEYS: 1 article, 2 target, 3 target articles, 4 target centroid, 5 target title,
// 6 target exclusions, 7 recent, 8 coverage, 9 add counter, 10 corrections,
// 11 correction data, 12 source story, 13 its articles, 14 its centroid, 15 its
// title, 16 its exclusions, then the target's postings (ARGV[17] of them), then
// the source story's.
// ARGV: 1 target sid, 2 source sid, 3 aid, 4 target version, 5 source version,
// 6 the article's new value, 7 target centroid, 8 source centroid, 9 target
// headline, 10 source headline, 11 ttl ms, 12 article time ms, 13 source (outlet),
// 14 "1" when another article of the source story has it, 15 the source story's
// first-published ms ("-" to keep), 16 the article's published ms (0 unknown),
// 17 number of target postings, 18 posting cap.
const attachScript = nextTickLua + `
local v = redis.call('GET', KEYS[1])
if not v then return {'article_not_found', ''} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'not_found', ''} end
local tsid, ssid, aid = ARGV[1], ARGV[2], ARGV[3]
local esid = string.match(v, '^[^\n]*')
if esid == tsid then return {'unchanged', tsid} end
if esid ~= ssid then return {'conflict', ''} end
local tv = tonumber(redis.call('HGET', KEYS[2], 'v') or '-1')
local sv = tonumber(redis.call('HGET', KEYS[12], 'v') or '-1')
if tv ~= tonumber(ARGV[4]) or sv ~= tonumber(ARGV[5]) then return {'conflict', ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[11])
local slack = math.floor(ttl / 10)
-- The source story loses the article, or goes when it was its only one.
local sleft = redis.call('PTTL', KEYS[12])
if sleft <= 0 then sleft = ttl end
redis.call('ZREM', KEYS[13], aid)
local remaining = redis.call('ZCARD', KEYS[13])
if remaining == 0 then
  redis.call('DEL', KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16])
  redis.call('ZREM', KEYS[7], ssid)
  redis.call('ZREM', KEYS[8], ssid)
else
  redis.call('HSET', KEYS[12], 'v', sv + 1, 'n', remaining)
  if ARGV[14] ~= '1' and redis.call('HDEL', KEYS[12], '@' .. ARGV[13]) == 1 then
    redis.call('HINCRBY', KEYS[12], 'o', -1)
  end
  if ARGV[15] ~= '-' then redis.call('HSET', KEYS[12], 'p', ARGV[15]) end
  redis.call('SET', KEYS[14], (sv + 1) .. '\n' .. ARGV[8], 'PX', sleft)
  redis.call('SET', KEYS[15], ARGV[10], 'PX', sleft)
  local o = redis.call('HGET', KEYS[12], 'o')
  if o then redis.call('ZADD', KEYS[8], o, ssid) end
end
-- The target gains it, as an add does (and lives on as after an add).
redis.call('SET', KEYS[1], tsid .. '\n' .. ARGV[6], 'PX', ttl + slack)
redis.call('ZADD', KEYS[3], ARGV[12], aid)
if redis.call('HSETNX', KEYS[2], '@' .. ARGV[13], 1) == 1 then redis.call('HINCRBY', KEYS[2], 'o', 1) end
local pub = tonumber(ARGV[16])
if pub > 0 then
  local p = redis.call('HGET', KEYS[2], 'p')
  if p and (p == '' or pub < tonumber(p)) then redis.call('HSET', KEYS[2], 'p', pub) end
end
redis.call('HSET', KEYS[2], 'v', tv + 1, 'u', now, 'n', redis.call('ZCARD', KEYS[3]))
redis.call('SET', KEYS[4], (tv + 1) .. '\n' .. ARGV[7], 'PX', ttl)
redis.call('SET', KEYS[5], ARGV[9], 'PX', ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('SREM', KEYS[6], aid)
redis.call('PEXPIRE', KEYS[6], ttl)
local member = tsid .. ':' .. aid
redis.call('ZREM', KEYS[10], member)
redis.call('HDEL', KEYS[11], member)
local cap, nt = tonumber(ARGV[18]), tonumber(ARGV[17])
for i = 17, #KEYS do
  local id = tsid
  if i >= 17 + nt then id = ssid end
  if id == tsid or remaining > 0 then
    if redis.call('ZADD', KEYS[i], nexttick(KEYS[i]), id) == 1 then
      redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
end
redis.call('ZADD', KEYS[7], now, tsid)
redis.call('ZADD', KEYS[8], redis.call('HGET', KEYS[2], 'o'), tsid)
return {'ok', tsid}
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
	return "s" + ArticleID(canonicalURL+"\n"+sid+"\n"+strconv.FormatInt(version, 10))
}

// Detach moves an article out of story m.From into a new story of its own and
// records the correction (see detachScript). Errors: ErrNotFound (no such story),
// ErrArticleNotFound, ErrNotInStory, ErrSoleArticle, ErrConflict (the story
// changed since it was read: read it again).
func (r *Redis) Detach(ctx context.Context, m Move) (res Moved, err error) {
	defer r.track("detach", time.Now(), &err)
	if m.Article.URL == "" || m.FromCentroid == nil || m.ToCentroid == nil {
		return Moved{}, errors.New("store: detach: missing article or centroid")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	sid, aid := m.From, m.ArticleID
	nsid := DetachedStoryID(m.Article.URL, sid, m.FromVersion)
	oldBlob, err := m.FromCentroid.MarshalBinary()
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: %w", err)
	}
	newBlob, err := m.ToCentroid.MarshalBinary()
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: %w", err)
	}
	value, err := encodeArticle(m.Article, m.SimHash)
	if err != nil {
		return Moved{}, err
	}
	m.Correction.NewStoryID = nsid
	corr, err := json.Marshal(m.Correction)
	if err != nil {
		return Moved{}, fmt.Errorf("store: detach: encode correction: %w", err)
	}
	keys := []string{
		r.articleKey(aid), r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid), r.titleKey(sid),
		r.exclusionKey(sid), r.storyKey(nsid), r.storyArticlesKey(nsid), r.centroidKey(nsid), r.titleKey(nsid),
		r.recentKey(0), r.coverageKey(0), r.addsKey(), r.correctionsKey(), r.correctionDataKey(),
	}
	for _, t := range m.ToIndexTerms {
		keys = append(keys, r.termKey(t))
	}
	for _, t := range m.FromIndexTerms {
		keys = append(keys, r.termKey(t))
	}
	args := []any{
		sid, nsid, aid, m.FromVersion, value, oldBlob, newBlob, m.FromCentroid.Headline, m.ToCentroid.Headline,
		r.retention.Milliseconds(), m.Article.When().UnixMilli(), m.Article.Source(), flag(m.FromKeepsSource),
		firstPublishedArg(m.FromFirstPublished, m.FromKnowsFirst), publishedMs(m.Article.Published),
		len(m.ToIndexTerms), postingCap, string(corr), MaxCorrections,
	}
	out, err := r.detachScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		return Moved{}, r.wrap("detach", err)
	}
	return moveReply("detach", out)
}

// Attach moves an article from story m.From into story m.To (see attachScript):
// the undo of a Detach. Errors: ErrNotFound (no such target story),
// ErrArticleNotFound, ErrConflict (either story changed since it was read).
func (r *Redis) Attach(ctx context.Context, m Move) (res Moved, err error) {
	defer r.track("attach", time.Now(), &err)
	if m.Article.URL == "" || m.ToCentroid == nil {
		return Moved{}, errors.New("store: attach: missing article or centroid")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	tsid, ssid, aid := m.To, m.From, m.ArticleID
	toBlob, err := m.ToCentroid.MarshalBinary()
	if err != nil {
		return Moved{}, fmt.Errorf("store: attach: %w", err)
	}
	var fromBlob []byte
	fromHeadline := ""
	if m.FromCentroid != nil {
		if fromBlob, err = m.FromCentroid.MarshalBinary(); err != nil {
			return Moved{}, fmt.Errorf("store: attach: %w", err)
		}
		fromHeadline = m.FromCentroid.Headline
	}
	value, err := encodeArticle(m.Article, m.SimHash)
	if err != nil {
		return Moved{}, err
	}
	keys := []string{
		r.articleKey(aid), r.storyKey(tsid), r.storyArticlesKey(tsid), r.centroidKey(tsid), r.titleKey(tsid),
		r.exclusionKey(tsid), r.recentKey(0), r.coverageKey(0), r.addsKey(), r.correctionsKey(), r.correctionDataKey(),
		r.storyKey(ssid), r.storyArticlesKey(ssid), r.centroidKey(ssid), r.titleKey(ssid), r.exclusionKey(ssid),
	}
	for _, t := range m.ToIndexTerms {
		keys = append(keys, r.termKey(t))
	}
	for _, t := range m.FromIndexTerms {
		keys = append(keys, r.termKey(t))
	}
	args := []any{
		tsid, ssid, aid, m.ToVersion, m.FromVersion, value, toBlob, string(fromBlob), m.ToCentroid.Headline,
		fromHeadline, r.retention.Milliseconds(), m.Article.When().UnixMilli(), m.Article.Source(),
		flag(m.FromKeepsSource), firstPublishedArg(m.FromFirstPublished, m.FromKnowsFirst),
		publishedMs(m.Article.Published), len(m.ToIndexTerms), postingCap,
	}
	out, err := r.attachScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		return Moved{}, r.wrap("attach", err)
	}
	return moveReply("attach", out)
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
		// A merge files a story's corrections under the survivor (see mergeScript).
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
	version, blob, ok := storedCentroid(v)
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
	if _, body, found := strings.Cut(v, "\n"); found {
		var s storedArticle
		if json.Unmarshal([]byte(body), &s) == nil {
			simhash = s.SimHash
		}
	}
	return a, sid, simhash, nil
}
