package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/parallax-news/parallax/internal/fetch"
)

// A server without network fails every poll the same way, and a warning per feed
// (1,079 lines at start-up with the built-in registry) buries the one thing worth
// saying. So the polls started by one scan of Run (or by one Pass) are judged
// together as a round: when nearly all of them failed to reach their site, that is
// an outage, reported by one warning, and each feed's failure is logged at debug
// level. Until a poll reaches a site again the ingester stays in the outage: the
// trickle of small rounds that backoff brings logs at debug too, with the warning
// repeated at most every outageWarnEvery. With the network up, every failure is
// still a warning of its own; one that may be part of an outage waits for the
// round's verdict, which comes as soon as enough polls got an answer.
const (
	// outagePercent is the least share, in percent, of a round's polls that failed
	// to reach their site for the round to be an outage: a few sites answering
	// while most do not is a partial outage worth naming feed by feed.
	outagePercent = 90
	// outageMinPolls is the least number of unreachable polls in one round for it
	// to be an outage. Below it the warnings are few anyway, and two or three dead
	// sites due at the same moment are not a network down.
	outageMinPolls = 5
	// outageWarnEvery spaces the outage warning while the outage lasts: once per
	// default poll interval says "still down" without flooding the log.
	outageWarnEvery = 10 * time.Minute
)

// reach is what one poll says about the network.
type reach int

const (
	reachUnknown reach = iota // nothing: a URL that could not be fetched at all
	reachOK                   // the site answered, whatever it answered
	reachFailed               // the site could not be reached: DNS, connect, TLS, timeout
)

// reachOf classifies the outcome of a feed poll that ran; err is nil for a
// successful one.
func reachOf(err error) reach {
	switch {
	case err == nil:
		return reachOK
	case errors.Is(err, fetch.ErrInvalidURL):
		return reachUnknown
	case errors.Is(err, fetch.ErrUnreachable), errors.Is(err, fetch.ErrTimeout):
		return reachFailed
	}
	// A status, a body that is not a feed, a blocked address (its name resolved):
	// the network worked.
	return reachOK
}

// outage is the ingester's view of the network across rounds.
type outage struct {
	log *slog.Logger
	now func() time.Time

	mu              sync.Mutex
	down            bool
	began, lastWarn time.Time
	// failed and tried count the polls since the last warning: those that could
	// not reach their site, of those that reached for the network.
	failed, tried int
	lastErr       string
}

func newOutage(log *slog.Logger) *outage { return &outage{log: log, now: time.Now} }

// isDown reports whether the ingester is in an outage.
func (o *outage) isDown() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}

// reached records a poll that got an answer: an outage, if any, is over.
func (o *outage) reached() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		o.log.Info("feeds reachable again", "outage_lasted", o.now().Sub(o.began).Round(time.Second).String())
		o.down, o.failed, o.tried, o.lastWarn = false, 0, 0, time.Time{}
	}
}

// record adds a round's counts to the outage, starting one when start is set, and
// warns unless it did within outageWarnEvery.
func (o *outage) record(start bool, failed, tried int, lastErr string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down && !start {
		return
	}
	now := o.now()
	if !o.down {
		o.down, o.began = true, now
	}
	o.failed += failed
	o.tried += tried
	if lastErr != "" {
		o.lastErr = lastErr
	}
	if o.failed == 0 || (!o.lastWarn.IsZero() && now.Sub(o.lastWarn) < outageWarnEvery) {
		return
	}
	o.log.Warn(fmt.Sprintf("feeds unreachable: %d of %d failed, is the network down?", o.failed, o.tried),
		"failed", o.failed, "polled", o.tried, "last_error", o.lastErr)
	o.lastWarn, o.failed, o.tried = now, 0, 0
}

// isOutage is the verdict on a round in which failed polls could not reach their
// site and reached ones got an answer.
func isOutage(failed, reached int) bool {
	return failed >= outageMinPolls && failed*100 >= outagePercent*(failed+reached)
}

// heldFailure is a failed poll whose warning waits for its round's verdict.
type heldFailure struct {
	src Source
	res pollResult
}

// round judges the polls of one scan together. newRound takes the number of polls
// planned, add takes each one's result (from any goroutine), and seal the number
// actually handed out once that is known (fewer when the context ended first).
type round struct {
	in *Ingester

	mu                       sync.Mutex
	planned, done            int
	reached, failed, unknown int
	held                     []heldFailure
	lastErr                  string
	over                     bool
}

func (in *Ingester) newRound(planned int) *round { return &round{in: in, planned: planned} }

// add records the result of one of the round's polls and logs its failure, now or
// when the round's verdict is in.
func (r *round) add(src Source, res pollResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	defer r.finish()
	if !res.fetched {
		r.unknown++
		return
	}
	switch reachOf(res.pollErr) {
	case reachOK:
		r.reached++
		r.in.outage.reached()
		if res.pollErr != nil {
			r.in.logPollFailure(slog.LevelWarn, src, res)
		}
		if !r.possible() {
			r.flush(slog.LevelWarn) // the held failures are the feeds' own
		}
	case reachFailed:
		r.failed++
		r.lastErr = res.state.LastError
		switch {
		case r.in.outage.isDown():
			r.in.logPollFailure(slog.LevelDebug, src, res)
		case !r.possible():
			r.in.logPollFailure(slog.LevelWarn, src, res)
		default:
			r.held = append(r.held, heldFailure{src, res})
		}
	default:
		r.unknown++
		if res.pollErr != nil {
			r.in.logPollFailure(slog.LevelWarn, src, res)
		}
	}
}

// seal says how many polls of the round were handed out.
func (r *round) seal(handedOut int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.planned = handedOut
	r.finish()
}

// possible reports whether the round may still turn out an outage, were every
// poll still to come to fail. Called with r.mu held.
func (r *round) possible() bool {
	return isOutage(r.planned-r.reached-r.unknown, r.reached)
}

// finish gives the round's verdict once all its polls are done. Called with r.mu
// held.
func (r *round) finish() {
	if r.over || r.done < r.planned {
		return
	}
	r.over = true
	outage := isOutage(r.failed, r.reached)
	if outage || r.in.outage.isDown() {
		r.in.outage.record(outage, r.failed, r.failed+r.reached, r.lastErr)
		r.flush(slog.LevelDebug)
		return
	}
	r.flush(slog.LevelWarn)
}

// flush logs the held failures at level. Called with r.mu held.
func (r *round) flush(level slog.Level) {
	for _, h := range r.held {
		r.in.logPollFailure(level, h.src, h.res)
	}
	r.held = nil
}

// logPollFailure logs one feed's failed poll. It is logged once per failed poll,
// which the backoff spaces out: once per step.
func (in *Ingester) logPollFailure(level slog.Level, src Source, res pollResult) {
	in.log.Log(context.Background(), level, "feed poll failed", "feed", src.URL, "err", res.state.LastError,
		"failures", res.state.Failures, "next_poll", res.state.NextPoll.Format(time.RFC3339))
}
