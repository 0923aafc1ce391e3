package store

// The key scheme: every key Parallax writes, what it holds and when it expires.
// P is the configured prefix ("{px}:" by default). The braces are a Redis Cluster
// hash tag: every key lands in one slot, so the Lua scripts that update several keys
// at once stay atomic on Cluster too. The index is small (about 2 KB per article),
// so Cluster gives availability here, not sharding.
//
//	key                   type    holds                                               TTL
//	P a:<aid>             hash    one article: u url, t title, b byline, x excerpt,   retention after its
//	                              l lang, p published ms, ad added ms, o outlet id,   story's last activity
//	                              d domain, s story id, dup duplicate-of URL,
//	                              pa partial flag, h simhash
//	P s:<sid>             hash    one story: id, v version (bumped by every add),     retention after the
//	                              c centroid (stories.Centroid, binary), t title,     last article was added
//	                              f first seen ms, u updated ms, n article count
//	P s:<sid>:a           zset    article ids of the story, scored by article time    as the story
//	P s:<sid>:o           set     sources (outlet ids, "domain:<d>" when unknown)     as the story
//	P k:<term>            zset    story ids found by term, scored by last update ms;  retention after the
//	                              cut to the newest postingCap                        last story was added
//	P df:<epoch>          hash    term → number of articles holding it, field "\x00"  two retention periods
//	                              = number of articles, for one retention period
//	                              (epoch = unix time / retention)
//	P seq                 string  counter of stories created (optimistic check:      retention
//	                              a new story is refused if another was created
//	                              since the matcher read the index)
//	P recent              zset    story ids by last update ms                         retention; entries older
//	                                                                                  than retention removed on write
//	P coverage            zset    story ids by outlet count                           as recent
//
// aid is the article id: 16 base32 characters of SHA-256 over the canonical URL.
// sid is the story id: "s" and the aid of the story's first article.

const (
	keyArticle  = "a:"
	keyStory    = "s:"
	keyTerm     = "k:"
	keyDocFreq  = "df:"
	keySeq      = "seq"
	keyRecent   = "recent"
	keyCoverage = "coverage"
	// dfTotalField is the hash field counting the documents of a df window; no term
	// can be it because terms never contain NUL.
	dfTotalField = "\x00"
)

func (r *Redis) articleKey(aid string) string       { return r.prefix + keyArticle + aid }
func (r *Redis) storyKey(sid string) string         { return r.prefix + keyStory + sid }
func (r *Redis) storyArticlesKey(sid string) string { return r.prefix + keyStory + sid + ":a" }
func (r *Redis) storySourcesKey(sid string) string  { return r.prefix + keyStory + sid + ":o" }
func (r *Redis) termKey(term string) string         { return r.prefix + keyTerm + term }
func (r *Redis) seqKey() string                     { return r.prefix + keySeq }
func (r *Redis) recentKey() string                  { return r.prefix + keyRecent }
func (r *Redis) coverageKey() string                { return r.prefix + keyCoverage }
