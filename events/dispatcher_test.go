package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// TestDeliversSignedInOrder: every event reaches the endpoint once, signed
// so that the receiver can verify it, with its id and type in the headers
// and the feed's JSON as the body; the log says delivered.
func TestDeliversSignedInOrder(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL+"/hook", "endpoint-secret-0001")
	sent := e.emit(kassa.EventBalanceLow, "acct0001", "acct0002", "acct0001", "acct0003", "acct0001")
	d := e.dispatcher("n1")
	s := e.runOnce(d)
	if !s.Leader || s.FannedOut != 5 || s.Delivered != 5 || s.Failed != 0 {
		t.Fatalf("summary %+v", s)
	}
	got := r.deliveries()
	if len(got) != 5 {
		t.Fatalf("received %v, want 5 deliveries", ids(got))
	}
	if acct := perAccount(got)["acct0001"]; !slices.Equal(acct, []int64{sent[0].ID, sent[2].ID, sent[4].ID}) {
		t.Errorf("acct0001 received %v, want in order %d %d %d", acct, sent[0].ID, sent[2].ID, sent[4].ID)
	}
	for _, g := range got {
		if !g.verified || g.attempt != 1 || g.header.Get(EventIDHeader) != strconv.FormatInt(g.id, 10) ||
			g.header.Get(EventTypeHeader) != kassa.EventBalanceLow || g.header.Get("User-Agent") != UserAgent ||
			g.header.Get("Content-Type") != "application/json" {
			t.Errorf("delivery %d: %+v", g.id, g)
		}
	}
	want, _ := Body(sent[1])
	for _, g := range got {
		if g.id == sent[1].ID && string(g.body) != string(want) {
			t.Errorf("body %s, want the feed's JSON %s", g.body, want)
		}
	}
	for _, dl := range e.log("wh_a") {
		if dl.State != kassa.DeliveryDelivered || dl.Attempts != 1 || dl.LastStatus != http.StatusNoContent {
			t.Errorf("log: %+v", dl)
		}
	}
	if s := e.runOnce(d); s.FannedOut != 0 || s.Delivered != 0 || r.requests() != 5 {
		t.Errorf("second round %+v, %d requests: nothing is delivered twice", s, r.requests())
	}
}

// TestReceiverDownGetsEverythingWhenBack: while the receiver is down only
// the first event of each account is tried (with back-off); once it is
// back every event arrives, exactly once, in order per account.
func TestReceiverDownGetsEverythingWhenBack(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL, "endpoint-secret-0001")
	r.setDown(true)
	d := e.dispatcher("n1")
	var sent []*kassa.Event
	accounts := []string{"acct0001", "acct0002"}
	// Two hours of outage, events all along.
	for i := range 24 {
		sent = append(sent, e.emit(kassa.EventBalanceLow, accounts[i%2])...)
		s := e.runOnce(d)
		if s.Delivered != 0 {
			t.Fatalf("delivered while the receiver is down: %+v", s)
		}
		e.clock.Advance(5 * time.Minute)
	}
	tries := r.requests()
	if tries > 2*10 {
		t.Errorf("%d attempts in two hours of outage: the back-off should keep them to a few per account", tries)
	}
	for _, dl := range e.log("wh_a") {
		if dl.State != kassa.DeliveryPending {
			t.Fatalf("a delivery left the pending state during the outage: %+v", dl)
		}
		if dl.Attempts > 0 && dl.Event.ID != sent[0].ID && dl.Event.ID != sent[1].ID {
			t.Errorf("event %d was tried before the earlier events of its account", dl.Event.ID)
		}
	}

	r.setDown(false)
	e.clock.Advance(time.Hour) // past every retry time
	s := e.runOnce(d)
	if s.Delivered != len(sent) {
		t.Fatalf("after the outage: %+v, want %d delivered", s, len(sent))
	}
	got := r.deliveries()
	if len(got) != len(sent) {
		t.Fatalf("received %d, want %d", len(got), len(sent))
	}
	seen := map[int64]bool{}
	for _, g := range got {
		if seen[g.id] {
			t.Errorf("event %d received twice", g.id)
		}
		seen[g.id] = true
	}
	for _, a := range accounts {
		var want []int64
		for _, ev := range sent {
			if ev.Account == a {
				want = append(want, ev.ID)
			}
		}
		if got := perAccount(got)[a]; !slices.Equal(got, want) {
			t.Errorf("%s received %v, want %v in order", a, got, want)
		}
	}
	first := got[0]
	if first.attempt < 2 {
		t.Errorf("the first event's delivery says attempt %d, want the count of tries", first.attempt)
	}
	if n, _, _ := e.store.DeliveryBacklog(context.Background()); n != 0 {
		t.Errorf("%d deliveries still pending", n)
	}
}

// TestBackoff: the retry delays double from 30 s up to an hour.
func TestBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := RetryDelay(i + 1); got != w {
			t.Errorf("RetryDelay(%d) = %v, want %v", i+1, got, w)
		}
	}
	var total time.Duration
	n := 0
	for total < 24*time.Hour {
		n++
		total += RetryDelay(n)
	}
	if n > 40 {
		t.Errorf("%d attempts in the first day: the back-off is too eager", n)
	}
}

// TestGivesUpAfterRetryPeriod: a delivery that keeps failing is retried
// for RetryFor after its event, then given up (failed); the account's next
// event then goes, and a redelivery on demand sends the failed one again.
func TestGivesUpAfterRetryPeriod(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL, "endpoint-secret-0001")
	r.setDown(true)
	first := e.emit(kassa.EventBalanceLow, "acct0001")[0]
	d := e.dispatcher("n1")
	e.runOnce(d)
	start := e.clock.Now()
	var givenUp int
	for givenUp == 0 && e.clock.Now().Sub(start) < 80*time.Hour {
		e.clock.Advance(30 * time.Minute)
		givenUp += e.runOnce(d).GivenUp
		if e.clock.Now().Sub(start) == 2*time.Hour {
			e.emit(kassa.EventBalanceRecovered, "acct0001") // queued behind the first
		}
	}
	if givenUp != 1 {
		t.Fatalf("given up %d times, want once", givenUp)
	}
	if gaveUpAt := e.clock.Now().Sub(first.CreatedAt); gaveUpAt < DefaultRetryFor-MaxRetryInterval || gaveUpAt > DefaultRetryFor {
		t.Errorf("given up %v after the event, want about the retry period %v", gaveUpAt, DefaultRetryFor)
	}
	log := e.log("wh_a")
	old := log[len(log)-1]
	if old.Event.ID != first.ID || old.State != kassa.DeliveryFailed || old.LastError == "" || old.LastStatus != 503 {
		t.Fatalf("the first event's delivery = %+v, want failed with the last error", old)
	}
	if last := old.LastAttemptAt; last.Sub(first.CreatedAt) < 24*time.Hour || last.Sub(first.CreatedAt) > DefaultRetryFor {
		t.Errorf("last attempt %v after the event, want between a day and the retry period", last.Sub(first.CreatedAt))
	}
	r.setDown(false)
	e.clock.Advance(time.Hour)
	e.runOnce(d)
	got := r.deliveries()
	if len(got) != 1 || got[0].typ != kassa.EventBalanceRecovered {
		t.Fatalf("after giving up the first: received %v, want the second event", ids(got))
	}
	if _, err := e.store.Redeliver(context.Background(), "wh_a", first.ID); err != nil {
		t.Fatal(err)
	}
	e.runOnce(d)
	got = r.deliveries()
	if len(got) != 2 || got[1].id != first.ID {
		t.Fatalf("after the redelivery: received %v", ids(got))
	}
}

// TestWrongSignatureIsDetectable: a receiver that knows another secret
// refuses every delivery (its check fails); a body changed in transit does
// not verify either. The refusals are failed attempts, retried.
func TestWrongSignatureIsDetectable(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "the-receivers-secret", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL, "another-secret-entirely")
	e.emit(kassa.EventBalanceLow, "acct0001")
	s := e.runOnce(e.dispatcher("n1"))
	if s.Delivered != 0 || s.Failed != 1 || r.reject != 1 || len(r.deliveries()) != 0 {
		t.Fatalf("summary %+v, %d rejected: a wrong signature must be refused", s, r.reject)
	}
	if dl := e.log("wh_a")[0]; dl.LastStatus != http.StatusUnauthorized || !strings.Contains(dl.LastError, "401") {
		t.Errorf("log %+v", dl)
	}

	// The signature covers the body: one changed byte fails the check.
	ev := &kassa.Event{ID: 1, Type: kassa.EventBalanceLow, Account: "acct0001", CreatedAt: e.clock.Now(), Data: []byte(`{"balance":"1.00000000"}`)}
	body, _ := Body(ev)
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	sig := reload.Sign([]byte("s3cret-s3cret-s3cret"), ts, body)
	if err := reload.Verify([]byte("s3cret-s3cret-s3cret"), sig, ts, body, e.clock.Now(), 0); err != nil {
		t.Fatalf("the genuine delivery does not verify: %v", err)
	}
	tampered := []byte(strings.Replace(string(body), "1.00000000", "9.00000000", 1))
	if reload.Verify([]byte("s3cret-s3cret-s3cret"), sig, ts, tampered, e.clock.Now(), 0) == nil {
		t.Error("a changed body verified")
	}
}

// TestEndpointsGetTheirTypesFromTheirCreation: an endpoint with types gets
// only those; a new endpoint gets only the events written after it.
func TestEndpointsGetTheirTypesFromTheirCreation(t *testing.T) {
	e := newEnv(t)
	all := newReceiver(t, "secret-of-all-00001", e.clock.Now)
	some := newReceiver(t, "secret-of-some-0001", e.clock.Now)
	early := e.emit(kassa.EventBalanceLow, "acct0001")
	e.endpoint("wh_all", all.srv.URL, "secret-of-all-00001")
	e.endpoint("wh_some", some.srv.URL, "secret-of-some-0001", kassa.EventReloadFailed, kassa.EventPriceBookActivated)
	low := e.emit(kassa.EventBalanceLow, "acct0001")
	failed := e.emit(kassa.EventReloadFailed, "acct0001")
	e.runOnce(e.dispatcher("n1"))
	if got := ids(all.deliveries()); !slices.Equal(got, []int64{low[0].ID, failed[0].ID}) {
		t.Errorf("the endpoint for every type got %v, want %v (not %d, written before it)", got, []int64{low[0].ID, failed[0].ID}, early[0].ID)
	}
	if got := ids(some.deliveries()); !slices.Equal(got, []int64{failed[0].ID}) {
		t.Errorf("the filtered endpoint got %v, want only %d", got, failed[0].ID)
	}
}

// TestGuardAndRedirects: without --allow-callback-net a loopback endpoint
// is refused before anything is sent; a redirect is not followed; an
// error never shows the URL's query token or password.
func TestGuardAndRedirects(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	u := strings.Replace(r.srv.URL, "http://", "http://user:pw-s3cr3t@", 1) + "/hook?token=tok-s3cr3t"
	e.endpoint("wh_a", u, "endpoint-secret-0001")
	e.emit(kassa.EventBalanceLow, "acct0001")
	guarded := e.dispatcher("n1", func(o *Options) { o.Guard.Allow = nil })
	if s := e.runOnce(guarded); s.Failed != 1 || r.requests() != 0 {
		t.Fatalf("summary %+v, %d requests: a loopback endpoint must be refused without --allow-callback-net", s, r.requests())
	}
	dl := e.log("wh_a")[0]
	if !strings.Contains(dl.LastError, "127.0.0.1") || strings.Contains(dl.LastError, "s3cr3t") {
		t.Errorf("last error %q: it must name the refusal and no secret", dl.LastError)
	}

	redirect := httptest.NewServer(http.RedirectHandler(r.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	e.endpoint("wh_r", redirect.URL, "endpoint-secret-0001")
	e.emit(kassa.EventBalanceLow, "acct0002")
	e.clock.Advance(time.Hour)
	e.runOnce(e.dispatcher("n2"))
	// wh_a delivers both events now (loopback allowed); the redirect to
	// the same receiver is not followed, which would make a third request.
	if got := ids(r.deliveries()); r.requests() != 2 || len(got) != 2 {
		t.Errorf("%d requests reached the receiver (%v), want wh_a's two only", r.requests(), got)
	}
	if dl := e.log("wh_r")[0]; dl.State != kassa.DeliveryPending || dl.LastStatus != http.StatusTemporaryRedirect {
		t.Errorf("redirected delivery %+v, want a failed attempt with status 307", dl)
	}
}

// TestOneDispatcherPerLease: a second node's dispatcher does nothing while
// the first holds the lease, and takes over once it expires.
func TestOneDispatcherPerLease(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL, "endpoint-secret-0001")
	a, b := e.dispatcher("node-a"), e.dispatcher("node-b")
	e.emit(kassa.EventBalanceLow, "acct0001")
	if s := e.runOnce(a); !s.Leader || s.Delivered != 1 {
		t.Fatalf("node a: %+v", s)
	}
	e.emit(kassa.EventBalanceLow, "acct0001")
	if s := e.runOnce(b); s.Leader || s.Delivered != 0 {
		t.Fatalf("node b while a holds the lease: %+v", s)
	}
	e.clock.Advance(DefaultLeaseTTL + time.Second)
	if s := e.runOnce(b); !s.Leader || s.Delivered != 1 {
		t.Fatalf("node b after a's lease expired: %+v", s)
	}
	if got := len(r.deliveries()); got != 2 {
		t.Errorf("%d deliveries, want 2", got)
	}
}

// TestBacklogAndAttemptHooks: the metrics hooks hear each attempt and the
// backlog.
func TestBacklogAndAttemptHooks(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "endpoint-secret-0001", e.clock.Now)
	e.endpoint("wh_a", r.srv.URL, "endpoint-secret-0001")
	r.setDown(true)
	var mu sync.Mutex // OnAttempt is called from the concurrent deliveries
	results := map[string]int{}
	pending := -1
	d := e.dispatcher("n1", func(o *Options) {
		o.OnAttempt = func(result string, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			results[result]++
		}
		o.OnBacklog = func(n int, _ time.Time) { pending = n }
	})
	e.emit(kassa.EventBalanceLow, "acct0001", "acct0001", "acct0002")
	e.runOnce(d)
	if results[ResultFailed] != 2 || pending != 3 {
		t.Errorf("results %v, pending %d: want 2 failed attempts and 3 pending", results, pending)
	}
	r.setDown(false)
	e.clock.Advance(time.Minute)
	e.runOnce(d)
	if results[ResultDelivered] != 3 || pending != 0 {
		t.Errorf("results %v, pending %d: want 3 delivered and none pending", results, pending)
	}
}
