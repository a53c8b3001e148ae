package pricing

import (
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestMergeReplacesOnlyTheImportedType(t *testing.T) {
	base := testBook() // sms, sms-transit and voice lines
	base.Networks = []kassa.Network{{Code: "GB-OLD", Name: "old", Type: kassa.Landline, Country: "GB", Ranges: []string{"44999"}}}
	deck, err := parseTestCSV(t, "prefix,country,price\n44,GB,0.05\n447700900,GB,0.001\n", CSVOptions{Type: kassa.SMS, Name: "new sms deck"})
	if err != nil {
		t.Fatal(err)
	}
	merged := Merge(base, deck)
	s := mustCompile(t, merged, CompileOptions{})
	check := func(typ kassa.ServiceType, number, want string) {
		t.Helper()
		r, err := s.Rate(typ, number, kassa.EUR)
		if err != nil || r.UnitPrice != amt(want) {
			t.Errorf("Rate(%s, %s) = %+v, %v; want %s", typ, number, r, err, want)
		}
	}
	check(kassa.SMS, "447400123456", "0.05")   // the new default
	check(kassa.SMS, "447700900123", "0.001")  // the new network
	check(kassa.Voice, "447700800123", "0.01") // voice kept from base
	check(kassa.SMSTransit, "260961234567", "0.2")
	if _, err := s.Rate(kassa.SMS, "4915112345678", kassa.EUR); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("an sms line of base survived the sms import: %v", err)
	}
	if merged.Name != "new sms deck" || merged.Demo || len(merged.Networks) != 2 {
		t.Errorf("merged %q demo=%v networks=%d", merged.Name, merged.Demo, len(merged.Networks))
	}
	if len(base.Prices) != 10 || !strings.HasPrefix(base.Name, "test") {
		t.Error("Merge changed its input")
	}
	// Naming the replaced types explicitly clears a type the deck lacks.
	cleared := Merge(base, deck, kassa.SMS, kassa.Voice)
	for _, p := range cleared.Prices {
		if p.Type == kassa.Voice {
			t.Fatalf("voice line kept: %+v", p)
		}
	}
}

// A deck merged over the demo tariff replaces the demo prices of its types
// only: the result still holds demo prices for the others and says so.
func TestMergeKeepsTheDemoLabelOfWhatItKeeps(t *testing.T) {
	demo := DemoBook(testRef())
	deck, err := parseTestCSV(t, "country,price\nGB,0.05\n", CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	merged := Merge(demo, deck)
	if !merged.Demo || !slices.Equal(merged.DemoPriceTypes(), []kassa.ServiceType{kassa.SMSTransit, kassa.Voice}) {
		t.Errorf("sms deck over the demo tariff: Demo %v, demo types %v; want true, [sms-transit voice]", merged.Demo, merged.DemoPriceTypes())
	}
	s := mustCompile(t, merged, CompileOptions{})
	if s.DemoPrices(kassa.SMS) || !s.DemoPrices(kassa.Voice) || !s.DemoPrices(kassa.SMSTransit) {
		t.Errorf("snapshot demo prices: sms %v voice %v sms-transit %v; want false true true", s.DemoPrices(kassa.SMS), s.DemoPrices(kassa.Voice), s.DemoPrices(kassa.SMSTransit))
	}
	// Replacing the remaining types leaves no demo price.
	all, err := parseTestCSV(t, "type,country,price\nvoice,GB,0.01\nsms-transit,GB,0.02\n", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if real := Merge(merged, all); real.Demo || len(real.DemoPriceTypes()) != 0 {
		t.Errorf("every type replaced: Demo %v, demo types %v; want none", real.Demo, real.DemoPriceTypes())
	}
	// The label survives storing: Encode and Decode keep the types.
	back, err := Decode(mustEncode(t, merged))
	if err != nil || !slices.Equal(back.DemoPriceTypes(), merged.DemoPriceTypes()) {
		t.Errorf("decoded demo types %v (%v), want %v", back.DemoPriceTypes(), err, merged.DemoPriceTypes())
	}
}

func mustEncode(t *testing.T, book *kassa.PriceBook) []byte {
	t.Helper()
	data, err := Encode(book)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
