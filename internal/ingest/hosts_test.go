package ingest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostGatePruneUnderLoad runs many callers over more hosts than the gate keeps
// slots for, so prune runs while slots are held and awaited: no host may ever see
// two requests at once (a pruned-but-used slot would let a second slot appear), and
// the race detector checks the slot bookkeeping.
func TestHostGatePruneUnderLoad(t *testing.T) {
	t.Parallel()
	g := newHostGate(0) // every slot prunable as soon as it is idle
	g.maxSlots = 2
	const hosts, callers, rounds = 16, 32, 50
	var inside [hosts]atomic.Int32
	var overlaps atomic.Int32
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for r := range rounds {
				h := (c + r) % hosts
				err := g.do(context.Background(), fmt.Sprintf("https://h%d.example/feed", h), func() error {
					if inside[h].Add(1) != 1 {
						overlaps.Add(1)
					}
					time.Sleep(20 * time.Microsecond)
					inside[h].Add(-1)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d requests overlapped another to the same host", n)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for h, s := range g.hosts {
		if s.users != 0 {
			t.Errorf("host %s: %d users left after every caller returned", h, s.users)
		}
	}
}

// TestHostGateKeepsGap checks two requests to one host start at least gap apart.
func TestHostGateKeepsGap(t *testing.T) {
	t.Parallel()
	const gap = 30 * time.Millisecond
	g := newHostGate(gap)
	var starts []time.Time
	for range 2 {
		if err := g.do(context.Background(), "https://a.example/x", func() error {
			starts = append(starts, time.Now())
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if d := starts[1].Sub(starts[0]); d < gap {
		t.Errorf("second request %v after the first, want at least %v", d, gap)
	}
}
