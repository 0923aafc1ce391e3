package ingest

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"
)

// hostGate lets one request at a time reach a host, at least gap apart: feed
// ingestion must never be what slows a newsroom's site down, however many of its
// feeds and articles are due at once.
type hostGate struct {
	gap      time.Duration
	maxSlots int // slots of idle hosts are dropped past this many

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// hostSlot is one host's turn-taking. users and next are guarded by hostGate.mu, so
// prune sees exactly which slots are idle; busy orders the callers themselves.
type hostSlot struct {
	busy  chan struct{} // one token: the right to send to the host
	users int           // callers holding or waiting for the slot
	next  time.Time     // earliest start of the next request
}

// maxHostSlots bounds the gate's memory; slots of idle hosts are dropped past it.
const maxHostSlots = 10_000

func newHostGate(gap time.Duration) *hostGate {
	return &hostGate{gap: gap, maxSlots: maxHostSlots, hosts: map[string]*hostSlot{}}
}

// do runs fn when the host of rawURL is free and its gap has passed.
func (g *hostGate) do(ctx context.Context, rawURL string, fn func() error) error {
	s := g.take(hostKey(rawURL))
	defer g.leave(s)
	select {
	case s.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.busy }()
	g.mu.Lock()
	next := s.next
	g.mu.Unlock()
	if wait := time.Until(next); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	defer func() {
		g.mu.Lock()
		s.next = time.Now().Add(g.gap)
		g.mu.Unlock()
	}()
	return fn()
}

// take returns the host's slot, counting the caller as a user until leave so that
// prune cannot drop it and let a second slot for the host appear.
func (g *hostGate) take(host string) *hostSlot {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.hosts[host]
	if s == nil {
		if len(g.hosts) >= g.maxSlots {
			g.prune()
		}
		s = &hostSlot{busy: make(chan struct{}, 1)}
		g.hosts[host] = s
	}
	s.users++
	return s
}

func (g *hostGate) leave(s *hostSlot) {
	g.mu.Lock()
	s.users--
	g.mu.Unlock()
}

// prune drops slots with no users whose gap has passed; called with g.mu held.
func (g *hostGate) prune() {
	now := time.Now()
	for h, s := range g.hosts {
		if s.users == 0 && now.After(s.next) {
			delete(g.hosts, h)
		}
	}
}

// hostKey is the host a request goes to (with its port: two servers on one machine
// are two sites to be polite to).
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}
