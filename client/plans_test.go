package client_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// TestPlans creates a derived plan, assigns it, sees the account's prices
// change, and deletes the plan once nothing uses it.
func TestPlans(t *testing.T) {
	ts := startPricedKassa(t)
	requirePricing(t, ts)
	ctx := testCtx(t)
	c := adminClient(ts)
	before, err := accountClient(ts).CountryPricing(ctx, kassa.SMS, "GB")
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePlan(ctx, client.NewPlan{Name: "wholesale", Base: "default", Markup: &client.Markup{Percent: "10", Fixed: "0.001", Min: "0.005"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "wholesale" || p.Base != "default" || p.Markup == nil || p.Markup.Percent != "10.00000000" || p.ActiveVersion == 0 {
		t.Fatalf("created %+v", p)
	}
	list, err := c.Plans(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "default" || list[0].Markup != nil {
		t.Fatalf("plans %+v, %v", list, err)
	}
	ap, err := c.AssignPlan(ctx, testKey, "wholesale")
	if err != nil || ap.Plan != "wholesale" || ap.OwnPlan != "wholesale" {
		t.Fatalf("assign: %+v, %v", ap, err)
	}
	after, err := accountClient(ts).CountryPricing(ctx, kassa.SMS, "GB")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := kassa.Markup{Percent: kassa.MustParseAmount("10"), Fixed: kassa.MustParseAmount("0.001"), Min: kassa.MustParseAmount("0.005")}.Apply(before.DefaultPrice)
	if after.DefaultPrice != want {
		t.Errorf("GB on wholesale: %s, want %s (default %s)", after.DefaultPrice, want, before.DefaultPrice)
	}
	var ce *client.Error
	if err := c.DeletePlan(ctx, "wholesale"); !errors.As(err, &ce) || ce.Status != http.StatusConflict {
		t.Fatalf("deleting a plan in use: %v, want 409", err)
	}
	if _, err := c.AssignPlan(ctx, testKey, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePlan(ctx, "wholesale"); err != nil {
		t.Fatal(err)
	}
}
