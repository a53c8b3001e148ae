package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSpendControlsForms: the operator sets the threshold and the caps on
// the account page (empty removes), a bad value is refused with the form
// kept; the account holder sets its own threshold on the settings page and
// sees the caps, read-only.
func TestSpendControlsForms(t *testing.T) {
	e := newEnv(t, false)
	op := e.browser()
	token := op.signInOperator()
	base := "/ui/operator/accounts/" + testKey
	if p := op.get(base); p.status != http.StatusOK || !strings.Contains(p.body, `id="spend-form"`) {
		t.Fatalf("account page: %d", p.status)
	}
	p := op.post(base+"/spend-controls", url.Values{"csrf": {token}, "low_balance_threshold": {"5"}, "daily_cap": {"lots"}, "monthly_cap": {"2000"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="spend-error"`) || !strings.Contains(p.body, `value="lots"`) {
		t.Fatalf("bad cap: status %d", p.status)
	}
	if s, _ := e.db.Spend(context.Background(), testKey); !s.IsZero() {
		t.Errorf("a refused form saved %+v", s)
	}
	p = op.post(base+"/spend-controls", url.Values{"csrf": {token}, "low_balance_threshold": {"5"}, "daily_cap": {"100"}, "monthly_cap": {""}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	s, err := e.db.Spend(context.Background(), testKey)
	if err != nil || s.LowBalanceThreshold == nil || s.LowBalanceThreshold.String() != "5.00000000" || s.DailyCap == nil || s.MonthlyCap != nil {
		t.Fatalf("saved %+v %v", s, err)
	}
	if p := op.get(base); !strings.Contains(p.body, `id="sc-daily" name="daily_cap" inputmode="decimal" value="100.00"`) {
		t.Errorf("the form does not show the saved cap")
	}

	holder := e.browser()
	htoken := holder.signIn(testKey, testSecret)
	p = holder.get("/ui/settings")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="low-balance-form"`) || !strings.Contains(p.body, `value="5.00"`) ||
		!strings.Contains(p.body, `id="caps"`) || !strings.Contains(p.body, "100.00 a day") {
		t.Fatalf("settings page: %d", p.status)
	}
	p = holder.post("/ui/settings/low-balance", url.Values{"csrf": {htoken}, "low_balance_threshold": {"x"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="spend-error"`) {
		t.Fatalf("bad threshold: %d", p.status)
	}
	if p = holder.post("/ui/settings/low-balance", url.Values{"csrf": {htoken}, "low_balance_threshold": {"50"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save threshold: %d", p.status)
	}
	if s, _ := e.db.Spend(context.Background(), testKey); s.LowBalanceThreshold == nil || s.LowBalanceThreshold.String() != "50.00000000" || s.DailyCap == nil || !s.LowBalanceAlerted {
		t.Errorf("after the holder's change: %+v (the caps stay; 50 is above the balance: alerted)", s)
	}
	if p := holder.get("/ui/settings"); !strings.Contains(p.body, `id="alert-on"`) {
		t.Error("the settings page does not say the balance is below the threshold")
	}
	// The holder's form cannot change the caps.
	holder.post("/ui/settings/low-balance", url.Values{"csrf": {htoken}, "low_balance_threshold": {""}, "daily_cap": {""}})
	if s, _ := e.db.Spend(context.Background(), testKey); s.LowBalanceThreshold != nil || s.DailyCap == nil {
		t.Errorf("after the holder removed the threshold: %+v", s)
	}
	if p := holder.post("/ui/operator/accounts/"+testKey+"/spend-controls", url.Values{"csrf": {htoken}, "daily_cap": {""}}); p.status == http.StatusSeeOther {
		t.Error("an account holder reached the operator's form")
	}
}
