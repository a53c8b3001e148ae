package app_test

import (
	"context"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// TestSpendControlsUseCases: a change keeps the controls it does not name;
// a cap is never negative; a primary sets its own subaccount's caps and no
// other account's; a threshold on a shared-balance subaccount is refused;
// each change is audited.
func TestSpendControlsUseCases(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	set := func(v string) *app.ControlChange { return &app.ControlChange{Value: kassa.MustParseAmount(v)} }
	v, err := e.svc.SetSpendControls(ctx, operator, key, app.SpendControlsChange{LowBalanceThreshold: set("5"), DailyCap: set("100")})
	if err != nil {
		t.Fatal(err)
	}
	v, err = e.svc.SetSpendControls(ctx, operator, key, app.SpendControlsChange{MonthlyCap: set("2000")})
	if err != nil || v.LowBalanceThreshold == nil || v.DailyCap == nil || v.MonthlyCap == nil || v.Currency != kassa.EUR {
		t.Fatalf("a change of one control kept the others? %+v %v", v, err)
	}
	v, err = e.svc.SetSpendControls(ctx, operator, key, app.SpendControlsChange{DailyCap: &app.ControlChange{Remove: true}})
	if err != nil || v.DailyCap != nil || v.MonthlyCap == nil {
		t.Fatalf("remove the daily cap: %+v %v", v, err)
	}
	_, err = e.svc.SetSpendControls(ctx, operator, key, app.SpendControlsChange{DailyCap: set("-1")})
	wantInvalid(t, err, "daily_cap")
	if _, err := e.svc.SetSpendControls(ctx, operator, "nobody12", app.SpendControlsChange{DailyCap: set("1")}); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("unknown account: %v", err)
	}

	shared, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	sub := shared.Account.APIKey
	if v, err := e.svc.SetSubaccountSpendControls(ctx, holder, key, sub, app.SpendControlsChange{DailyCap: set("3")}); err != nil || v.DailyCap == nil || !v.SharedBalance {
		t.Fatalf("a primary caps its subaccount: %+v %v", v, err)
	}
	_, err = e.svc.SetSubaccountSpendControls(ctx, holder, key, sub, app.SpendControlsChange{LowBalanceThreshold: set("1")})
	wantInvalid(t, err, "low_balance_threshold")
	other, err := e.svc.CreateAccount(ctx, operator, app.NewAccount{APIKey: "other123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetSubaccountSpendControls(ctx, holder, key, other.Account.APIKey, app.SpendControlsChange{DailyCap: set("1")}); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("a primary capping an account outside its family: %v", err)
	}
	if n := len(e.audit(app.ActionSpendControlsUpdate)); n != 3 {
		t.Errorf("%d spend_controls.update on the primary, want 3", n)
	}
	if n := len(e.auditOf(sub, app.ActionSpendControlsUpdate)); n != 1 {
		t.Errorf("%d spend_controls.update on the subaccount, want 1", n)
	}
}
