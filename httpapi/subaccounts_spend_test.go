package httpapi

import (
	"net/http"
	"testing"
)

// TestPrimarySetsSubaccountCaps: a primary reads and sets its subaccount's
// caps with its own credentials; a charge for the subaccount past its cap
// is 403 spend-cap-reached; the subaccount itself, another account, and a
// threshold on a shared-balance subaccount are refused.
func TestPrimarySetsSubaccountCaps(t *testing.T) {
	h := newHarness(t)
	created := h.sub(http.MethodPost, "/accounts/"+testKey+"/subaccounts", `{"name":"shared one","secret":"Sub1Secret9"}`, testKey, testSecret).
		wantStatus(t, http.StatusOK).json(t)
	sub := stringOf(created["api_key"])
	path := "/accounts/" + testKey + "/subaccounts/" + sub + "/spend-controls"

	got := h.sub(http.MethodGet, path, "", testKey, testSecret).wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"account": sub, "daily_cap": "<absent>"})
	got = h.sub(http.MethodPut, path, `{"daily_cap":"0.05"}`, testKey, testSecret).wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"account": sub, "daily_cap": "0.05000000", "spent_today": "0.00000000"})

	charge := func(key string) response {
		return h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"`+sub+`","type":"sms","to":"447700900123","units":1}`, key)
	}
	charge("s1").wantStatus(t, http.StatusCreated)
	p := charge("s2").wantProblem(t, http.StatusForbidden, "spend-cap-reached")
	wantFields(t, p, map[string]string{"account": sub, "cap": "daily", "spent": "0.04000000"})

	if r := h.sub(http.MethodPut, path, `{"low_balance_threshold":"1"}`, testKey, testSecret); r.status != http.StatusUnprocessableEntity {
		t.Errorf("threshold on a shared-balance subaccount: %d %s", r.status, r.body)
	}
	if r := h.sub(http.MethodPut, path, `{"daily_cap":"bad"}`, testKey, testSecret); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad cap: %d %s", r.status, r.body)
	}
	// The subaccount cannot lift its own cap; another account cannot see it.
	if r := h.sub(http.MethodPut, "/accounts/"+sub+"/subaccounts/"+sub+"/spend-controls", `{"daily_cap":null}`, sub, "Sub1Secret9"); r.status < 400 {
		t.Errorf("a subaccount changed its own cap: %d", r.status)
	}
	h.createAccount("other123", testSecret, "1", "EUR", noReload)
	if r := h.sub(http.MethodGet, "/accounts/other123/subaccounts/"+sub+"/spend-controls", "", "other123", testSecret); r.status != http.StatusNotFound {
		t.Errorf("another account read the cap: %d %s", r.status, r.body)
	}
	h.verifyClean(t)
}
