package pricing

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// demoSnapshot compiles the demo tariff over the embedded reference data.
func demoSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	ref := refdata.Default()
	s, err := Compile(DemoBook(ref), ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.0825"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDemoBookCoversDefault(t *testing.T) {
	ref := refdata.Default()
	book := DemoBook(ref)
	if !book.Demo || book.Name != DemoName {
		t.Errorf("demo book labelled %q demo=%v", book.Name, book.Demo)
	}
	want := len(kassa.ServiceTypes) * (len(ref.Countries) + len(ref.Networks))
	if len(book.Prices) != want {
		t.Errorf("%d lines, want %d (every country and network, three types)", len(book.Prices), want)
	}
	for _, p := range book.Prices {
		r := demoRanges[p.Type]
		if p.Currency != kassa.EUR || int64(p.Price) < r.min || int64(p.Price) > r.max {
			t.Fatalf("line %+v outside %v", p, r)
		}
	}
	again := DemoBook(ref)
	for i := range book.Prices {
		if book.Prices[i] != again.Prices[i] {
			t.Fatal("demo prices are not deterministic")
		}
	}
}

func TestDefaultSnapshotAnswers(t *testing.T) {
	s := demoSnapshot(t)
	ref := refdata.Default()
	doc, err := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	schema := jsonSchema{}
	schema.learn("", decodeJSON(t, readGolden(t, "full-pricing.json")))
	cs := countrySchema(t)
	schema[".countries[]"] = cs[""]
	for k, v := range cs {
		if strings.HasPrefix(k, ".networks") {
			schema[".countries[]"+k] = v
		}
	}
	got := decodeJSON(t, doc.Body).(map[string]any)
	schema.check(t, "", got)
	if n := len(got["countries"].([]any)); n != len(ref.Countries) || got["count"] != json.Number(strconv.Itoa(n)) {
		t.Errorf("count %v, %d countries; want %d", got["count"], n, len(ref.Countries))
	}
	x, err := s.FullPricing(kassa.Voice, kassa.USD, XML)
	if err != nil {
		t.Fatal(err)
	}
	checkXMLOrder(t, readGolden(t, "full-pricing.xml"), x.Body, map[string][]string{
		"/outbound-pricing/countries/country":                         {"default-price"},
		"/outbound-pricing/countries/country/networks/network":        {"ranges"},
		"/outbound-pricing/countries/country/networks/network/ranges": {"range"},
	})
	legacy, err := s.LegacyPrefixPricing("263", kassa.EUR, JSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	ls := jsonSchema{}
	ls.learn("", decodeJSON(t, readGolden(t, "prefix.json")))
	ls.check(t, "", decodeJSON(t, legacy.Body))
	if !strings.Contains(string(legacy.Body), `"country":"ZW"`) {
		t.Errorf("prefix 263: %s", legacy.Body)
	}
}

func TestDefaultRate(t *testing.T) {
	s := demoSnapshot(t)
	tests := []struct {
		number, country string
		network         bool // a network (not the country default) prices it
	}{
		{"+44 7700 900123", "GB", true},
		{"+1 212 555 0100", "US", true},
		{"+1 204 555 0100", "CA", true},
		{"+1 800 555 0100", "US", true}, // toll-free ranges shared by NANP: the US
		{"+7 701 123 4567", "KZ", true},
		{"+7 900 123 4567", "RU", true},
		{"+260 96 1234567", "ZM", true},
		{"+49 151 12345678", "DE", true},
		{"+33 6 12 34 56 78", "FR", true},
	}
	for _, tt := range tests {
		r, err := s.Rate(kassa.SMS, tt.number, kassa.EUR)
		if err != nil {
			t.Errorf("Rate(%q): %v", tt.number, err)
			continue
		}
		if r.Country != tt.country || (r.NetworkCode != "") != tt.network || r.UnitPrice <= 0 {
			t.Errorf("Rate(%q) = %+v, want %s", tt.number, r, tt.country)
		}
		usd, err := s.Rate(kassa.SMS, tt.number, kassa.USD)
		if err != nil || usd.NetworkCode != r.NetworkCode || usd.Currency != kassa.USD {
			t.Errorf("Rate(%q) in USD = %+v, %v", tt.number, usd, err)
		}
	}
}

// TestEnsureDefaultWithEmbeddedData: a fresh SQLite store, the embedded
// reference data, EnsureDefault: the node answers demo prices, and a
// second node on the same file loads the same answers.
func TestEnsureDefaultWithEmbeddedData(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, refdata.Default(), ServiceOptions{Logger: quiet})
	if err := svc.EnsureDefault(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Rate(kassa.Voice, "+44 20 7946 0000", kassa.EUR)
	if err != nil || r.Country != "GB" || r.UnitPrice < amt("0.01") || r.UnitPrice > amt("0.50") {
		t.Fatalf("Rate = %+v, %v", r, err)
	}
	other := NewService(store, refdata.Default(), ServiceOptions{Logger: quiet})
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := svc.Current().FullPricing(kassa.SMS, kassa.EUR, JSON)
	b, _ := other.Current().FullPricing(kassa.SMS, kassa.EUR, JSON)
	if a.ETag != b.ETag {
		t.Error("two nodes serve the demo list with different ETags")
	}
}
