//go:build unix

package web

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system, every thread):
// on a busy machine it measures a render's cost where wall time measures the
// machine's load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
