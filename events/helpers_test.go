package events

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
	"github.com/kassa-dev/kassa/webhook"
)

// loopback lets deliveries reach the test receivers on this machine.
var loopback = webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

// received is one delivery as a receiver saw it.
type received struct {
	id       int64
	typ      string
	account  string
	attempt  int
	verified bool // the signature matched the receiver's secret
	body     []byte
	header   http.Header
}

// receiver is a real HTTP receiver of deliveries on loopback. While down it
// answers 503 and records nothing; it verifies each signature with its
// secret as a receiver should (reload.Verify) and answers 401 when it does
// not match.
type receiver struct {
	t      testing.TB
	secret []byte
	now    func() time.Time
	srv    *httptest.Server

	mu     sync.Mutex
	down   bool
	got    []received // accepted deliveries, in arrival order
	tries  int        // every request, accepted or not
	reject int        // signatures that did not verify
}

func newReceiver(t testing.TB, secret string, now func() time.Time) *receiver {
	r := &receiver{t: t, secret: []byte(secret), now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	err := reload.Verify(r.secret, req.Header.Get(reload.SignatureHeader), req.Header.Get(reload.TimestampHeader), body, r.now(), 0)
	if err != nil {
		r.reject++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var w8 struct {
		ID      int64   `json:"id"`
		Type    string  `json:"type"`
		Account *string `json:"account"`
	}
	if err := json.Unmarshal(body, &w8); err != nil {
		r.t.Errorf("delivery body %s: %v", body, err)
	}
	attempt, _ := strconv.Atoi(req.Header.Get(AttemptHeader))
	rc := received{id: w8.ID, typ: w8.Type, attempt: attempt, verified: true, body: body, header: req.Header.Clone()}
	if w8.Account != nil {
		rc.account = *w8.Account
	}
	r.got = append(r.got, rc)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// deliveries returns what the receiver accepted so far.
func (r *receiver) deliveries() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

// env is one test's store, clock and dispatcher options.
type env struct {
	t     *testing.T
	clock *storetest.Clock
	store *sqlite.DB
}

func newEnv(t *testing.T) *env {
	clock := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	return &env{t: t, clock: clock, store: testkit.OpenSQLite(t, sqlite.Options{Now: clock.Now})}
}

// dispatcher returns a dispatcher over the env's store and clock that may
// reach loopback.
func (e *env) dispatcher(node string, mod ...func(*Options)) *Dispatcher {
	o := Options{Now: e.clock.Now, NodeID: node, Guard: loopback, Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&o)
	}
	return New(e.store, o)
}

// endpoint registers an endpoint for url with secret and types.
func (e *env) endpoint(id, url, secret string, types ...string) *kassa.WebhookEndpoint {
	e.t.Helper()
	w := &kassa.WebhookEndpoint{ID: id, URL: url, Secret: secret, Types: types}
	if err := e.store.CreateWebhookEndpoint(context.Background(), w); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// emit writes one event per account (type t) in its own transaction and
// returns them.
func (e *env) emit(t string, accounts ...string) []*kassa.Event {
	e.t.Helper()
	var out []*kassa.Event
	for _, a := range accounts {
		ev, err := kassa.NewEvent(t, a, map[string]string{"account": a})
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.store.AppendEvents(context.Background(), nil, ev); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// runOnce runs one round and fails the test on an error.
func (e *env) runOnce(d *Dispatcher) Summary {
	e.t.Helper()
	s, err := d.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// log returns an endpoint's deliveries, newest first.
func (e *env) log(endpoint string) []*kassa.Delivery {
	e.t.Helper()
	list, _, err := e.store.ListDeliveries(context.Background(), kassa.DeliveryFilter{Endpoint: endpoint, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// ids returns the event ids of deliveries as received.
func ids(list []received) []int64 {
	out := []int64{}
	for _, r := range list {
		out = append(out, r.id)
	}
	return out
}

// perAccount groups received event ids by account, in arrival order.
func perAccount(list []received) map[string][]int64 {
	out := map[string][]int64{}
	for _, r := range list {
		out[r.account] = append(out[r.account], r.id)
	}
	return out
}
