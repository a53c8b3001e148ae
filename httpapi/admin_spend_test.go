package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestSpendControlsAPI: PUT sets the controls given and removes those set
// to null or ""; the others stay; GET shows them with what was spent; a
// charge or hold past the daily cap is 403 spend-cap-reached naming the
// cap, the spending and the reset; bad values are 400 naming the field.
func TestSpendControlsAPI(t *testing.T) {
	h := newHarness(t)
	const path = "/admin/v1/accounts/" + testKey + "/spend-controls"
	got := h.admin(http.MethodGet, path, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"account": testKey, "currency": "EUR", "low_balance_threshold": "<absent>",
		"daily_cap": "<absent>", "monthly_cap": "<absent>", "spent_today": "<absent>"})

	got = h.admin(http.MethodPut, path, `{"low_balance_threshold":"5.00","daily_cap":"0.10","monthly_cap":2000}`).wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"low_balance_threshold": "5.00000000", "daily_cap": "0.10000000",
		"monthly_cap": "2000.00000000", "spent_today": "0.00000000", "spent_this_month": "0.00000000"})
	if got["low_balance_alerted"] != false {
		t.Errorf("alerted %v", got["low_balance_alerted"])
	}

	charge := func(key string) response {
		return h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`, key)
	}
	charge("c1").wantStatus(t, http.StatusCreated)
	charge("c2").wantStatus(t, http.StatusCreated)
	p := charge("c3").wantProblem(t, http.StatusForbidden, "spend-cap-reached")
	tomorrow := kassa.DayStart(time.Now()).AddDate(0, 0, 1).Format(time.RFC3339)
	wantFields(t, p, map[string]string{"title": "Spend cap reached", "account": testKey, "cap": "daily", "limit": "0.10000000",
		"spent": "0.08000000", "amount": "0.04000000", "currency": "EUR", "resets_at": tomorrow})
	h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"0.05"}`, "h1").wantProblem(t, http.StatusForbidden, "spend-cap-reached")
	got = h.admin(http.MethodGet, path, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"spent_today": "0.08000000", "spent_this_month": "0.08000000"})

	// null removes the daily cap, "" the monthly one; the threshold stays.
	got = h.admin(http.MethodPut, path, `{"daily_cap":null}`).wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"low_balance_threshold": "5.00000000", "daily_cap": "<absent>", "monthly_cap": "2000.00000000"})
	charge("c3").wantStatus(t, http.StatusCreated)
	got = h.admin(http.MethodPut, path, `{"monthly_cap":""}`).wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"low_balance_threshold": "5.00000000", "monthly_cap": "<absent>", "spent_today": "<absent>"})

	// A threshold above the balance alerts at once.
	got = h.admin(http.MethodPut, path, `{"low_balance_threshold":"50"}`).wantStatus(t, http.StatusOK).json(t)
	if got["low_balance_alerted"] != true {
		t.Errorf("threshold above the balance: %v", got)
	}
	if list, _ := h.db.ListEvents(context.Background(), kassa.EventFilter{Types: []string{kassa.EventBalanceLow}}); len(list) != 1 || list[0].Account != testKey {
		t.Errorf("balance.low events %v", list)
	}

	for body, field := range map[string]string{
		`{"daily_cap":"-1"}`:             "daily_cap",
		`{"monthly_cap":"abc"}`:          "monthly_cap",
		`{"low_balance_threshold":true}`: "body",
		`{"weekly_cap":"1"}`:             "weekly_cap",
	} {
		p := h.admin(http.MethodPut, path, body).wantProblem(t, http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, field)
	}
	h.admin(http.MethodPut, "/admin/v1/accounts/nobody12/spend-controls", `{"daily_cap":"1"}`).wantProblem(t, http.StatusNotFound, "not-found")
	h.admin(http.MethodGet, "/admin/v1/accounts/nobody12/spend-controls", "").wantProblem(t, http.StatusNotFound, "not-found")
	if list, _, _ := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "spend_controls.update"}); len(list) != 4 {
		t.Errorf("%d spend_controls.update audit events, want 4", len(list))
	}
	h.verifyClean(t)
}
