package charging_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestPostingEvents: a posting's events are written in its transaction,
// built from the entry as written, reported to SubscribeEvents after the
// commit, and not written again by a replay; a failure to build them fails
// the posting, which then writes nothing.
func TestPostingEvents(t *testing.T) {
	clk := newClock()
	db := openStore(t, clk.Now)
	l := newLedger(t, db, clk.Now)
	createAccount(t, db, "evp00001", "10", "0")
	ctx := context.Background()
	var mu sync.Mutex
	var heard []*kassa.Event
	l.SubscribeEvents(func(evs []*kassa.Event) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, evs...)
	})
	calls := 0
	p := charging.Posting{Account: "evp00001", Kind: kassa.KindReload, Amount: kassa.MustParseAmount("5"),
		Reason: "reload", IdempotencyKey: "r1",
		Events: func(e *kassa.Entry) ([]*kassa.Event, error) {
			calls++
			ev, err := kassa.NewEvent(kassa.EventReloadSucceeded, e.Account, map[string]any{"entry_id": e.ID, "balance_after": e.BalanceAfter.String()})
			return []*kassa.Event{ev}, err
		}}
	e, _, err := l.Credit(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, replayed, err := l.Credit(ctx, p); err != nil || !replayed {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	if calls != 1 {
		t.Errorf("Events called %d times, want once (not on the replay)", calls)
	}
	list, err := db.ListEvents(ctx, kassa.EventFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("events = %v, %v", list, err)
	}
	if want := `{"balance_after":"15.00000000","entry_id":` + strconv.FormatInt(e.ID, 10) + `}`; string(list[0].Data) != want {
		t.Errorf("event data %s, want %s", list[0].Data, want)
	}
	mu.Lock()
	if len(heard) != 1 || heard[0].ID != list[0].ID {
		t.Errorf("SubscribeEvents heard %v, want event %d", heard, list[0].ID)
	}
	mu.Unlock()

	boom := errors.New("boom")
	bad := charging.Posting{Account: "evp00001", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("1"), Reason: "x",
		Events: func(*kassa.Entry) ([]*kassa.Event, error) { return nil, boom }}
	if _, _, err := l.Credit(ctx, bad); !errors.Is(err, boom) {
		t.Fatalf("posting whose events fail: %v, want boom", err)
	}
	if b := balanceOf(t, db, "evp00001"); b != kassa.MustParseAmount("15") {
		t.Errorf("balance %s after a failed posting, want 15 (nothing written)", b)
	}
	checkLedger(t, db, "evp00001")
}
