package sqlite

import (
	"fmt"
	"sync"
	"testing"
)

// TestPlanCacheRefusesStaleFill: a read that started before a write (it
// got its sequence number before the reset) does not fill the cache; one
// that started after does; a reset empties it.
func TestPlanCacheRefusesStaleFill(t *testing.T) {
	c := newPlanCache()
	_, ok, seq := c.get("a")
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.reset()
	c.fill("a", [2]string{"old", ""}, seq)
	if _, ok, _ := c.get("a"); ok {
		t.Error("a read older than a write filled the cache")
	}
	_, _, seq = c.get("a")
	c.fill("a", [2]string{"retail", "wholesale"}, seq)
	if v, ok, _ := c.get("a"); !ok || v != [2]string{"retail", "wholesale"} {
		t.Errorf("after a fill: %v %v", v, ok)
	}
	c.reset()
	if _, ok, _ := c.get("a"); ok {
		t.Error("a reset left a plan")
	}
	var none *planCache
	none.reset()
	none.fill("a", [2]string{"x", ""}, 0)
	if _, ok, _ := none.get("a"); ok {
		t.Error("a nil cache hit")
	}
}

// TestPlanCacheConcurrent: readers, fillers and resets at once (run with
// -race); after the last reset nothing filled with an older sequence is
// served.
func TestPlanCacheConcurrent(t *testing.T) {
	c := newPlanCache()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				key := fmt.Sprint("k", (g*31+i)%50)
				if _, ok, seq := c.get(key); !ok {
					c.fill(key, [2]string{"p", ""}, seq)
				}
				if i%500 == 0 {
					c.reset()
				}
			}
		}()
	}
	wg.Wait()
	_, _, seq := c.get("k0")
	c.reset()
	c.fill("k0", [2]string{"stale", ""}, seq)
	for i := range 50 {
		if v, ok, _ := c.get(fmt.Sprint("k", i)); ok {
			t.Fatalf("k%d = %v after the last reset", i, v)
		}
	}
	if c.count != 0 {
		t.Fatalf("count %d after a reset", c.count)
	}
}
