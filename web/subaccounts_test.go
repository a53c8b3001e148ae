package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestSubaccountsPage: a primary creates a subaccount (its secret shown
// once), funds it with a transfer that a double submit moves once,
// suspends and resumes it, and sees the balances and the transfers.
func TestSubaccountsPage(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	p := b.get("/ui/subaccounts")
	if p.status != http.StatusOK || !strings.Contains(p.body, "No subaccounts yet.") || !strings.Contains(p.body, `href="/ui/subaccounts" aria-current="page"`) {
		t.Fatalf("empty page: status %d", p.status)
	}
	// Refused: no name.
	if p = b.post("/ui/subaccounts", url.Values{"csrf": {token}, "name": {""}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="create-error"`) {
		t.Fatalf("no name: status %d", p.status)
	}
	p = b.post("/ui/subaccounts", url.Values{"csrf": {token}, "name": {"shop <2>"}, "own_balance": {"on"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: status %d: %s", p.status, p.body)
	}
	p = b.get("/ui/subaccounts")
	m := regexp.MustCompile(`Subaccount ([0-9a-f]{8}) created`).FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, `id="new-secret" readonly value="`) || !strings.Contains(p.body, "shop &lt;2&gt;") {
		t.Fatalf("created page:\n%s", p.body)
	}
	sub := m[1]
	// The secret is shown once only.
	if p = b.get("/ui/subaccounts"); strings.Contains(p.body, `id="new-secret"`) {
		t.Fatal("the secret is shown twice")
	}
	key := idemPattern.FindStringSubmatch(p.body)
	if key == nil {
		t.Fatal("no idempotency key in the transfer form")
	}
	form := url.Values{"csrf": {token}, "idempotency_key": {key[1]}, "kind": {"balance"}, "direction": {"to"},
		"subaccount": {sub}, "amount": {"5.25"}, "reference": {"march"}}
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Go(func() { statuses[i] = b.post("/ui/subaccounts/transfers", form).status })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("submit %d: status %d", i, s)
		}
	}
	if got := e.account(testKey).Balance.String(); got != "20.25000000" {
		t.Fatalf("primary balance %s after 6 submits of one transfer, want 20.25000000", got)
	}
	if got := e.account(sub).Balance.String(); got != "5.25000000" {
		t.Fatalf("subaccount balance %s", got)
	}
	// Refused transfers say why and move nothing.
	for _, v := range []url.Values{
		{"kind": {"balance"}, "direction": {"from"}, "subaccount": {sub}, "amount": {"6"}},
		{"kind": {"credit"}, "direction": {"to"}, "subaccount": {sub}, "amount": {"1"}},
		{"kind": {"balance"}, "direction": {"to"}, "subaccount": {sub}, "amount": {"-1"}},
		{"kind": {"gift"}, "direction": {"to"}, "subaccount": {sub}, "amount": {"1"}},
	} {
		v.Set("csrf", token)
		v.Set("idempotency_key", "k-"+v.Get("kind")+v.Get("amount"))
		if p := b.post("/ui/subaccounts/transfers", v); p.status == http.StatusSeeOther || !strings.Contains(p.body, `id="transfer-error"`) {
			t.Errorf("refused transfer %v: status %d", v, p.status)
		}
	}
	if got := e.account(testKey).Balance.String(); got != "20.25000000" {
		t.Fatalf("a refused transfer moved money: %s", got)
	}
	p = b.get("/ui/subaccounts")
	if !strings.Contains(p.body, `id="total-balance" class="big">25.50`) || !strings.Contains(p.body, "march") || !strings.Contains(p.body, ">5.25<") {
		t.Fatalf("page after the transfer:\n%s", p.body)
	}
	// Suspend and resume.
	if p = b.post("/ui/subaccounts/"+sub+"/suspend", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("suspend: status %d", p.status)
	}
	if !e.account(sub).Suspended {
		t.Fatal("not suspended")
	}
	if p = b.get("/ui/subaccounts"); !strings.Contains(p.body, "<strong>suspended</strong>") || !strings.Contains(p.body, "Resume subaccount "+sub) {
		t.Fatal("the page does not show the suspension")
	}
	if p = b.post("/ui/subaccounts/"+sub+"/resume", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther || e.account(sub).Suspended {
		t.Fatalf("resume: status %d", p.status)
	}
	// Another primary's subaccount is not found; a missing CSRF is refused.
	if p = b.post("/ui/subaccounts/nobody12/suspend", url.Values{"csrf": {token}}); p.status != http.StatusNotFound {
		t.Errorf("unknown subaccount: status %d", p.status)
	}
	if p = b.post("/ui/subaccounts/"+sub+"/suspend", url.Values{}); p.status == http.StatusSeeOther || e.account(sub).Suspended {
		t.Errorf("without CSRF: status %d", p.status)
	}
	events, _, err := e.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "transfer.balance"})
	if err != nil || len(events) != 1 || !strings.Contains(events[0].Detail, `"surface":"dashboard"`) {
		t.Fatalf("audit %+v, %v", events, err)
	}
	if d, err := e.db.Verify(context.Background()); err != nil || len(d) != 0 {
		t.Fatalf("verify: %v %v", d, err)
	}
}

// TestSubaccountTreeForOperator: a subaccount signed in sees its primary and
// no forms; the operator sees the tree and suspends and resumes.
func TestSubaccountTreeForOperator(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	if p := b.post("/ui/subaccounts", url.Values{"csrf": {token}, "name": {"shared one"}, "secret": {"SubSecret42"}}); p.status != http.StatusSeeOther {
		t.Fatalf("create: status %d", p.status)
	}
	m := regexp.MustCompile(`Subaccount ([0-9a-f]{8}) created`).FindStringSubmatch(b.get("/ui/subaccounts").body)
	if m == nil {
		t.Fatal("no subaccount")
	}
	sub := m[1]
	// Its charge shows in the primary's ledger, naming it.
	if _, _, err := e.ledger.Charge(context.Background(), charging.ChargeRequest{Account: sub, Primary: testKey, Type: kassa.SMS,
		To: "447700900123", Units: 1, Rating: kassa.Rating{UnitPrice: kassa.MustParseAmount("0.05"), Currency: kassa.EUR}, IdempotencyKey: "m1"}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/ui/account"); !strings.Contains(p.body, "for subaccount <code>"+sub+"</code>") {
		t.Fatal("the primary's ledger does not name the subaccount")
	}
	sb := e.browser()
	sb.signIn(sub, "SubSecret42")
	if p := sb.get("/ui/subaccounts"); !strings.Contains(p.body, `id="not-primary"`) || strings.Contains(p.body, `id="subaccount-form"`) {
		t.Fatalf("a subaccount's page:\n%s", p.body)
	}
	if p := sb.get("/ui/account"); !strings.Contains(p.body, `id="primary-account"><code>`+testKey) {
		t.Fatal("the overview does not name the primary")
	}
	// Suspending it ends its dashboard session too.
	if p := b.post("/ui/subaccounts/"+sub+"/suspend", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("suspend: status %d", p.status)
	}
	if p := sb.get("/ui/account"); p.status != http.StatusForbidden || !strings.Contains(p.body, "suspended") {
		t.Fatalf("a suspended subaccount's session: status %d", p.status)
	}
	if p := sb.get("/ui/account"); p.status != http.StatusSeeOther && !strings.Contains(p.body, "signin") {
		t.Fatalf("the session was not ended: status %d", p.status)
	}
	if p := b.post("/ui/subaccounts/"+sub+"/resume", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("resume: status %d", p.status)
	}
	ob := e.browser()
	otoken := ob.signInOperator()
	for _, k := range []string{testKey, sub} {
		p := ob.get("/ui/operator/accounts/" + k)
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="tree-table"`) || !strings.Contains(p.body, `href="/ui/operator/accounts/`+sub+`"`) {
			t.Fatalf("operator page of %s: status %d", k, p.status)
		}
	}
	if p := ob.post("/ui/operator/accounts/"+testKey+"/suspend", url.Values{"csrf": {otoken}}); p.status != http.StatusSeeOther || !e.account(testKey).Suspended {
		t.Fatalf("suspend: status %d", p.status)
	}
	if p := ob.get("/ui/operator/accounts/" + testKey); !strings.Contains(p.body, `id="resume-account"`) {
		t.Fatal("no resume button")
	}
	if p := ob.post("/ui/operator/accounts/"+testKey+"/resume", url.Values{"csrf": {otoken}}); p.status != http.StatusSeeOther || e.account(testKey).Suspended {
		t.Fatalf("resume: status %d", p.status)
	}
	if p := ob.post("/ui/operator/accounts/nobody12/suspend", url.Values{"csrf": {otoken}}); p.status != http.StatusNotFound {
		t.Fatalf("unknown account: status %d", p.status)
	}
	// An account holder cannot reach the operator's forms.
	if p := b.post("/ui/operator/accounts/"+testKey+"/suspend", url.Values{"csrf": {token}}); p.status == http.StatusSeeOther {
		t.Fatal("an account holder suspended an account")
	}
}
