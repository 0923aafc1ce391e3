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
	gap   time.Duration
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	busy chan struct{} // one token: the right to send to the host
	next time.Time     // earliest start of the next request
}

func newHostGate(gap time.Duration) *hostGate {
	return &hostGate{gap: gap, hosts: map[string]*hostSlot{}}
}

// maxHostSlots bounds the gate's memory; slots of idle hosts are dropped past it.
const maxHostSlots = 10_000

// do runs fn when the host of rawURL is free and its gap has passed.
func (g *hostGate) do(ctx context.Context, rawURL string, fn func() error) error {
	host := hostKey(rawURL)
	g.mu.Lock()
	s := g.hosts[host]
	if s == nil {
		if len(g.hosts) >= maxHostSlots {
			g.prune()
		}
		s = &hostSlot{busy: make(chan struct{}, 1)}
		g.hosts[host] = s
	}
	g.mu.Unlock()
	select {
	case s.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.busy }()
	if wait := time.Until(s.next); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	defer func() { s.next = time.Now().Add(g.gap) }()
	return fn()
}

// prune drops slots nobody holds whose gap has passed; called with g.mu held.
func (g *hostGate) prune() {
	now := time.Now()
	for h, s := range g.hosts {
		if len(s.busy) == 0 && now.After(s.next) {
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
