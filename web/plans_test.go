package web

import (
	"net/http"
	"net/url"
	"strconv"
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

// TestImportPriceBookIntoPlan: the import form offers the plans with price
// books of their own (not a derived one); a deck imported into one is a
// version of that plan, and once activated both plans' versions in effect
// read "in use"; a derived or unknown plan is refused and nothing is
// stored.
func TestImportPriceBookIntoPlan(t *testing.T) {
	e := newEnv(t, false)
	for _, p := range []*kassa.Plan{{Name: "carrier"}, {Name: "retail", Base: kassa.DefaultPlan, Markup: kassa.Markup{Percent: 10 * 100_000_000}}} {
		if err := e.db.CreatePlan(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	token := b.signInOperator()
	p := b.get("/ui/operator/price-books")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<select id="pplan" name="plan"><option>carrier</option><option selected>default</option></select>`) {
		t.Fatalf("price-book page: status %d, no plan choice of carrier and default:\n%s", p.status, p.body)
	}
	p = uploadDeck(e, b, token, "carrier.csv", "type,country,price,currency\nsms,DE,0.0500,EUR\n", false, map[string]string{"plan": "carrier"})
	if p.status != http.StatusSeeOther {
		t.Fatalf("import into carrier: status %d", p.status)
	}
	list, err := e.db.PriceBooks(t.Context())
	if err != nil || len(list) != 2 || list[0].Plan != "carrier" || list[1].Plan != kassa.DefaultPlan {
		t.Fatalf("versions after the import: %+v, %v", list, err)
	}
	carrier := strconv.FormatInt(list[0].Version, 10)
	if p := b.post("/ui/operator/price-books/"+carrier+"/activate", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("activate carrier's version: status %d", p.status)
	}
	p = b.get("/ui/operator/price-books")
	if n := strings.Count(p.body, "<strong>in use</strong>"); n != 2 || !strings.Contains(p.body, "<tr><td>"+carrier+"</td><td>carrier</td>") {
		t.Fatalf("after activating carrier's version: %d versions in use, want 2 (one per plan):\n%s", n, p.body)
	}
	for plan, status := range map[string]int{"retail": http.StatusUnprocessableEntity, "nope": http.StatusNotFound} {
		p := uploadDeck(e, b, token, "x.csv", "type,country,price,currency\nsms,DE,0.0500,EUR\n", false, map[string]string{"plan": plan})
		if p.status != status || !strings.Contains(p.body, `id="import-error"`) || !strings.Contains(p.body, plan) {
			t.Errorf("import into %s: status %d, want %d with the reason", plan, p.status, status)
		}
	}
	if list, _ := e.db.PriceBooks(t.Context()); len(list) != 2 {
		t.Errorf("refused imports stored versions: %d", len(list))
	}
}
