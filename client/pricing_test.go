package client_test

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestCountryPricing(t *testing.T) {
	ts := startPricedKassa(t)
	requirePricing(t, ts)
	cp, err := accountClient(ts).CountryPricing(testCtx(t), kassa.SMS, "GB")
	if err != nil {
		t.Fatal(err)
	}
	if cp.CountryCode != "GB" || cp.DialingPrefix != "44" || cp.Currency != "EUR" || !cp.HasDefaultPrice || cp.DefaultPrice <= 0 {
		t.Fatalf("GB = %+v", cp)
	}
	if len(cp.Networks) == 0 {
		t.Fatal("GB has no networks")
	}
	for _, n := range cp.Networks {
		if n.NetworkCode == "" || n.Price <= 0 || n.Currency != "EUR" {
			t.Errorf("network %+v: want a code, a positive price and EUR", n)
		}
	}
}

func TestCountryPricingErrors(t *testing.T) {
	ts := startPricedKassa(t)
	requirePricing(t, ts)
	c := accountClient(ts)
	ctx := testCtx(t)
	if _, err := c.CountryPricing(ctx, kassa.SMS, ""); kassaCode(t, err) != kassa.EINVALID {
		t.Errorf("missing country: %v, want invalid", err)
	}
	if _, err := c.CountryPricing(ctx, "fax", "GB"); err == nil {
		t.Error("unknown service type: no error")
	}
}

func TestFullPricing(t *testing.T) {
	ts := startPricedKassa(t)
	requirePricing(t, ts)
	l, err := accountClient(ts).FullPricing(testCtx(t), kassa.Voice)
	if err != nil {
		t.Fatal(err)
	}
	if l.Count != len(l.Countries) || l.Count < 200 {
		t.Fatalf("full pricing: count %d with %d countries, want the same and at least 200", l.Count, len(l.Countries))
	}
	priced := 0
	for _, cp := range l.Countries {
		if cp.HasDefaultPrice {
			priced++
		}
	}
	if priced == 0 {
		t.Fatal("no country has a price")
	}
}

func TestPrefixPricing(t *testing.T) {
	ts := startPricedKassa(t)
	requirePricing(t, ts)
	l, err := accountClient(ts).PrefixPricing(testCtx(t), kassa.SMS, "1")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, cp := range l.Countries {
		codes[cp.CountryCode] = true
		if cp.DialingPrefix != "1" {
			t.Errorf("%s has prefix %q in prefix-1 pricing", cp.CountryCode, cp.DialingPrefix)
		}
	}
	if !codes["US"] || !codes["CA"] || l.Count != len(l.Countries) {
		t.Fatalf("prefix 1 = %v (count %d), want US and CA", codes, l.Count)
	}
}
