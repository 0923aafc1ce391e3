package lookup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// On a shared server (API tokens configured) a page a reader's browser posts is
// evidence, not truth: anyone with a token could post fake text under any outlet's
// URL. Until the outlet's feed or the server's own fetch corroborates it, the
// article is kept as the poster's unverified post (store.Post): it answers the
// reader who posted it, with the story it would join, but no story, listing or
// balance counts it. The publisher's page or the feed's item, once the server has
// either, replaces every reader's version of the URL. On a personal server (no
// tokens) the reader is the operator, and posted pages are indexed as they are.

// The outcomes of a reader's post, for metrics (Options.ObservePost).
const (
	PostHeld         = "held"         // kept unverified
	PostVerified     = "verified"     // the publisher's page or feed gave a matching title
	PostReplaced     = "replaced"     // the publisher's page or feed gave another title, and replaced it
	PostContradicted = "contradicted" // the server's own check found another title; it stays unverified
	PostUnconfirmed  = "unconfirmed"  // the server's own check could not fetch or read the page
)

// OutcomeUnverified is a lookup answered with the poster's own unverified post.
const OutcomeUnverified Outcome = "unverified"

// verifyQueue bounds the posts waiting for the server's own check; beyond it a
// post waits for its feed instead.
const verifyQueue = 64

type verifyJob struct {
	poster, url, title string
}

// hold keeps a reader's posted article as their unverified post and answers with
// it. It matches the article against the index without writing to it, so that
// the reader sees the story their page belongs to.
func (s *Service) hold(ctx context.Context, poster, requested string, a stories.Article, text string) (*Result, error) {
	if a.Added.IsZero() {
		a.Added = time.Now().UTC()
	}
	sid, err := s.place(ctx, a, text)
	if err != nil {
		return nil, err
	}
	p := store.Post{Poster: poster, Article: a, StoryID: sid, Status: store.PostUnverified, Posted: a.Added}
	if err := s.store.SavePost(ctx, a.URL, p); err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	if requested != a.URL {
		// The reader will ask again by the URL they have, not the page's canonical.
		if err := s.store.SavePost(ctx, requested, p); err != nil {
			return nil, fmt.Errorf("lookup: %w", err)
		}
	}
	s.observePost(PostHeld)
	select {
	case s.verify <- verifyJob{poster: poster, url: a.URL, title: a.Title}:
	default:
		// The checker is behind (or not running): the feed can still corroborate it.
	}
	return s.unverified(ctx, p)
}

// fromPost answers a reader from their own unverified post of the URL; ErrNotFound
// when they have none. When the publisher's version has been indexed since, that
// is the answer.
func (s *Service) fromPost(ctx context.Context, poster, canonical string) (*Result, error) {
	// A read like an answer from the index, under the same bound.
	release, err := s.reads.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	p, err := s.store.Post(ctx, poster, canonical)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	if res, err := s.fromIndex(ctx, p.Article.URL); err == nil || !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	return s.unverified(ctx, p)
}

// unverified is the answer to a post's own reader: their article, and the story it
// would join as everyone sees it (without their article; an empty story when it
// would start one, or that story has gone).
func (s *Service) unverified(ctx context.Context, p store.Post) (*Result, error) {
	var story stories.Story
	if p.StoryID != "" {
		st, err := s.store.Story(ctx, p.StoryID, storyArticles)
		switch {
		case err == nil:
			story = st
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("lookup: %w", err)
		}
	}
	return &Result{Article: p.Article, Outlet: s.outlet(p.Article.OutletID), Story: story, Outcome: OutcomeUnverified, Unverified: true}, nil
}

// place returns the id of the story an article would join, or "" when it would
// start its own, reading the index and writing nothing.
func (s *Service) place(ctx context.Context, a stories.Article, text string) (string, error) {
	// A held post reads the outlet's boilerplate but does not teach it: whoever
	// posted it is not yet known to have sent the publisher's page.
	f, err := s.analyze(ctx, &a, text, false)
	if err != nil {
		return "", fmt.Errorf("lookup: place: %w", err)
	}
	m, err := s.nearest(ctx, a, f, f.Keys())
	if err != nil {
		return "", fmt.Errorf("lookup: place: %w", err)
	}
	if m.view.StoryID != "" || m.best < 0 {
		return m.view.StoryID, nil
	}
	return m.cands[m.best].ID, nil
}

// settle replaces the unverified posts of a URL by the version the index now
// holds from the publisher or the feed, counting which of them it corroborated.
// A failure leaves the posts to expire, and the poster is answered from the index
// all the same (the index is read first), so it is logged, not returned.
func (s *Service) settle(ctx context.Context, url, title string) {
	ps, err := s.store.PostsOfURL(ctx, url)
	if err != nil {
		s.log.Warn("reading the posts of an indexed URL failed", "err", err)
		return
	}
	if len(ps) == 0 {
		return
	}
	posters := make([]string, len(ps))
	for i, p := range ps {
		posters[i] = p.Poster
		if TitlesMatch(p.Article.Title, title) {
			s.observePost(PostVerified)
			continue
		}
		s.observePost(PostReplaced)
		s.log.Info("a posted page's title differs from the publisher's; the publisher's replaces it",
			"poster", p.Poster, "posted_title", p.Article.Title, "title", title)
	}
	if err := s.store.DropPostsOfURL(ctx, url, posters); err != nil {
		s.log.Warn("dropping the posts of an indexed URL failed", "err", err)
	}
}

// RunVerifier checks posted pages against the publisher until ctx ends, with
// workers fetches at once: the server fetches the URL itself, and when the page it
// gets has a matching title (TitlesMatch), indexes the publisher's version, which
// replaces the post and makes it count. A page the server cannot fetch (a
// paywall, a bot wall) stays unverified until its feed lists it.
func (s *Service) RunVerifier(ctx context.Context, workers int) {
	done := make(chan struct{})
	for range max(1, workers) {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-s.verify:
					s.check(ctx, j)
				}
			}
		}()
	}
	for range max(1, workers) {
		<-done
	}
}

// check is RunVerifier's work on one post.
func (s *Service) check(ctx context.Context, j verifyJob) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, _, err := s.store.ArticleByURL(ctx, j.url); err == nil {
		return // indexed meanwhile: settled already
	}
	// A check takes a work slot like a reader's lookup, and gives way under load:
	// readers first, the feed can still corroborate the post.
	release, err := s.work.enter(ctx)
	if err != nil {
		s.observePost(PostUnconfirmed)
		return
	}
	defer release()
	resp, err := s.fetcher.Page(ctx, j.url)
	if err != nil {
		s.observePost(PostUnconfirmed)
		s.log.Debug("checking a posted page: fetch failed", "err", err)
		return
	}
	releaseCPU, err := s.cpu.enterBy(ctx, time.Now().Add(s.cpu.wait))
	if err != nil {
		s.observePost(PostUnconfirmed)
		return
	}
	defer releaseCPU()
	a, text, _, err := s.extract(resp.URL, resp.Body)
	if err != nil {
		s.observePost(PostUnconfirmed)
		s.log.Debug("checking a posted page: no article", "err", err)
		return
	}
	if !TitlesMatch(j.title, a.Title) {
		s.log.Info("a posted page's title differs from the publisher's page; it stays unverified",
			"poster", j.poster, "posted_title", j.title, "title", a.Title)
		if err := s.store.SetPostStatus(ctx, j.poster, j.url, store.PostContradicted); err != nil {
			s.log.Warn("recording a contradicted post failed", "err", err)
		}
		s.observePost(PostContradicted)
		return
	}
	a.Provenance = stories.ProvenancePublisher
	if _, err := s.Index(ctx, a, text); err != nil {
		s.log.Warn("indexing a verified post failed", "err", err)
		return
	}
	s.alias(ctx, j.url, a.URL)
	if a.URL != j.url {
		s.settle(ctx, j.url, a.Title)
	}
}

func (s *Service) observePost(outcome string) {
	if s.observeP != nil {
		s.observeP(outcome)
	}
}

// TitlesMatch reports whether two titles name the same article: the test a
// reader's posted page must pass against the publisher's own page or feed item.
// Publishers append their name ("… | BBC News", "… - The Guardian"), feeds and
// pages differ in case, punctuation and quotes, and headlines get revised by a
// word or two; a page passed off under another article's URL shares little of
// its title. So: both titles are cut to words (letters and digits, lower case),
// a trailing " | site" or " - site" part is tried with and without, and the word
// sets must overlap with a Dice coefficient of at least titleMatchMin (2·shared /
// (words of one + words of the other)). One word changed in a ten-word title
// passes (0.9); two of five changed does not (0.6).
func TitlesMatch(a, b string) bool {
	best := 0.0
	for _, x := range titleVariants(a) {
		for _, y := range titleVariants(b) {
			best = max(best, dice(x, y))
		}
	}
	return best >= titleMatchMin
}

const titleMatchMin = 0.8

// titleVariants returns a title's word set, and the word set of the title without
// its last " | … " / " - … " part when it has one and at least two words remain.
func titleVariants(t string) []map[string]bool {
	out := []map[string]bool{titleWords(t)}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " · ", " :: "} {
		if i := strings.LastIndex(t, sep); i > 0 {
			if head := titleWords(t[:i]); len(head) >= 2 {
				out = append(out, head)
			}
		}
	}
	return out
}

func titleWords(t string) map[string]bool {
	words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return set
}

func dice(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	shared := 0
	for w := range a {
		if b[w] {
			shared++
		}
	}
	return 2 * float64(shared) / float64(len(a)+len(b))
}
