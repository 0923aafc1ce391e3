package lookup

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrOverloaded means the lookup needed work (a fetch, an extraction, matching) and
// the server already had as much of it in hand as it admits, with the queue full
// or the wait in it over. Nothing was done: the caller may retry shortly.
var ErrOverloaded = errors.New("lookup: server busy")

// Admission defaults: work is CPU (extraction, matching) and waiting on
// publishers, so a few lookups per core keep the cores busy without a pile-up; the
// queue absorbs a burst of a second or two, and a request that waited QueueWait
// would have been better told to come back.
//
// The wait was 2 s: at twice the rate two cores sustain, every admitted lookup
// then waited most of it, and the p99 of accepted lookups went from 0.6 s to
// 1.9 s (parallax load); at 0.5 s, 0.13 s to 0.8 s; at 0.2 s, 0.05 s to 0.2 s,
// the admitted posts' p99 being the wait plus their own work. A posted page
// costs 5 to 30 ms of work: one that cannot start within a few of those is
// better told to come back (Retry-After: 2).
const (
	DefaultMaxQueue  = 32
	DefaultQueueWait = 100 * time.Millisecond
	// NoQueue as Options.MaxQueue refuses a lookup at once when no slot is free.
	NoQueue = -1
	// readsPerWork sizes the gate of lookups answered from the index, as a
	// multiple of the work slots: an answer from the index costs a tenth of
	// an extraction or less, and while the store's lookup cache holds it no
	// Redis work at all, so 64 at once on two cores (twice the connections
	// of the fast-path benchmark) keep the cores busy without a pile-up.
	readsPerWork = 8
)

// gate admits at most cap(slots) lookups to work at once and lets at most
// maxQueue more wait, each for at most wait. Beyond that a lookup is refused at
// once: under twice the load a server can carry, queueing everything makes every
// answer slow and most of them too late, while refusing the excess keeps the
// admitted ones fast (and answers from the index never pass the gate).
type gate struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxQueue int64
	wait     time.Duration
}

func newGate(maxWork, maxQueue int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, maxWork), maxQueue: int64(maxQueue), wait: wait}
}

// enter waits for a slot, for at most the gate's wait; the caller must call the
// returned release when its work is done.
func (g *gate) enter(ctx context.Context) (release func(), err error) {
	return g.enterBy(ctx, time.Now().Add(g.wait))
}

// enterBy is enter waiting until deadline at the latest: a lookup that already
// waited at one gate does not wait the whole time again at the next.
func (g *gate) enterBy(ctx context.Context, deadline time.Time) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	if g.waiting.Add(1) > g.maxQueue {
		g.waiting.Add(-1)
		return nil, fmt.Errorf("%w: %d lookups working and %d waiting", ErrOverloaded, cap(g.slots), g.maxQueue)
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: no lookup slot freed in %s", ErrOverloaded, g.wait)
	case <-ctx.Done():
		return nil, fmt.Errorf("lookup: waiting for a slot: %w", ctx.Err())
	}
}

// load reports the lookups working and waiting, for metrics.
func (g *gate) load() (working, waiting int) {
	return len(g.slots), int(g.waiting.Load())
}
