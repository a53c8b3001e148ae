package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/reload"
)

// webhookSecret signs the deliveries of the e2e endpoints.
const webhookSecret = "e2e-webhook-secret-0123"

// receipt is one delivery as a receiver saw it.
type receipt struct {
	id      int64
	account string
	at      time.Time
}

// hookReceiver is a real webhook receiver on loopback. It verifies each
// signature (a bad one is answered 401 and counted). While held, it keeps
// each request open without answering (as a slow or hung endpoint would)
// until released; otherwise it answers 204.
type hookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	got      []receipt
	bad      int
	held     bool
	release  chan struct{} // closed by open
	arrived  chan struct{} // closed at the first request while held
	signaled bool
}

func newHookReceiver(t *testing.T, held bool) *hookReceiver {
	r := &hookReceiver{held: held, release: make(chan struct{}), arrived: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.open()
		r.srv.Close()
	})
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := reload.Verify([]byte(webhookSecret), req.Header.Get(reload.SignatureHeader), req.Header.Get(reload.TimestampHeader), body, time.Now(), 0); err != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev struct {
		ID      int64   `json:"id"`
		Account *string `json:"account"`
	}
	_ = json.Unmarshal(body, &ev)
	rc := receipt{id: ev.ID, at: time.Now()}
	if ev.Account != nil {
		rc.account = *ev.Account
	}
	r.mu.Lock()
	r.got = append(r.got, rc)
	held := r.held
	if held && !r.signaled {
		r.signaled = true
		close(r.arrived)
	}
	r.mu.Unlock()
	if held {
		select {
		case <-r.release:
		case <-req.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// open answers the held requests and every later one at once.
func (r *hookReceiver) open() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held {
		r.held = false
		close(r.release)
	}
}

// receipts returns what the receiver saw so far.
func (r *hookReceiver) receipts() []receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receipt(nil), r.got...)
}

// firstReceipts returns the ids in the order they first arrived, and how
// many times each arrived.
func firstReceipts(list []receipt) ([]int64, map[int64]int) {
	var order []int64
	count := map[int64]int{}
	for _, rc := range list {
		if count[rc.id] == 0 {
			order = append(order, rc.id)
		}
		count[rc.id]++
	}
	return order, count
}

// feedIDs reads every event id above after from the feed of base.
func feedIDs(t *testing.T, base, token string, after int64, query string) []int64 {
	t.Helper()
	var ids []int64
	for {
		a, err := call(context.Background(), http.DefaultClient, http.MethodGet, fmt.Sprintf("%s/admin/v1/events?after=%d&limit=1000%s", base, after, query), token, "", "")
		if err != nil || a.status != http.StatusOK {
			t.Fatalf("feed: %v %v", a, err)
		}
		var p struct {
			Events    []struct{ ID int64 } `json:"events"`
			NextAfter int64                `json:"next_after"`
		}
		if err := json.Unmarshal(a.raw, &p); err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			ids = append(ids, e.ID)
		}
		if len(p.Events) < 1000 {
			return ids
		}
		after = p.NextAfter
	}
}

// lastEventID is the feed's last_id.
func lastEventID(t *testing.T, base, token string) int64 {
	t.Helper()
	a, err := call(context.Background(), http.DefaultClient, http.MethodGet, base+"/admin/v1/events?limit=1", token, "", "")
	if err != nil || a.status != http.StatusOK {
		t.Fatalf("feed: %v %v", a, err)
	}
	var p struct {
		LastID int64 `json:"last_id"`
	}
	if err := json.Unmarshal(a.raw, &p); err != nil {
		t.Fatal(err)
	}
	return p.LastID
}

// waitReceipts waits (up to a minute) until the receiver has seen every
// id of want.
func waitReceipts(t *testing.T, r *hookReceiver, want []int64) {
	t.Helper()
	mnEventually(t, 60*time.Second, 20*time.Millisecond, fmt.Sprintf("the receiver gets all %d events", len(want)), func() bool {
		_, count := firstReceipts(r.receipts())
		for _, id := range want {
			if count[id] == 0 {
				return false
			}
		}
		return true
	})
}

// TestEventsSurviveKill: events committed while the endpoint is hung
// (kassa is delivering the first of them) survive a SIGKILL of kassa
// serve: after the restart every one of them reaches the endpoint, in
// order, and only the event whose delivery was cut by the kill arrives
// twice (a redelivery after a failed attempt, as at-least-once allows).
func TestEventsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kassa binary; skipped with -short")
	}
	flags := []string{"--allow-callback-net", "127.0.0.0/8", "--events-lease-ttl", "1s"}
	data := t.TempDir()
	srv := startServer(t, data, flags...)
	recv := newHookReceiver(t, true)
	start := lastEventID(t, srv.base, adminToken)
	srv.mustCall(http.MethodPost, "/admin/v1/webhooks", adminToken, "", `{"url":"`+recv.srv.URL+`/hook","secret":"`+webhookSecret+`"}`, http.StatusCreated)
	const activations = 6
	for range activations {
		srv.mustCall(http.MethodPost, "/admin/v1/pricebooks/active/activate", adminToken, "", "", http.StatusOK)
	}
	// The dispatcher has the first event in flight and the endpoint holds
	// it: every acknowledged event is committed and none is delivered.
	<-recv.arrived
	committed := feedIDs(t, srv.base, adminToken, start, "")
	if len(committed) != activations {
		t.Fatalf("%d events in the feed, want %d activations", len(committed), activations)
	}
	srv.kill()
	recv.open()

	srv = startServer(t, data, flags...)
	waitReceipts(t, recv, committed)
	order, count := firstReceipts(recv.receipts())
	for i, id := range committed {
		if i >= len(order) || order[i] != id {
			t.Fatalf("first arrivals %v, want %v in order", order, committed)
		}
	}
	for _, id := range committed[1:] {
		if count[id] != 1 {
			t.Errorf("event %d arrived %d times, want once", id, count[id])
		}
	}
	if count[committed[0]] > 2 {
		t.Errorf("the event in flight at the kill arrived %d times, want at most twice", count[committed[0]])
	}
	if recv.bad != 0 {
		t.Errorf("%d deliveries with a bad signature", recv.bad)
	}
	// The log agrees: every delivery delivered.
	log := srv.mustCall(http.MethodGet, "/admin/v1/webhooks", adminToken, "", "", http.StatusOK)
	hooks, _ := log.body["webhooks"].([]any)
	if len(hooks) != 1 {
		t.Fatalf("webhooks %s", log.raw)
	}
	id := str(hooks[0].(map[string]any)["id"])
	mnEventually(t, 30*time.Second, 20*time.Millisecond, "the log says delivered", func() bool {
		a := srv.mustCall(http.MethodGet, "/admin/v1/webhooks/"+url.PathEscape(id)+"/deliveries?state=delivered", adminToken, "", "", http.StatusOK)
		return str(a.body["total"]) == fmt.Sprint(activations)
	})
}

// TestMultiNodeEventsDeliveredOnce: two kassa nodes on one PostgreSQL
// database take top-ups of four accounts from concurrent clients; the
// lease holder is killed half way. Every reload.succeeded event reaches the
// endpoint, in order per account; an event arrives twice only if it was
// received before the kill (its delivery cut by it); none has a bad
// signature.
func TestMultiNodeEventsDeliveredOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "4")
	pepper := mnPepperFile(t)
	flags := []string{"--reload-gateway", "ledger-only", "--allow-callback-net", "127.0.0.0/8", "--events-lease-ttl", "2s", "--demo", "off"}
	a := mnStartNode(t, "A", storeURL, pepper, flags...)
	b := mnStartNode(t, "B", storeURL, pepper, flags...)
	recv := newHookReceiver(t, false)
	accounts := []string{"evtacc01", "evtacc02", "evtacc03", "evtacc04"}
	for _, acct := range accounts {
		mnCreateAccount(t, a, acct, "Secret"+acct)
		a.must(http.MethodPut, "/admin/v1/accounts/"+acct+"/auto-reload", mnAdminToken, "",
			`{"enabled":true,"trx":"trx-`+acct+`","amount":"1.00","daily_cap":1000}`, http.StatusOK)
	}
	b.must(http.MethodPost, "/admin/v1/webhooks", mnAdminToken, "", `{"url":"`+recv.srv.URL+`","secret":"`+webhookSecret+`","events":["reload.succeeded"]}`, http.StatusCreated)

	const perAccount = 12
	nodes := []*mnNode{a, b}
	topUps := func(from, to int, through func(i int) *mnNode) {
		var wg sync.WaitGroup
		for _, acct := range accounts {
			wg.Go(func() {
				for i := from; i < to; i++ {
					n := through(i)
					if err := mnTopUp(n, acct, "Secret"+acct, "trx-"+acct); err != nil {
						t.Errorf("top-up %s through %s: %v", acct, n.name, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	topUps(0, perAccount/2, func(i int) *mnNode { return nodes[i%2] })
	if t.Failed() {
		return
	}
	// Kill the node that holds the dispatcher lease; the other takes over.
	conn := mnConnect(t, dbURL)
	var holder string
	if err := conn.QueryRow(context.Background(), "SELECT holder FROM leases WHERE name = 'events-dispatcher'").Scan(&holder); err != nil {
		t.Fatalf("read the dispatcher lease: %v", err)
	}
	victim, survivor := a, b
	if !mnHolds(holder, a) {
		victim, survivor = b, a
	}
	killedAt := time.Now()
	victim.kill()
	topUps(perAccount/2, perAccount, func(int) *mnNode { return survivor })
	if t.Failed() {
		return
	}

	committed := feedIDs(t, survivor.base, mnAdminToken, 0, "&type=reload.succeeded")
	if len(committed) != len(accounts)*perAccount {
		t.Fatalf("%d reload.succeeded events, want %d", len(committed), len(accounts)*perAccount)
	}
	waitReceipts(t, recv, committed)
	got := recv.receipts()
	_, count := firstReceipts(got)
	firstAt := map[int64]time.Time{}
	perAcct := map[string][]int64{}
	for _, rc := range got {
		if _, ok := firstAt[rc.id]; !ok {
			firstAt[rc.id] = rc.at
			perAcct[rc.account] = append(perAcct[rc.account], rc.id)
		}
	}
	// A delivery the killed node sent just before the kill can reach the
	// receiver just after killedAt; the survivor redelivers only once the
	// 2 s lease has expired. So a duplicate whose first copy arrived within
	// a second of the kill was cut by it; one whose first copy arrived later
	// was delivered twice by a live node.
	cutBy := killedAt.Add(time.Second)
	dups := 0
	for id, n := range count {
		if n > 1 {
			dups++
			if firstAt[id].After(cutBy) {
				t.Errorf("event %d arrived %d times, first after the kill: delivered twice without a failed attempt", id, n)
			}
		}
	}
	if dups > 8 {
		t.Errorf("%d events arrived twice, more than the deliveries a node can have in flight", dups)
	}
	for acct, ids := range perAcct {
		for i := 1; i < len(ids); i++ {
			if ids[i] < ids[i-1] {
				t.Errorf("%s: event %d arrived before %d", acct, ids[i-1], ids[i])
			}
		}
	}
	if recv.bad != 0 {
		t.Errorf("%d deliveries with a bad signature", recv.bad)
	}
	t.Logf("%d events, %d arrived twice (cut by the kill of node %s)", len(committed), dups, victim.name)
}

// mnTopUp tops an account up through the public API of n.
func mnTopUp(n *mnNode, key, secret, trx string) error {
	req, err := http.NewRequest(http.MethodPost, n.base+"/account/top-up", strings.NewReader("trx="+trx))
	if err != nil {
		return err
	}
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}
