//go:build unix

package pricing

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used (user and
// system, every thread), for benchmarks whose work spans goroutines: the
// wall time of a pipeline hides what each stage costs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
