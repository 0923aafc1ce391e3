package store

import (
	"container/list"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
)

// The lookup cache keeps, in process, what StoryByArticleURL read: per article, the
// article and its story id; per story, the story as read at one version. A popular
// article is then answered without any Redis work while its entry is fresh.
//
// How fresh: the version of a story lives in Redis, and asking it is the round trip
// the cache is there to save, so an article's entry is trusted for cacheFresh after
// Redis last confirmed it, then checked again by a lookup, whose read of the story
// (storyReadScript) then carries the version the cache holds and comes back with
// nothing more than "same" when the story has not changed: no title, centroid or
// members are read then. Writes made through this process
// (AddArticle, AddAlias, Purge) drop what they touch at once, so a reader never sees
// this replica's own writes late; another replica's writes show within cacheFresh.
// Pub/sub invalidation would save the one check a second, but adds a connection
// that can drop messages unseen (then a story would stay stale indefinitely) and
// behaves differently on the embedded store and on Cluster; a bounded lag of one
// second on a story that changes every few minutes at most is what a reader cannot
// tell from having asked a second earlier.
//
// Only the index is cached: unverified posts (posts.go) are never read through it,
// so one reader's post cannot reach another through the cache.
const (
	// cacheFresh is how long an article's entry is answered without asking Redis.
	cacheFresh = time.Second
	// maxCachedArticles bounds the article entries (about 1 KB each).
	maxCachedArticles = 20_000
	// maxCachedStoryArticles bounds the articles held by all cached stories
	// together (about 1 KB each, so some 20 MB); a story costs its article count
	// plus one.
	maxCachedStoryArticles = 20_000
)

// lookupCache is the lookup cache. It is safe for concurrent use.
type lookupCache struct {
	mu       sync.Mutex
	articles *lru[cachedArticle]
	stories  *lru[cachedStory]
	// gen counts the writes this process made to the index. A read that began
	// before a write may carry what the write replaced, so its result is only
	// cached when gen did not move while it ran.
	gen uint64
	// now is the clock entries are dated by: time.Now, or a test's.
	now func() time.Time
}

type cachedArticle struct {
	article stories.Article
	storyID string
	checked time.Time // when Redis last confirmed it
}

type cachedStory struct {
	story stories.Story
	limit int // the limit it was read with
}

func newLookupCache() *lookupCache {
	return &lookupCache{
		articles: newLRU[cachedArticle](maxCachedArticles),
		stories:  newLRU[cachedStory](maxCachedStoryArticles),
		now:      time.Now,
	}
}

// fresh returns the cached article with id aid and its story, when both are cached
// and the article was confirmed within cacheFresh; the story's articles are a copy.
func (c *lookupCache) fresh(aid string, limit int, now time.Time) (stories.Article, stories.Story, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.articles.get(aid)
	if !ok || now.Sub(a.checked) >= cacheFresh {
		return stories.Article{}, stories.Story{}, false
	}
	s, ok := c.stories.get(a.storyID)
	if !ok || s.limit != limit {
		return stories.Article{}, stories.Story{}, false
	}
	return a.article, copyStory(s.story), true
}

// known returns the story the article with id aid was last seen in and the version
// of it cached for this limit ("" and 0 when none), and the write generation, to
// send with a lookup's read.
func (c *lookupCache) known(aid string, limit int) (sid string, version int64, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.articles.get(aid); ok {
		if s, ok := c.stories.get(a.storyID); ok && s.limit == limit {
			sid, version = a.storyID, s.story.Version
		}
	}
	return sid, version, c.gen
}

// storyOf returns the cached story under id at this version, a copy.
func (c *lookupCache) storyOf(sid string, version int64, limit int) (stories.Story, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.stories.get(sid)
	if !ok || s.limit != limit || s.story.Version != version {
		return stories.Story{}, false
	}
	return copyStory(s.story), true
}

// put records what a read that began at generation gen found: the article with id
// aid in story sid, and that story when st is not nil (nil: Redis confirmed the
// version cached).
func (c *lookupCache) put(gen uint64, aid string, a stories.Article, sid string, st *stories.Story, limit int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	c.articles.put(aid, cachedArticle{article: a, storyID: sid, checked: now}, 1)
	if st != nil {
		c.stories.put(sid, cachedStory{story: copyStory(*st), limit: limit}, len(st.Articles)+1)
	}
}

// drop forgets the articles with these ids and the story sid ("" for none), for a
// write this process made.
func (c *lookupCache) drop(sid string, aids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, aid := range aids {
		c.articles.remove(aid)
	}
	if sid != "" {
		c.stories.remove(sid)
	}
}

// clear forgets everything (Purge).
func (c *lookupCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.articles = newLRU[cachedArticle](maxCachedArticles)
	c.stories = newLRU[cachedStory](maxCachedStoryArticles)
}

// copyStory returns s with a slice of articles of its own: the cached one is
// shared by every reader of the story, and callers may change what they get.
func copyStory(s stories.Story) stories.Story {
	if s.Articles != nil {
		s.Articles = append([]stories.Article(nil), s.Articles...)
	}
	return s
}

// lru is a map bounded by the total cost of its values, dropping the least
// recently used first. It is not safe for concurrent use.
type lru[V any] struct {
	max, cost int
	order     *list.List // front: most recently used
	items     map[string]*list.Element
}

type lruItem[V any] struct {
	key   string
	value V
	cost  int
}

func newLRU[V any](maxCost int) *lru[V] {
	return &lru[V]{max: maxCost, order: list.New(), items: map[string]*list.Element{}}
}

func (l *lru[V]) get(key string) (V, bool) {
	e, ok := l.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	l.order.MoveToFront(e)
	return e.Value.(*lruItem[V]).value, true
}

// put stores value under key; a value costing more than the whole bound is not kept.
func (l *lru[V]) put(key string, value V, cost int) {
	l.remove(key)
	if cost > l.max {
		return
	}
	l.items[key] = l.order.PushFront(&lruItem[V]{key: key, value: value, cost: cost})
	l.cost += cost
	for l.cost > l.max {
		l.remove(l.order.Back().Value.(*lruItem[V]).key)
	}
}

func (l *lru[V]) remove(key string) {
	if e, ok := l.items[key]; ok {
		l.cost -= e.Value.(*lruItem[V]).cost
		l.order.Remove(e)
		delete(l.items, key)
	}
}
