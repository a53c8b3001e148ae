package e2e

import (
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestMultiNodePlans (issue 15): on two kassa nodes of one PostgreSQL
// database, a plan created and assigned to an account on node A is used by
// node B on the account's very next request (get-pricing and
// /platform/v1/rate), without waiting for anything; taking it away on B
// is seen by A's next request the same way.
func TestMultiNodePlans(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "4")
	pepper := mnPepperFile(t)
	a := mnStartNode(t, "A", storeURL, pepper)
	b := mnStartNode(t, "B", storeURL, pepper)
	const key, secret = "mn-plans", "MnSecret1234"
	mnCreateAccount(t, a, key, secret)
	ratePrice := func(n *mnNode) string {
		ans := n.must(http.MethodPost, "/platform/v1/rate", mnServiceToken, "", mnRateBody(key), http.StatusOK)
		return mnString(ans.body["unit_price"])
	}
	base := mnGBPrice(b, key, secret)
	baseRate := ratePrice(b)
	m := kassa.Markup{Percent: kassa.MustParseAmount("10"), Fixed: kassa.MustParseAmount("0.001"), Min: kassa.MustParseAmount("0.005")}
	want := func(price string) string {
		p, err := m.Apply(kassa.MustParseAmount(price))
		if err != nil {
			t.Fatal(err)
		}
		return p.String()
	}

	a.must(http.MethodPost, "/admin/v1/plans", mnAdminToken, "", `{"name":"wholesale","base":"default","markup":{"percent":"10","fixed":"0.001","min":"0.005"}}`, http.StatusCreated)
	a.must(http.MethodPut, "/admin/v1/accounts/"+key+"/plan", mnAdminToken, "", `{"plan":"wholesale"}`, http.StatusOK)
	if got := mnGBPrice(b, key, secret); got != want(base) {
		t.Errorf("node B's get-pricing right after node A assigned wholesale: %s, want %s (base %s)", got, want(base), base)
	}
	if got := ratePrice(b); got != want(baseRate) {
		t.Errorf("node B's rate right after node A assigned wholesale: %s, want %s (base %s)", got, want(baseRate), baseRate)
	}
	if got := mnGBPrice(a, key, secret); got != want(base) {
		t.Errorf("node A's get-pricing: %s, want %s", got, want(base))
	}

	b.must(http.MethodPut, "/admin/v1/accounts/"+key+"/plan", mnAdminToken, "", `{"plan":""}`, http.StatusOK)
	if got, got2 := mnGBPrice(a, key, secret), ratePrice(a); got != base || got2 != baseRate {
		t.Errorf("node A right after node B took the plan away: get-pricing %s, rate %s; want %s and %s", got, got2, base, baseRate)
	}
	b.must(http.MethodDelete, "/admin/v1/plans/wholesale", mnAdminToken, "", "", http.StatusNoContent)
}
