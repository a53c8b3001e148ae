package reload

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
	"github.com/kassa-dev/kassa/webhook"
)

// clock is a settable test clock shared by the store, the ledger and the
// reloader.
type clock = storetest.Clock

func newClock() *clock { return storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)) }

// env is one test's store, ledger and clock.
type env struct {
	t      *testing.T
	clock  *clock
	store  *sqlite.DB
	ledger *charging.Ledger
}

// mustEnv opens a real SQLite store in a temp dir and a ledger over it.
func mustEnv(t *testing.T) *env {
	t.Helper()
	clk := newClock()
	db := testkit.OpenSQLite(t, sqlite.Options{Now: clk.Now})
	l := charging.New(db, charging.Options{Now: clk.Now})
	t.Cleanup(l.Close)
	return &env{t: t, clock: clk, store: db, ledger: l}
}

// reloader returns a Reloader over the env with gw.
func (e *env) reloader(gw Gateway, node string) *Reloader {
	return New(e.store, e.ledger, gw, Options{Now: e.clock.Now, NodeID: node, LeaseTTL: time.Hour})
}

// mustAccount creates an account with an opening balance and auto-reload.
func (e *env) mustAccount(key string, balance string, ar kassa.AutoReload) {
	e.t.Helper()
	a := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits, AutoReload: ar}
	var opening *kassa.Entry
	if b := kassa.MustParseAmount(balance); b != 0 {
		opening = &kassa.Entry{Kind: kassa.KindCredit, Amount: b, Reason: "opening balance", IdempotencyKey: "opening"}
	}
	if err := e.store.CreateAccount(context.Background(), a, testSecret(), opening); err != nil {
		e.t.Fatalf("create account %s: %v", key, err)
	}
}

// enabled is an auto-reload configuration: 50.00 when at or below 20.00.
func enabled(trx string) kassa.AutoReload {
	return kassa.AutoReload{Enabled: true, Trx: trx, Amount: kassa.MustParseAmount("50"), Threshold: kassa.MustParseAmount("20"), DailyCap: 5}
}

// balance returns an account's balance.
func (e *env) balance(key string) kassa.Amount {
	e.t.Helper()
	a, err := e.store.FindAccount(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Balance
}

// entries returns an account's entries of a kind.
func (e *env) entries(key string, kind kassa.EntryKind) []*kassa.Entry {
	e.t.Helper()
	list, _, err := e.store.ListEntries(context.Background(), kassa.EntryFilter{Account: key, Kinds: []kassa.EntryKind{kind}, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// audits returns an account's audit events of an action.
func (e *env) audits(key, action string) []*kassa.AuditEvent {
	e.t.Helper()
	list, _, err := e.store.ListAudit(context.Background(), kassa.AuditFilter{Account: key, Action: action, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// verify asserts that every balance equals the sum of its entries.
func (e *env) verify() {
	e.t.Helper()
	d, err := e.store.Verify(context.Background())
	if err != nil || len(d) != 0 {
		e.t.Fatalf("ledger verify: %v %+v", err, d)
	}
}

// wantCode asserts err's kassa code and that its message contains msg.
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	if kassa.ErrorCode(err) != code {
		t.Fatalf("error = %v (code %q), want code %q", err, kassa.ErrorCode(err), code)
	}
	if m := kassa.ErrorMessage(err); !strings.Contains(m, msg) {
		t.Fatalf("message = %q, want it to contain %q", m, msg)
	}
}

// payment is what the billing server decoded from one request.
type payment struct {
	Account        string `json:"account"`
	Trx            string `json:"trx"`
	Amount         string `json:"amount"`
	Currency       string `json:"currency"`
	IdempotencyKey string `json:"idempotency_key"`
}

// answer is how the billing server answers one attempt; block makes it
// wait until the client gives up.
type answer struct {
	status int
	body   string
	block  bool
}

// billing is a real HTTP billing service on loopback: it verifies the
// signature with its own reference code, treats one idempotency key as one
// payment (answering a paid key again with the same reference), and records
// every attempt.
type billing struct {
	t      *testing.T
	secret []byte
	srv    *httptest.Server

	mu       sync.Mutex
	decide   func(p payment, attempt int) answer
	attempts map[string]int    // per idempotency key
	paid     map[string]string // idempotency key → payment reference
	keys     []string          // idempotency keys in arrival order
	badSig   int
}

// newBilling starts a billing server that answers with decide.
func newBilling(t *testing.T, decide func(p payment, attempt int) answer) *billing {
	b := &billing{t: t, secret: []byte("whsec-test-0123456789"), decide: decide,
		attempts: map[string]int{}, paid: map[string]string{}}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

// pays approves every payment.
func pays(p payment, _ int) answer {
	return answer{status: 200, body: `{"payment_reference":"pay-` + p.IdempotencyKey + `"}`}
}

// referenceVerify is the receiver's check, written here independently of
// Sign: HMAC-SHA256(secret, timestamp + "." + body), hex, "sha256=" prefix,
// timestamp within five minutes.
func referenceVerify(secret []byte, r *http.Request, body []byte) bool {
	ts := r.Header.Get("X-Kassa-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Header.Get("X-Kassa-Signature")))
}

func (b *billing) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || !referenceVerify(b.secret, r, body) {
		b.mu.Lock()
		b.badSig++
		b.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"reason":"bad signature"}`))
		return
	}
	var p payment
	if err := json.Unmarshal(body, &p); err != nil || p.IdempotencyKey != r.Header.Get("Idempotency-Key") {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.attempts[p.IdempotencyKey]++
	b.keys = append(b.keys, p.IdempotencyKey)
	n := b.attempts[p.IdempotencyKey]
	ref, done := b.paid[p.IdempotencyKey]
	decide := b.decide
	b.mu.Unlock()
	if done {
		fmt.Fprintf(w, `{"payment_reference":%q}`, ref)
		return
	}
	a := decide(p, n)
	if a.block {
		<-r.Context().Done()
		return
	}
	var res struct {
		Ref string `json:"payment_reference"`
	}
	if a.status/100 == 2 && json.Unmarshal([]byte(a.body), &res) == nil && res.Ref != "" {
		b.mu.Lock()
		b.paid[p.IdempotencyKey] = res.Ref
		b.mu.Unlock()
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

// setDecide changes how the server answers from now on.
func (b *billing) setDecide(d func(p payment, attempt int) answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.decide = d
}

// payments is the number of distinct payments taken.
func (b *billing) payments() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.paid)
}

// attemptsFor is the number of requests made with key.
func (b *billing) attemptsFor(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.attempts[key]
}

// allKeys returns the idempotency keys received, in order.
func (b *billing) allKeys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.keys...)
}

// gateway returns a WebhookGateway to the server through a guard that
// allows loopback, with a short timeout and fast retries.
func (b *billing) gateway(timeout time.Duration, retries int) *WebhookGateway {
	guard := webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	return &WebhookGateway{
		URL: b.srv.URL + "/pay", Secret: b.secret, Client: webhook.Client(guard, timeout, 0),
		Retries: retries, Backoff: time.Millisecond,
	}
}

// badSignatures is the number of requests refused for their signature.
func (b *billing) badSignatures() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.badSig
}

// testSecret is a stored secret for a new account (the tests never
// authenticate with it).
func testSecret() *kassa.Secret {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return &kassa.Secret{ID: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], Salt: b[:], Hash: b[:]}
}
