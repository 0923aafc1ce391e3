package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// storyByArticleScript reads, in one round trip, the article a URL finds (its own
// key, else through its alias), its story's fields, title and newest members. An
// indexed lookup used to send six commands in three dependent round trips (article,
// then story, then members: 0.42× the requests per second of a handler doing one
// GET); a script is the only way to follow the article to its story without going
// back to the client.
//
// When the caller already holds the story at the version it passes (ARGV[4],
// ARGV[5]), the reply stops after the version: only the check is paid for.
//
// KEYS: 1 article, 2 alias. ARGV: 1 article key prefix, 2 story key prefix (up to
// the hash tag's "{", see tagOpen), 3 how
// many of the newest members to read, 4 the story id the caller holds ("" when
// none), 5 the version it holds.
//
// Reply: {} when the URL finds no article; {article} when its story is gone (a
// dangling article, indexed afresh by the caller); {article, version} when the
// story is the caller's version; else {article, version, first seen, updated,
// first published, title, centroid, member count, member values...}. The centroid
// is read only for a story written before titles had a key of their own (keys.go),
// whose headline lives only there; "" otherwise. Missing values are "".
const storyByArticleScript = `
local v = redis.call('GET', KEYS[1])
if not v then
  local target = redis.call('GET', KEYS[2])
  if not target then return {} end
  v = redis.call('GET', ARGV[1] .. target .. '}')
  if not v then return {} end
end
local sid = string.match(v, '^[^\n]*')
local sk = ARGV[2] .. sid .. '}'
local meta = redis.call('HMGET', sk, 'v', 'f', 'u', 'p')
if not meta[1] then return {v} end
if sid == ARGV[4] and meta[1] == ARGV[5] then return {v, meta[1]} end
local title = redis.call('GET', sk .. ':t')
local cent = ''
if not title then
  title = ''
  cent = redis.call('GET', sk .. ':c') or ''
end
local ak = sk .. ':a'
local ids = redis.call('ZREVRANGE', ak, 0, tonumber(ARGV[3]) - 1)
local out = {v, meta[1], meta[2] or '', meta[3] or '', meta[4] or '', title, cent, tostring(redis.call('ZCARD', ak))}
if #ids > 0 then
  for i, id in ipairs(ids) do ids[i] = ARGV[1] .. id .. '}' end
  for _, m in ipairs(redis.call('MGET', unpack(ids))) do out[#out + 1] = m or '' end
end
return out
`

// storyByArticleFields is the length of the script's full reply before the members.
const storyByArticleFields = 8

// StoryByArticleURL returns the indexed article with this canonical URL (following
// an alias, as ArticleByURL does) and its story with up to limit of its newest
// articles (MaxStoryArticles when limit is 0 or larger): ArticleByURL and Story in
// one round trip, or none while the lookup cache holds them fresh (see cache.go).
// The error wraps ErrNotFound when the URL finds no article, or finds one whose
// story has expired.
func (r *Redis) StoryByArticleURL(ctx context.Context, canonicalURL string, limit int) (a stories.Article, s stories.Story, err error) {
	if limit <= 0 || limit > MaxStoryArticles {
		limit = MaxStoryArticles
	}
	aid := ArticleID(canonicalURL)
	if a, s, ok := r.cache.fresh(aid, limit, r.cache.now()); ok {
		return a, s, nil
	}
	defer r.track("story_by_article", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	knownID, knownVersion, gen := r.cache.known(aid, limit)
	for range 2 {
		keys := []string{r.articleKey(aid), r.aliasKey(aid)}
		args := []any{r.tagOpen(keyArticle), r.tagOpen(keyStory), limit, knownID, knownVersion}
		reply, err := r.storyByArticleScript.Run(ctx, r.rdb, keys, args...).Slice()
		if err != nil && err != redis.Nil {
			return stories.Article{}, stories.Story{}, r.wrap("story by article", err)
		}
		if len(reply) == 0 {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: article: %w", ErrNotFound)
		}
		a, sid, ok := r.article(str(reply[0]))
		if !ok {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: article: %w", ErrNotFound)
		}
		if len(reply) == 1 {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: story %q: %w", sid, ErrNotFound)
		}
		version, _ := strconv.ParseInt(str(reply[1]), 10, 64)
		now := r.cache.now()
		if len(reply) == 2 {
			if s, ok := r.cache.storyOf(sid, version, limit); ok {
				r.cache.put(gen, aid, a, sid, nil, limit, now)
				return a, s, nil
			}
			// Dropped from the cache while the script ran: read it whole.
			knownID, knownVersion = "", 0
			continue
		}
		if len(reply) < storyByArticleFields {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: story by article: unexpected reply of %d values", len(reply))
		}
		s = r.storyOfReply(sid, version, reply)
		r.cache.put(gen, aid, a, sid, &s, limit, now)
		return a, s, nil
	}
	return stories.Article{}, stories.Story{}, fmt.Errorf("store: story by article: %w", ErrConflict)
}

// storyOfReply builds a story from the full reply of storyByArticleScript.
func (r *Redis) storyOfReply(sid string, version int64, reply []any) stories.Story {
	n, _ := strconv.Atoi(str(reply[7]))
	s := stories.Story{
		ID:             sid,
		Title:          str(reply[5]),
		Version:        version,
		FirstSeen:      msTime(str(reply[2])),
		Updated:        msTime(str(reply[3])),
		FirstPublished: msTime(str(reply[4])),
		ArticleCount:   n,
	}
	if s.Title == "" {
		if cent := str(reply[6]); cent != "" {
			s.Title = r.headline(cent)
		}
	}
	for _, v := range reply[storyByArticleFields:] {
		// An article whose key expired before its story (see refreshMembers) is skipped.
		if a, _, ok := r.article(str(v)); ok {
			s.Articles = append(s.Articles, a)
		}
	}
	if s.FirstPublished.IsZero() && len(s.Articles) == s.ArticleCount {
		// No field p: a story started before Parallax kept it (see Story).
		s.FirstPublished = stories.FirstPublished(s.Articles)
	}
	return s
}
