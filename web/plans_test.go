package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestOperatorAssignsPlan: the operator's account page shows the account's
// price plan and assigns another through app (audited, in the store).
func TestOperatorAssignsPlan(t *testing.T) {
	e := newEnv(t, false)
	if err := e.db.CreatePlan(t.Context(), &kassa.Plan{Name: "wholesale", Base: kassa.DefaultPlan, Markup: kassa.Markup{Percent: 10 * 100_000_000}}); err != nil {
		t.Fatal(err)
	}
	ob := e.browser()
	token := ob.signInOperator()
	p := ob.get("/ui/operator/accounts/" + testKey)
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="plan-current"`) || !strings.Contains(p.body, "<strong>default</strong> (the default)") ||
		!strings.Contains(p.body, `<option value="wholesale">wholesale (derived from default)</option>`) {
		t.Fatalf("account page: status %d, no plan section as expected:\n%s", p.status, p.body)
	}
	if p := ob.post("/ui/operator/accounts/"+testKey+"/plan", url.Values{"csrf": {token}, "plan": {"wholesale"}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign: status %d", p.status)
	}
	if plan, own, err := e.db.AccountPlan(t.Context(), testKey); err != nil || plan != "wholesale" || own != "wholesale" {
		t.Fatalf("after assigning: %q (own %q), %v", plan, own, err)
	}
	if p := ob.get("/ui/operator/accounts/" + testKey); !strings.Contains(p.body, "<strong>wholesale</strong> (its own)") || !strings.Contains(p.body, `<option value="wholesale" selected>`) {
		t.Fatalf("account page after assigning:\n%s", p.body)
	}
	if p := ob.post("/ui/operator/accounts/"+testKey+"/plan", url.Values{"csrf": {token}, "plan": {"nope"}}); p.status != http.StatusNotFound {
		t.Fatalf("an unknown plan: status %d", p.status)
	}
	if p := ob.post("/ui/operator/accounts/"+testKey+"/plan", url.Values{"plan": {""}}); p.status == http.StatusSeeOther {
		t.Fatal("assigned without the CSRF token")
	}
}

// TestPricingPageByPlan: an account holder's pricing page shows its plan's
// prices; an operator picks a plan to compare them, on the map too.
func TestPricingPageByPlan(t *testing.T) {
	e := newEnv(t, false)
	m := kassa.Markup{Percent: 50 * 100_000_000}
	if err := e.db.CreatePlan(t.Context(), &kassa.Plan{Name: "retail", Base: kassa.DefaultPlan, Markup: m}); err != nil {
		t.Fatal(err)
	}
	snap := e.prices.Current()
	gb, _ := snap.Country(kassa.SMS, "GB", kassa.EUR)
	marked, err := m.Apply(gb.DefaultPrice)
	if err != nil {
		t.Fatal(err)
	}
	defaultLine := "Default price " + gb.DefaultPrice.String() + " EUR"
	retailLine := "Default price " + marked.String() + " EUR"

	b := e.browser()
	b.signIn(testKey, testSecret)
	if p := b.get("/ui/pricing?country=GB"); !strings.Contains(p.body, defaultLine) || !strings.Contains(p.body, "Plan <strong>default</strong>") {
		t.Fatalf("default plan's page lacks %q:\n%s", defaultLine, p.body)
	}
	if err := e.db.SetAccountPlan(t.Context(), testKey, "retail"); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/ui/pricing?country=GB&plan=default"); !strings.Contains(p.body, retailLine) || !strings.Contains(p.body, "Plan <strong>retail</strong>") {
		t.Fatalf("an account on retail (asking for default) should see %q:\n%s", retailLine, p.body)
	}

	ob := e.browser()
	ob.signInOperator()
	p := ob.get("/ui/pricing?country=GB&plan=retail")
	if !strings.Contains(p.body, retailLine) || !strings.Contains(p.body, "<option selected>retail</option>") || !strings.Contains(p.body, "plan=retail") {
		t.Fatalf("operator's retail page lacks %q, the picked plan or map links carrying it:\n%s", retailLine, p.body)
	}
	if p := ob.get("/ui/pricing?country=GB"); !strings.Contains(p.body, defaultLine) {
		t.Fatalf("operator's default page lacks %q", defaultLine)
	}
}
