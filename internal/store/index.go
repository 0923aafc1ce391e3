package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/parallax-news/parallax/internal/stories"
	"github.com/redis/go-redis/v9"
)

// docFreqKey names the document-frequency window holding t, back windows ago.
// Frequencies are counted per retention period and read over the current and the
// previous one: the table follows the language of recent news and its size stays
// bounded by two periods' vocabulary, where one ever-growing hash would not.
func (r *Redis) docFreqKey(t time.Time, back int64) string {
	epoch := t.Unix()/int64(r.retention.Seconds()) - back
	return r.prefix + keyDocFreq + strconv.FormatInt(epoch, 10)
}

// View is what the matcher reads of the index before deciding.
type View struct {
	// StoryID is set when the article is already indexed: nothing to match.
	StoryID string
	// DocFreq holds the document frequencies of the asked terms.
	DocFreq stories.DocFreq
	// Seq is the story-creation counter, to hand back to AddArticle.
	Seq int64
}

// View reads, in one round trip, whether the article with this canonical URL is
// indexed, the document frequencies of terms and the story-creation counter.
func (r *Redis) View(ctx context.Context, canonicalURL string, terms []string) (v View, err error) {
	defer r.track("view", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	now := time.Now()
	fields := append([]string{dfTotalField}, terms...)
	pipe := r.rdb.Pipeline()
	story := pipe.HGet(ctx, r.articleKey(ArticleID(canonicalURL)), "s")
	seq := pipe.Get(ctx, r.seqKey())
	cur := pipe.HMGet(ctx, r.docFreqKey(now, 0), fields...)
	prev := pipe.HMGet(ctx, r.docFreqKey(now, 1), fields...)
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return View{}, r.wrap("view", err)
	}
	v.StoryID = story.Val()
	v.Seq, _ = strconv.ParseInt(seq.Val(), 10, 64)
	v.DocFreq.Counts = make(map[string]int64, len(terms))
	for i, f := range fields {
		n := toInt(cur.Val()[i]) + toInt(prev.Val()[i])
		if i == 0 {
			v.DocFreq.Docs = n
		} else if n > 0 {
			v.DocFreq.Counts[f] = n
		}
	}
	return v, nil
}

func toInt(x any) int64 {
	s, ok := x.(string)
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// Candidate is a story that may be the one an article belongs to.
type Candidate struct {
	ID       string
	Version  int64
	Centroid stories.Centroid
}

// Candidates returns the stories found by the most of terms in their posting lists
// (each list read to its postingsPerTerm newest stories), at most maxCandidates.
// The cost is bounded by the number of terms, not by the size of the index.
func (r *Redis) Candidates(ctx context.Context, terms []string) (cs []Candidate, err error) {
	defer r.track("candidates", time.Now(), &err)
	if len(terms) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	lists := make([]*redis.StringSliceCmd, len(terms))
	for i, t := range terms {
		lists[i] = pipe.ZRevRange(ctx, r.termKey(t), 0, postingsPerTerm-1)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, r.wrap("candidates", err)
	}
	// Rank stories by how many terms found them; earlier terms weigh more (they are
	// the document's heaviest), and within a list newer stories come first.
	type hit struct {
		score float64
		first int
	}
	hits := map[string]*hit{}
	var order []string
	for i, l := range lists {
		w := 1 + 1/float64(i+1)
		for _, sid := range l.Val() {
			h := hits[sid]
			if h == nil {
				h = &hit{first: len(order)}
				hits[sid] = h
				order = append(order, sid)
			}
			h.score += w
		}
	}
	ranked := rankTop(order, func(a, b string) bool {
		ha, hb := hits[a], hits[b]
		if ha.score != hb.score {
			return ha.score > hb.score
		}
		return ha.first < hb.first
	}, maxCandidates)
	if len(ranked) == 0 {
		return nil, nil
	}
	pipe = r.rdb.Pipeline()
	states := make([]*redis.SliceCmd, len(ranked))
	for i, sid := range ranked {
		states[i] = pipe.HMGet(ctx, r.storyKey(sid), "v", "c")
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, r.wrap("candidates", err)
	}
	for i, st := range states {
		vals := st.Val()
		version := toInt(vals[0])
		blob, ok := vals[1].(string)
		if version == 0 || !ok {
			continue // expired since it was posted
		}
		c := Candidate{ID: ranked[i], Version: version}
		if err := c.Centroid.UnmarshalBinary([]byte(blob)); err != nil {
			return nil, fmt.Errorf("store: story %s: %w", ranked[i], err)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// rankTop returns the k first items of list under less, keeping list intact.
func rankTop(list []string, less func(a, b string) bool, k int) []string {
	out := append([]string(nil), list...)
	// Partial selection sort: k is small (maxCandidates) and lists are bounded.
	for i := 0; i < len(out) && i < k; i++ {
		best := i
		for j := i + 1; j < len(out); j++ {
			if less(out[j], out[best]) {
				best = j
			}
		}
		out[i], out[best] = out[best], out[i]
	}
	if len(out) > k {
		out = out[:k]
	}
	return out
}
