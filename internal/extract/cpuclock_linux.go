package extract

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadClock measures the CPU time of the calling goroutine: it locks the
// goroutine to its OS thread, so the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID)
// counts this goroutine's work alone, not the other lookups sharing the cores.
// A wall clock would refuse ordinary pages whenever the machine is busy, which is
// when the budget matters most.
type threadClock struct{ start time.Duration }

func startClock() *threadClock {
	runtime.LockOSThread()
	return &threadClock{start: threadCPU()}
}

// elapsed returns the CPU time used since startClock.
func (c *threadClock) elapsed() time.Duration { return threadCPU() - c.start }

// stop unlocks the thread; the clock must not be read after.
func (c *threadClock) stop() { runtime.UnlockOSThread() }

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		// Not expected on Linux ≥ 2.6.12; a clock that stands still never
		// refuses a page, and the caps still bound the work.
		return 0
	}
	return time.Duration(ts.Nano())
}
