package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// Unverified posts: on a shared server (API tokens configured) a page a reader's
// browser posted is that reader's word about what an outlet published. Until the
// outlet's feed or the server's own fetch corroborates it, it is kept apart from
// the index, keyed by the token that posted it: it answers that reader, and no
// story, listing or balance sees it.

// The states of an unverified post.
const (
	// PostUnverified: nothing has confirmed or contradicted it yet.
	PostUnverified = "unverified"
	// PostContradicted: the server fetched the page itself and found another title.
	PostContradicted = "contradicted"
)

const (
	postFormat = 1
	// MaxPostsPerPoster bounds what one token can keep unverified: the oldest posts
	// beyond it are dropped, so a token cannot fill the store.
	MaxPostsPerPoster = 10_000
	// maxPosters bounds the posters listing (tokens are configured, so few).
	maxPosters = 1_000
)

// Post is an unverified page a reader posted.
type Post struct {
	Poster  string          // the id of the token that posted it
	Article stories.Article // what the page says, Provenance reader
	// StoryID is the story the article would join, when one matched at posting
	// time; "" when it would start one of its own.
	StoryID string
	Status  string // PostUnverified or PostContradicted
	Posted  time.Time
}

type storedPost struct {
	Format  int             `json:"v"`
	Article json.RawMessage `json:"a"`
	StoryID string          `json:"s,omitempty"`
	Status  string          `json:"st"`
	Posted  int64           `json:"at"`
}

func encodePost(p Post) (string, error) {
	a, err := encodeArticle(p.Article, 0)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(storedPost{Format: postFormat, Article: json.RawMessage(a), StoryID: p.StoryID, Status: p.Status, Posted: p.Posted.UnixMilli()})
	if err != nil {
		return "", fmt.Errorf("store: encode post: %w", err)
	}
	return string(b), nil
}

// decodePost reads a stored post; ok is false for a value it cannot use (absent,
// damaged, or written by a newer Parallax), which then counts as no post.
func decodePost(poster, v string) (Post, bool) {
	var s storedPost
	if v == "" || json.Unmarshal([]byte(v), &s) != nil || s.Format > postFormat {
		return Post{}, false
	}
	a, _, status := decodeArticle("\n" + string(s.Article))
	if status != articleOK {
		return Post{}, false
	}
	return Post{Poster: poster, Article: a, StoryID: s.StoryID, Status: s.Status, Posted: time.UnixMilli(s.Posted).UTC()}, true
}

// SavePost keeps p as its poster's unverified post of the canonical URL (the
// article's own, or the URL the reader asked for when the page names another as
// its canonical), replacing an earlier one of the same URL, for the retention
// period.
func (r *Redis) SavePost(ctx context.Context, canonicalURL string, p Post) (err error) {
	defer r.track("save_post", time.Now(), &err)
	if p.Status == "" {
		p.Status = PostUnverified
	}
	if p.Posted.IsZero() {
		p.Posted = time.Now()
	}
	v, err := encodePost(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	aid := ArticleID(canonicalURL)
	ms := float64(p.Posted.UnixMilli())
	// The record and the poster's list of posts share the token's slot (keys.go),
	// the URL's list of posters is in the article id's slot and the posters listing
	// in a slot of its own: on a Redis Cluster no transaction spans them. So one
	// transaction per slot, record first: the record and the poster's list appear
	// together, then the URL's list (which corroboration and DropPostsOfURL find
	// the post by), then the listing. A reader never finds an index entry without
	// its record. A crash after the first step leaves a post its poster's list and
	// Post find but the URL's list does not: it is not dropped when the URL is
	// indexed, and expires after the retention; a crash after the second, a poster
	// missing from Posters until its next post.
	err = r.tx(ctx, func(pipe redis.Pipeliner) {
		pipe.Set(ctx, r.postKey(p.Poster, aid), v, r.retention)
		pipe.ZAdd(ctx, r.posterKey(p.Poster), redis.Z{Score: ms, Member: aid})
		pipe.ZRemRangeByRank(ctx, r.posterKey(p.Poster), 0, -MaxPostsPerPoster-1)
		pipe.Expire(ctx, r.posterKey(p.Poster), r.retention)
	})
	if err != nil {
		return r.wrap("save post", err)
	}
	err = r.tx(ctx, func(pipe redis.Pipeliner) {
		pipe.SAdd(ctx, r.postedURLKey(aid), p.Poster)
		pipe.Expire(ctx, r.postedURLKey(aid), r.retention)
	})
	if err != nil {
		return r.wrap("save post", err)
	}
	err = r.tx(ctx, func(pipe redis.Pipeliner) {
		pipe.ZAdd(ctx, r.postersKey(), redis.Z{Score: ms, Member: p.Poster})
		pipe.ZRemRangeByRank(ctx, r.postersKey(), 0, -maxPosters-1)
		pipe.Expire(ctx, r.postersKey(), r.retention)
	})
	return r.wrap("save post", err)
}

// tx runs the commands fn queues as one transaction (MULTI/EXEC). They must all
// name keys of one slot: a Redis Cluster refuses a transaction over two.
func (r *Redis) tx(ctx context.Context, fn func(pipe redis.Pipeliner)) error {
	pipe := r.rdb.TxPipeline()
	fn(pipe)
	_, err := pipe.Exec(ctx)
	return err
}

// Post returns poster's unverified post of the canonical URL; ErrNotFound when
// there is none.
func (r *Redis) Post(ctx context.Context, poster, canonicalURL string) (p Post, err error) {
	defer r.track("post", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, r.postKey(poster, ArticleID(canonicalURL))).Result()
	if err != nil {
		return Post{}, r.wrap("post", err)
	}
	p, ok := decodePost(poster, v)
	if !ok {
		return Post{}, fmt.Errorf("store: post: %w", ErrNotFound)
	}
	return p, nil
}

// PostsOfURL returns every unverified post of the canonical URL, whoever posted
// it; none (and one round trip) in the common case.
func (r *Redis) PostsOfURL(ctx context.Context, canonicalURL string) (ps []Post, err error) {
	defer r.track("posts_of_url", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	aid := ArticleID(canonicalURL)
	posters, err := r.rdb.SMembers(ctx, r.postedURLKey(aid)).Result()
	if err != nil || len(posters) == 0 {
		return nil, r.wrap("posts of url", err)
	}
	keys := make([]string, len(posters))
	for i, p := range posters {
		keys[i] = r.postKey(p, aid)
	}
	// The posts of many tokens are of many slots: pipelined GETs, not one MGET.
	vals, err := r.getMany(ctx, keys)
	if err != nil {
		return nil, r.wrap("posts of url", err)
	}
	for i, v := range vals {
		if p, ok := decodePost(posters[i], v); ok {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// SetPostStatus records what the server found of poster's post of the URL (see
// PostContradicted). It is a no-op when the post is gone.
func (r *Redis) SetPostStatus(ctx context.Context, poster, canonicalURL, status string) error {
	p, err := r.Post(ctx, poster, canonicalURL)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	p.Status = status
	v, err := encodePost(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// KEEPTTL: a status does not extend the post's life.
	return r.wrap("set post status", r.rdb.SetArgs(ctx, r.postKey(poster, ArticleID(canonicalURL)), v, redis.SetArgs{KeepTTL: true, Mode: "XX"}).Err())
}

// DropPostsOfURL forgets every unverified post of the canonical URL: the index
// now holds the publisher's or the feed's own version, which replaces them.
func (r *Redis) DropPostsOfURL(ctx context.Context, canonicalURL string, posters []string) (err error) {
	defer r.track("drop_posts", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	aid := ArticleID(canonicalURL)
	// The URL's list of posters first, each post and its entry in its poster's
	// list (both in the token's slot) after, one transaction per poster: the
	// reverse of SavePost, so a reader never finds an index entry whose record
	// is gone. A crash part way leaves posts only their posters' lists find, which
	// expire after the retention.
	if len(posters) == 0 {
		return nil
	}
	if err := r.rdb.SRem(ctx, r.postedURLKey(aid), toAny(posters)...).Err(); err != nil {
		return r.wrap("drop posts", err)
	}
	for _, p := range posters {
		err := r.tx(ctx, func(pipe redis.Pipeliner) {
			pipe.ZRem(ctx, r.posterKey(p), aid)
			pipe.Del(ctx, r.postKey(p, aid))
		})
		if err != nil {
			return r.wrap("drop posts", err)
		}
	}
	return nil
}

// PosterCount is how many unverified posts one token keeps.
type PosterCount struct {
	Poster string
	Posts  int64
	Last   time.Time // its latest post
}

// Posters lists the tokens that keep unverified posts, latest poster first.
func (r *Redis) Posters(ctx context.Context) (out []PosterCount, err error) {
	defer r.track("posters", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	zs, err := r.rdb.ZRevRangeWithScores(ctx, r.postersKey(), 0, maxPosters-1).Result()
	if err != nil {
		return nil, r.wrap("posters", err)
	}
	pipe := r.rdb.Pipeline()
	counts := make([]*redis.IntCmd, len(zs))
	for i, z := range zs {
		counts[i] = pipe.ZCard(ctx, r.posterKey(str(z.Member)))
	}
	if len(zs) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, r.wrap("posters", err)
		}
	}
	for i, z := range zs {
		if n := counts[i].Val(); n > 0 {
			out = append(out, PosterCount{Poster: str(z.Member), Posts: n, Last: time.UnixMilli(int64(z.Score)).UTC()})
		}
	}
	return out, nil
}

// PostsOf returns up to limit of poster's unverified posts, newest first, and how
// many it keeps in all.
func (r *Redis) PostsOf(ctx context.Context, poster string, limit int) (ps []Post, total int64, err error) {
	defer r.track("posts_of", time.Now(), &err)
	if limit <= 0 || limit > MaxPostsPerPoster {
		limit = MaxPostsPerPoster
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	idsCmd := pipe.ZRevRange(ctx, r.posterKey(poster), 0, int64(limit-1))
	totalCmd := pipe.ZCard(ctx, r.posterKey(poster))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, r.wrap("posts of", err)
	}
	ids := idsCmd.Val()
	if len(ids) == 0 {
		return nil, totalCmd.Val(), nil
	}
	keys := make([]string, len(ids))
	for i, aid := range ids {
		keys[i] = r.postKey(poster, aid)
	}
	// One MGET: a token's posts share its slot (keys.go).
	vals, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, 0, r.wrap("posts of", err)
	}
	for _, v := range vals {
		if p, ok := decodePost(poster, str(v)); ok {
			ps = append(ps, p)
		}
	}
	return ps, totalCmd.Val(), nil
}

// postPurgeBatch bounds the keys one purge round deletes.
const postPurgeBatch = 500

// PurgePosts deletes every unverified post of poster and returns how many there
// were. It works in batches, so a token at MaxPostsPerPoster does not make one
// huge transaction.
func (r *Redis) PurgePosts(ctx context.Context, poster string) (n int, err error) {
	defer r.track("purge_posts", time.Now(), &err)
	for range MaxPostsPerPoster/postPurgeBatch + 2 {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		ids, err := r.rdb.ZRange(cctx, r.posterKey(poster), 0, postPurgeBatch-1).Result()
		if err != nil {
			cancel()
			return n, r.wrap("purge posts", err)
		}
		if len(ids) == 0 {
			_, err := r.rdb.ZRem(cctx, r.postersKey(), poster).Result()
			cancel()
			return n, r.wrap("purge posts", err)
		}
		// The URLs' lists of posters are of the URLs' slots: pipelined, and
		// first, so that a crash before the posts go (the transaction in the
		// token's slot) leaves them in the poster's list, where the next purge
		// finds them again.
		pipe := r.rdb.Pipeline()
		for _, aid := range ids {
			pipe.SRem(cctx, r.postedURLKey(aid), poster)
		}
		if _, err = pipe.Exec(cctx); err == nil {
			err = r.tx(cctx, func(pipe redis.Pipeliner) {
				for _, aid := range ids {
					pipe.Del(cctx, r.postKey(poster, aid))
				}
				pipe.ZRem(cctx, r.posterKey(poster), toAny(ids)...)
			})
		}
		cancel()
		if err != nil {
			return n, r.wrap("purge posts", err)
		}
		n += len(ids)
	}
	return n, fmt.Errorf("store: purge posts: %d deleted and more keep arriving; purge again", n)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
