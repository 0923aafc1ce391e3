package lookup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// Bounds of the related stories.
const (
	// MaxRelated is how many related stories a story shows.
	MaxRelated = 5
	// relatedTerms is how many of a story's heaviest centroid terms find its related
	// stories: more than it is posted under (Config.IndexTerms, 14, and up to 4
	// headline terms), as other stories are posted under terms it is not. With 16, as an
	// article looks candidates up by, a story and its detached article's story were
	// found to share none of them once other stories had shifted the weights (the
	// extension's end-to-end fixtures), though they score 0.14 against each other.
	relatedTerms = 24
	// relatedFloor is the lowest score a related story has: below it two stories
	// share words by chance (measured: unrelated stories of one day's news score
	// 0.00–0.04 against each other).
	relatedFloor = 0.05
)

// Detach takes article aid out of story sid into a story of its own ("not this
// story") and records the correction: the matcher never puts it back into sid,
// for as long as sid lives. A repeated call answers Unchanged. The story's centroid
// loses the article approximately (see stories.Config.Remove): the index keeps its
// title and excerpt, not its text.
func (s *Service) Detach(ctx context.Context, sid, aid string) (store.Moved, error) {
	for attempt := range maxAttempts {
		if err := pause(ctx, attempt); err != nil {
			return store.Moved{}, err
		}
		m, done, err := s.planDetach(ctx, sid, aid)
		if err != nil || done.StoryID != "" {
			return done, err
		}
		moved, err := s.store.Detach(ctx, m)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return store.Moved{}, fmt.Errorf("lookup: detach: %w", err)
		}
		return moved, nil
	}
	return store.Moved{}, fmt.Errorf("%w: gave up after %d attempts", ErrBusy, maxAttempts)
}

// planDetach reads the story and the article and computes both centroids. done is
// set when there is nothing to do (the article was detached already).
func (s *Service) planDetach(ctx context.Context, sid, aid string) (m store.Move, done store.Moved, err error) {
	st, err := s.store.Story(ctx, sid, store.MaxStoryArticles)
	if err != nil {
		return m, done, fmt.Errorf("lookup: detach: %w", err)
	}
	sid = st.ID // another than asked when the story was merged into it (see mergeFragments)
	a, cur, simhash, err := s.store.ArticleRecord(ctx, aid)
	if err != nil {
		return m, done, fmt.Errorf("lookup: detach: %w", err)
	}
	if cur != sid {
		excluded, err := s.store.Excluded(ctx, sid, aid)
		if err != nil {
			return m, done, fmt.Errorf("lookup: detach: %w", err)
		}
		if excluded {
			return m, store.Moved{StoryID: cur, Unchanged: true}, nil
		}
		return m, done, fmt.Errorf("lookup: detach: %w", store.ErrNotInStory)
	}
	// An article its record places in the story but the story no longer lists
	// (all of the story's articles were read) was taken out by a detach that died
	// after its commit (see store.Detach): the store finishes that move, and the
	// story's centroid lost the article already. Only a member can be alone.
	left := st.ArticleCount <= len(st.Articles) &&
		!slices.ContainsFunc(st.Articles, func(x stories.Article) bool { return x.URL == a.URL })
	if st.ArticleCount <= 1 && !left {
		return m, done, fmt.Errorf("lookup: detach: %w", store.ErrSoleArticle)
	}
	from, err := s.store.StoryCentroid(ctx, sid)
	if err != nil {
		return m, done, fmt.Errorf("lookup: detach: %w", err)
	}
	p := s.approximate(a)
	p.SimHash = simhash // the copy check keeps working on the text's own fingerprint
	others := without(st.Articles, a.URL)
	if !left {
		s.matcher.Remove(&from.Centroid, p, aid, a.Title, newestTitle(others))
	}
	own := &stories.Centroid{}
	s.matcher.Add(own, p, aid, a.Title)
	m = store.Move{
		ArticleID: aid, SimHash: simhash,
		From: sid, FromVersion: from.Version, FromCentroid: &from.Centroid,
		FromIndexTerms: s.matcher.IndexKeys(&from.Centroid),
		ToCentroid:     own, ToIndexTerms: s.matcher.IndexKeys(own),
		Correction: store.Correction{
			StoryID: sid, ArticleID: aid, URL: a.URL, Title: a.Title, StoryTitle: st.Title,
			At: time.Now().UTC(), Match: a.Match,
		},
	}
	m.FromKeepsSource, m.FromFirstPublished, m.FromKnowsFirst = remaining(st, others, a)
	started := s.matcher.StartedEvidence(0)
	started.Corrected = true
	a.Match = &started
	m.Article = a
	return m, done, nil
}

// Attach moves article aid into story sid from the story it is in: the undo of a
// Detach (the correction is withdrawn and the article gets back the evidence it
// had), or an operator's correction the other way. A story the move leaves empty
// is deleted. A repeated call answers Unchanged.
func (s *Service) Attach(ctx context.Context, sid, aid string) (store.Moved, error) {
	for attempt := range maxAttempts {
		if err := pause(ctx, attempt); err != nil {
			return store.Moved{}, err
		}
		m, done, err := s.planAttach(ctx, sid, aid)
		if err != nil || done.StoryID != "" {
			return done, err
		}
		moved, err := s.store.Attach(ctx, m)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return store.Moved{}, fmt.Errorf("lookup: attach: %w", err)
		}
		return moved, nil
	}
	return store.Moved{}, fmt.Errorf("%w: gave up after %d attempts", ErrBusy, maxAttempts)
}

func (s *Service) planAttach(ctx context.Context, sid, aid string) (m store.Move, done store.Moved, err error) {
	a, cur, simhash, err := s.store.ArticleRecord(ctx, aid)
	if err != nil {
		return m, done, fmt.Errorf("lookup: attach: %w", err)
	}
	to, err := s.store.StoryCentroid(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		// A story merged into another is undone into the survivor.
		if id, rerr := s.store.ResolveStory(ctx, sid); rerr == nil && id != sid {
			sid = id
			to, err = s.store.StoryCentroid(ctx, sid)
		}
	}
	if err != nil {
		return m, done, fmt.Errorf("lookup: attach: %w", err)
	}
	if cur == sid {
		return m, store.Moved{StoryID: sid, Unchanged: true}, nil
	}
	p := s.approximate(a)
	p.SimHash = simhash
	// The evidence: the one the article had before a reader detached it, if this
	// undoes that; else how it scores against the story now.
	if c, err := s.store.Correction(ctx, sid, aid); err == nil && c.Match != nil {
		a.Match = c.Match
	} else {
		ev := s.matcher.Explain(p, &to.Centroid, s.matcher.Score(p, &to.Centroid))
		ev.Corrected = true
		a.Match = &ev
	}
	s.matcher.Add(&to.Centroid, p, aid, a.Title)
	m = store.Move{
		ArticleID: aid, Article: a, SimHash: simhash,
		To: sid, ToVersion: to.Version, ToCentroid: &to.Centroid, ToIndexTerms: s.matcher.IndexKeys(&to.Centroid),
		From: cur,
	}
	src, err := s.store.Story(ctx, cur, store.MaxStoryArticles)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// The article's story expired before it did: it has no story to leave.
		m.FromVersion = -1
		return m, done, nil
	case err != nil:
		return m, done, fmt.Errorf("lookup: attach: %w", err)
	}
	m.FromVersion = src.Version
	others := without(src.Articles, a.URL)
	if src.ArticleCount > 1 {
		from, err := s.store.StoryCentroid(ctx, cur)
		if err != nil {
			return m, done, fmt.Errorf("lookup: attach: %w", err)
		}
		s.matcher.Remove(&from.Centroid, p, aid, a.Title, newestTitle(others))
		m.FromCentroid, m.FromVersion = &from.Centroid, from.Version
		m.FromIndexTerms = s.matcher.IndexKeys(&from.Centroid)
		m.FromKeepsSource, m.FromFirstPublished, m.FromKnowsFirst = remaining(src, others, a)
	}
	return m, done, nil
}

// approximate weighs what the index keeps of an article (title and excerpt) as the
// matcher would: the closest it can come to the vectors the article was added with.
func (s *Service) approximate(a stories.Article) stories.Prepared {
	f := s.matcher.Analyze(stories.Doc{Title: a.Title, Text: a.Excerpt, Lang: a.Lang, Published: a.Published})
	return s.matcher.Prepare(f, s.store.GuessDocFreq(f.Keys()).DocFreq, a.Published)
}

// remaining tells what a story keeps once article a is gone (others are the
// articles read without it): whether another article has a's source, and the
// earliest publication time left, known only when every article was read.
func remaining(st stories.Story, others []stories.Article, a stories.Article) (keepsSource bool, first time.Time, known bool) {
	all := len(st.Articles) >= st.ArticleCount
	// Unread articles may have the source: then it is kept, which overcounts at
	// worst one outlet of a story larger than a read.
	keepsSource = !all || slices.ContainsFunc(others, func(o stories.Article) bool { return o.Source() == a.Source() })
	if all {
		first, known = stories.FirstPublished(others), true
	}
	return keepsSource, first, known
}

func without(arts []stories.Article, u string) []stories.Article {
	return slices.DeleteFunc(slices.Clone(arts), func(a stories.Article) bool { return a.URL == u })
}

// newestTitle is the headline a story takes when the one it had leaves with its
// article: the newest remaining article's (the next add re-scores it).
func newestTitle(arts []stories.Article) string {
	for _, a := range arts {
		if a.Title != "" {
			return a.Title
		}
	}
	return ""
}

// pause waits before a retry, as Index does.
func pause(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	d := retryPause * time.Duration(1+rand.IntN(1<<min(attempt, 5)))
	select {
	case <-ctx.Done():
		return fmt.Errorf("lookup: %w", ctx.Err())
	case <-time.After(d):
		return nil
	}
}

// Related returns up to MaxRelated other stories close to story st: found by the
// heaviest terms of its centroid in the candidate index (never a scan of all
// stories), scored with the matcher as if the story were one document, at least
// relatedFloor, best first. Stories the matcher would have joined score above
// the join threshold and are listed too: a story split in two is what a reader
// most needs to see next to it.
func (s *Service) Related(ctx context.Context, sid string) ([]stories.Related, error) {
	own, err := s.store.StoryCentroid(ctx, sid)
	if err != nil {
		return nil, fmt.Errorf("lookup: related: %w", err)
	}
	keys := s.matcher.IndexKeys(&own.Centroid)
	keys = keys[:min(len(keys), relatedTerms)]
	cands, err := s.store.Candidates(ctx, keys, nil)
	if err != nil {
		return nil, fmt.Errorf("lookup: related: %w", err)
	}
	p := s.matcher.AsDocument(&own.Centroid)
	var out []stories.Related
	for i := range cands {
		c := &cands[i]
		if c.ID == sid {
			continue
		}
		if x := s.matcher.Score(p, &c.Centroid); x >= relatedFloor {
			out = append(out, stories.Related{ID: c.ID, Title: c.Centroid.Headline, Score: x})
		}
	}
	slices.SortStableFunc(out, func(a, b stories.Related) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	out = out[:min(len(out), MaxRelated)]
	for i := range out {
		out[i].Score = float64(int(out[i].Score*1000+0.5)) / 1000
	}
	return out, nil
}
