package app_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// holder is the primary account holder of the tests.
var holder = app.AccountHolder(key, "192.0.2.7:5000")

func TestCreateSubaccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shared, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "end customer 1"})
	if err != nil {
		t.Fatal(err)
	}
	a := shared.Account
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(a.APIKey) || a.Primary != key || !a.SharedBalance || a.Name != "end customer 1" ||
		a.Currency != kassa.EUR || a.AutoReload.Enabled || !shared.SecretGenerated || kassa.ValidateSecret(shared.Secret) != nil {
		t.Errorf("created = %+v, secret %q generated %v", a, shared.Secret, shared.SecretGenerated)
	}
	// Its secret works at once, and it authenticates as itself.
	got, err := e.svc.Authenticator().Authenticate(ctx, a.APIKey, shared.Secret)
	if err != nil || got.APIKey != a.APIKey {
		t.Fatalf("authenticate the new subaccount: %+v, %v", got, err)
	}
	own, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "own", Secret: "Given1234", SharedBalance: ptr(false)})
	if err != nil || own.Account.SharedBalance || own.SecretGenerated || own.Secret != "Given1234" || own.Account.Balance != 0 {
		t.Fatalf("own-balance subaccount: %+v, %v", own, err)
	}
	if ev := e.auditOf(a.APIKey, app.ActionSubaccountCreate); len(ev) != 1 || ev[0].Actor != "account:"+key {
		t.Errorf("audit = %+v", ev)
	}
	// Refusals.
	_, err = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{})
	wantInvalid(t, err, "name")
	_, err = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: string(make([]rune, 81))})
	wantInvalid(t, err, "name")
	_, err = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "x", Secret: "weak"})
	wantInvalid(t, err, "secret")
	_, err = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "bad\x1b[2J"})
	wantInvalid(t, err, "name")
	// A subaccount is not provisioned as a primary.
	_, err = e.svc.CreateSubaccount(ctx, holder, a.APIKey, app.NewSubaccount{Name: "grandchild"})
	if kassa.ErrorCode(err) != kassa.EFORBIDDEN || !errors.Is(err, app.ErrNotProvisioned) {
		t.Errorf("a subaccount's subaccount: %v", err)
	}
	f, err := e.svc.Family(ctx, key)
	if err != nil || len(f.Subaccounts) != 2 || f.Subaccounts[0].APIKey != a.APIKey {
		t.Fatalf("family = %+v, %v", f, err)
	}
	if f.TotalBalance != kassa.MustParseAmount("10") || f.TotalCreditLimit != 0 {
		t.Errorf("totals %s, %s", f.TotalBalance, f.TotalCreditLimit)
	}
}

func TestSubaccountLimitAndPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.SetPrimaryPolicy(ctx, operator, key, app.PrimaryPolicy{Enabled: true, MaxSubaccounts: ptr(3)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "s"})
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch kassa.ErrorCode(err) {
		case "":
			created++
		case kassa.ELIMIT:
		default:
			t.Errorf("create: %v", err)
		}
	}
	if created != 3 {
		t.Errorf("%d created, want 3", created)
	}
	p, err := e.svc.SetPrimaryPolicy(ctx, operator, key, app.PrimaryPolicy{Enabled: false})
	if err != nil || !p.SubaccountsDisabled || p.MaxSubaccounts != 3 {
		t.Fatalf("disable: %+v, %v", p, err)
	}
	_, err = e.svc.Family(ctx, key)
	if !errors.Is(err, app.ErrNotProvisioned) {
		t.Errorf("family of a disabled primary: %v", err)
	}
	if ev := e.audit(app.ActionAccountPrimary); len(ev) != 2 {
		t.Errorf("%d account.primary events, want 2", len(ev))
	}
	_, err = e.svc.SetPrimaryPolicy(ctx, operator, key, app.PrimaryPolicy{Enabled: true, MaxSubaccounts: ptr(-1)})
	wantInvalid(t, err, "max_subaccounts")
}

func TestModifySubaccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "sub"})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Account.APIKey
	got, err := e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{})
	if err != nil || got.Name != "sub" {
		t.Fatalf("empty change: %+v, %v", got, err)
	}
	// Setting true on a shared subaccount changes nothing.
	if _, err := e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{SharedBalance: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	got, err = e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{Name: ptr("renamed"), Suspended: ptr(true)})
	if err != nil || got.Name != "renamed" || !got.Suspended {
		t.Fatalf("modify: %+v, %v", got, err)
	}
	// Its credentials are refused at once; the primary's are not.
	if _, err := e.svc.Authenticator().Authenticate(ctx, sub, c.Secret); kassa.ErrorCode(err) != kassa.EUNAUTHORIZED {
		t.Errorf("a suspended subaccount authenticated: %v", err)
	}
	if _, err := e.svc.Authenticator().Authenticate(ctx, key, secret); err != nil {
		t.Errorf("the primary: %v", err)
	}
	got, err = e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{Suspended: ptr(false), SharedBalance: ptr(false)})
	if err != nil || got.Suspended || got.SharedBalance || got.Balance != 0 || got.CreditLimit != 0 {
		t.Fatalf("resume and take its own balance: %+v, %v", got, err)
	}
	if _, err := e.svc.Authenticator().Authenticate(ctx, sub, c.Secret); err != nil {
		t.Errorf("a resumed subaccount: %v", err)
	}
	_, err = e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{SharedBalance: ptr(true)})
	wantInvalid(t, err, "use_primary_account_balance")
	if kassa.ErrorMessage(err) != "Transitioning from 'use_primary_account_balance = false' to 'use_primary_account_balance = true' is not supported" {
		t.Errorf("message %q", kassa.ErrorMessage(err))
	}
	// Another primary's subaccount, or the primary itself, is not found.
	if _, err := e.svc.CreateAccount(ctx, operator, app.NewAccount{APIKey: "other123", Secret: "Other12345"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, "nobody12"} {
		_, err := e.svc.ModifySubaccount(ctx, holder, key, k, app.SubaccountChange{Name: ptr("x")})
		if kassa.ErrorCode(err) != kassa.ENOTFOUND || kassa.ErrorMessage(err) != "API key '"+k+"' does not exist, or you do not have access" {
			t.Errorf("modify %s: %v", k, err)
		}
	}
	_, err = e.svc.Subaccount(ctx, "other123", sub)
	if kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("another primary reads the subaccount: %v", err)
	}
	if ev := e.auditOf(sub, app.ActionSubaccountUpdate); len(ev) != 2 {
		t.Errorf("%d subaccount.update events, want 2 (the empty and the no-op change write none)", len(ev))
	}
}

func TestSuspendAndResume(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	charge := func(k string) error {
		_, _, err := e.svc.Charge(ctx, app.ChargeRequest{Account: key, Type: kassa.SMS, To: "447700900123", Units: ptr(int64(1)), IdempotencyKey: k})
		return err
	}
	a, err := e.svc.Suspend(ctx, operator, key)
	if err != nil || !a.Suspended {
		t.Fatalf("suspend: %+v, %v", a, err)
	}
	if err := charge("c1"); kassa.ErrorCode(err) != kassa.ESUSPENDED {
		t.Errorf("charge of a suspended account: %v", err)
	}
	_, _, err = e.svc.Hold(ctx, app.HoldRequest{Account: key, Amount: ptr(kassa.MustParseAmount("1")), IdempotencyKey: "h1"})
	if kassa.ErrorCode(err) != kassa.ESUSPENDED {
		t.Errorf("hold of a suspended account: %v", err)
	}
	// A primary's credentials still work while it is suspended (reads,
	// top-ups); an operator credit still lands.
	if _, err := e.svc.Authenticator().Authenticate(ctx, key, secret); err != nil {
		t.Errorf("a suspended primary's credentials: %v", err)
	}
	if _, err := e.svc.Credit(ctx, operator, app.Posting{Account: key, Amount: kassa.MustParseAmount("1")}); err != nil {
		t.Errorf("credit: %v", err)
	}
	if a, err := e.svc.Resume(ctx, operator, key); err != nil || a.Suspended {
		t.Fatalf("resume: %+v, %v", a, err)
	}
	if err := charge("c2"); err != nil {
		t.Errorf("charge after resume: %v", err)
	}
	if n, m := len(e.audit(app.ActionAccountSuspend)), len(e.audit(app.ActionAccountResume)); n != 1 || m != 1 {
		t.Errorf("%d suspend and %d resume events", n, m)
	}
	if _, err := e.svc.Suspend(ctx, operator, "nobody12"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("suspend an unknown account: %v", err)
	}
}

func TestTransfersThroughTheApp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "own", SharedBalance: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Account.APIKey
	tr, replayed, err := e.svc.Transfer(ctx, holder, app.TransferRequest{Kind: kassa.TransferBalance, Primary: key, From: key, To: sub,
		Amount: kassa.MustParseAmount("2.5"), Reference: "fund", IdempotencyKey: "k1"})
	if err != nil || replayed {
		t.Fatalf("transfer: %v", err)
	}
	if _, replayed, err := e.svc.Transfer(ctx, holder, app.TransferRequest{Kind: kassa.TransferBalance, Primary: key, From: key, To: sub,
		Amount: kassa.MustParseAmount("2.5"), Reference: "fund", IdempotencyKey: "k1"}); err != nil || !replayed {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	if ev := e.audit(app.ActionTransferBalance); len(ev) != 1 {
		t.Errorf("%d transfer.balance events, want 1", len(ev))
	}
	if e.balance() != kassa.MustParseAmount("7.5") {
		t.Errorf("primary balance %s", e.balance())
	}
	_, _, err = e.svc.Transfer(ctx, holder, app.TransferRequest{Kind: kassa.TransferCredit, Primary: key, From: key, To: "nobody12", Amount: 1})
	if kassa.ErrorCode(err) != kassa.ENOTFOUND || kassa.ErrorMessage(err) != "API key 'nobody12' does not exist, or you do not have access" {
		t.Errorf("to an unknown account: %v", err)
	}
	_, _, err = e.svc.Transfer(ctx, holder, app.TransferRequest{Kind: kassa.TransferBalance, Primary: key, From: key, To: sub, Amount: 1, Reference: "\x07"})
	wantInvalid(t, err, "reference")
	list, err := e.svc.Transfers(ctx, app.TransferQuery{Primary: key, Kind: kassa.TransferBalance, Accounts: []string{sub}})
	if err != nil || len(list) != 1 || list[0].ID != tr.ID {
		t.Errorf("transfers = %+v, %v", list, err)
	}
	_, err = e.svc.Transfers(ctx, app.TransferQuery{Primary: sub})
	if !errors.Is(err, app.ErrNotProvisioned) {
		t.Errorf("a subaccount's transfer list: %v", err)
	}
}

func TestSharedSubaccountChargesThePrimaryThroughTheApp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	ch, _, err := e.svc.Charge(ctx, app.ChargeRequest{Account: c.Account.APIKey, Type: kassa.SMS, To: "447700900123", Units: ptr(int64(2)), IdempotencyKey: "m1"})
	if err != nil || ch.Account != c.Account.APIKey || ch.BalanceAccount != key {
		t.Fatalf("charge: %+v, %v", ch, err)
	}
	if e.balance() != kassa.MustParseAmount("9.92") {
		t.Errorf("primary balance %s, want 9.92", e.balance())
	}
	h, _, err := e.svc.Hold(ctx, app.HoldRequest{Account: c.Account.APIKey, Amount: ptr(kassa.MustParseAmount("1")), IdempotencyKey: "h1"})
	if err != nil || h.Account != key || h.Subaccount != c.Account.APIKey {
		t.Fatalf("hold: %+v, %v", h, err)
	}
	// A subaccount's top-up is refused: its primary funds it.
	if _, err := e.svc.TopUp(ctx, app.AccountHolder(c.Account.APIKey, ""), c.Account.APIKey, "trx", ""); kassa.ErrorCode(err) != kassa.EFORBIDDEN {
		t.Errorf("top-up of a subaccount: %v", err)
	}
}

// auditOf returns the audit events of an account and action.
func (e *env) auditOf(account, action string) []*kassa.AuditEvent {
	e.t.Helper()
	list, _, err := e.store.ListAudit(context.Background(), kassa.AuditFilter{Account: account, Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// TestCreateSubaccountWithChosenKey: a chosen api key is used as given
// (the emulator's fixtures); a taken one is a conflict, never replaced by a
// generated one; a malformed one is invalid.
func TestCreateSubaccountWithChosenKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sub, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{APIKey: "chosen01", Name: "chosen"})
	if err != nil || sub.Account.APIKey != "chosen01" || sub.Account.Primary != key {
		t.Fatalf("chosen key: %+v, %v", sub, err)
	}
	if _, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{APIKey: "chosen01", Name: "again"}); kassa.ErrorCode(err) != kassa.ECONFLICT {
		t.Errorf("a taken key: %v, want conflict", err)
	}
	_, err = e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{APIKey: "no", Name: "short"})
	wantInvalid(t, err, "api_key")
}
