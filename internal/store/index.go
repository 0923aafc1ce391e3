package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// epoch numbers the document-frequency window holding t. Frequencies are counted
// per retention period and read over the current and the previous one: the table
// follows the language of recent news and its size stays bounded by two periods'
// vocabulary, where one ever-growing table would not.
func (r *Redis) epoch(t time.Time) int64 { return t.Unix() / int64(r.retention.Seconds()) }

// View is what the matcher reads of the index before deciding.
type View struct {
	// StoryID is set when the article is already indexed in a story that still
	// exists: nothing to match.
	StoryID string
	// DocFreq holds the document frequencies of the guessed terms.
	DocFreq stories.DocFreq
	// GuessHeld is true when DocFreq is the guess's unchanged: weights computed
	// from the guess need not be computed again.
	GuessHeld bool
	// Seen holds, per term whose posting list was read, the list's highest score
	// (0 for an empty list), to hand back to AddArticle (see postScript).
	Seen map[string]int64
	// Postings holds the posting lists read: those of the expected lookup terms,
	// and those CandidatesFor read since, for Candidates.
	Postings map[string][]string
}

// note records read posting lists in v.
func (v *View) note(terms []string, lists []postingRead) {
	if v.Postings == nil {
		v.Postings = make(map[string][]string, len(terms))
	}
	if v.Seen == nil {
		v.Seen = make(map[string]int64, len(terms))
	}
	for i, t := range terms {
		v.Postings[t], v.Seen[t] = lists[i].list()
	}
}

// View reads, in one round trip, whether the article with this canonical URL is
// indexed, the document frequencies the guess lacks (it completes
// g.DocFreq in place; see docfreq.go) and the posting lists of lookup, the terms
// the matcher expects to look candidates up by: matching is bound by round trips,
// and when the expectation holds Candidates needs one fewer.
func (r *Redis) View(ctx context.Context, canonicalURL string, g Guess, lookup []string) (v View, err error) {
	defer r.track("view", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	article := pipe.Get(ctx, r.articleKey(ArticleID(canonicalURL)))
	lists := r.readPostings(ctx, pipe, lookup)
	var dfRead func() (int64, []int64)
	if len(g.missing) > 0 || g.needTotal {
		dfRead = r.docFreqRead(ctx, pipe, g.epoch, g.missing)
		r.df.flushing.RLock() // see docFreqs.flushing
		defer r.df.flushing.RUnlock()
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return View{}, r.wrap("view", err)
	}
	v.DocFreq, v.GuessHeld = g.DocFreq, true
	if dfRead != nil {
		total, counts := dfRead()
		v.GuessHeld = !r.storeDocFreq(g.missing, counts, total, g.at, &v.DocFreq)
	}
	v.StoryID, _, _ = strings.Cut(article.Val(), "\n")
	if strings.HasPrefix(v.StoryID, pendingMark) {
		v.StoryID = "" // another writer is adding it: matched, and AddArticle tells
	}
	if v.StoryID != "" {
		// Indexed already: unless its story has expired (an article outlives its
		// story by up to a tenth of the retention), in which case it is matched
		// afresh. One more round trip, only for an article indexed already.
		n, err := r.rdb.Exists(ctx, r.storyKey(v.StoryID)).Result()
		if err != nil {
			return View{}, r.wrap("view", err)
		}
		if n == 0 {
			v.StoryID = ""
		}
	}
	v.note(lookup, lists)
	return v, nil
}

// postingRead is one term's posting list as read: its bucket field, its own
// list (one of the two is empty), and its list of the layout before buckets.
type postingRead struct {
	fields        *redis.SliceCmd
	spill, legacy *redis.ZSliceCmd
}

// readPostings queues on pipe the reads of terms' posting lists, each to its
// postingsPerTerm newest stories, with their ticks (see View.Seen). The lists of
// the layout before buckets (k:{<term>}) are read too, until they expire: they are
// no longer written, so an index upgraded in place loses none of its stories'
// postings, and no migration has to rewrite them. A read of a missing key costs
// Redis little; the commands travel in the round trip the reads make anyway.
func (r *Redis) readPostings(ctx context.Context, pipe redis.Pipeliner, terms []string) []postingRead {
	lists := make([]postingRead, len(terms))
	for i, t := range terms {
		lists[i] = postingRead{
			fields: pipe.HMGet(ctx, r.bucketKey(t), postingFieldNames(t)...),
			spill:  pipe.ZRevRangeWithScores(ctx, r.spillKey(t), 0, postingsPerTerm-1),
			legacy: pipe.ZRevRangeWithScores(ctx, r.legacyTermKey(t), 0, postingsPerTerm-1),
		}
	}
	return lists
}

// list returns the stories of a read posting list, newest first, at most
// postingsPerTerm, and its highest tick (0 for an empty list): the tick of the
// current layout's list, which posts and guards use (the old list is read only).
func (p postingRead) list() (ids []string, top int64) {
	if zs := p.spill.Val(); len(zs) > 0 {
		top = int64(zs[0].Score)
		for _, z := range zs {
			ids = append(ids, str(z.Member))
		}
	} else {
		for _, f := range p.fields.Val() {
			for _, e := range parseField(str(f)) {
				if len(ids) == 0 {
					top = e.tick
				}
				ids = append(ids, e.sid)
			}
		}
	}
	for _, z := range p.legacy.Val() {
		if len(ids) == postingsPerTerm {
			break
		}
		if id := str(z.Member); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, top
}

// posting is one entry of a posting list.
type posting struct {
	tick int64
	sid  string
}

// postingFieldNames are the names of the bucket fields term's list may take (see
// postingLua).
func postingFieldNames(term string) []string {
	names := make([]string, postingFields)
	names[0] = term
	for i := 1; i < postingFields; i++ {
		names[i] = term + "\x1f" + strconv.Itoa(i+1)
	}
	return names
}

// parseField reads a bucket field, "<tick>:<sid> <tick>:<sid>@<minute>" newest
// first (see postScript). Entries that do not parse are skipped.
func parseField(v string) []posting {
	body, _, _ := strings.Cut(v, "@")
	var out []posting
	for e := range strings.FieldsSeq(body) {
		t, id, ok := strings.Cut(e, ":")
		tick, err := strconv.ParseInt(t, 10, 64)
		if ok && err == nil && id != "" {
			out = append(out, posting{tick, id})
		}
	}
	return out
}

// Candidate is a story that may be the one an article belongs to.
type Candidate struct {
	ID       string
	Version  int64
	Centroid stories.Centroid
}

// Candidates returns the stories found by the most of terms in their posting lists
// (each list read to its postingsPerTerm newest stories), at most maxCandidates.
// Lists the view holds are not read again, and those read are added to it (so that
// AddArticle knows what the matcher saw); v may be nil. The cost is bounded by the
// number of terms, not by the size of the index.
func (r *Redis) Candidates(ctx context.Context, terms []string, v *View) (cs []Candidate, err error) {
	return r.CandidatesFor(ctx, "", terms, v)
}

// CandidatesFor is Candidates for the article aid: stories a reader took it out of
// (see Detach) are not candidates. The exclusions are read in the round trip that
// reads the centroids.
func (r *Redis) CandidatesFor(ctx context.Context, aid string, terms []string, v *View) (cs []Candidate, err error) {
	defer r.track("candidates", time.Now(), &err)
	if len(terms) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	lists := make([][]string, len(terms))
	var unread []int // indexes of the terms whose lists were not handed in
	var read map[string][]string
	if v != nil {
		read = v.Postings
	}
	for i, t := range terms {
		if l, ok := read[t]; ok {
			lists[i] = l
		} else {
			unread = append(unread, i)
		}
	}
	if len(unread) > 0 {
		missing := make([]string, len(unread))
		for j, i := range unread {
			missing[j] = terms[i]
		}
		pipe := r.rdb.Pipeline()
		cmds := r.readPostings(ctx, pipe, missing)
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, r.wrap("candidates", err)
		}
		fresh := &View{}
		if v != nil {
			fresh = v
		}
		fresh.note(missing, cmds)
		for j, i := range unread {
			lists[i] = fresh.Postings[missing[j]]
		}
	}
	// Rank stories by how many terms found them; earlier terms weigh more (they are
	// the document's heaviest), and within a list newer stories come first.
	type hit struct {
		sid   string
		score float64
		first int
	}
	index := map[string]int{}
	var hits []hit
	for i, l := range lists {
		w := 1 + 1/float64(i+1)
		for _, sid := range l {
			j, ok := index[sid]
			if !ok {
				j = len(hits)
				index[sid] = j
				hits = append(hits, hit{sid: sid, first: j})
			}
			hits[j].score += w
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.first, b.first)
	})
	ranked := make([]string, 0, min(len(hits), maxCandidates))
	for _, h := range hits[:min(len(hits), maxCandidates)] {
		ranked = append(ranked, h.sid)
	}
	if len(ranked) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ranked))
	for i, sid := range ranked {
		keys[i] = r.centroidKey(sid)
	}
	pipe := r.rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		gets[i] = pipe.Get(ctx, k) // keys of many slots: no MGET (see shard.go)
	}
	var excluded []*redis.BoolCmd
	if aid != "" {
		excluded = make([]*redis.BoolCmd, len(ranked))
		for i, sid := range ranked {
			excluded[i] = pipe.SIsMember(ctx, r.exclusionKey(sid), aid)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, r.wrap("candidates", err)
	}
	cs = make([]Candidate, 0, len(gets))
	for i, g := range gets {
		if excluded != nil && excluded[i].Val() {
			continue // a reader said the article is not about this story
		}
		version, blob, ok := r.pack.storedCentroid(g.Val())
		if !ok {
			continue // expired since it was posted
		}
		c := Candidate{ID: ranked[i], Version: version}
		if err := c.Centroid.Decode(blob); err != nil {
			// A centroid in a codec this process does not know (a newer Parallax
			// wrote it) or a damaged one: the story cannot be scored, so it is not
			// a candidate, and the article may start a story of its own. Failing
			// the lookup would fail every article near it until the story expires.
			r.unreadable("centroid", err.Error())
			continue
		}
		cs = append(cs, c)
	}
	return cs, nil
}
