package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// admin sends an admin API request with the admin token.
func (h *harness) admin(method, path, body string, header ...string) response {
	h.t.Helper()
	hdr := pairs(header)
	hdr["Authorization"] = "Bearer " + testAdminToken
	if body != "" {
		hdr["Content-Type"] = "application/json"
	}
	return h.do(req{method: method, path: path, body: body, header: hdr})
}

func wantProblem(t *testing.T, r response, status int, typ string) map[string]any {
	t.Helper()
	r.wantStatus(t, status)
	if ct := r.header.Get("Content-Type"); ct != contentProblem {
		t.Errorf("Content-Type %q", ct)
	}
	b := r.json(t)
	if b["type"] != "https://kassa.dev/problems/"+typ || b["title"] == "" {
		t.Errorf("problem %s, want type %s", r.body, typ)
	}
	if st := fmt.Sprint(b["status"]); st != fmt.Sprint(status) {
		t.Errorf("status field %s", st)
	}
	return b
}

// TestAdminToken: a missing or wrong token is a 401 problem.
func TestAdminToken(t *testing.T) {
	h := newHarness(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + testAdminToken, "Bearer " + testAdminToken + "x"} {
		resp := h.do(req{path: "/admin/v1/accounts", header: map[string]string{"Authorization": auth}})
		wantProblem(t, resp, http.StatusUnauthorized, "unauthorized")
	}
	h.admin("GET", "/admin/v1/accounts", "").wantStatus(t, http.StatusOK)
}

// TestAdminCreateAccount creates accounts with generated and given
// credentials and checks the answer and that the credentials work.
func TestAdminCreateAccount(t *testing.T) {
	h := newHarness(t)
	resp := h.admin("POST", "/admin/v1/accounts", `{"credit": "5.5", "currency": "USD", "limits": {"max_calls_per_second": 7}}`).wantStatus(t, http.StatusCreated)
	b := resp.json(t)
	key, _ := b["api_key"].(string)
	secret, _ := b["api_secret"].(string)
	if len(key) != 8 || kassa.ValidateSecret(secret) != nil {
		t.Fatalf("generated key %q secret %q", key, secret)
	}
	if b["balance"] != "5.50000000" || b["currency"] != "USD" || b["credit_limit"] != "0.00000000" {
		t.Errorf("body %s", resp.body)
	}
	limits := b["limits"].(map[string]any)
	if fmt.Sprint(limits["max_calls_per_second"]) != "7" || fmt.Sprint(limits["max_outbound_request"]) != "30" {
		t.Errorf("limits %v", limits)
	}
	h.do(req{path: "/account/get-balance", basic: [2]string{key, secret}}).wantStatus(t, http.StatusOK)

	given := h.admin("POST", "/admin/v1/accounts", `{"api_key": "mykey001", "api_secret": "Given12345"}`).wantStatus(t, http.StatusCreated)
	if gb := given.json(t); gb["api_secret"] != nil || gb["balance"] != "0.00000000" {
		t.Errorf("given secret echoed or balance wrong: %s", given.body)
	}
	h.do(req{path: "/account/get-balance", basic: [2]string{"mykey001", "Given12345"}}).wantStatus(t, http.StatusOK)

	wantProblem(t, h.admin("POST", "/admin/v1/accounts", `{"api_key": "mykey001"}`), http.StatusConflict, "conflict")
	for body, field := range map[string]string{
		`{"api_key": "a b"}`:                      "api_key",
		`{"api_secret": "weak"}`:                  "api_secret",
		`{"currency": "GBP"}`:                     "currency",
		`{"credit": "-1"}`:                        "credit",
		`{"credit": "1e3"}`:                       "credit",
		`{"credit_limit": "5"}`:                   "credit_limit",
		`{"limits": {"max_calls_per_second": 0}}`: "max_calls_per_second",
		`{"unknown": 1}`:                          "unknown",
		`{"api_key": 5}`:                          "api_key",
	} {
		p := wantProblem(t, h.admin("POST", "/admin/v1/accounts", body), http.StatusBadRequest, "invalid")
		params, _ := p["invalid_params"].([]any)
		if len(params) != 1 || params[0].(map[string]any)["name"] != field {
			t.Errorf("%s: invalid_params %v, want %s", body, p["invalid_params"], field)
		}
	}
	wantProblem(t, h.admin("POST", "/admin/v1/accounts", `{"credit": "1"`), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("POST", "/admin/v1/accounts", `{"credit": true}`), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("POST", "/admin/v1/accounts", `{"pad":"`+strings.Repeat("x", DefaultMaxBodyBytes)+`"}`), http.StatusRequestEntityTooLarge, "payload-too-large")
}

// TestAdminGetAndList reads one account and pages through the list.
func TestAdminGetAndList(t *testing.T) {
	h := newHarness(t)
	for i := range 3 {
		h.createAccount(fmt.Sprintf("list%04d", i), testSecret, "1", kassa.EUR, noReload)
	}
	acct := h.admin("GET", "/admin/v1/accounts/"+testKey, "").wantStatus(t, http.StatusOK).json(t)
	ar := acct["auto_reload"].(map[string]any)
	if acct["balance"] != "10.17127500" || ar["enabled"] != true || ar["trx"] != testTrx || ar["amount"] != "50.00000000" {
		t.Errorf("account %v", acct)
	}
	for _, k := range []string{"api_key", "currency", "balance", "credit_limit", "auto_reload", "limits", "settings", "created_at"} {
		if _, ok := acct[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	wantProblem(t, h.admin("GET", "/admin/v1/accounts/nosuch00", ""), http.StatusNotFound, "not-found")

	page := h.admin("GET", "/admin/v1/accounts?search=list&limit=2", "").wantStatus(t, http.StatusOK).json(t)
	if fmt.Sprint(page["total"]) != "3" || len(page["accounts"].([]any)) != 2 || fmt.Sprint(page["limit"]) != "2" {
		t.Errorf("page %v", page)
	}
	next := h.admin("GET", "/admin/v1/accounts?search=list&limit=2&offset=2", "").wantStatus(t, http.StatusOK).json(t)
	if accts := next["accounts"].([]any); len(accts) != 1 || accts[0].(map[string]any)["api_key"] != "list0002" {
		t.Errorf("second page %v", next)
	}
	wantProblem(t, h.admin("GET", "/admin/v1/accounts?limit=0", ""), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("GET", "/admin/v1/accounts?offset=x", ""), http.StatusBadRequest, "invalid")
	r := h.admin("DELETE", "/admin/v1/accounts", "")
	wantProblem(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
	if r.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

// TestAdminCreditsAndDebits posts with idempotency keys and checks replays,
// conflicts, floors and the balance.
func TestAdminCreditsAndDebits(t *testing.T) {
	h := newHarness(t)
	path := "/admin/v1/accounts/" + testKey
	first := h.admin("POST", path+"/credits", `{"amount": "5", "reason": "goodwill", "reference": "T-1"}`, "Idempotency-Key", "k1").wantStatus(t, http.StatusCreated)
	e := first.json(t)
	if e["kind"] != "credit" || e["amount"] != "5.00000000" || e["balance_after"] != "15.17127500" || e["currency"] != "EUR" ||
		e["reason"] != "goodwill" || e["reference"] != "T-1" || e["idempotency_key"] != "k1" || e["account"] != testKey {
		t.Errorf("entry %s", first.body)
	}
	replay := h.admin("POST", path+"/credits", `{"amount": "5.00", "reason": "goodwill", "reference": "T-1"}`, "Idempotency-Key", "k1").wantStatus(t, http.StatusOK)
	if replay.header.Get("Idempotency-Replayed") != "true" || replay.json(t)["id"] != e["id"] {
		t.Errorf("replay %s headers %v", replay.body, replay.header)
	}
	wantProblem(t, h.admin("POST", path+"/credits", `{"amount": "6", "reason": "goodwill"}`, "Idempotency-Key", "k1"), http.StatusConflict, "idempotency-conflict")
	debit := h.admin("POST", path+"/debits", `{"amount": "0.17127500", "reason": "fee"}`, "Idempotency-Key", "d1").wantStatus(t, http.StatusCreated).json(t)
	if debit["amount"] != "-0.17127500" || debit["balance_after"] != "15.00000000" {
		t.Errorf("debit %v", debit)
	}
	wantProblem(t, h.admin("POST", path+"/debits", `{"amount": "15.00000001"}`), http.StatusPaymentRequired, "insufficient-funds")
	wantProblem(t, h.admin("POST", path+"/credits", `{"amount": "0"}`), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("POST", path+"/credits", `{}`), http.StatusBadRequest, "invalid")
	h.admin("POST", path+"/credits", `{"amount": 5.5}`).wantStatus(t, http.StatusCreated)
	if got := h.account(testKey).Balance; got != kassa.MustParseAmount("20.5") {
		t.Errorf("balance %s", got)
	}
	wantProblem(t, h.admin("POST", "/admin/v1/accounts/nosuch00/credits", `{"amount": "1"}`), http.StatusNotFound, "not-found")
}

// TestAdminSettingsPuts changes auto-reload, limits and the credit limit.
func TestAdminSettingsPuts(t *testing.T) {
	h := newHarness(t)
	path := "/admin/v1/accounts/" + testKey
	ar := h.admin("PUT", path+"/auto-reload", `{"enabled": true, "trx": "new-trx", "amount": "25", "threshold": "5", "daily_cap": 2}`).wantStatus(t, http.StatusOK).json(t)
	got := ar["auto_reload"].(map[string]any)
	if got["trx"] != "new-trx" || got["amount"] != "25.00000000" || got["threshold"] != "5.00000000" || fmt.Sprint(got["daily_cap"]) != "2" {
		t.Errorf("auto_reload %v", got)
	}
	h.post("/account/top-up", "trx=new-trx").wantStatus(t, http.StatusOK)
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("35.171275") {
		t.Errorf("balance %s after top-up of 25", b)
	}
	wantProblem(t, h.admin("PUT", path+"/auto-reload", `{"enabled": true}`), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("PUT", path+"/auto-reload", `{"trx": "x"}`), http.StatusBadRequest, "invalid")
	h.admin("PUT", path+"/auto-reload", `{"enabled": false}`).wantStatus(t, http.StatusOK)
	h.post("/account/top-up", "trx=new-trx").wantStatus(t, http.StatusUnauthorized)

	lim := h.admin("PUT", path+"/limits", `{"max_outbound_request": 5, "max_inbound_request": 6, "max_calls_per_second": 7}`).wantStatus(t, http.StatusOK).json(t)
	if l := lim["limits"].(map[string]any); fmt.Sprint(l["max_inbound_request"]) != "6" || fmt.Sprint(l["pricing_per_second"]) != "1" {
		t.Errorf("limits %v", l)
	}
	settings := h.post("/account/settings", "").json(t)
	if fmt.Sprint(settings["max-calls-per-second"]) != "7" {
		t.Errorf("settings %v", settings)
	}
	wantProblem(t, h.admin("PUT", path+"/limits", `{"max_outbound_request": 5}`), http.StatusBadRequest, "invalid")

	cl := h.admin("PUT", path+"/credit-limit", `{"credit_limit": "-10.00"}`).wantStatus(t, http.StatusOK).json(t)
	if cl["credit_limit"] != "-10.00000000" {
		t.Errorf("credit_limit %v", cl["credit_limit"])
	}
	h.admin("POST", path+"/debits", `{"amount": "45.17127500"}`).wantStatus(t, http.StatusCreated)
	wantProblem(t, h.admin("POST", path+"/debits", `{"amount": "0.00000001"}`), http.StatusPaymentRequired, "insufficient-funds")
	wantProblem(t, h.admin("PUT", path+"/credit-limit", `{"credit_limit": "1"}`), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin("PUT", "/admin/v1/accounts/nosuch00/credit-limit", `{"credit_limit": "0"}`), http.StatusNotFound, "not-found")
}

// TestAdminEntries filters and pages through the ledger, then verifies it.
func TestAdminEntries(t *testing.T) {
	h := newHarness(t)
	path := "/admin/v1/accounts/" + testKey
	for i := range 5 {
		h.admin("POST", path+"/credits", fmt.Sprintf(`{"amount": "1", "reference": "R%d"}`, i%2)).wantStatus(t, http.StatusCreated)
	}
	h.admin("POST", path+"/debits", `{"amount": "1"}`).wantStatus(t, http.StatusCreated)

	all := h.admin("GET", path+"/entries", "").wantStatus(t, http.StatusOK).json(t)
	if fmt.Sprint(all["total"]) != "7" || len(all["entries"].([]any)) != 7 || all["next_before"] != nil {
		t.Errorf("all entries: total %v, %d entries, next %v", all["total"], len(all["entries"].([]any)), all["next_before"])
	}
	if first := all["entries"].([]any)[0].(map[string]any); first["kind"] != "debit" {
		t.Errorf("not newest first: %v", first)
	}
	var seen []string
	before := ""
	for range 10 {
		q := path + "/entries?kind=credit&limit=2"
		if before != "" {
			q += "&before=" + before
		}
		page := h.admin("GET", q, "").wantStatus(t, http.StatusOK).json(t)
		for _, e := range page["entries"].([]any) {
			seen = append(seen, e.(map[string]any)["id"].(string))
		}
		nb, _ := page["next_before"].(string)
		if nb == "" {
			break
		}
		before = nb
	}
	if len(seen) != 6 {
		t.Errorf("paged through %d credits, want 6: %v", len(seen), seen)
	}
	refs := h.admin("GET", path+"/entries?reference=R1", "").json(t)
	if fmt.Sprint(refs["total"]) != "2" {
		t.Errorf("reference filter total %v", refs["total"])
	}
	for _, q := range []string{"kind=bogus", "since=yesterday", "until=2999-01-01T00:00:00Z", "limit=100000", "before=-1"} {
		wantProblem(t, h.admin("GET", path+"/entries?"+q, ""), http.StatusBadRequest, "invalid")
	}
	future := h.admin("GET", path+"/entries?since=2199-01-01T00:00:00Z", "").json(t)
	if fmt.Sprint(future["total"]) != "0" {
		t.Errorf("since filter total %v", future["total"])
	}

	v := h.admin("GET", "/admin/v1/verify", "").wantStatus(t, http.StatusOK).json(t)
	if v["ok"] != true || fmt.Sprint(v["accounts_checked"]) != "1" || len(v["discrepancies"].([]any)) != 0 {
		t.Errorf("verify %v", v)
	}
}
