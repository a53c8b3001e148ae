package sqlite

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestBalanceCacheRefusesStaleFill: a read that started before a commit
// (it got its sequence number before) does not fill the cache, whatever
// it read; one that started after does.
func TestBalanceCacheRefusesStaleFill(t *testing.T) {
	c := newBalanceCache()
	_, ok, seq := c.get("a")
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.publish(map[string]kassa.Amount{"b": 5})
	c.fill("a", kassa.BalanceView{Balance: 1}, seq)
	if _, ok, _ := c.get("a"); ok {
		t.Error("a read older than a ledger commit filled the cache")
	}
	_, _, seq = c.get("a")
	c.reset()
	c.fill("a", kassa.BalanceView{Balance: 1}, seq)
	if _, ok, _ := c.get("a"); ok {
		t.Error("a read older than a write filled the cache")
	}
	_, _, seq = c.get("a")
	c.fill("a", kassa.BalanceView{Balance: 1, AutoReload: true}, seq)
	c.publish(map[string]kassa.Amount{"a": 7})
	if v, ok, _ := c.get("a"); !ok || v.Balance != 7 || !v.AutoReload {
		t.Errorf("after a fill and a commit: %+v %v; want balance 7, auto-reload kept", v, ok)
	}
	var none *balanceCache
	none.publish(map[string]kassa.Amount{"a": 1})
	none.reset()
	none.fill("a", kassa.BalanceView{}, 0)
	if _, ok, _ := none.get("a"); ok {
		t.Error("a nil cache hit")
	}
}
