package ratelimit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is an injected clock that tests move by hand.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// TestBurstThenRefused: a full bucket allows perSecond requests at once,
// then refuses with a Retry-After of one interval; Remaining counts down.
func TestBurstThenRefused(t *testing.T) {
	c := newClock()
	l := New(c.now)
	for i := range 30 {
		d := l.Allow("k", 30)
		if !d.Allowed || d.Limit != 30 || d.Remaining != 29-i {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	d := l.Allow("k", 30)
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > time.Second/30 || d.Remaining != 0 {
		t.Fatalf("31st request: %+v", d)
	}
	if !d.Reset.After(c.now()) {
		t.Errorf("reset %v not after now", d.Reset)
	}
	// Exactly one interval later one more request is allowed, and only one.
	c.add(d.RetryAfter)
	if d := l.Allow("k", 30); !d.Allowed {
		t.Fatalf("after RetryAfter: %+v", d)
	}
	if d := l.Allow("k", 30); d.Allowed {
		t.Fatalf("second after one interval: %+v", d)
	}
	// A second later the bucket is full again.
	c.add(time.Second)
	if d := l.Allow("k", 30); !d.Allowed || d.Remaining != 29 {
		t.Fatalf("after a second: %+v", d)
	}
}

// TestKeysAreIndependent: one key's exhaustion does not touch another's.
func TestKeysAreIndependent(t *testing.T) {
	l := New(newClock().now)
	l.Allow("a", 1)
	if d := l.Allow("a", 1); d.Allowed {
		t.Fatal("a: second request allowed at 1/s")
	}
	if d := l.Allow("b", 1); !d.Allowed {
		t.Fatal("b refused because of a")
	}
}

// TestRateChangeTakesEffectAtOnce: a higher limit passed on the next call
// lets more requests through at once; a lower one throttles at once.
func TestRateChangeTakesEffectAtOnce(t *testing.T) {
	l := New(newClock().now)
	if d := l.Allow("k", 1); !d.Allowed {
		t.Fatal(d)
	}
	if d := l.Allow("k", 1); d.Allowed {
		t.Fatal("second at 1/s allowed")
	}
	if d := l.Allow("k", 100); !d.Allowed {
		t.Fatalf("after raising the limit: %+v", d)
	}
	l2 := New(newClock().now)
	for range 5 {
		l2.Allow("k", 100)
	}
	if d := l2.Allow("k", 5); d.Allowed {
		t.Fatalf("after lowering the limit below the use: %+v", d)
	}
}

// TestNoLimit: 0 or a negative rate never refuses.
func TestNoLimit(t *testing.T) {
	l := New(newClock().now)
	for range 1000 {
		if d := l.Allow("k", 0); !d.Allowed {
			t.Fatal("refused without a limit")
		}
	}
}

// TestForget: a forgotten key starts again with a full bucket.
func TestForget(t *testing.T) {
	l := New(newClock().now)
	l.Allow("k", 1)
	l.Forget("k")
	if d := l.Allow("k", 1); !d.Allowed {
		t.Fatal("refused after Forget")
	}
}

// TestConcurrentExactCount: with the clock stopped, many goroutines racing
// on one key get exactly perSecond requests through, never more.
func TestConcurrentExactCount(t *testing.T) {
	l := New(newClock().now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if l.Allow("hot", 50).Allowed {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 50 {
		t.Fatalf("%d allowed, want exactly 50", allowed.Load())
	}
}

// BenchmarkAllow measures the limiter on the get-balance hot path: many
// goroutines, many keys, next to a baseline of one mutex-guarded map with
// the same arithmetic (report the ratio).
func BenchmarkAllow(b *testing.B) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "acct" + strconv.Itoa(i)
	}
	b.Run("limiter", func(b *testing.B) {
		l := New(nil)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				l.Allow(keys[i&1023], 1_000_000_000)
				i++
			}
		})
	})
	b.Run("baseline-mutex-map", func(b *testing.B) {
		var mu sync.Mutex
		tats := map[string]int64{}
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				now := time.Now().UnixNano()
				mu.Lock()
				tat := max(tats[keys[i&1023]], now)
				tats[keys[i&1023]] = tat + 1
				mu.Unlock()
				i++
			}
		})
	})
}
