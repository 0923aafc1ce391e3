package lookup

import (
	"context"
	"errors"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// mergeAttempts bounds the tries of one merge pass: a conflict means another
// writer changed one of the two stories since they were read, and the pass reads
// and decides again; past the bound the next article to move either story tries.
const mergeAttempts = 3

// mergeFragments is the second pass of Index (see stories.Convergence): story sid,
// at version, with centroid cent found by terms, has just taken an article. When a
// neighbour in the candidate index converged with it and each is the other's
// nearest, the smaller of the two is folded into the larger. It returns the story
// the article is in afterwards. At most one merge per add. The neighbours looked
// at first are the article's own candidates (near, read for its match): the
// stories the article came closest to are the ones its story may have converged
// with, and taking them saves a candidate read on every add. The pass then reads
// the index only when a neighbour passes stories.Config.SameStory (its own
// candidates, for the mutual check), and for the merge. A retry after a conflict
// reads the story's neighbours by its index terms. A failure is logged, not
// returned: the article is indexed either way.
func (s *Service) mergeFragments(ctx context.Context, sid string, version int64, cent *stories.Centroid, near []store.Candidate) string {
	var terms []string
	for attempt := range mergeAttempts {
		if attempt > 0 {
			c, err := s.store.StoryCentroid(ctx, sid)
			if err != nil {
				// Merged into another story meanwhile, or expired: nothing to do.
				return s.resolve(ctx, sid)
			}
			version, cent = c.Version, &c.Centroid
			terms, near = s.matcher.IndexKeys(cent), nil
		}
		into, err := s.mergeOnce(ctx, sid, version, cent, terms, near)
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrMergeRefused):
			return sid
		case err != nil:
			s.log.Warn("merging stories failed", "story", sid, "err", err)
			return sid
		}
		return into
	}
	return s.resolve(ctx, sid)
}

// resolve returns the story sid's articles are in now (sid, unless it was merged).
func (s *Service) resolve(ctx context.Context, sid string) string {
	if to, err := s.store.ResolveStory(ctx, sid); err == nil {
		return to
	}
	return sid
}

// mergeOnce is one try of mergeFragments: the neighbours are cands when given,
// else the candidates of terms. It returns ErrConflict when a story changed
// under it.
func (s *Service) mergeOnce(ctx context.Context, sid string, version int64, cent *stories.Centroid, terms []string, cands []store.Candidate) (string, error) {
	if cands == nil {
		var err error
		if cands, err = s.store.Candidates(ctx, terms, nil); err != nil {
			return "", err
		}
	}
	own := s.matcher.AsDocument(cent)
	best, bestScore := -1, 0.0
	for i := range cands {
		if cands[i].ID == sid {
			continue
		}
		v := s.matcher.Converge(own, &cands[i].Centroid)
		if s.matcher.SameStory(v) && (best < 0 || v.Score > bestScore) {
			best, bestScore = i, v.Score
		}
	}
	if best < 0 {
		return sid, nil
	}
	other := &cands[best]
	// Mutually nearest: among the neighbour's own candidates, this story scores
	// highest. A story between two events is nearest to both; without the check it
	// would chain them.
	theirs, err := s.store.Candidates(ctx, s.matcher.IndexKeys(&other.Centroid), nil)
	if err != nil {
		return "", err
	}
	near := s.matcher.AsDocument(&other.Centroid)
	nearest, nearestScore := "", 0.0
	for i := range theirs {
		c := &theirs[i]
		if c.ID == other.ID {
			continue
		}
		if c.ID == sid && c.Version != version {
			return "", store.ErrConflict // changed since: decide again on what it is now
		}
		if x := s.matcher.Converge(near, &c.Centroid).Score; nearest == "" || x > nearestScore {
			nearest, nearestScore = c.ID, x
		}
	}
	if nearest != sid {
		return sid, nil
	}
	m := store.Merge{Into: sid, IntoVersion: version, From: other.ID, FromVersion: other.Version}
	into, from := cent, &other.Centroid
	if !stories.Survivor(sid, cent, other.ID, &other.Centroid) {
		m = store.Merge{Into: other.ID, IntoVersion: other.Version, From: sid, FromVersion: version}
		into, from = from, into
	}
	m.Centroid = s.matcher.Merge(into, from)
	m.IndexTerms = s.matcher.IndexKeys(m.Centroid)
	m.FromIndexTerms = s.matcher.IndexKeys(from)
	res, err := s.store.MergeStories(ctx, m)
	if err != nil {
		return "", err
	}
	s.log.Debug("stories merged", "into", res.StoryID, "from", m.From, "articles", res.Moved, "score", bestScore)
	if s.onMerge != nil {
		s.onMerge(m.From, res.StoryID)
	}
	return res.StoryID, nil
}
