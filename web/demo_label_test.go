package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// TestPricingPageDemoLabel: the page labels demo prices per service type:
// after an sms deck merged over the demo tariff, sms prices are real and
// voice prices are still the demo tariff's.
func TestPricingPageDemoLabel(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.signIn(testKey, testSecret)
	const label = "a <strong>demo tariff</strong>, not real prices"
	for _, typ := range []string{"sms", "voice"} {
		if p := b.get("/ui/pricing?type=" + typ); !strings.Contains(p.body, label) {
			t.Errorf("%s under the demo tariff: no demo label", typ)
		}
	}
	deck, err := pricing.ParseCSV(strings.NewReader("country,price\nDE,0.07\n"), pricing.CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v, err := e.prices.Import(ctx, pricing.Merge(e.prices.Current().Book(), deck), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/ui/pricing?type=sms"); strings.Contains(p.body, label) {
		t.Error("sms prices of the deck are labelled demo")
	}
	if p := b.get("/ui/pricing?type=voice"); !strings.Contains(p.body, label) {
		t.Error("voice prices kept from the demo tariff lost their demo label")
	}
}
