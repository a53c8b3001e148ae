package testkit

import (
	"sync"
	"sync/atomic"
	"testing"
)

// RunConcurrent runs b.N calls of op (with i from 0 to b.N-1) spread over
// workers goroutines, timing only them, and fails the benchmark on the
// first error; after an error no new call starts.
func RunConcurrent(b *testing.B, workers int, op func(i int64) error) {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) || failed.Load() != nil {
					return
				}
				if err := op(i); err != nil {
					failed.Store(&err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}
