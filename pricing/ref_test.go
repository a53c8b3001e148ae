package pricing

import (
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// testRef is a small hand-made reference set: GB, US, CA, UM (sharing +1),
// DE, ZM (the networks of the PY4 fixture), IT and VA (sharing +39).
func testRef() *refdata.Data {
	countries := []kassa.Country{
		{Code: "GB", Name: "United Kingdom", DisplayName: "United Kingdom", DialingPrefix: "44"},
		{Code: "US", Name: "United States", DisplayName: "United States", DialingPrefix: "1"},
		{Code: "CA", Name: "Canada", DisplayName: "Canada", DialingPrefix: "1"},
		{Code: "UM", Name: "United States Minor Outlying Islands", DisplayName: "United States Minor Outlying Islands", DialingPrefix: "1"},
		{Code: "DE", Name: "Germany", DisplayName: "Germany", DialingPrefix: "49"},
		{Code: "ZM", Name: "Zambia", DisplayName: "Zambia", DialingPrefix: "260"},
		{Code: "IT", Name: "Italy", DisplayName: "Italy", DialingPrefix: "39"},
		{Code: "VA", Name: "Vatican City", DisplayName: "Vatican City", DialingPrefix: "39"},
	}
	networks := []kassa.Network{
		{Code: "23410", Name: "O2 UK", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "10", Ranges: []string{"4477", "4478"}},
		{Code: "23415", Name: "Vodafone UK", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "15", Ranges: []string{"447400", "4479"}},
		{Code: "GB-FIXED", Name: "United Kingdom Landline", Type: kassa.Landline, Country: "GB", Ranges: []string{"441", "442"}},
		{Code: "310004", Name: "Verizon Wireless", Type: kassa.Mobile, Country: "US", MCC: "310", MNC: "004", Ranges: []string{"1201", "1202", "1415"}},
		{Code: "US-FIXED", Name: "United States Landline", Type: kassa.Landline, Country: "US", Ranges: []string{"1212"}},
		{Code: "US-VIRTUAL-ONVOY", Name: "Onvoy", Type: kassa.Virtual, Country: "US"},
		{Code: "302320", Name: "Rogers Communications Canada Inc.", Type: kassa.Mobile, Country: "CA", MCC: "302", MNC: "320", Ranges: []string{"1204", "1416"}},
		{Code: "CA-FIXED", Name: "Canada Landline", Type: kassa.Landline, Country: "CA", Ranges: []string{"1613"}},
		{Code: "26201", Name: "Telekom Deutschland", Type: kassa.Mobile, Country: "DE", MCC: "262", MNC: "01", Aliases: []string{"26206"}, Ranges: []string{"49151", "49160"}},
		{Code: "DE-FIXED", Name: "Germany Landline", Type: kassa.Landline, Country: "DE", Ranges: []string{"4930"}},
		{Code: "ZM-PREMIUM", Name: "Zambia Premium", Type: kassa.LandlinePremium, Country: "ZM", Ranges: []string{"26090"}},
		{Code: "64502", Name: "MTN Zambia", Type: kassa.Mobile, Country: "ZM", MCC: "645", MNC: "02", Ranges: []string{"2607", "26076", "26096"}},
		{Code: "64501", Name: "Airtel", Type: kassa.Mobile, Country: "ZM", MCC: "645", MNC: "01", Ranges: []string{"26077", "26097"}},
		{Code: "ZM-TOLL-FREE", Name: "Zambia Toll Free", Type: kassa.LandlineTollFree, Country: "ZM", Ranges: []string{"2608"}},
		{Code: "ZM-FIXED", Name: "Zambia Landline", Type: kassa.Landline, Country: "ZM", Ranges: []string{"2602"}},
		{Code: "64503", Name: "Zamtel", Type: kassa.Mobile, Country: "ZM", MCC: "645", MNC: "03", Ranges: []string{"26095"}},
		{Code: "22207", Name: "Noverca Italia S.r.l.", Type: kassa.Mobile, Country: "IT", MCC: "222", MNC: "07", Ranges: []string{"39320"}},
		{Code: "22208", Name: "FastWeb S.p.A.", Type: kassa.Mobile, Country: "IT", MCC: "222", MNC: "08", Ranges: []string{"39327"}},
		{Code: "IT-PREMIUM", Name: "Italy Premium", Type: kassa.LandlinePremium, Country: "IT", Ranges: []string{"39899"}},
	}
	return refdata.New(countries, networks)
}

func amt(s string) kassa.Amount { return kassa.MustParseAmount(s) }

// testBook prices most of testRef in EUR; UM and VA stay unpriced.
func testBook() *kassa.PriceBook {
	p := func(t kassa.ServiceType, country, network, price string) kassa.Price {
		return kassa.Price{Type: t, Country: country, Network: network, Currency: kassa.EUR, Price: amt(price)}
	}
	return &kassa.PriceBook{Name: "test book", Prices: []kassa.Price{
		p(kassa.SMS, "GB", "", "0.0333"),
		p(kassa.SMS, "GB", "23410", "0.04"),
		p(kassa.SMS, "US", "", "0.0057"),
		p(kassa.SMS, "CA", "", "0.0057"),
		p(kassa.SMS, "DE", "", "0.07"),
		p(kassa.SMS, "DE", "26201", "0.08"),
		p(kassa.SMS, "ZM", "", "0.28725"),
		p(kassa.SMS, "IT", "", "0.0827"),
		p(kassa.Voice, "GB", "", "0.01"),
		p(kassa.SMSTransit, "ZM", "64502", "0.2"),
	}}
}

// mustCompile compiles book over testRef or fails the test.
func mustCompile(t testing.TB, book *kassa.PriceBook, opts CompileOptions) *Snapshot {
	t.Helper()
	s, err := Compile(book, testRef(), opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}
