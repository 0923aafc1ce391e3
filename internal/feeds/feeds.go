// Package feeds polls one RSS, Atom or JSON Feed politely and turns it into
// plain-text items. It is the first step of ingestion: the ingest scheduler
// keeps a State per outlet feed, asks State.Due which feeds to poll, and
// hands each Poll's items to the article pipeline.
//
// Politeness is the point of the package, because we poll sites that did not
// ask to be polled:
//
//   - Every poll is a conditional GET (RFC 9110 §13.1.1-2) with the ETag and
//     Last-Modified the site gave last time; a 304 costs the site one header.
//   - After a poll the feed is not due again for Options.Interval; after
//     consecutive failures the gap doubles up to Options.MaxBackoff, and a
//     429 or 503 with Retry-After (RFC 9110 §10.2.3, RFC 6585 §4) is honoured
//     when it asks for longer. Gaps get a random part (Options.Jitter) so that
//     feeds added together do not stay in lockstep.
//   - Everything goes through internal/fetch, which enforces the address
//     rules, timeouts and the body size cap.
//
// Items are cleaned for display and matching: titles and summaries are plain
// text (tags stripped, entities decoded, whitespace collapsed, bounded),
// links are absolute http(s) URLs, dates in the far future are dropped.
//
// Poll never loses the outcome: on failure it returns both the error (which
// matches fetch's sentinels or ErrMalformed with errors.Is) and the State
// recording it, with a LastError short and safe enough to show in an API.
package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/parallax-news/parallax/internal/fetch"
)

// Defaults for zero Options fields.
const (
	// defaultInterval: news feeds publish a few items an hour at most per
	// section; 10 minutes catches a story while it is news, and with
	// conditional GETs an unchanged feed costs the site a 304 only.
	defaultInterval = 10 * time.Minute
	// defaultMaxBackoff: a feed failing for hours is usually broken until a
	// human fixes it; checking four times a day notices the fix the same
	// day without hammering a site that is down.
	defaultMaxBackoff = 6 * time.Hour
	// defaultMaxItems: news feeds carry 10-50 items (RSS has no limit;
	// 100 covers the long ones); more per poll would be an archive, not news.
	defaultMaxItems = 100
	// minInterval is the shortest gap we accept between polls of one feed.
	// RSS 2.0's ttl is counted in minutes and no news site updates a feed
	// faster; a shorter gap would only cost the site.
	minInterval = time.Minute
	// jitterFraction is the default random part of a gap: ±10% spreads polls
	// of feeds added at the same moment over a full minute at the default
	// interval, without making the schedule hard to reason about.
	jitterFraction = 0.10
)

// The values of State.LastStatus.
const (
	StatusOK          = "ok"
	StatusNotModified = "not_modified"
	StatusError       = "error"
)

// The values of State.Health.
const (
	Healthy     = "healthy"
	BackingOff  = "backing_off"
	Failing     = "failing"
	NeverPolled = "new"
)

// failingAfter is how many consecutive failures of a feed that has worked
// before still count as backing off.
// With the default interval, three failures span 10+20+40 minutes: long
// enough to ride out a deploy or a brief outage, after which the feed is
// shown as failing so that an operator looks at it.
const failingAfter = 3

// State is what Parallax remembers about one feed between polls (stored as
// JSON by the caller).
type State struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	NextPoll     time.Time `json:"next_poll,omitzero"`    // earliest time the feed may be polled again (interval, backoff, Retry-After)
	Failures     int       `json:"failures"`              // consecutive failures
	LastError    string    `json:"last_error,omitempty"`  // a short, human-readable message (safe to show in an API)
	LastStatus   string    `json:"last_status,omitempty"` // StatusOK, StatusNotModified or StatusError
	ItemsSeen    int64     `json:"items_seen"`            // items parsed over the feed's life
}

// Health classifies s for dashboards: Healthy (the last poll succeeded or
// was not modified), BackingOff (1 to 3 consecutive failures of a feed that
// has worked before), Failing (more, or any failure of a feed that has never
// worked) or NeverPolled.
//
// A feed that has never answered is not riding out a blip: it is a wrong URL,
// a dead site or no network at all, and counting it as backing off made a
// server with the network down report every feed as merely backing off.
func (s State) Health() string {
	switch {
	case s.Failures > failingAfter:
		return Failing
	case s.Failures > 0 && s.LastSuccess.IsZero():
		return Failing
	case s.Failures > 0:
		return BackingOff
	case s.LastPoll.IsZero():
		return NeverPolled
	}
	return Healthy
}

// Due reports whether s may be polled at now.
func (s State) Due(now time.Time) bool { return !now.Before(s.NextPoll) }

// Options configure a Poller. Zero values mean the defaults.
type Options struct {
	Interval   time.Duration                     // normal gap between polls of one feed; default 10m, at least 1m
	MaxBackoff time.Duration                     // cap on the gap after failures; default 6h, at least Interval
	MaxItems   int                               // items kept per poll (newest first by published time, else document order); default 100
	Now        func() time.Time                  // for tests; default time.Now
	Jitter     func(time.Duration) time.Duration // random part added to a gap; default uniform ±10%
}

// Item is one entry of a feed, cleaned for display and matching.
type Item struct {
	URL       string    // the item's link, absolute; items without a usable http(s) link are dropped
	GUID      string    // the feed's own identifier for the item, when it has one
	Title     string    // plain text: tags stripped, entities decoded, whitespace collapsed
	Summary   string    // description (else content) as plain text, at most maxSummaryRunes
	Published time.Time // published, else updated, else zero; zero too when more than a day in the future
}

// Result is the outcome of one Poll.
type Result struct {
	Items       []Item
	NotModified bool
	State       State // the updated state (always set, also on error)
}

// Poller polls feeds through a fetch.Client. It holds no per-feed state (the
// caller keeps the States), so one Poller is safe for concurrent use.
type Poller struct {
	fetcher    *fetch.Client
	interval   time.Duration
	maxBackoff time.Duration
	maxItems   int
	now        func() time.Time
	jitter     func(time.Duration) time.Duration
}

// New returns a Poller fetching with fetcher (which must not be nil),
// configured by opts.
func New(fetcher *fetch.Client, opts Options) *Poller {
	p := &Poller{
		fetcher:    fetcher,
		interval:   opts.Interval,
		maxBackoff: opts.MaxBackoff,
		maxItems:   opts.MaxItems,
		now:        opts.Now,
		jitter:     opts.Jitter,
	}
	if p.interval <= 0 {
		p.interval = defaultInterval
	}
	p.interval = max(p.interval, minInterval)
	if p.maxBackoff <= 0 {
		p.maxBackoff = defaultMaxBackoff
	}
	p.maxBackoff = max(p.maxBackoff, p.interval)
	if p.maxItems <= 0 {
		p.maxItems = defaultMaxItems
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.jitter == nil {
		p.jitter = uniformJitter
	}
	return p
}

// uniformJitter returns a duration drawn uniformly from ±jitterFraction of
// gap. math/rand/v2's top-level functions are safe for concurrent use and
// need no seeding.
func uniformJitter(gap time.Duration) time.Duration {
	span := int64(float64(gap) * jitterFraction)
	if span <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(2*span+1) - span)
}

// Poll fetches the feed at st.URL (a conditional GET when st has validators)
// and returns the updated state and the items.
//
// On success Failures is reset, NextPoll is now + Interval + jitter, the
// validators are updated and ItemsSeen grows by the number of items
// returned. A 304 is a success without items (NotModified).
//
// On failure Poll returns the error (wrapped as "feeds: <host>: ...") and a
// Result whose State records it: Failures+1, LastError, and NextPoll = now +
// min(MaxBackoff, Interval·2^Failures) + jitter, or the site's Retry-After
// when that is longer. The validators are kept. If ctx is canceled the poll
// did not happen: the State is returned unchanged.
func (p *Poller) Poll(ctx context.Context, st State) (Result, error) {
	now := p.now()
	host := hostOf(st.URL)

	resp, err := p.fetcher.Do(ctx, fetch.Request{
		URL: st.URL, Kind: fetch.Feed, ETag: st.ETag, LastModified: st.LastModified,
	})
	if err != nil {
		return p.fail(st, now, host, err)
	}
	if resp.NotModified {
		st = p.succeed(st, now, StatusNotModified)
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		return Result{NotModified: true, State: st}, nil
	}

	feed, err := parse(resp.Body)
	if err != nil {
		// The validators of a body we could not parse are not recorded:
		// they would turn the next poll of the same broken body into a
		// 304, which would look healthy.
		return p.fail(st, now, host, err)
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return p.fail(st, now, host, fmt.Errorf("feeds: final URL: %w", err))
	}
	items := convert(feed, base, now, p.maxItems)

	st = p.succeed(st, now, StatusOK)
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	st.ItemsSeen += int64(len(items))
	return Result{Items: items, State: st}, nil
}

// succeed records a successful poll at now.
func (p *Poller) succeed(st State, now time.Time, status string) State {
	st.LastPoll, st.LastSuccess = now, now
	st.Failures = 0
	st.LastError = ""
	st.LastStatus = status
	st.NextPoll = now.Add(p.withJitter(p.interval))
	return st
}

// fail records the failed poll of st at now and returns err wrapped with host.
func (p *Poller) fail(st State, now time.Time, host string, err error) (Result, error) {
	wrapped := wrap(host, err)
	if errors.Is(err, context.Canceled) {
		// The caller gave up (shutdown); that says nothing about the feed.
		return Result{State: st}, wrapped
	}
	st.LastPoll = now
	st.Failures++
	st.LastError = describe(err)
	st.LastStatus = StatusError
	gap := p.withJitter(p.backoff(st.Failures))
	var se *fetch.StatusError
	if errors.As(err, &se) && se.RetryAfter > gap {
		gap = se.RetryAfter
	}
	st.NextPoll = now.Add(gap)
	return Result{State: st}, wrapped
}

// backoff is the gap after the given number of consecutive failures:
// Interval·2^failures, capped at MaxBackoff. Doubling stops at the cap, so
// a long-failing feed cannot overflow the duration.
func (p *Poller) backoff(failures int) time.Duration {
	gap := p.interval
	for i := 0; i < failures && gap < p.maxBackoff; i++ {
		gap *= 2
	}
	return min(gap, p.maxBackoff)
}

// withJitter adds the jitter to gap, clamped to half of gap either way, so a
// misbehaving Jitter can neither make us poll in a loop nor silence a feed.
func (p *Poller) withJitter(gap time.Duration) time.Duration {
	j := p.jitter(gap)
	return gap + min(max(j, -gap/2), gap/2)
}

// hostOf is the host named in error messages; empty when raw has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// parse parses body with gofeed, which detects RSS (0.9x, 1.0, 2.0), Atom
// (0.3, 1.0) and JSON Feed itself. fetch has already converted a declared
// legacy charset to UTF-8 and rewritten the XML declaration to match.
func parse(body []byte) (feed *gofeed.Feed, err error) {
	// gofeed parses untrusted input from any site we poll; a bug it has on
	// one site's feed must cost that feed, not the process that also
	// answers readers' lookups.
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, &malformedError{reason: "the feed parser failed", cause: fmt.Errorf("feeds: gofeed panic: %v", r)}
		}
	}()
	feed, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, &malformedError{reason: parseReason(err), cause: err}
	}
	return feed, nil
}
