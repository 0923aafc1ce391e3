package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// addArticleScript adds one article to a story in one atomic step. It refuses
// (returns "conflict") when the matcher's view is stale: the story changed since it
// was read (version), or, for a new story, another story was created since (seq).
// The caller then matches again against the fresh index. Without this two replicas
// adding articles of one new event at once would each start a story.
//
// KEYS: 1 article, 2 story, 3 story articles, 4 story sources, 5 seq, 6 recent,
// 7 coverage, 8 df window, 9.. term postings.
// ARGV: 1 sid, 2 expected version (0 = new story), 3 expected seq, 4 centroid,
// 5 title, 6 now ms, 7 ttl ms, 8 aid, 9 article time ms, 10 source, 11 posting cap,
// 12 df ttl ms, 13 article key prefix, 14 number of article field/value strings,
// 15 how many of the story's newest articles get their TTL renewed, then the
// article field/value strings, then the document terms.
const addArticleScript = `
local existing = redis.call('HGET', KEYS[1], 's')
if existing then return {'exists', existing} end
local sid, version, now, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[6], tonumber(ARGV[7])
if version == 0 then
  if tonumber(redis.call('GET', KEYS[5]) or '0') ~= tonumber(ARGV[3]) then return {'conflict', ''} end
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'conflict', ''} end
  redis.call('INCR', KEYS[5])
  redis.call('PEXPIRE', KEYS[5], ttl)
  redis.call('HSET', KEYS[2], 'id', sid, 'f', now)
else
  if tonumber(redis.call('HGET', KEYS[2], 'v') or '-1') ~= version then return {'conflict', ''} end
end
local nf = tonumber(ARGV[14])
local fields = {}
for i = 16, 15 + nf do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 's', sid, unpack(fields))
redis.call('ZADD', KEYS[3], ARGV[9], ARGV[8])
redis.call('SADD', KEYS[4], ARGV[10])
local count = redis.call('ZCARD', KEYS[3])
redis.call('HSET', KEYS[2], 'v', version + 1, 'c', ARGV[4], 't', ARGV[5], 'u', now, 'n', count)
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
-- The articles live as long as their story.
for _, aid in ipairs(redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[15]) - 1)) do
  redis.call('PEXPIRE', ARGV[13] .. aid, ttl)
end
local cap = tonumber(ARGV[11])
for i = 9, #KEYS do
  redis.call('ZADD', KEYS[i], now, sid)
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
  redis.call('PEXPIRE', KEYS[i], ttl)
end
local terms = 0
for i = 16 + nf, #ARGV do
  redis.call('HINCRBY', KEYS[8], ARGV[i], 1)
  terms = terms + 1
end
redis.call('HINCRBY', KEYS[8], '\0', 1)
redis.call('PEXPIRE', KEYS[8], ARGV[12])
redis.call('ZADD', KEYS[6], now, sid)
redis.call('ZADD', KEYS[7], redis.call('SCARD', KEYS[4]), sid)
local old = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', tonumber(now) - ttl, 'LIMIT', 0, 100)
for _, id in ipairs(old) do
  redis.call('ZREM', KEYS[6], id)
  redis.call('ZREM', KEYS[7], id)
end
redis.call('PEXPIRE', KEYS[6], ttl)
redis.call('PEXPIRE', KEYS[7], ttl)
return {'ok', sid}
`

// Add is one article to add to the index.
type Add struct {
	Article stories.Article
	// StoryID is the story to join; empty starts a new story.
	StoryID string
	// Version is the story's version the matcher read (ignored for a new story).
	Version int64
	// Seq is the story-creation counter the matcher read (checked for a new story).
	Seq int64
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

// AddArticle stores a's article in its story, atomically: the article, the story's
// centroid, title and counts, the term postings and the document frequencies change
// together or not at all. It returns ErrConflict when the story changed (or another
// story was created) since the matcher read the index.
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
	blob, err := a.Centroid.MarshalBinary()
	if err != nil {
		return Added{}, fmt.Errorf("store: add article: %w", err)
	}
	now := time.Now()
	keys := []string{
		r.articleKey(aid), r.storyKey(sid), r.storyArticlesKey(sid), r.storySourcesKey(sid),
		r.seqKey(), r.recentKey(), r.coverageKey(), r.docFreqKey(now, 0),
	}
	for _, t := range a.IndexTerms {
		keys = append(keys, r.termKey(t))
	}
	fields := articleFields(a.Article, a.SimHash)
	args := []any{
		sid, version, a.Seq, blob, a.Centroid.Headline, now.UnixMilli(), r.retention.Milliseconds(),
		aid, a.Article.When().UnixMilli(), a.Article.Source(), postingCap, 2 * r.retention.Milliseconds(),
		r.prefix + keyArticle, len(fields), refreshMembers,
	}
	args = append(args, fields...)
	for _, t := range a.DocTerms {
		args = append(args, t)
	}
	out, err := r.addScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		return Added{}, r.wrap("add article", err)
	}
	if len(out) != 2 {
		return Added{}, fmt.Errorf("store: add article: unexpected reply %q", out)
	}
	switch out[0] {
	case "ok":
		return Added{StoryID: out[1]}, nil
	case "exists":
		return Added{StoryID: out[1], Existed: true}, nil
	case "conflict":
		return Added{}, fmt.Errorf("store: add article: %w", ErrConflict)
	}
	return Added{}, fmt.Errorf("store: add article: unexpected reply %q", out)
}

// articleFields encodes an article as hash field/value pairs (see keys.go).
func articleFields(a stories.Article, simhash uint64) []any {
	f := []any{"u", a.URL, "t", a.Title, "ad", strconv.FormatInt(a.Added.UnixMilli(), 10), "d", a.Domain}
	opt := func(k, v string) {
		if v != "" {
			f = append(f, k, v)
		}
	}
	opt("b", a.Byline)
	opt("x", a.Excerpt)
	opt("l", a.Lang)
	opt("o", a.OutletID)
	opt("dup", a.DuplicateOf)
	if !a.Published.IsZero() {
		f = append(f, "p", strconv.FormatInt(a.Published.UnixMilli(), 10))
	}
	if a.Partial {
		f = append(f, "pa", "1")
	}
	if simhash != 0 {
		f = append(f, "h", strconv.FormatUint(simhash, 16))
	}
	return f
}

// decodeArticle reads an article hash; ok is false when the hash is empty (expired).
func decodeArticle(m map[string]string) (a stories.Article, storyID string, ok bool) {
	if m["u"] == "" {
		return stories.Article{}, "", false
	}
	a = stories.Article{
		URL:         m["u"],
		Title:       m["t"],
		Byline:      m["b"],
		Excerpt:     m["x"],
		Lang:        m["l"],
		OutletID:    m["o"],
		Domain:      m["d"],
		DuplicateOf: m["dup"],
		Partial:     m["pa"] == "1",
		Added:       msTime(m["ad"]),
		Published:   msTime(m["p"]),
	}
	return a, m["s"], true
}

func msTime(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s == "" {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ArticleByURL returns the indexed article with this canonical URL and its story id.
func (r *Redis) ArticleByURL(ctx context.Context, canonicalURL string) (a stories.Article, storyID string, err error) {
	defer r.track("article", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	m, err := r.rdb.HGetAll(ctx, r.articleKey(ArticleID(canonicalURL))).Result()
	if err != nil {
		return stories.Article{}, "", r.wrap("article", err)
	}
	a, sid, ok := decodeArticle(m)
	if !ok {
		return stories.Article{}, "", fmt.Errorf("store: article: %w", ErrNotFound)
	}
	return a, sid, nil
}

// Story returns a story with up to limit of its newest articles (MaxStoryArticles
// when limit is 0 or larger).
func (r *Redis) Story(ctx context.Context, id string, limit int) (s stories.Story, err error) {
	defer r.track("story", time.Now(), &err)
	if limit <= 0 || limit > MaxStoryArticles {
		limit = MaxStoryArticles
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	meta := pipe.HMGet(ctx, r.storyKey(id), "id", "t", "f", "u")
	ids := pipe.ZRevRange(ctx, r.storyArticlesKey(id), 0, int64(limit-1))
	total := pipe.ZCard(ctx, r.storyArticlesKey(id))
	if _, err := pipe.Exec(ctx); err != nil {
		return stories.Story{}, r.wrap("story", err)
	}
	vals := meta.Val()
	if vals[0] == nil {
		return stories.Story{}, fmt.Errorf("store: story %q: %w", id, ErrNotFound)
	}
	s = stories.Story{
		ID:           id,
		Title:        str(vals[1]),
		FirstSeen:    msTime(str(vals[2])),
		Updated:      msTime(str(vals[3])),
		ArticleCount: int(total.Val()),
	}
	if len(ids.Val()) == 0 {
		return s, nil
	}
	pipe = r.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids.Val()))
	for i, aid := range ids.Val() {
		cmds[i] = pipe.HGetAll(ctx, r.articleKey(aid))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return stories.Story{}, r.wrap("story articles", err)
	}
	for _, c := range cmds {
		// An article whose key expired before its story (see refreshMembers) is skipped.
		if a, _, ok := decodeArticle(c.Val()); ok {
			s.Articles = append(s.Articles, a)
		}
	}
	return s, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
