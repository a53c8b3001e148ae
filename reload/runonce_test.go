package reload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

func TestRunOnceReloadsDueAccounts(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("due1", "10", enabled("trx-1"))
	e.mustAccount("edge", "20", enabled("trx-2")) // at the threshold: due
	e.mustAccount("rich", "100", enabled("trx-3"))
	off := enabled("trx-4")
	off.Enabled = false
	e.mustAccount("off1", "0", off)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")

	s, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Leader || s.Due != 2 || s.Reloaded != 2 {
		t.Fatalf("summary %+v, want 2 due and reloaded", s)
	}
	want := map[string]string{"due1": "60", "edge": "70", "rich": "100", "off1": "0"}
	for key, bal := range want {
		if got := e.balance(key); got != kassa.MustParseAmount(bal) {
			t.Errorf("%s balance = %s, want %s", key, got, bal)
		}
	}
	reloads := e.entries("due1", kassa.KindReload)
	if len(reloads) != 1 || reloads[0].IdempotencyKey != "reload:due1:20261126:1" || reloads[0].Reference != "pay-reload:due1:20261126:1" {
		t.Fatalf("reload entries %+v", reloads)
	}
	if n := len(e.audits("due1", ActionReloaded)); n != 1 {
		t.Errorf("%d reload audit events, want 1", n)
	}
	if s, _ := r.RunOnce(context.Background()); s.Due != 0 || b.payments() != 2 {
		t.Fatalf("second run %+v with %d payments; want nothing due", s, b.payments())
	}
	e.verify()
}

func TestRunOnceConcurrentNodesCreditEachAccountOnce(t *testing.T) {
	e := mustEnv(t)
	const accounts = 20
	for i := range accounts {
		e.mustAccount(fmt.Sprintf("acct%02d", i), "1", enabled(fmt.Sprintf("trx-%d", i)))
	}
	b := newBilling(t, pays)
	const nodes = 4
	var wg sync.WaitGroup
	leaders := make([]int, nodes)
	for n := range nodes {
		// Each node has its own ledger, as separate processes would.
		l := charging.New(e.store, charging.Options{Now: e.clock.Now})
		t.Cleanup(l.Close)
		r := New(e.store, l, b.gateway(time.Second, 0), Options{Now: e.clock.Now, NodeID: fmt.Sprintf("node-%d", n), LeaseTTL: time.Hour})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				s, err := r.RunOnce(context.Background())
				if err != nil {
					t.Errorf("node %d: %v", n, err)
				}
				if s.Leader {
					leaders[n]++
				}
			}
		}()
	}
	wg.Wait()
	led := 0
	for _, c := range leaders {
		if c > 0 {
			led++
		}
	}
	if led != 1 {
		t.Errorf("%d nodes ran the scheduler, want exactly 1 (the lease holder)", led)
	}
	for i := range accounts {
		key := fmt.Sprintf("acct%02d", i)
		if n := len(e.entries(key, kassa.KindReload)); n != 1 {
			t.Errorf("%s: %d reloads, want 1", key, n)
		}
		if got := e.balance(key); got != kassa.MustParseAmount("51") {
			t.Errorf("%s balance %s, want 51", key, got)
		}
	}
	if b.payments() != accounts {
		t.Errorf("%d payments, want %d", b.payments(), accounts)
	}
	e.verify()
}

func TestRunOnceLeaseKeepsOtherNodesOut(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "1", enabled("trx-1"))
	b := newBilling(t, pays)
	a, other := e.reloader(b.gateway(time.Second, 0), "a"), e.reloader(b.gateway(time.Second, 0), "b")
	if s, err := a.RunOnce(context.Background()); err != nil || !s.Leader {
		t.Fatalf("first node: %+v %v", s, err)
	}
	if s, err := other.RunOnce(context.Background()); err != nil || s.Leader {
		t.Fatalf("second node ran while the lease was held: %+v %v", s, err)
	}
	e.clock.Advance(2 * time.Hour) // the lease (TTL 1h) expires
	if s, err := other.RunOnce(context.Background()); err != nil || !s.Leader {
		t.Fatalf("second node after expiry: %+v %v", s, err)
	}
}

func TestDailyCapStopsRunaway(t *testing.T) {
	e := mustEnv(t)
	ar := enabled("trx-1")
	ar.DailyCap = 3
	e.mustAccount("leaky", "0", ar)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	ctx := context.Background()
	drains := 0
	for i := range 10 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		// Something spends everything again at once.
		if bal := e.balance("leaky"); bal > 0 {
			_, _, err := e.ledger.Debit(ctx, charging.Posting{Account: "leaky", Kind: kassa.KindDebit, Amount: bal, Reason: "spend", IdempotencyKey: fmt.Sprintf("spend-%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			drains++
		}
		e.clock.Advance(10 * time.Minute)
	}
	if n := len(e.entries("leaky", kassa.KindReload)); n != 3 || drains != 3 || b.payments() != 3 {
		t.Fatalf("%d reloads, %d drains, %d payments; want the cap of 3", n, drains, b.payments())
	}
	_, err := r.TopUp(ctx, TopUpRequest{Account: "leaky", Trx: "trx-1"})
	wantCode(t, err, kassa.EPAYMENTDECLINED, "daily reload cap reached (3 per day)")
	if n := len(e.audits("leaky", ActionCapReached)); n != 1 {
		t.Errorf("%d cap audit events, want one for the day", n)
	}
	if e.balance("leaky") != 0 {
		t.Fatal("capped top-up changed the balance")
	}
	e.clock.Advance(24 * time.Hour) // a new UTC day
	s, err := r.RunOnce(ctx)
	if err != nil || s.Reloaded != 1 {
		t.Fatalf("next day: %+v %v; want a reload", s, err)
	}
	if got := e.entries("leaky", kassa.KindReload)[0].IdempotencyKey; got != "reload:leaky:20261127:1" {
		t.Errorf("next day's key = %q", got)
	}
	e.verify()
}

func TestRunOnceUnknownOutcomeRetriedNextRunWithSameKey(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "1", enabled("trx-1"))
	b := newBilling(t, func(payment, int) answer { return answer{block: true} })
	r := e.reloader(b.gateway(100*time.Millisecond, 1), "n1")
	s, err := r.RunOnce(context.Background())
	if err != nil || s.Pending != 1 {
		t.Fatalf("RunOnce = %+v %v; want one pending reload", s, err)
	}
	if e.balance("acct1") != kassa.MustParseAmount("1") {
		t.Fatal("balance changed after an unknown outcome")
	}
	b.setDecide(pays)
	e.clock.Advance(10 * time.Minute) // the next tick, in another slot
	if s, err := r.RunOnce(context.Background()); err != nil || s.Reloaded != 1 {
		t.Fatalf("next run = %+v %v; want the reload credited", s, err)
	}
	const key = "reload:acct1:20261126:1"
	if n := b.attemptsFor(key); n != 3 || len(b.allKeys()) != 3 {
		t.Fatalf("attempts with %s: %d of %d; want all 3 with the same key", key, n, len(b.allKeys()))
	}
	if e.balance("acct1") != kassa.MustParseAmount("51") || b.payments() != 1 {
		t.Fatal("want exactly one payment and one credit")
	}
}

func TestRunOnceDeclineNotRetriedWithSameKey(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "1", enabled("trx-1"))
	b := newBilling(t, func(payment, int) answer { return answer{status: 402, body: `{"reason":"do not honor"}`} })
	r := e.reloader(b.gateway(time.Second, 3), "n1")
	if s, _ := r.RunOnce(context.Background()); s.Declined != 1 {
		t.Fatalf("first run %+v, want a decline", s)
	}
	if s, _ := r.RunOnce(context.Background()); s.Skipped != 1 {
		t.Fatalf("second run %+v, want the declined account skipped", s)
	}
	if n := len(b.allKeys()); n != 1 {
		t.Fatalf("gateway called %d times, want 1", n)
	}
	ev := e.audits("acct1", ActionDeclined)
	if len(ev) != 1 || ev[0].Actor != "system" {
		t.Fatalf("decline audit events %+v", ev)
	}
}

// crashAfterPaying is a gateway that takes the payment and then loses the
// answer, as when kassa dies between the gateway's reply and the credit.
type crashAfterPaying struct {
	Gateway
	mu      sync.Mutex
	crashes int
}

func (g *crashAfterPaying) Charge(ctx context.Context, req PaymentRequest) (PaymentResult, error) {
	res, err := g.Gateway.Charge(ctx, req)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil && g.crashes > 0 {
		g.crashes--
		return PaymentResult{}, context.Canceled
	}
	return res, err
}

func TestCrashBetweenPaymentAndCreditCreditsOnce(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "1", enabled("trx-1"))
	b := newBilling(t, pays)
	r := e.reloader(&crashAfterPaying{Gateway: b.gateway(time.Second, 0), crashes: 1}, "n1")
	if s, _ := r.RunOnce(context.Background()); s.Pending != 1 {
		t.Fatalf("first run %+v, want the reload pending", s)
	}
	if b.payments() != 1 || e.balance("acct1") != kassa.MustParseAmount("1") {
		t.Fatal("want the payment taken and nothing credited yet")
	}
	e.clock.Advance(10 * time.Minute)
	if s, _ := r.RunOnce(context.Background()); s.Reloaded != 1 {
		t.Fatalf("second run %+v, want the reload credited", s)
	}
	if b.payments() != 1 || len(e.entries("acct1", kassa.KindReload)) != 1 || e.balance("acct1") != kassa.MustParseAmount("51") {
		t.Fatalf("%d payments, balance %s; want one payment credited once", b.payments(), e.balance("acct1"))
	}
}

// failingStore fails the ledger's next transactions, as a database that
// drops the connection right after the gateway was paid.
type failingStore struct {
	kassa.Store
	mu    sync.Mutex
	fails int
}

func (s *failingStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	s.mu.Lock()
	fail := s.fails > 0
	if fail {
		s.fails--
	}
	s.mu.Unlock()
	if fail {
		return kassa.Errorf(kassa.EUNAVAILABLE, "database connection lost")
	}
	return s.Store.InLedgerTx(ctx, fn)
}

func TestLedgerFailureAfterPaymentCreditsOnce(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "1", enabled("trx-1"))
	fs := &failingStore{Store: e.store}
	l := charging.New(fs, charging.Options{Now: e.clock.Now})
	t.Cleanup(l.Close)
	b := newBilling(t, pays)
	r := New(e.store, l, b.gateway(time.Second, 0), Options{Now: e.clock.Now, NodeID: "n1"})
	fs.mu.Lock()
	fs.fails = 1
	fs.mu.Unlock()
	s, err := r.RunOnce(context.Background())
	if err != nil || s.Failed != 1 {
		t.Fatalf("first run %+v %v, want the credit failed", s, err)
	}
	if b.payments() != 1 || e.balance("acct1") != kassa.MustParseAmount("1") {
		t.Fatal("want the payment taken and nothing credited yet")
	}
	if s, err := r.RunOnce(context.Background()); err != nil || s.Reloaded != 1 {
		t.Fatalf("second run %+v %v, want the reload credited", s, err)
	}
	if b.payments() != 1 || b.attemptsFor("reload:acct1:20261126:1") != 2 || e.balance("acct1") != kassa.MustParseAmount("51") {
		t.Fatalf("%d payments, balance %s; want one payment, asked twice with one key, credited once", b.payments(), e.balance("acct1"))
	}
	e.verify()
}

func TestRunNudgeTriggersReloadAndReleasesLease(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "30", enabled("trx-1"))
	b := newBilling(t, pays)
	r := New(e.store, e.ledger, b.gateway(time.Second, 0), Options{Now: e.clock.Now, NodeID: "runner", Interval: time.Hour, LeaseTTL: 3 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()

	_, _, err := e.ledger.Debit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("15"), Reason: "spend"})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		r.Nudge("acct1")
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(e.entries("acct1", kassa.KindReload)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reload after a nudge")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if got := e.balance("acct1"); got != kassa.MustParseAmount("65") {
		t.Errorf("balance %s, want 65 (one reload)", got)
	}
	ok, err := e.store.AcquireLease(context.Background(), LeaseName, "someone-else", time.Minute)
	if err != nil || !ok {
		t.Fatalf("lease not released when Run stopped: %v %v", ok, err)
	}
}

func TestUnknownOutcomeClassification(t *testing.T) {
	if !UnknownOutcome(UnknownOutcomeError(errors.New("x"))) || !UnknownOutcome(fmt.Errorf("w: %w", context.DeadlineExceeded)) {
		t.Error("unknown outcomes not recognised")
	}
	if UnknownOutcome(Declined("no")) || UnknownOutcome(nil) {
		t.Error("a decline or nil taken for an unknown outcome")
	}
}
