// Package ingest keeps the story index fresh from the outlets' feeds: it polls every
// feed about once an interval, fetches and extracts each new item's page (falling
// back to the feed's own title and summary when the page fails), and matches the
// article into a story through the same lookup.Service.Index a reader's lookup
// uses. Polls are bounded (so many fetches at once, one at a time per host, a gap
// between requests to one host) and shared between server processes on one Redis:
// each poll holds a lease on its feed, so no two processes poll a feed at once and a
// process that dies frees its feeds when the lease expires. A failing feed is
// logged once per failed poll, unless nearly every poll fails to reach its site:
// that is the network, not the feeds, and is reported once (outage.go).
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/canon"
	"github.com/parallax-news/parallax/internal/extract"
	"github.com/parallax-news/parallax/internal/feeds"
	"github.com/parallax-news/parallax/internal/fetch"
	"github.com/parallax-news/parallax/internal/lookup"
	"github.com/parallax-news/parallax/internal/store"
	"github.com/parallax-news/parallax/internal/stories"
)

// Defaults and bounds.
const (
	DefaultInterval    = 10 * time.Minute
	DefaultConcurrency = 8
	// DefaultHostGap is the least time between two requests to one host. A feed and
	// its new articles on one site are then fetched at a reader's pace, not a
	// crawler's.
	DefaultHostGap = 2 * time.Second
	// leaseTTL is how long a poll's lease lasts unless renewed; a process killed
	// mid-poll frees its feed after this. Renewed every leaseTTL/3 while polling.
	leaseTTL = 2 * time.Minute
	// scanEvery is how often Run looks for due feeds. Polls are spread by the
	// poller's jitter; this only bounds how late a due feed starts.
	scanEvery = 15 * time.Second
	// pollTimeout bounds one feed poll with all its new articles.
	pollTimeout = 10 * time.Minute
	// maxExcerptRunes bounds the excerpt of a partial article, like extraction's.
	maxExcerptRunes = 300
)

// Source is one feed to poll, with the outlet that publishes it.
type Source struct {
	URL      string
	OutletID string
}

// Options configure an Ingester.
type Options struct {
	Store       *store.Redis
	Lookup      *lookup.Service
	Fetcher     *fetch.Client
	Sources     []Source
	Interval    time.Duration // 0: DefaultInterval
	Concurrency int           // 0: DefaultConcurrency
	HostGap     time.Duration // 0: DefaultHostGap; negative: no gap (tests, benchmarks)
	Logger      *slog.Logger
	// OnPoll, when set, is told each poll's outcome: "ok", "not_modified",
	// "error" or "leased" (another process holds the feed).
	OnPoll func(outcome string)
	// OnArticle, when set, is told of each article indexed: whether it is partial,
	// and the lag from its publication to now (0 when its time is unknown).
	OnArticle func(partial bool, lag time.Duration)
	// Poller configures the feed poller; its Interval is set from Interval.
	Poller feeds.Options
}

// Ingester polls feeds and indexes their articles. It is safe for concurrent use.
type Ingester struct {
	store       *store.Redis
	lookup      *lookup.Service
	fetcher     *fetch.Client
	poller      *feeds.Poller
	sources     []Source
	concurrency int
	gate        *hostGate
	log         *slog.Logger
	outage      *outage
	onPoll      func(string)
	onArticle   func(bool, time.Duration)

	mu       sync.Mutex
	inFlight map[string]bool
}

// New returns an Ingester.
func New(opts Options) *Ingester {
	in := &Ingester{
		store:       opts.Store,
		lookup:      opts.Lookup,
		fetcher:     opts.Fetcher,
		sources:     dedupeSources(opts.Sources),
		concurrency: opts.Concurrency,
		log:         opts.Logger,
		onPoll:      opts.OnPoll,
		onArticle:   opts.OnArticle,
		inFlight:    map[string]bool{},
	}
	if in.concurrency <= 0 {
		in.concurrency = DefaultConcurrency
	}
	gap := opts.HostGap
	switch {
	case gap == 0:
		gap = DefaultHostGap
	case gap < 0:
		gap = 0
	}
	in.gate = newHostGate(gap)
	if in.log == nil {
		in.log = slog.Default()
	}
	in.outage = newOutage(in.log)
	if in.onPoll == nil {
		in.onPoll = func(string) {}
	}
	if in.onArticle == nil {
		in.onArticle = func(bool, time.Duration) {}
	}
	po := opts.Poller
	po.Interval = opts.Interval
	if po.Interval == 0 {
		po.Interval = DefaultInterval
	}
	in.poller = feeds.New(opts.Fetcher, po)
	return in
}

// dedupeSources drops repeated feed URLs (two outlets may list one feed).
func dedupeSources(srcs []Source) []Source {
	seen := map[string]bool{}
	var out []Source
	for _, s := range srcs {
		if s.URL == "" || seen[s.URL] {
			continue
		}
		seen[s.URL] = true
		out = append(out, s)
	}
	return out
}

// Feeds returns how many feeds the ingester polls.
func (in *Ingester) Feeds() int { return len(in.sources) }

// job is one poll handed to a worker, with the round it belongs to.
type job struct {
	src   Source
	round *round
}

// Run polls due feeds until ctx ends; it returns ctx's error. The feeds found due
// by one scan form a round (see outage.go).
func (in *Ingester) Run(ctx context.Context) error {
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range in.concurrency {
		wg.Go(func() {
			for j := range jobs {
				j.round.add(j.src, in.poll(ctx, j.src, false))
				in.done(j.src)
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	t := time.NewTicker(scanEvery)
	defer t.Stop()
	for {
		due, err := in.due(ctx)
		if err != nil && ctx.Err() == nil {
			in.log.Warn("feed schedule unavailable; will retry", "err", err)
		}
		rnd := in.newRound(len(due))
		for i, src := range due {
			select {
			case jobs <- job{src, rnd}:
			case <-ctx.Done():
				for _, left := range due[i:] {
					in.done(left)
				}
				rnd.seal(i)
				return ctx.Err()
			}
		}
		rnd.seal(len(due))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// due returns the feeds whose time has come and that this process is not already
// polling, marking them in flight.
func (in *Ingester) due(ctx context.Context) ([]Source, error) {
	states, err := in.states(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []Source
	for i, src := range in.sources {
		if in.inFlight[src.URL] || !states[i].Due(now) {
			continue
		}
		in.inFlight[src.URL] = true
		out = append(out, src)
	}
	return out, nil
}

func (in *Ingester) done(src Source) {
	in.mu.Lock()
	delete(in.inFlight, src.URL)
	in.mu.Unlock()
}

// states reads the stored state of every source (a zero State for a feed never
// polled).
func (in *Ingester) states(ctx context.Context) ([]feeds.State, error) {
	urls := make([]string, len(in.sources))
	for i, s := range in.sources {
		urls[i] = s.URL
	}
	raw, err := in.store.FeedStates(ctx, urls)
	if err != nil {
		return nil, err
	}
	out := make([]feeds.State, len(in.sources))
	for i, b := range raw {
		out[i] = in.decodeState(urls[i], b)
	}
	return out, nil
}

// stateFormat is the version of the stored feed state (its "v" field; none before
// versions were written reads as 1). A newer one, written by a newer Parallax,
// reads as a feed never polled: that costs one unconditional poll, not an error.
const stateFormat = 1

// storedState is a feed's state as kept in the store.
type storedState struct {
	Format int `json:"v"`
	feeds.State
}

// decodeState reads a feed's stored state: a zero State for a feed never polled,
// and for an unreadable or newer one (logged), which only costs a fresh poll.
func (in *Ingester) decodeState(feedURL string, b []byte) feeds.State {
	fresh := feeds.State{URL: feedURL}
	if b == nil {
		return fresh
	}
	var st storedState
	if err := json.Unmarshal(b, &st); err != nil {
		in.log.Warn("unreadable feed state; polling the feed afresh", "feed", feedURL, "err", err)
		return fresh
	}
	if st.Format > stateFormat {
		in.log.Debug("feed state written by a newer Parallax; polling the feed afresh", "feed", feedURL, "format", st.Format)
		return fresh
	}
	st.URL = feedURL
	return st.State
}

// Progress is where a pass stands.
type Progress struct {
	FeedsDone, FeedsTotal int
	Articles              int // new articles indexed
	Partial               int // of which only the feed's text was available
	Errors                int // failed polls
}

// Failure is a feed whose poll failed.
type Failure struct {
	Source
	Error    string
	Failures int
}

// Report is the result of a pass.
type Report struct {
	Progress
	Failing []Failure
	Took    time.Duration
}

// Pass polls every feed once now, whatever its schedule (but never a feed another
// process is polling), and calls progress after each feed, one call at a time.
func (in *Ingester) Pass(ctx context.Context, progress func(Progress)) Report {
	start := time.Now()
	var mu sync.Mutex
	rep := Report{Progress: Progress{FeedsTotal: len(in.sources)}}
	rnd := in.newRound(len(in.sources))
	jobs := make(chan Source)
	var wg sync.WaitGroup
	for range in.concurrency {
		wg.Go(func() {
			for src := range jobs {
				res := in.poll(ctx, src, true)
				rnd.add(src, res)
				mu.Lock()
				rep.FeedsDone++
				rep.Articles += res.articles
				rep.Partial += res.partial
				if res.err != nil {
					rep.Errors++
					rep.Failing = append(rep.Failing, Failure{Source: src, Error: res.state.LastError, Failures: res.state.Failures})
				}
				if progress != nil {
					progress(rep.Progress) // under mu: calls never overlap
				}
				mu.Unlock()
			}
		})
	}
	handedOut := 0
	for _, src := range in.sources {
		select {
		case jobs <- src:
			handedOut++
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	rnd.seal(handedOut)
	wg.Wait()
	rep.Took = time.Since(start)
	return rep
}

type pollResult struct {
	articles, partial int
	state             feeds.State
	err               error
	// fetched is set when the feed was polled: its outcome (pollErr, nil on
	// success) tells of the feed and the network. A poll that never started or was
	// cancelled tells nothing.
	fetched bool
	// pollErr is the failure of the feed's fetch itself, which the round logs
	// (err also covers the store and the items).
	pollErr error
}

// poll polls one feed under its lease and indexes its new items.
func (in *Ingester) poll(ctx context.Context, src Source, force bool) (res pollResult) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	lease, ok, err := in.store.AcquireLease(ctx, "feed:"+store.ArticleID(src.URL), leaseTTL)
	if err != nil {
		in.log.Warn("feed lease unavailable", "feed", src.URL, "err", err)
		return pollResult{err: err}
	}
	if !ok {
		in.onPoll("leased")
		return pollResult{}
	}
	defer func() {
		if err := in.store.ReleaseLease(context.WithoutCancel(ctx), lease); err != nil {
			in.log.Debug("releasing a feed lease failed; it expires on its own", "feed", src.URL, "err", err)
		}
	}()
	stop := in.keepLease(ctx, cancel, lease, src)
	defer stop()

	states, err := in.store.FeedStates(ctx, []string{src.URL})
	if err != nil {
		return pollResult{err: err}
	}
	st := in.decodeState(src.URL, states[0])
	// Another process may have polled it since this one decided it was due.
	if !force && !st.Due(time.Now()) {
		return pollResult{state: st}
	}
	var result feeds.Result
	polled := false
	err = in.gate.do(ctx, src.URL, func() error {
		var perr error
		result, perr = in.poller.Poll(ctx, st)
		polled = true
		return perr
	})
	// A poll that never started (the wait for the host ended it) or was cancelled
	// (shutdown, or the lease lost to another process) did not happen: Poll returns
	// the state unchanged, and saving it could overwrite the new holder's.
	if !polled || errors.Is(err, context.Canceled) {
		return pollResult{state: st, err: err}
	}
	res.state, res.fetched = result.State, true
	if saveErr := in.saveState(ctx, result.State); saveErr != nil {
		in.log.Warn("saving feed state failed", "feed", src.URL, "err", saveErr)
	}
	if err != nil {
		in.onPoll("error")
		res.err, res.pollErr = err, err
		return res
	}
	if result.NotModified {
		in.onPoll("not_modified")
		return res
	}
	in.onPoll("ok")
	res.articles, res.partial, res.err = in.items(ctx, src, result.Items)
	return res
}

// keepLease renews the lease while the poll runs and cancels the poll if the lease
// is lost (another process would be polling the feed too).
func (in *Ingester) keepLease(ctx context.Context, cancel context.CancelFunc, lease store.Lease, src Source) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := in.store.RenewLease(ctx, lease, leaseTTL)
				if err == nil && !ok {
					in.log.Warn("lost the lease on a feed mid-poll; stopping", "feed", src.URL)
					cancel()
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

func (in *Ingester) saveState(ctx context.Context, st feeds.State) error {
	b, err := json.Marshal(storedState{Format: stateFormat, State: st})
	if err != nil {
		return fmt.Errorf("ingest: encode feed state: %w", err)
	}
	return in.store.SaveFeedState(context.WithoutCancel(ctx), st.URL, b)
}

// items indexes the items that are not in the index yet.
func (in *Ingester) items(ctx context.Context, src Source, items []feeds.Item) (articles, partial int, err error) {
	var fresh []feeds.Item
	var canonicals []string
	seen := map[string]bool{}
	for _, it := range items {
		c, err := canon.URL(it.URL)
		if err != nil || seen[c] {
			continue
		}
		seen[c] = true
		fresh = append(fresh, it)
		canonicals = append(canonicals, c)
	}
	indexed, err := in.store.ArticlesIndexed(ctx, canonicals)
	if err != nil {
		return 0, 0, err
	}
	for i, it := range fresh {
		if indexed[i] {
			continue // an indexed article is never fetched again
		}
		if ctx.Err() != nil {
			return articles, partial, ctx.Err()
		}
		isPartial, err := in.item(ctx, src, it, canonicals[i])
		if err != nil {
			// The store or the matcher failed: stop this feed, its next poll retries
			// the rest (they are still not indexed).
			in.log.Warn("indexing a feed item failed", "feed", src.URL, "err", err)
			return articles, partial, err
		}
		articles++
		if isPartial {
			partial++
		}
	}
	return articles, partial, nil
}

// item fetches, extracts and indexes one new item. When its page cannot be fetched
// or holds no article (a paywall, a video page), the feed's title and summary stand
// in and the article is marked partial.
func (in *Ingester) item(ctx context.Context, src Source, it feeds.Item, canonical string) (partial bool, err error) {
	var resp *fetch.Response
	ferr := in.gate.do(ctx, it.URL, func() error {
		var err error
		resp, err = in.fetcher.Page(ctx, it.URL)
		return err
	})
	var a stories.Article
	text := ""
	if ferr == nil {
		a, text, ferr = in.lookup.Extract(resp.URL, resp.Body)
	}
	if ferr == nil {
		a.Provenance = stories.ProvenancePublisher
		if a.Title == "" {
			a.Title = it.Title
		}
		if a.Published.IsZero() {
			a.Published = it.Published
		}
	} else {
		if errors.Is(ferr, context.Canceled) || errors.Is(ferr, context.DeadlineExceeded) {
			return false, ferr
		}
		in.log.Debug("article page unavailable; indexing the feed's text", "feed", src.URL, "err", ferr)
		a = in.lookup.Describe(canonical, extract.Article{Title: it.Title, Excerpt: excerpt(it.Summary), Published: it.Published})
		a.Partial = true
		a.Provenance = stories.ProvenanceFeed
		text = it.Summary
	}
	if a.OutletID == "" {
		// The link's host is not in the registry (a redirector, a CDN): the feed's
		// outlet published it.
		a.OutletID = src.OutletID
	}
	if _, err := in.lookup.Index(ctx, a, text); err != nil {
		return false, err
	}
	// The feed's link may not be the article's own canonical URL (a tracking
	// redirect, an AMP copy): the alias keeps the next poll from fetching it again.
	if canonical != a.URL {
		if err := in.store.AddAlias(ctx, canonical, a.URL); err != nil {
			in.log.Warn("recording a feed link as an alias failed", "feed", src.URL, "err", err)
		}
	}
	var lag time.Duration
	if !a.Published.IsZero() {
		lag = max(0, time.Since(a.Published))
	}
	in.onArticle(a.Partial, lag)
	return a.Partial, nil
}

func excerpt(s string) string {
	r := []rune(s)
	if len(r) <= maxExcerptRunes {
		return s
	}
	return string(r[:maxExcerptRunes-1]) + "…"
}

// FeedStatus is one feed's state for the status API.
type FeedStatus struct {
	Source
	State  feeds.State
	Health string
}

// Status returns every feed's state.
func (in *Ingester) Status(ctx context.Context) ([]FeedStatus, error) {
	states, err := in.states(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FeedStatus, len(states))
	for i, st := range states {
		out[i] = FeedStatus{Source: in.sources[i], State: st, Health: st.Health()}
	}
	return out, nil
}
