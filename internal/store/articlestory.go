package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// A lookup of an indexed article follows its URL to the article (its own key, else
// through its alias), the article to its story, and the story to its newest
// members. These live in several slots on a Redis Cluster (keys.go): the URL's
// (its article key and its alias key share its article id's tag), the alias
// target's, the story's, and one per member. So the read is three round trips,
// each touching one slot or pipelined over several (go-redis sends a cluster
// pipeline's commands to each node in one batch):
//
//  1. the article's and the alias's GET, pipelined; only when the URL has no
//     article of its own but an alias, one more GET of the alias's target (an
//     article of another id, so another slot);
//  2. storyReadScript, in the story's slot: its fields, title and newest member
//     ids, or only its version when that is the version the caller holds;
//  3. the members' records (getMany).
//
// Nothing is written, so nothing is left half done. A write between the steps is
// seen as a reader a moment earlier or later would see it: a story that expired
// after step 1 reads as a dangling article (indexed afresh by the caller), a
// member added after step 2 is not in this answer, and a member whose record
// expired after step 2 is skipped, as an expired one always was.

// storyReadScript reads a story, in its slot. When the caller already holds the
// story at the version it passes (ARGV[2]), the reply stops after the version:
// only the check is paid for. The title is field t of the story or its title key
// (see titleLua); the centroid is read only for a story written before titles
// were kept apart from it (keys.go), whose headline lives only there.
//
// KEYS: 1 story, 2 title, 3 centroid, 4 members. ARGV: 1 how many of the newest
// members to read, 2 the version the caller holds ("" when none).
//
// Reply: {} when the story is gone; {version} when it is the caller's version;
// else {version, first seen, updated, first published, title, centroid, member
// count, member ids...}. Missing values are "".
const storyReadScript = membersLua + `
local meta = redis.call('HMGET', KEYS[1], 'v', 'f', 'u', 'p')
if not meta[1] then return {} end
if meta[1] == ARGV[2] then return {meta[1]} end
local t = redis.call('HMGET', KEYS[1], 't', 'ta', 'tb')
local title = t[1] or (t[2] and t[2] .. (t[3] or '')) or redis.call('GET', KEYS[2])
local cent = ''
if not title then
  title = ''
  cent = redis.call('GET', KEYS[3]) or ''
end
local out = {meta[1], meta[2] or '', meta[3] or '', meta[4] or '', title, cent, tostring(m_count(KEYS[1], KEYS[4]))}
for _, id in ipairs(m_newest(KEYS[1], KEYS[4], tonumber(ARGV[1]))) do out[#out + 1] = id end
return out
`

// storyReadFields is the length of storyReadScript's full reply before the member ids.
const storyReadFields = 7

// StoryByArticleURL returns the indexed article with this canonical URL (following
// an alias, as ArticleByURL does) and its story with up to limit of its newest
// articles (MaxStoryArticles when limit is 0 or larger): ArticleByURL and Story in
// three round trips (see above), or none while the lookup cache holds them fresh
// (see cache.go), and two when the cache holds the story's current version.
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
	v, err := r.articleOrAlias(ctx, aid)
	if err != nil {
		return stories.Article{}, stories.Story{}, r.wrap("story by article", err)
	}
	a, sid, ok := r.article(v)
	if !ok {
		return stories.Article{}, stories.Story{}, fmt.Errorf("store: article: %w", ErrNotFound)
	}
	for range 2 {
		held := ""
		if sid == knownID {
			held = strconv.FormatInt(knownVersion, 10)
		}
		keys := []string{r.storyKey(sid), r.titleKey(sid), r.centroidKey(sid), r.storyArticlesKey(sid)}
		reply, err := r.storyReadScript.Run(ctx, r.rdb, keys, limit, held).StringSlice()
		if err != nil && err != redis.Nil {
			return stories.Article{}, stories.Story{}, r.wrap("story by article", err)
		}
		if len(reply) == 0 {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: story %q: %w", sid, ErrNotFound)
		}
		version, _ := strconv.ParseInt(reply[0], 10, 64)
		if len(reply) == 1 {
			now := r.cache.now()
			if s, ok := r.cache.storyOf(sid, version, limit); ok {
				r.cache.put(gen, aid, a, sid, nil, limit, now)
				return a, s, nil
			}
			// Dropped from the cache while the script ran: read it whole.
			knownID = ""
			continue
		}
		if len(reply) < storyReadFields {
			return stories.Article{}, stories.Story{}, fmt.Errorf("store: story by article: unexpected reply of %d values", len(reply))
		}
		memberKeys := make([]string, 0, len(reply)-storyReadFields)
		for _, id := range reply[storyReadFields:] {
			memberKeys = append(memberKeys, r.articleKey(id))
		}
		members, err := r.getMany(ctx, memberKeys)
		if err != nil {
			return stories.Article{}, stories.Story{}, r.wrap("story by article", err)
		}
		s = r.storyOfReply(sid, version, reply, members)
		r.cache.put(gen, aid, a, sid, &s, limit, r.cache.now())
		return a, s, nil
	}
	return stories.Article{}, stories.Story{}, fmt.Errorf("store: story by article: %w", ErrConflict)
}

// articleOrAlias reads the value of the article aid finds: its own key, else the
// key of the article its alias names; "" when it finds none. One round trip reads
// the article's and the alias's keys (one slot, aid's); only an alias costs a
// second, to its target's slot.
func (r *Redis) articleOrAlias(ctx context.Context, aid string) (string, error) {
	vs, err := r.getMany(ctx, []string{r.articleKey(aid), r.aliasKey(aid)})
	if err != nil {
		return "", err
	}
	if vs[0] != "" || vs[1] == "" {
		return vs[0], nil
	}
	v, err := r.rdb.Get(ctx, r.articleKey(vs[1])).Result()
	if err == redis.Nil {
		return "", nil
	}
	return v, err
}

// storyOfReply builds a story from the full reply of storyReadScript and the
// values of its members' keys.
func (r *Redis) storyOfReply(sid string, version int64, reply, members []string) stories.Story {
	n, _ := strconv.Atoi(reply[6])
	s := stories.Story{
		ID:             sid,
		Title:          reply[4],
		Version:        version,
		FirstSeen:      msTime(reply[1]),
		Updated:        msTime(reply[2]),
		FirstPublished: msTime(reply[3]),
		ArticleCount:   n,
	}
	if s.Title == "" {
		if cent := reply[5]; cent != "" {
			s.Title = r.headline(cent)
		}
	}
	for _, v := range members {
		// An article whose key expired before its story (see refreshMembers) is skipped.
		if a, _, ok := r.article(v); ok {
			s.Articles = append(s.Articles, a)
		}
	}
	if s.FirstPublished.IsZero() && len(s.Articles) == s.ArticleCount {
		// No field p: a story started before Parallax kept it (see Story).
		s.FirstPublished = stories.FirstPublished(s.Articles)
	}
	return s
}
