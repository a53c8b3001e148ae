package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/web"
)

// TestFreeTextRefusesControlCharacters: every free-text field (a posting's
// reason and reference, a charge's reference, the auto-reload trx) refuses
// C0 controls, DEL, C1 controls and invalid UTF-8, naming the field, and
// nothing is written; printable text, accents included, is kept as sent.
func TestFreeTextRefusesControlCharacters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := []string{"\x1b[2J", "bell\x07", "tab\there", "new\nline", "nul\x00", "del\x7f", "csi\u009b31m", "bad\xffutf8"}
	for _, text := range bad {
		_, err := e.svc.Credit(ctx, operator, app.Posting{Account: key, Amount: 1, Reason: text})
		wantInvalid(t, err, "reason")
		_, err = e.svc.Debit(ctx, operator, app.Posting{Account: key, Amount: 1, Reference: text})
		wantInvalid(t, err, "reference")
		_, _, err = e.svc.Charge(ctx, app.ChargeRequest{Account: key, Type: kassa.SMS, To: "447700900123", Units: ptr(int64(1)), Reference: text, IdempotencyKey: "k"})
		wantInvalid(t, err, "reference")
		_, err = e.svc.SetAutoReload(ctx, operator, key, app.AutoReloadChange{Enabled: true, Trx: text})
		wantInvalid(t, err, "trx")
	}
	if b := e.balance(); b != kassa.MustParseAmount("10") {
		t.Fatalf("balance %s after refused requests", b)
	}
	p, err := e.svc.Credit(ctx, operator, app.Posting{Account: key, Amount: 1, Reason: "Gutschrift für Müller — 5 €", Reference: "ref #1"})
	if err != nil || p.Entry.Reason != "Gutschrift für Müller — 5 €" {
		t.Fatalf("printable text: %+v, %v", p, err)
	}
}

// TestOperatorPostingsAudited: admin credits and debits are audited once
// each as ledger.credit and ledger.debit with the operator's address; a
// replay of the same idempotency key posts and audits nothing more; kinds
// other than the direction's plain kind or an adjustment are refused.
func TestOperatorPostingsAudited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for range 2 {
		if _, err := e.svc.Credit(ctx, operator, app.Posting{Account: key, Amount: kassa.MustParseAmount("5"), Reason: "gift", IdempotencyKey: "g1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Debit(ctx, operator.Via(app.SurfaceDashboard), app.Posting{Account: key, Kind: kassa.KindAdjustment, Amount: kassa.MustParseAmount("2")}); err != nil {
		t.Fatal(err)
	}
	credits, debits := e.audit(app.ActionLedgerCredit), e.audit(app.ActionLedgerDebit)
	if len(credits) != 1 || len(debits) != 1 {
		t.Fatalf("%d credit and %d debit events, want 1 and 1", len(credits), len(debits))
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(debits[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	if credits[0].Actor != "admin" || credits[0].RemoteAddr != "192.0.2.1:4000" || d["kind"] != "adjustment" || d["amount"] != "2.00000000" || d["surface"] != "dashboard" {
		t.Errorf("events %+v / %+v", credits[0], debits[0])
	}
	for _, kind := range []kassa.EntryKind{kassa.KindTopUp, kassa.KindReload, kassa.KindDebit, "nonsense"} {
		_, err := e.svc.Credit(ctx, operator, app.Posting{Account: key, Kind: kind, Amount: 1})
		wantInvalid(t, err, "kind")
	}
	if b := e.balance(); b != kassa.MustParseAmount("13") {
		t.Fatalf("balance %s, want 13", b)
	}
}

// TestRateReadsTheAccountOnce: rating for an account reads its currency
// from the store once; an unknown account is not remembered.
func TestRateReadsTheAccountOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before := e.store.finds.Load()
	for range 5 {
		r, err := e.svc.Rate(ctx, app.RateRequest{Account: key, Type: kassa.SMS, To: "+44 (7700) 900-123"})
		if err != nil || r.To != "447700900123" || r.UnitPrice != kassa.MustParseAmount("0.04") || r.Currency != kassa.EUR {
			t.Fatalf("rate = %+v, %v", r, err)
		}
	}
	if n := e.store.finds.Load() - before; n != 1 {
		t.Errorf("%d account reads for five ratings, want 1", n)
	}
	for range 2 {
		_, err := e.svc.Rate(ctx, app.RateRequest{Account: "nobody00", Type: kassa.SMS, To: "447700900123"})
		if kassa.ErrorCode(err) != kassa.ENOTFOUND {
			t.Fatalf("unknown account: %v", err)
		}
	}
	if n := e.store.finds.Load() - before; n != 3 {
		t.Errorf("%d account reads, want an unknown account read each time", n)
	}
}

// TestChargeValidatedOnce: a charge is checked before it is rated (a bad
// unit count is EINVALID even to a number no price covers) and its
// refusals name the field.
func TestChargeValidatedOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := app.ChargeRequest{Account: key, Type: kassa.SMS, To: "12015550123", Units: ptr(int64(1)), IdempotencyKey: "c1"}
	for field, edit := range map[string]func(*app.ChargeRequest){
		"units":           func(r *app.ChargeRequest) { r.Units = nil },
		"Idempotency-Key": func(r *app.ChargeRequest) { r.IdempotencyKey = "" },
		"type":            func(r *app.ChargeRequest) { r.Type = "fax" },
		"to":              func(r *app.ChargeRequest) { r.To = "" },
		"account":         func(r *app.ChargeRequest) { r.Account = "" },
	} {
		req := base
		edit(&req)
		_, _, err := e.svc.Charge(ctx, req)
		wantInvalid(t, err, field)
	}
	for _, units := range []int64{0, -1, 1001} {
		req := base
		req.Units = &units
		_, _, err := e.svc.Charge(ctx, req)
		wantInvalid(t, err, "units")
	}
	if _, _, err := e.svc.Charge(ctx, base); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("an unpriced number: %v, want ENOTFOUND", err)
	}
	base.To = "447700900123"
	c, _, err := e.svc.Charge(ctx, base)
	if err != nil || c.Amount != kassa.MustParseAmount("0.04") || c.To != "447700900123" {
		t.Fatalf("charge = %+v, %v", c, err)
	}
}

// allActions is every audit action kassa writes: the use cases', the
// auto-reload package's and the dashboard's sign-in.
func allActions() []string {
	all := append(append(slices.Clone(app.Actions), reload.Actions...), web.ActionSignIn)
	slices.Sort(all)
	return all
}

// auditActionPattern is an action's shape: noun.verb, the noun in snake_case.
var auditActionPattern = regexp.MustCompile("^[a-z]+(_[a-z]+)*\\.[a-z]+(_[a-z]+)*$")

// TestAuditActionsDocumented: docs/admin-api.md's audit table lists exactly
// the actions kassa writes (every action is documented, every documented
// action is written), each of the form noun.verb; docs/auto-reload.md lists
// exactly the auto-reload package's; and every action a document or a
// --help filters on (--action X, action=X) exists.
func TestAuditActionsDocumented(t *testing.T) {
	all := allActions()
	for _, a := range all {
		if !auditActionPattern.MatchString(a) {
			t.Errorf("action %q is not noun.verb in snake_case", a)
		}
	}
	documented := backtickedActions(t, "../docs/admin-api.md", "| action | actor | detail |", "\n\n")
	if !slices.Equal(documented, all) {
		t.Errorf("docs/admin-api.md documents the actions\n%v\nkassa writes\n%v", documented, all)
	}
	reloads := backtickedActions(t, "../docs/auto-reload.md", "Every outcome is written to the audit log", "The\ndetail")
	want := slices.Sorted(slices.Values(reload.Actions))
	if !slices.Equal(reloads, want) {
		t.Errorf("docs/auto-reload.md lists the outcomes\n%v\nthe reload package writes\n%v", reloads, want)
	}
	sources := []string{"../README.md", "../cmd/kassa/cli_admin_audit.go"}
	docs, _ := filepath.Glob("../docs/*.md")
	filter := regexp.MustCompile(`(?:--action[ =]|[?&]action=)([a-z_]+\.[a-z_]+)`)
	for _, file := range append(sources, docs...) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range filter.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(all, m[1]) {
				t.Errorf("%s filters the audit log on %s, which nothing writes", file, m[1])
			}
		}
	}
}

// backtickedActions returns the sorted, distinct `noun.verb` code spans of
// file between the first from and the next to after it.
func backtickedActions(t *testing.T, file, from, to string) []string {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, part, ok := strings.Cut(string(doc), from)
	if !ok {
		t.Fatalf("%s has no %q", file, from)
	}
	part, _, _ = strings.Cut(part, to)
	var found []string
	for _, m := range regexp.MustCompile("`([a-z_]+\\.[a-z_]+)`").FindAllStringSubmatch(part, -1) {
		if !slices.Contains(found, m[1]) {
			found = append(found, m[1])
		}
	}
	slices.Sort(found)
	return found
}
