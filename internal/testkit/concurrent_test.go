package testkit

import (
	"sync"
	"testing"
)

// BenchmarkRunConcurrent checks, under the benchmark harness, that every i
// in [0, b.N) is passed to op exactly once.
func BenchmarkRunConcurrent(b *testing.B) {
	var mu sync.Mutex
	seen := map[int64]int{}
	RunConcurrent(b, 8, func(i int64) error {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if len(seen) != b.N {
		b.Fatalf("%d distinct calls, want b.N = %d", len(seen), b.N)
	}
	for i, n := range seen {
		if i < 0 || i >= int64(b.N) || n != 1 {
			b.Fatalf("op(%d) ran %d times", i, n)
		}
	}
}
