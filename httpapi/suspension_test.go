package httpapi

import (
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestSuspensionOnTheWire: the admin API suspends and resumes; platform
// charges and holds of a suspended account are 403 account-suspended and
// change nothing; reads, top-ups and holds already open still work.
func TestSuspensionOnTheWire(t *testing.T) {
	h := newHarness(t)
	charge := func(key string) response {
		return h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"`+testKey+`","type":"sms","to":"447700900123","units":1}`, key)
	}
	open := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"`+testKey+`","amount":"1"}`, "h-open").wantStatus(t, http.StatusCreated).json(t)
	charge("before").wantStatus(t, http.StatusCreated)

	got := h.admin(http.MethodPost, "/admin/v1/accounts/"+testKey+"/suspend", "").wantStatus(t, http.StatusOK).json(t)
	if got["suspended"] != true || got["api_key"] != testKey {
		t.Fatalf("suspend answer %v", got)
	}
	before := h.account(testKey).Balance
	p := charge("after").wantProblem(t, http.StatusForbidden, "account-suspended")
	if p["title"] != "Account suspended" || p["detail"] == "" {
		t.Errorf("problem %v", p)
	}
	h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"`+testKey+`","amount":"1"}`, "h-new").wantProblem(t, http.StatusForbidden, "account-suspended")
	if h.account(testKey).Balance != before {
		t.Errorf("a refused charge moved the balance")
	}
	// A retry of the earlier charge replays; the open hold can be released.
	r := charge("before").wantStatus(t, http.StatusOK)
	if r.header.Get("Idempotency-Replayed") != "true" {
		t.Errorf("the replay after suspension was not a replay")
	}
	h.platform(http.MethodPost, "/platform/v1/holds/"+open["id"].(string)+"/release", "", "").wantStatus(t, http.StatusOK)
	// The account holder still reads and tops up.
	h.get("/account/get-balance").wantStatus(t, http.StatusOK)
	h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusOK)
	// Suspending twice is harmless; resuming lets charges through.
	h.admin(http.MethodPost, "/admin/v1/accounts/"+testKey+"/suspend", "{}").wantStatus(t, http.StatusOK)
	got = h.admin(http.MethodPost, "/admin/v1/accounts/"+testKey+"/resume", "").wantStatus(t, http.StatusOK).json(t)
	if got["suspended"] != false {
		t.Fatalf("resume answer %v", got)
	}
	charge("after").wantStatus(t, http.StatusCreated)
	// Wrong method, unknown account, a body with a field.
	r = h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/suspend", "")
	r.wantStatus(t, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	h.admin(http.MethodPost, "/admin/v1/accounts/nobody12/suspend", "").wantProblem(t, http.StatusNotFound, "not-found")
	h.admin(http.MethodPost, "/admin/v1/accounts/"+testKey+"/resume", `{"why":1}`).wantProblem(t, http.StatusBadRequest, "invalid")
	events := h.auditActions(testKey)
	if events["account.suspend"] != 2 || events["account.resume"] != 1 {
		t.Errorf("audit %v", events)
	}
}

// TestAdminTree: operators make an account a primary, create subaccounts,
// see the tree and the transfers, and move money.
func TestAdminTree(t *testing.T) {
	h := newHarness(t)
	base := "/admin/v1/accounts/" + testKey
	h.admin(http.MethodPut, base+"/primary", `{"enabled":true,"max_subaccounts":2}`).wantStatus(t, http.StatusOK)
	sub := h.admin(http.MethodPost, base+"/subaccounts", `{"name":"shop","use_primary_account_balance":false}`).wantStatus(t, http.StatusCreated).json(t)
	subKey := sub["api_key"].(string)
	if sub["primary_account"] != testKey || sub["use_primary_account_balance"] != false || sub["name"] != "shop" ||
		sub["subaccounts_enabled"] != false || sub["api_secret"] == nil {
		t.Fatalf("subaccount %v", sub)
	}
	h.admin(http.MethodPost, base+"/subaccounts", `{"name":"two"}`).wantStatus(t, http.StatusCreated)
	h.admin(http.MethodPost, base+"/subaccounts", `{"name":"three"}`).wantProblem(t, http.StatusForbidden, "limit-reached")
	h.admin(http.MethodPost, base+"/subaccounts", `{}`).wantProblem(t, http.StatusBadRequest, "invalid")

	tr := h.admin(http.MethodPost, base+"/transfers", `{"kind":"balance","from":"`+testKey+`","to":"`+subKey+`","amount":"2.5","reference":"fund"}`, "Idempotency-Key", "t1").
		wantStatus(t, http.StatusCreated).json(t)
	if tr["amount"] != "2.50000000" || tr["from"] != testKey || tr["kind"] != "balance" || len(tr["id"].(string)) != 36 {
		t.Errorf("transfer %v", tr)
	}
	replay := h.admin(http.MethodPost, base+"/transfers", `{"kind":"balance","from":"`+testKey+`","to":"`+subKey+`","amount":"2.5","reference":"fund"}`, "Idempotency-Key", "t1")
	replay.wantStatus(t, http.StatusOK)
	h.admin(http.MethodPost, base+"/transfers", `{"kind":"credit","from":"`+testKey+`","to":"`+subKey+`","amount":"1"}`).wantProblem(t, http.StatusPaymentRequired, "insufficient-funds")
	h.admin(http.MethodPost, base+"/transfers", `{"kind":"gift","from":"`+testKey+`","to":"`+subKey+`","amount":"1"}`).wantProblem(t, http.StatusBadRequest, "invalid")

	tree := h.admin(http.MethodGet, base+"/subaccounts", "").wantStatus(t, http.StatusOK).json(t)
	subs := tree["subaccounts"].([]any)
	if len(subs) != 2 || tree["total_balance"] != "10.17127500" || tree["max_subaccounts"].(interface{ String() string }).String() != "2" {
		t.Errorf("tree %v", tree)
	}
	// A subaccount's tree is its primary's.
	sameTree := h.admin(http.MethodGet, "/admin/v1/accounts/"+subKey+"/subaccounts", "").wantStatus(t, http.StatusOK).json(t)
	if sameTree["primary"].(map[string]any)["api_key"] != testKey {
		t.Errorf("tree of a subaccount %v", sameTree)
	}
	list := h.admin(http.MethodGet, base+"/transfers?kind=balance&account="+subKey, "").wantStatus(t, http.StatusOK).json(t)
	if n := len(list["transfers"].([]any)); n != 1 {
		t.Errorf("%d transfers", n)
	}
	entries := h.admin(http.MethodGet, "/admin/v1/accounts/"+subKey+"/entries", "").wantStatus(t, http.StatusOK).json(t)
	if e := entries["entries"].([]any)[0].(map[string]any); e["kind"] != "transfer-in" || e["amount"] != "2.50000000" {
		t.Errorf("entry %v", e)
	}
	h.admin(http.MethodPut, "/admin/v1/accounts/"+subKey+"/primary", `{"enabled":true}`).wantProblem(t, http.StatusBadRequest, "invalid")
	h.admin(http.MethodPut, base+"/primary", `{}`).wantProblem(t, http.StatusBadRequest, "invalid")
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("7.671275") {
		t.Errorf("primary balance %s", b)
	}
}

// auditActions counts the audit events of an account by action.
func (h *harness) auditActions(account string) map[string]int {
	h.t.Helper()
	list, _, err := h.db.ListAudit(h.t.Context(), kassa.AuditFilter{Account: account, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range list {
		out[e.Action]++
	}
	return out
}
