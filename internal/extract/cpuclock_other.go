//go:build !linux

package extract

import "time"

// threadClock falls back to the wall clock where the thread CPU clock is not
// available: a busy machine may then refuse a page the budget would allow, never
// the other way round.
type threadClock struct{ start time.Time }

func startClock() *threadClock { return &threadClock{start: time.Now()} }

func (c *threadClock) elapsed() time.Duration { return time.Since(c.start) }

func (c *threadClock) stop() {}
