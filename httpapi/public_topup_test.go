package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// topUpFunc is an app.TopUpper made of a function, to see what the handler
// passes and to force a decline.
type topUpFunc func(ctx context.Context, req reload.TopUpRequest) (*kassa.Entry, error)

// TopUp implements app.TopUpper.
func (f topUpFunc) TopUp(ctx context.Context, req reload.TopUpRequest) (*kassa.Entry, error) {
	return f(ctx, req)
}

// TestTopUp credits the reload amount for the right trx, by POST and GET.
func TestTopUp(t *testing.T) {
	h := newHarness(t)
	resp := h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusOK)
	if got := strings.TrimSpace(string(resp.body)); got != `{"error-code":"200","error-code-label":"success"}` {
		t.Errorf("body %s", got)
	}
	h.get("/account/top-up?trx="+testTrx+"&").wantStatus(t, http.StatusOK)
	if got := h.account(testKey).Balance; got != kassa.MustParseAmount("110.171275") {
		t.Errorf("balance %s after two top-ups", got)
	}
	entries, _, err := h.db.ListEntries(context.Background(), kassa.EntryFilter{Account: testKey, Kinds: []kassa.EntryKind{kassa.KindTopUp}})
	// The reference is the payment gateway's (here the ledger-only one), not the trx.
	if err != nil || len(entries) != 2 || !strings.HasPrefix(entries[0].Reference, "ledger-only:topup:"+testKey+":") {
		t.Fatalf("entries %v err %v", entries, err)
	}
	resp = h.do(req{method: "POST", path: "/account/top-up", body: "trx=" + testTrx, basic: [2]string{testKey, testSecret},
		header: map[string]string{"Accept": "application/xml"}}).wantStatus(t, http.StatusOK)
	if p := xmlPaths(t, resp.body); !p["response/error-code"] {
		t.Errorf("XML %s", resp.body)
	}
}

// TestTopUpIdempotent: a retry with the same Idempotency-Key credits once.
func TestTopUpIdempotent(t *testing.T) {
	h := newHarness(t)
	for range 3 {
		h.do(req{method: "POST", path: "/account/top-up", body: "trx=" + testTrx, basic: [2]string{testKey, testSecret},
			header: map[string]string{"Idempotency-Key": "retry-1"}}).wantStatus(t, http.StatusOK)
	}
	if got := h.account(testKey).Balance; got != kassa.MustParseAmount("60.171275") {
		t.Errorf("balance %s, want one top-up", got)
	}
}

// TestTopUpRefused: missing trx is a 400 in the reference shape, a wrong
// trx or an account without auto-reload a 401; the balance is unchanged.
func TestTopUpRefused(t *testing.T) {
	h := newHarness(t)
	h.createAccount("noreload", testSecret, "1.00", kassa.EUR, noReload)
	resp := h.post("/account/top-up", "").wantStatus(t, http.StatusBadRequest)
	if got := strings.TrimSpace(string(resp.body)); got != `{"error_title":"Bad Request","invalid_parameters":{"trx":"Is required."},"type":"BAD_REQUEST"}` {
		t.Errorf("body %s", got)
	}
	for _, c := range []struct{ key, trx string }{{testKey, "wrong"}, {"noreload", testTrx}, {"noreload", ""}} {
		r := req{method: "POST", path: "/account/top-up", body: "trx=" + c.trx, basic: [2]string{c.key, testSecret}}
		resp := h.do(r)
		if c.trx == "" {
			resp.wantStatus(t, http.StatusBadRequest)
			continue
		}
		resp.wantStatus(t, http.StatusUnauthorized)
		if got := resp.json(t)["error-code-label"]; got != "not auto-reload enabled" {
			t.Errorf("%s/%s: label %v", c.key, c.trx, got)
		}
	}
	if got := h.account(testKey).Balance; got != kassa.MustParseAmount("10.171275") {
		t.Errorf("balance %s changed", got)
	}
	if got := h.account("noreload").Balance; got != kassa.MustParseAmount("1") {
		t.Errorf("balance %s changed", got)
	}
}

// TestTopUpHook: with Config.TopUp set the handler delegates to it and maps
// its errors (a declined payment is 420 "topup failed: " and the reason).
func TestTopUpHook(t *testing.T) {
	h := newHarness(t)
	var gotKey, gotTrx, gotReq string
	decline := false
	h.srv.Config.Handler = New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices,
		TopUp: topUpFunc(func(ctx context.Context, req reload.TopUpRequest) (*kassa.Entry, error) {
			gotKey, gotTrx, gotReq = req.Account, req.Trx, req.IdempotencyKey
			if decline {
				return nil, kassa.Errorf(kassa.EPAYMENTDECLINED, "card declined")
			}
			return &kassa.Entry{}, nil
		})})
	h.do(req{method: "POST", path: "/account/top-up", body: "trx=abc", basic: [2]string{testKey, testSecret},
		header: map[string]string{"Idempotency-Key": "k9"}}).wantStatus(t, http.StatusOK)
	if gotKey != testKey || gotTrx != "abc" || gotReq != "k9" {
		t.Errorf("hook got %q %q %q", gotKey, gotTrx, gotReq)
	}
	decline = true
	resp := h.post("/account/top-up", "trx=abc").wantStatus(t, 420)
	if b := resp.json(t); b["error-code"] != "420" || b["error-code-label"] != "topup failed: card declined" {
		t.Errorf("declined: %s", resp.body)
	}
}

// TestTopUpAuditedWithTheCallersAddress: a top-up through the public API
// is audited as topup.credited by the account holder with the caller's
// address as remote_addr (docs/admin-api.md, docs/auto-reload.md).
func TestTopUpAuditedWithTheCallersAddress(t *testing.T) {
	h := newHarness(t)
	h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusOK)
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Account: testKey, Action: reload.ActionTopUp})
	if err != nil || len(events) != 1 {
		t.Fatalf("topup.credited events: %v, %v", events, err)
	}
	if e := events[0]; e.Actor != "account:"+testKey || !strings.HasPrefix(e.RemoteAddr, "127.0.0.1:") {
		t.Errorf("topup.credited by %q from %q, want the account holder from 127.0.0.1:port", e.Actor, e.RemoteAddr)
	}
}
