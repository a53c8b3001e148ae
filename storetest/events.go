package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testEvents(t *testing.T) {
	t.Run("AppendAndList", h.testEventsAppendList)
	t.Run("InLedgerTx", h.testEventsInLedgerTx)
	t.Run("CursorNeverSkips", h.testEventsCursor)
	t.Run("WithAccountChanges", h.testEventsWithAccountChanges)
}

// testEventsWithAccountChanges: UpdateAccount writes the events of
// upd.Events (given the account before and after) in its transaction, and
// an error from it changes nothing; CreateSubaccount writes its events, and
// none when it is refused.
func (h harness) testEventsWithAccountChanges(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "evta0001", amt("1"))
	yes := true
	var seen [2]bool
	_, err := s.UpdateAccount(ctx, "evta0001", kassa.AccountUpdate{Suspended: &yes,
		Events: func(before, after *kassa.Account) ([]*kassa.Event, error) {
			seen = [2]bool{before.Suspended, after.Suspended}
			return []*kassa.Event{mustEvent(t, kassa.EventAccountSuspended, after.APIKey, struct{}{})}, nil
		}})
	noErr(t, err, "update with events")
	if seen != [2]bool{false, true} {
		t.Errorf("Events saw suspended before/after = %v, want false/true", seen)
	}
	list, err := s.ListEvents(ctx, kassa.EventFilter{})
	noErr(t, err, "list events")
	if len(list) != 1 || list[0].Type != kassa.EventAccountSuspended || list[0].Account != "evta0001" {
		t.Fatalf("events after the update: %v", list)
	}
	no := false
	boom := errors.New("boom")
	_, err = s.UpdateAccount(ctx, "evta0001", kassa.AccountUpdate{Suspended: &no,
		Events: func(before, after *kassa.Account) ([]*kassa.Event, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("update whose events fail: %v, want boom", err)
	}
	if a, _ := s.FindAccount(ctx, "evta0001"); !a.Suspended {
		t.Error("an update whose events failed was applied")
	}

	sub := NewAccount("evts0001")
	sub.Primary, sub.SharedBalance = "evta0001", true
	ev := mustEvent(t, kassa.EventSubaccountCreated, "evts0001", struct{}{})
	noErr(t, s.CreateSubaccount(ctx, sub, NewSecret("evts0001"), 1, ev), "create a subaccount with an event")
	if ev.ID == 0 {
		t.Error("the subaccount's event has no ID")
	}
	refused := NewAccount("evts0002")
	refused.Primary = "evta0001"
	wantCode(t, s.CreateSubaccount(ctx, refused, NewSecret("evts0002"), 1, mustEvent(t, kassa.EventSubaccountCreated, "evts0002", struct{}{})), kassa.ELIMIT)
	if list, _ := s.ListEvents(ctx, kassa.EventFilter{Types: []string{kassa.EventSubaccountCreated}}); len(list) != 1 || list[0].Account != "evts0001" {
		t.Errorf("subaccount events %v, want only the created one", list)
	}
}

// mustEvent builds an event or fails the test.
func mustEvent(t testing.TB, typ, account string, data any) *kassa.Event {
	t.Helper()
	e, err := kassa.NewEvent(typ, account, data)
	noErr(t, err, "new event")
	return e
}

// eventIDs returns the IDs of events.
func eventIDs(list []*kassa.Event) []int64 {
	out := []int64{}
	for _, e := range list {
		out = append(out, e.ID)
	}
	return out
}

func (h harness) testEventsAppendList(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	last, err := s.LastEventID(ctx)
	noErr(t, err, "last event id of an empty store")
	if last != 0 {
		t.Fatalf("LastEventID of an empty store = %d, want 0", last)
	}
	list, err := s.ListEvents(ctx, kassa.EventFilter{})
	noErr(t, err, "list no events")
	if len(list) != 0 {
		t.Fatalf("events of an empty store: %v", eventIDs(list))
	}

	audit := &kassa.AuditEvent{Actor: "system", Account: "evt00001", Action: "reload.declined", Detail: `{"reason":"card expired"}`}
	a := mustEvent(t, kassa.EventReloadFailed, "evt00001", map[string]string{"reason": "card expired"})
	b := mustEvent(t, kassa.EventBalanceLow, "evt00002", map[string]string{"balance": "1.00000000"})
	noErr(t, s.AppendEvents(ctx, audit, a, b), "append two events with an audit record")
	if a.ID == 0 || b.ID <= a.ID {
		t.Fatalf("event ids %d, %d: want positive and increasing", a.ID, b.ID)
	}
	sameTime(t, "event time", a.CreatedAt, Epoch)
	if audit.ID == 0 {
		t.Error("the audit record written with the events has no ID")
	}
	if got, _, err := s.ListAudit(ctx, kassa.AuditFilter{Action: "reload.declined"}); err != nil || len(got) != 1 {
		t.Errorf("audit record written with the events: %v, %v", got, err)
	}
	clock.Advance(time.Minute)
	c := mustEvent(t, kassa.EventPriceBookActivated, "", map[string]int{"version": 3})
	noErr(t, s.AppendEvents(ctx, nil, c), "append an event about no account")
	sameTime(t, "second event time", c.CreatedAt, Epoch.Add(time.Minute))

	list, err = s.ListEvents(ctx, kassa.EventFilter{})
	noErr(t, err, "list events")
	if !slices.Equal(eventIDs(list), []int64{a.ID, b.ID, c.ID}) {
		t.Fatalf("ListEvents = %v, want %v oldest first", eventIDs(list), []int64{a.ID, b.ID, c.ID})
	}
	got := list[0]
	if got.Type != kassa.EventReloadFailed || got.Account != "evt00001" || string(got.Data) != `{"reason":"card expired"}` {
		t.Errorf("event read back = %+v (data %s)", got, got.Data)
	}
	sameTime(t, "event time read back", got.CreatedAt, Epoch)
	if list[2].Account != "" || string(list[2].Data) != `{"version":3}` {
		t.Errorf("event about no account read back = %+v (data %s)", list[2], list[2].Data)
	}

	cases := []struct {
		name string
		f    kassa.EventFilter
		want []int64
	}{
		{"after", kassa.EventFilter{After: a.ID}, []int64{b.ID, c.ID}},
		{"after the last", kassa.EventFilter{After: c.ID}, []int64{}},
		{"limit", kassa.EventFilter{Limit: 2}, []int64{a.ID, b.ID}},
		{"after and limit", kassa.EventFilter{After: a.ID, Limit: 1}, []int64{b.ID}},
		{"types", kassa.EventFilter{Types: []string{kassa.EventBalanceLow, kassa.EventPriceBookActivated}}, []int64{b.ID, c.ID}},
		{"account", kassa.EventFilter{Account: "evt00001"}, []int64{a.ID}},
		{"account and after", kassa.EventFilter{Account: "evt00001", After: a.ID}, []int64{}},
	}
	for _, tc := range cases {
		list, err := s.ListEvents(ctx, tc.f)
		noErr(t, err, "list events %s", tc.name)
		if !slices.Equal(eventIDs(list), tc.want) {
			t.Errorf("ListEvents(%s) = %v, want %v", tc.name, eventIDs(list), tc.want)
		}
	}
	_, err = s.ListEvents(ctx, kassa.EventFilter{Limit: -1})
	wantCode(t, err, kassa.EINVALID)

	last, err = s.LastEventID(ctx)
	noErr(t, err, "last event id")
	if last != c.ID {
		t.Errorf("LastEventID = %d, want %d", last, c.ID)
	}

	bad := &kassa.Event{Account: "evt00001", Data: []byte(`{}`)}
	wantCode(t, s.AppendEvents(ctx, nil, mustEvent(t, kassa.EventBalanceLow, "x", struct{}{}), bad), kassa.EINVALID)
	if after, _ := s.ListEvents(ctx, kassa.EventFilter{After: c.ID}); len(after) != 0 {
		t.Errorf("a refused AppendEvents wrote %v", eventIDs(after))
	}
}

func (h harness) testEventsInLedgerTx(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "evtl0001", amt("10"))

	// An event written with an entry commits with it.
	e := mustEvent(t, kassa.EventBalanceLow, "evtl0001", map[string]string{"balance": "4.00000000"})
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "evtl0001", Kind: kassa.KindDebit, Amount: amt("-6")}); err != nil {
			return err
		}
		return tx.AppendEvent(e)
	})
	noErr(t, err, "ledger transaction with an event")
	if e.ID == 0 || e.CreatedAt.IsZero() {
		t.Fatalf("AppendEvent did not fill the event: %+v", e)
	}

	// A transaction that rolls back leaves neither the entry nor the event.
	boom := errors.New("boom")
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "evtl0001", Kind: kassa.KindDebit, Amount: amt("-1")}); err != nil {
			return err
		}
		if err := tx.AppendEvent(mustEvent(t, kassa.EventBalanceLow, "evtl0001", struct{}{})); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("rolled-back transaction: %v, want boom", err)
	}
	list, err := s.ListEvents(ctx, kassa.EventFilter{})
	noErr(t, err, "list events")
	if !slices.Equal(eventIDs(list), []int64{e.ID}) {
		t.Errorf("events after a rollback = %v, want only %d", eventIDs(list), e.ID)
	}
	if b := MustBalance(t, s, "evtl0001"); b != amt("4") {
		t.Errorf("balance = %s, want 4 (the rolled-back debit undone)", b)
	}
}

// testEventsCursor writes events from many concurrent ledger
// transactions while a reader follows the feed with a cursor, as a
// webhook dispatcher or `kassa events tail` does: the reader must see
// every event, although it only ever asks for IDs above the highest it
// has seen. Event IDs therefore grow in commit order.
func (h harness) testEventsCursor(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	const writers, perWriter = 16, 12
	for w := range writers {
		MustCreateAccount(t, s, fmt.Sprintf("evtc%04d", w), amt("100"))
	}
	var wg sync.WaitGroup
	written := make(chan int64, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			key := fmt.Sprintf("evtc%04d", w)
			for i := range perWriter {
				e := mustEvent(t, kassa.EventBalanceLow, key, map[string]int{"n": i})
				err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
					if err := tx.LockAccounts(key); err != nil {
						return err
					}
					if err := tx.AppendEvent(e); err != nil {
						return err
					}
					return tx.Append(&kassa.Entry{Account: key, Kind: kassa.KindDebit, Amount: amt("-0.01")})
				})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				written <- e.ID
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]bool{}
	var cursor int64
	follow := func() {
		for {
			page, err := s.ListEvents(ctx, kassa.EventFilter{After: cursor, Limit: 7})
			if err != nil {
				t.Errorf("follow the feed: %v", err)
				return
			}
			for _, e := range page {
				if e.ID <= cursor || seen[e.ID] {
					t.Errorf("event %d after cursor %d: out of order or twice", e.ID, cursor)
				}
				seen[e.ID], cursor = true, e.ID
			}
			if len(page) < 7 {
				return
			}
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	follow()
	close(written)
	n := 0
	for id := range written {
		n++
		if !seen[id] {
			t.Errorf("event %d was committed but the cursor skipped it", id)
		}
	}
	if n != writers*perWriter || len(seen) != n {
		t.Errorf("%d events written, %d seen, want %d", n, len(seen), writers*perWriter)
	}
}
