package store

import (
	"hash/fnv"
	"strconv"
	"strings"
)

// The key scheme: every key Parallax writes, what it holds and when it expires.
// P is the configured prefix ("px:" by default). Each key carries a Redis
// Cluster hash tag, the part in braces, so that what one atomic step touches
// shares a slot and the rest spreads over the cluster: a story's keys share the
// story's tag ({<sid>}), an article's key and its mover's lock its own
// ({<aid>}), a posting list and its guard the term's, a listing shard's two keys
// the shard's. A change that spans slots is a chain of single-slot steps
// (shard.go, articles.go, move.go). A prefix that holds a tag of its own ("{px}:",
// the default before the tags: see migrate.go) would put every key in one slot.
//
//	key                   type    holds                                               TTL
//	P a:{<aid>}           string  one article: "<sid>\n" and compact JSON (url,       retention after its
//	                              title, byline, excerpt, lang, published, added,     story's last activity,
//	                              outlet, domain, duplicate-of, partial, simhash,     plus up to a tenth
//	                              m: why it is in its story, see storedEvidence),
//	                              packed (packing.go)
//	P s:{<sid>}           hash    one story: v version (bumped by every add), f first  retention after the
//	                              seen ms, u updated ms, n article count, o outlet    last article was added
//	                              count, r when its articles' TTLs were last renewed
//	                              (ms), p first published: the earliest publication
//	                              time of its articles (ms; "" while none is dated;
//	                              absent in stories started before Parallax kept it,
//	                              whose earlier articles' times the add script cannot
//	                              know), t its title (the centroid's headline) when
//	                              at most 64 bytes, ta and tb its halves when at
//	                              most 128, else in s:{<sid>}:t (see titleLua), a
//	                              field "@<source>" per outlet (outlet id,
//	                              "domain:<d>" when unknown), "~<aid>" per alias
//	                              of its articles, and "=<aid>" per article, the
//	                              article's time (ms), while it has at most 16
//	                              (see membersLua): small, so Redis keeps it in its
//	                              compact encoding (a listpack, while every value is
//	                              at most 64 bytes: hash-max-listpack-value)
//	P s:{<sid>}:c         string  the story's version, a newline and its centroid     as the story
//	                              (stories.Centroid, binary, packed: about 1 KB)
//	P s:{<sid>}:t         string  the story's title when it is over 128 bytes (the    as the story
//	                              centroid's headline), rewritten by every add, so
//	                              that listings and searches need not read the
//	                              centroid. Not a field of the hash then: a value
//	                              over 64 bytes would turn the whole hash into a
//	                              hash table (measured on Redis 7: a 10-outlet
//	                              story's hash 368 bytes, 1,656 with a 95-byte
//	                              title; this key costs 160). Stories written
//	                              before titles were kept apart have neither: readers
//	                              then decode the centroid
//	P s:{<sid>}:a         zset    article ids of the story, scored by article time,   as the story
//	                              once it has more than 16 (see membersLua)
//	P s:{<sid>}:x         set     ids of articles a reader took out of the story     as the story (its
//	                              ("not this story", see corrections.go): the         remaining TTL, renewed
//	                              matcher never puts them back into it                by every add)
//	P s:{<sid>}:m         string  the id of the story sid was merged into (see     retention after the
//	                              merge.go): set when the merge freezes the story     merge
//	                              (its first step), left when its own keys went, so
//	                              that a reader holding sid finds the survivor; a
//	                              story started again under sid takes no notice of it
//	P a:{<aid>}:mv        string  the token of a move (detach, attach, merge) that    moveTTL
//	                              holds the article while it rewrites its record
//	                              (see move.go)
//	P a:{<aid>}:to        hash    while an add's claim on the article is pending:     claimTTL
//	                              merged-away story → its survivor, for the add's
//	                              record (see restoryScript in move.go)
//	P u:{<aid>}           string  an alias: the id of the article a URL that is not  as its article (renewed
//	                              its own canonical finds (see AddAlias)              with the story's articles)
//	P kb:{<b>}            hash    posting bucket b (see postingBucket): term → the    retention after the
//	                              stories found by it while they are at most          bucket's last post;
//	                              postingInline in maxInlineField bytes,              a field older than the
//	                              "<tick>:<sid> <tick>:<sid>@<minute>", and
//	                              term "\x1f2", "\x1f3" → the next ones (see postingLua)
//	                              (newest first; tick: the list's own counter, see    retention is swept out
//	                              postScript; minute: of the last post, unix          by later posts
//	                              minutes), so that Redis keeps the bucket in its
//	                              compact encoding; most terms find one story
//	P kz:{<b>}:<term>     zset    a term's posting list once it outgrew its field:    retention after a
//	                              story ids scored by tick, cut to the newest         story last joined it
//	                              postingCap
//	P kg:{<b>}:<term>     string  the id of a new story being created under term,    guardTTL
//	                              its heaviest lookup term (see guardScript)
//	P k:{<term>}          zset    a posting list of the layout before buckets: no     retention after a
//	                              longer written, read beside the buckets until it    story last joined it
//	                              expires (see readPostings)
//	P df:<epoch>:{d<b>}   hash    term → number of articles holding it, for the       two retention periods
//	                              terms of bucket b (dfBuckets small hashes, so        from the bucket's
//	                              Redis keeps each in its compact encoding), for one   first term
//	                              retention period (epoch = unix time / retention);
//	                              a term over 9 bytes is its digest (see dfField)
//	P dfn:<epoch>         string  number of articles counted in that period           two retention periods
//	P adds                string  no longer written: the add counter postings were   its last TTL
//	                              scored with before each list kept its own
//	P recent:{l<i>}       zset    listing shard i (see listingShard): ids of the      retention; entries older
//	                              stories of the shard by last update ms, the         than retention removed on
//	                              newest recentDepth                                  write, and those of gone
//	                                                                                  stories when read
//	P coverage:{l<i>}     zset    the shard's story ids by outlet count, the          as recent
//	                              highest coverageDepth
//	P corrections:{log}   zset    the correction log: "<sid>:<aid>" by when the       retention after the last
//	                              article was detached (ms); newest MaxCorrections    correction; older
//	                              kept                                                entries removed on write
//	P corrections:{log}:d hash    "<sid>:<aid>" → the correction (JSON: story,        as corrections
//	                              article, url, title, when, the match evidence)
//	P f:{<fid>}           string  a feed's polling state (JSON, feeds.State)          retention after its
//	                                                                                  last poll
//	P pv:{<tid>}:<aid>    string  an unverified post (see posts.go): what token tid's  retention after it was
//	                              reader posted for a URL, JSON (article, the story   posted
//	                              it would join, status, when)
//	P pt:{<tid>}          zset    article ids of tid's unverified posts, by post ms;  retention after the
//	                              cut to the newest MaxPostsPerPoster                 token's last post
//	P pu:{<aid>}          set     the tids with an unverified post of the URL         retention after its
//	                                                                                  last post
//	P posters             zset    tids with unverified posts, by last post ms         retention
//	P bp:{<source>}       hash    fragment key → how many of the source's articles    retention after the
//	                              had it (title prefixes and suffixes, short lines:   source's last article
//	                              see stories.Fragments), to learn each outlet's
//	                              boilerplate; source is an outlet id or
//	                              "domain:<d>"; at most MaxFragmentsPerSource fields
//	P lease:{<name>}      string  the token of the process holding a lease            the lease's own TTL
//	                              (feed polls: name "feed:<fid>")                     (renewed while held)
//	P probe               string  random bytes a benchmark reads (see SetProbe)       10 minutes
//
// aid is the article id: 16 base32 characters of SHA-256 over the canonical URL.
// sid is the story id: "s" and the first 13 characters of the aid of the story's
// first article (see storyID; 17 characters, the whole aid, in stories started
// before ids were cut).
// tid is a token id: the first 12 hex digits of SHA-256 over an API token, never
// the token itself.
// fid is the feed id: 16 base32 characters of SHA-256 over the feed URL.

const (
	keyArticle = "a:"
	keyAlias   = "u:"
	keyStory   = "s:"
	// keyTerm is the posting lists' kind before buckets (see readPostings), and
	// keyGuard their guards' (no longer written).
	keyTerm  = "k:"
	keyGuard = "g:"
	// Posting buckets, lists that outgrew them, and their guards: each kind its
	// own prefix, as a suffix would be part of a term ("kz:{b}:<t>:g" would be
	// the list of "<t>:g": language-tagged terms hold colons).
	keyBucket   = "kb:"
	keySpill    = "kz:"
	keyNewGuard = "kg:"
	keyDocFreq  = "df:"
	keyDocTotal = "dfn:"
	keyRecent   = "recent"
	keyAdds     = "adds"
	keyCoverage = "coverage"
	keyFeed     = "f:"
	keyLease    = "lease:"
	keyPost     = "pv:"
	keyPoster   = "pt:"
	keyPostURL  = "pu:"
	keyPosters  = "posters"
	// keyCorrections is the correction log (see corrections.go).
	keyCorrections = "corrections"
	keyProbe       = "probe"
	keyFragments   = "bp:"
)

// tagged is a key whose hash tag is id: Redis Cluster hashes only what is between
// the first "{" and the next "}", so every key built on one id lands in one slot.
func (r *Redis) tagged(kind, id string) string { return r.tagOpen(kind) + id + "}" }

// tagOpen is what a key of kind starts with up to its id: what the scripts that
// build keys from ids are given.
func (r *Redis) tagOpen(kind string) string { return r.prefix + kind + "{" }

func (r *Redis) articleKey(aid string) string       { return r.tagged(keyArticle, aid) }
func (r *Redis) aliasKey(aid string) string         { return r.tagged(keyAlias, aid) }
func (r *Redis) storyKey(sid string) string         { return r.tagged(keyStory, sid) }
func (r *Redis) storyArticlesKey(sid string) string { return r.storyKey(sid) + ":a" }
func (r *Redis) centroidKey(sid string) string      { return r.storyKey(sid) + ":c" }
func (r *Redis) titleKey(sid string) string         { return r.storyKey(sid) + ":t" }
func (r *Redis) exclusionKey(sid string) string     { return r.storyKey(sid) + ":x" }
func (r *Redis) forwardKey(sid string) string       { return r.storyKey(sid) + ":m" }
func (r *Redis) correctionsKey() string             { return r.tagged(keyCorrections, "log") }
func (r *Redis) correctionDataKey() string          { return r.correctionsKey() + ":d" }
func (r *Redis) docTotalKey(epoch int64) string {
	return r.prefix + keyDocTotal + strconv.FormatInt(epoch, 10)
}

// docFreqKey is bucket b's key: the buckets spread over the slots, the epoch is
// not part of the tag so that a bucket's two epochs share one.
func (r *Redis) docFreqKey(epoch int64, b uint32) string {
	return r.prefix + keyDocFreq + strconv.FormatInt(epoch, 10) + ":{d" + strconv.FormatUint(uint64(b), 10) + "}"
}

// postingBuckets is how many hashes the terms' posting lists are spread over. A
// key costs Redis some 170 bytes with its TTL and its share of the key space,
// more than a short list itself, and 71% of the gun-violence stream's 22,700
// posting lists held one story (84% at most two). Kept inline in a bucket field
// while short, such a list costs about 40 bytes. A hash stays in its compact
// encoding while it holds at most 128 fields of at most 64 bytes: 2,048 buckets
// keep a young index's buckets compact (ten terms each); a large index's turn
// into hash tables, still about half a key per term. A list that outgrows its
// field moves to a key of its own in the bucket's slot (see postScript).
const postingBuckets = 2048

// postingInline is how many stories a bucket field holds, and maxInlineField the
// longest field may be: longer values turn the whole bucket into a hash table
// (hash-max-listpack-value). Three entries of ticks up to 99 and the minute fit
// in 62 bytes with the ids of storyID. postingFields is how many fields a term's
// list may take (see postingLua) before it moves to a key of its own. On the
// gun-violence stream 75% of the lists with keys of their own held 4 to 9
// stories; such a list cost some 230 bytes in a key (with its expiry and Redis's
// bookkeeping), 150 in fields, and the index 2,483 bytes per article with 3
// fields, 2,495 with 2, 2,522 with 1 (parallax cluster --memory).
const (
	postingInline  = 3
	postingFields  = 3
	maxInlineField = 64
)

// postingBucket is the bucket of term.
func postingBucket(term string) string {
	h := fnv.New32a()
	h.Write([]byte(term))
	return strconv.FormatUint(uint64(h.Sum32()%postingBuckets), 10)
}

// A term's field, its own list and its guard share the bucket's slot: the
// posting and guard scripts read them together.
func (r *Redis) bucketKey(term string) string { return r.tagged(keyBucket, postingBucket(term)) }
func (r *Redis) spillKey(term string) string {
	return r.tagged(keySpill, postingBucket(term)) + ":" + term
}
func (r *Redis) guardKey(term string) string {
	return r.tagged(keyNewGuard, postingBucket(term)) + ":" + term
}

// legacyTermKey is a term's posting list before buckets.
func (r *Redis) legacyTermKey(term string) string { return r.tagged(keyTerm, term) }
func (r *Redis) addsKey() string                  { return r.prefix + keyAdds }

// listingShards is how many sub-keys the recent and coverage listings are split
// into (see listingShard): on a Redis Cluster each is a hot key every add writes.
// A shard holds at most recentDepth (coverageDepth) entries (see listScript), so
// a large index's listings cost the same as a small one's: some 11 MB. A small
// index's shards stay in Redis's compact encoding (a listpack, while a sorted set
// holds at most 128 entries: zset-max-listpack-entries) up to some 3,500 stories:
// an entry costs some 25 bytes there and 110 in a skip list. On the gun-violence
// stream's 2,539 stories, 16 shards of about 160 entries cost 152 bytes per
// article, 32 of about 80 cost 33.
const listingShards = 32

// legacyListingShards is how many shards the listings had before there were
// listingShards. A story of shard i then was listed in shard i mod
// legacyListingShards, whose keys are those of a shard now: readers find it there,
// and its next listing moves it (see list).
const legacyListingShards = 16

// listingShard is the listing sub-key a story is listed in: a hash of its id, so
// every writer of a story picks the same one.
func listingShard(sid string) int { return int(listingHash(sid) % listingShards) }

// legacyListingShard is the shard a story was listed in before there were
// listingShards.
func legacyListingShard(sid string) int { return int(listingHash(sid) % legacyListingShards) }

func listingHash(sid string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(sid))
	return h.Sum32()
}

// A listing shard's two keys share a slot: listScript writes both.
func (r *Redis) recentKey(shard int) string { return r.tagged(keyRecent+":", "l"+strconv.Itoa(shard)) }
func (r *Redis) coverageKey(shard int) string {
	return r.tagged(keyCoverage+":", "l"+strconv.Itoa(shard))
}
func (r *Redis) feedKey(url string) string   { return r.tagged(keyFeed, ArticleID(url)) }
func (r *Redis) leaseKey(name string) string { return r.tagged(keyLease, name) }

// A token's posts and its post list share the token's slot.
func (r *Redis) postKey(tid, aid string) string { return r.tagged(keyPost, tid) + ":" + aid }
func (r *Redis) posterKey(tid string) string    { return r.tagged(keyPoster, tid) }
func (r *Redis) postedURLKey(aid string) string { return r.tagged(keyPostURL, aid) }
func (r *Redis) postersKey() string             { return r.prefix + keyPosters }
func (r *Redis) probeKey() string               { return r.prefix + keyProbe }
func (r *Redis) fragmentsKey(source string) string {
	return r.tagged(keyFragments, source)
}

// keyKind names the kind of a key given without the prefix, for Distribution:
// the key with its hash tag's content and its numbers (epochs) left out, and the
// term of the keys that end in one, so that "s:{s7el4jk25x}:c" is "s:{}:c",
// "df:693:{d465}" is "df:N:{}" and "kz:{17}:shoot" is "kz:{}:*".
func keyKind(key string) string {
	head, rest, tagged := strings.Cut(key, "{")
	var b strings.Builder
	for i := 0; i < len(head); i++ {
		c := head[i]
		if c < '0' || c > '9' {
			b.WriteByte(c)
		} else if i == 0 || head[i-1] < '0' || head[i-1] > '9' {
			b.WriteByte('N')
		}
	}
	if !tagged {
		return b.String()
	}
	kind := b.String()
	_, tail, _ := strings.Cut(rest, "}")
	if (kind == keySpill || kind == keyNewGuard) && tail != "" {
		tail = ":*"
	}
	return kind + "{}" + tail
}
