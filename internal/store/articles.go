package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// addArticleScript adds one article to a story in one atomic step. It refuses
// (returns "conflict") when the matcher's view is stale: the story changed since it
// was read (its version), or, for a new story, a story was created or changed since
// the read under one of the terms the matcher looked candidates up by (a story it
// would have seen and perhaps joined). The caller then matches again against the
// fresh index. Without this, two replicas adding articles of one new event at once
// would each start a story; with it they act as if they had run one after the
// other. Postings are scored with a counter every add increments, not with a clock:
// it orders adds exactly, across replicas and clock steps.
//
// An article already indexed is left alone ("exists") unless its story has expired:
// an article outlives its story by up to the slack below, and such a dangling
// article is indexed afresh, never answered with a story that is gone.
//
// KEYS: 1 article, 2 story, 3 story articles, 4 centroid, 5 recent, 6 coverage,
// 7 add counter, 8 story title, then the lookup postings (ARGV[12] of them), then
// the index postings.
// ARGV: 1 sid, 2 expected version (0 = new story), 3 add counter at the view, 4 article
// value, 5 centroid, 6 ttl ms, 7 aid, 8 article time ms, 9 source, 10 posting cap,
// 11 article key prefix, 12 number of lookup postings, 13 how many of the story's
// newest articles get their TTL renewed, 14 story key prefix, 15 alias key prefix,
// 16 the story's headline (the centroid's), 17 the article's publication time ms
// (0 when unknown).
const addArticleScript = `
local existing = redis.call('GET', KEYS[1])
if existing then
  local esid = string.match(existing, '^[^\n]*')
  if redis.call('EXISTS', ARGV[14] .. esid) == 1 then return {'exists', esid} end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local sid, version, ttl, nl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[6]), tonumber(ARGV[12])
if version == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {'conflict', ''} end
  for i = 9, 8 + nl do
    if #redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. ARGV[3], '+inf', 'LIMIT', 0, 1) > 0 then return {'conflict', ''} end
  end
  -- A story of this id may have expired just now (a dangling article starting
  -- again), or been merged into another (its forward, see merge.go): nothing of
  -- it may leak into the new one.
  redis.call('DEL', KEYS[3], KEYS[4], ARGV[14] .. sid .. ':m')
  -- p "" says the story is of this format but none of its articles is dated yet.
  redis.call('HSET', KEYS[2], 'f', now, 'p', '')
elseif tonumber(redis.call('HGET', KEYS[2], 'v') or '-1') ~= version then
  return {'conflict', ''}
elseif redis.call('SISMEMBER', ARGV[14] .. sid .. ':x', ARGV[7]) == 1 then
  -- A reader took the article out of this story (see corrections.go); the
  -- matcher skips such stories, so only a detach since its read lands here.
  return {'conflict', ''}
end
-- Articles outlive their story by up to a tenth of the retention (see below).
local slack = math.floor(ttl / 10)
redis.call('SET', KEYS[1], sid .. '\n' .. ARGV[4], 'PX', ttl + slack)
redis.call('ZADD', KEYS[3], ARGV[8], ARGV[7])
if redis.call('HSETNX', KEYS[2], '@' .. ARGV[9], 1) == 1 then redis.call('HINCRBY', KEYS[2], 'o', 1) end
-- When the story was first reported (field p): lowered only by a dated article
-- older than every dated one before it. A story started before Parallax kept the
-- field has none, and gets none: the times of its earlier articles are not known
-- here (readers fall back on the articles they read).
local pub = tonumber(ARGV[17])
if pub > 0 then
  local p = redis.call('HGET', KEYS[2], 'p')
  if p and (p == '' or pub < tonumber(p)) then redis.call('HSET', KEYS[2], 'p', pub) end
end
-- The centroid carries the version it belongs to (see storedCentroid).
redis.call('SET', KEYS[4], (version + 1) .. '\n' .. ARGV[5], 'PX', ttl)
-- The headline has a key of its own so that listings and searches read it without
-- the centroid; not a field of the story's hash, which a headline over 64 bytes
-- would move out of Redis's compact encoding (see keys.go).
redis.call('SET', KEYS[8], ARGV[16], 'PX', ttl)
redis.call('HSET', KEYS[2], 'v', version + 1, 'u', now, 'n', redis.call('ZCARD', KEYS[3]))
for i = 2, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
-- The story's exclusions (see corrections.go) expire with it.
redis.call('PEXPIRE', ARGV[14] .. sid .. ':x', ttl)
-- The articles live as long as their story. Renewing every member on every add
-- made an add cost as much as the story is large; instead members are renewed to
-- the retention plus the slack once per slack period (field r), so none expires
-- before the story and none outlives it by more than the slack.
if now - tonumber(redis.call('HGET', KEYS[2], 'r') or '0') >= slack then
  for _, aid in ipairs(redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[13]) - 1)) do
    redis.call('PEXPIRE', ARGV[11] .. aid, ttl + slack)
  end
  -- Aliases of its articles (fields "~<alias id>", see AddAlias) live as long.
  for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do
    if string.sub(f, 1, 1) == '~' then redis.call('PEXPIRE', ARGV[15] .. string.sub(f, 2), ttl + slack) end
  end
  redis.call('HSET', KEYS[2], 'r', now)
end
local tick = redis.call('INCR', KEYS[7])
redis.call('PEXPIRE', KEYS[7], ttl)
local cap = tonumber(ARGV[10])
-- A posting list lives for the retention after a story last joined it: re-scoring a
-- story already in it (most terms of most adds) leaves its TTL alone, which saves a
-- call per term. A story whose list expired while it lived rejoins on its next add.
for i = 9 + nl, #KEYS do
  if redis.call('ZADD', KEYS[i], tick, sid) == 1 then
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -cap - 1)
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
redis.call('ZADD', KEYS[5], now, sid)
redis.call('ZADD', KEYS[6], redis.call('HGET', KEYS[2], 'o'), sid)
local old = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now - ttl, 'LIMIT', 0, 100)
for _, id in ipairs(old) do
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
end
redis.call('PEXPIRE', KEYS[5], ttl)
redis.call('PEXPIRE', KEYS[6], ttl)
return {'ok', sid}
`

// Add is one article to add to the index.
type Add struct {
	Article stories.Article
	// StoryID is the story to join; empty starts a new story.
	StoryID string
	// Version is the story's version the matcher read (ignored for a new story).
	Version int64
	// Seen is the add counter at the matcher's view (View.Seen), and LookupTerms
	// the terms it looked candidates up by: a new story is refused if a story was
	// created or changed under those terms since.
	Seen        int64
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

// AddArticle stores a's article in its story, atomically: the article, the story's
// centroid and counts and the term postings change together or not at all (the
// document frequencies follow in the next batch, see docfreq.go). It returns ErrConflict when the story changed (or another
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
	value, err := encodeArticle(a.Article, a.SimHash)
	if err != nil {
		return Added{}, err
	}
	var published int64 // 0: unknown (a time before 1970 is nobody's publication time)
	if !a.Article.Published.IsZero() {
		published = max(a.Article.Published.UnixMilli(), 0)
	}
	keys := []string{
		r.articleKey(aid), r.storyKey(sid), r.storyArticlesKey(sid), r.centroidKey(sid),
		r.recentKey(0), r.coverageKey(0), r.addsKey(), r.titleKey(sid),
	}
	lookup := a.LookupTerms
	if version != 0 {
		lookup = nil // only a new story checks them
	}
	for _, t := range lookup {
		keys = append(keys, r.termKey(t))
	}
	for _, t := range a.IndexTerms {
		keys = append(keys, r.termKey(t))
	}
	args := []any{
		sid, version, a.Seen, value, blob, r.retention.Milliseconds(),
		aid, a.Article.When().UnixMilli(), a.Article.Source(), postingCap,
		r.prefix + keyArticle, len(lookup), refreshMembers, r.prefix + keyStory, r.prefix + keyAlias,
		a.Centroid.Headline, published,
	}
	out, err := r.addScript.Run(ctx, r.rdb, keys, args...).StringSlice()
	if err != nil {
		r.cache.drop(sid, aid) // it may have been applied all the same
		return Added{}, r.wrap("add article", err)
	}
	if len(out) != 2 {
		return Added{}, fmt.Errorf("store: add article: unexpected reply %q", out)
	}
	switch out[0] {
	case "ok":
		r.cache.drop(out[1], aid)
		r.countDocument(a.DocTerms)
		return Added{StoryID: out[1]}, nil
	case "exists":
		return Added{StoryID: out[1], Existed: true}, nil
	case "conflict":
		return Added{}, fmt.Errorf("store: add article: %w", ErrConflict)
	}
	return Added{}, fmt.Errorf("store: add article: unexpected reply %q", out)
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
	a, sid, status := decodeArticle(v)
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

// addAliasScript points an alias key at an article for as long as the article
// lives, and records it in the article's story (field "~<alias id>") so that the
// add script renews it with the story's articles. KEYS: 1 alias, 2 article.
// ARGV: 1 the article's id, 2 story key prefix, 3 the alias's id.
const addAliasScript = `
local v = redis.call('GET', KEYS[2])
if not v then return 0 end
local ttl = redis.call('PTTL', KEYS[2])
if ttl <= 0 then return 0 end
local sid = string.match(v, '^[^\n]*')
if redis.call('EXISTS', ARGV[2] .. sid) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('HSET', ARGV[2] .. sid, '~' .. ARGV[3], 1)
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
	keys := []string{r.aliasKey(alias), r.articleKey(target)}
	defer r.cache.drop("", alias)
	return r.wrap("add alias", r.aliasScript.Run(ctx, r.rdb, keys, target, r.prefix+keyStory, alias).Err())
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
	pipe := r.rdb.Pipeline()
	meta := pipe.HMGet(ctx, r.storyKey(id), "v", "f", "u", "p")
	title := pipe.Get(ctx, r.titleKey(id))
	ids := pipe.ZRevRange(ctx, r.storyArticlesKey(id), 0, int64(limit-1))
	total := pipe.ZCard(ctx, r.storyArticlesKey(id))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return stories.Story{}, r.wrap("story", err)
	}
	vals := meta.Val()
	if vals[0] == nil {
		return stories.Story{}, fmt.Errorf("store: story %q: %w", id, ErrNotFound)
	}
	version, _ := strconv.ParseInt(str(vals[0]), 10, 64)
	s = stories.Story{
		ID:             id,
		Title:          title.Val(),
		Version:        version,
		FirstSeen:      msTime(str(vals[1])),
		FirstPublished: msTime(str(vals[3])),
		Updated:        msTime(str(vals[2])),
		ArticleCount:   int(total.Val()),
	}
	// The articles, and the centroid only for a story written before titles had a
	// key of their own, in the second round trip.
	pipe = r.rdb.Pipeline()
	var cent *redis.StringCmd
	if s.Title == "" {
		cent = pipe.Get(ctx, r.centroidKey(id))
	}
	var values *redis.SliceCmd
	if len(ids.Val()) > 0 {
		keys := make([]string, len(ids.Val()))
		for i, aid := range ids.Val() {
			keys[i] = r.articleKey(aid)
		}
		values = pipe.MGet(ctx, keys...)
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
		for _, v := range values.Val() {
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

// headline returns the title kept in a stored centroid, "" when there is none or
// it cannot be read.
func (r *Redis) headline(value string) string {
	var c stories.Centroid
	_, blob, ok := storedCentroid(value)
	if !ok {
		return ""
	}
	if err := c.Decode(blob); err != nil {
		r.unreadable("centroid", err.Error())
		return ""
	}
	return c.Headline
}

// storedCentroid splits a centroid key's value into the story version it was
// written with and the encoded centroid. The version travels with the centroid so
// that the matcher reads both, consistent with each other, for all its candidates
// in one MGET. ok is false for an empty or malformed value.
func storedCentroid(value string) (version int64, blob string, ok bool) {
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

// dfBuckets is how many small hashes a document-frequency window is spread over.
// Redis keeps a hash of up to 128 short fields in a compact listpack (about 15 bytes
// a term) but switches to a hash table (about 80) beyond; 16,384 buckets keep the
// buckets compact up to about two million distinct terms per window.
const dfBuckets = 1 << 14

func dfBucket(term string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(term))
	return h.Sum32() % dfBuckets
}
