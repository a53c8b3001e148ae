package pricing

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestCompileRejectsBadLines(t *testing.T) {
	p := func(typ kassa.ServiceType, country, network string, cur kassa.Currency, price string) kassa.Price {
		return kassa.Price{Type: typ, Country: country, Network: network, Currency: cur, Price: amt(price)}
	}
	book := &kassa.PriceBook{Name: "bad", Prices: []kassa.Price{
		p(kassa.SMS, "GB", "", kassa.EUR, "0.03"),      // 1 fine
		p(kassa.SMS, "XX", "", kassa.EUR, "0.03"),      // 2 unknown country
		p(kassa.SMS, "GB", "99999", kassa.EUR, "0.03"), // 3 unknown network
		p(kassa.SMS, "GB", "26201", kassa.EUR, "0.03"), // 4 network of DE
		p(kassa.SMS, "DE", "", kassa.EUR, "-0.01"),     // 5 negative
		p(kassa.SMS, "GB", "", kassa.EUR, "0.04"),      // 6 duplicate of 1
		p(kassa.SMS, "DE", "", "GBP", "0.03"),          // 7 currency
		p("mms", "DE", "", kassa.EUR, "0.03"),          // 8 type
		p(kassa.SMS, "GB", "", kassa.USD, "0.05"),      // 9 fine: another currency
	}}
	_, err := Compile(book, testRef(), CompileOptions{})
	if kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("Compile = %v, want EINVALID", err)
	}
	msg := kassa.ErrorMessage(err)
	for _, want := range []string{
		`line 2 (sms XX default EUR): unknown country "XX"`,
		`line 3 (sms GB 99999 EUR): unknown network "99999"`,
		`line 4 (sms GB 26201 EUR): network 26201 belongs to DE, not GB`,
		`line 5 (sms DE default EUR): negative price -0.01000000`,
		`line 6 (sms GB default EUR): duplicate of line 1`,
		`line 7 (sms DE default GBP): currency must be EUR or USD`,
		`line 8 (mms DE default EUR): unknown service type "mms"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	for _, fine := range []string{"line 1 ", "line 9 "} {
		if strings.Contains(msg, fine) {
			t.Errorf("message names good %q:\n%s", fine, msg)
		}
	}
}

func TestCompileCapsReasons(t *testing.T) {
	book := &kassa.PriceBook{}
	for range 50 {
		book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: "XX", Currency: kassa.EUR})
	}
	_, err := Compile(book, testRef(), CompileOptions{})
	msg := kassa.ErrorMessage(err)
	if strings.Count(msg, "unknown country") != maxReportedErrors || !strings.Contains(msg, "and 30 more problems") {
		t.Errorf("message: %s", msg)
	}
}

func TestCompileBookNetworks(t *testing.T) {
	book := testBook()
	book.Networks = []kassa.Network{
		{Code: "GB-TEST", Name: "Test range", Type: kassa.Mobile, Country: "GB", Ranges: []string{"447700900"}},
	}
	book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: "GB", Network: "GB-TEST", Currency: kassa.EUR, Price: amt("0.001")})
	s := mustCompile(t, book, CompileOptions{})
	r, err := s.Rate(kassa.SMS, "447700900123", kassa.EUR)
	if err != nil || r.NetworkCode != "GB-TEST" || r.UnitPrice != amt("0.001") {
		t.Errorf("Rate = %+v, %v; want the book's GB-TEST at 0.001", r, err)
	}
	r, err = s.Rate(kassa.SMS, "447700800123", kassa.EUR)
	if err != nil || r.NetworkCode != "23410" {
		t.Errorf("Rate outside the extra range = %+v, %v; want 23410", r, err)
	}
	cp, ok := s.Country(kassa.SMS, "GB", kassa.EUR)
	if !ok || len(cp.Networks) != 4 {
		t.Errorf("GB networks: %+v", cp.Networks)
	}

	bad := []kassa.Network{
		{Code: "23410", Name: "clash", Type: kassa.Mobile, Country: "GB"},
		{Code: "XX-1", Type: kassa.Mobile, Country: "XX"},
		{Code: "GB-2", Type: "satellite", Country: "GB"},
		{Code: "GB-3", Type: kassa.Mobile, Country: "GB", Ranges: []string{"49170"}},
		{Code: "GB-4", Type: kassa.Mobile, Country: "GB", Ranges: []string{"44a"}},
		{Code: "", Type: kassa.Mobile, Country: "GB"},
	}
	_, err = Compile(&kassa.PriceBook{Networks: bad}, testRef(), CompileOptions{})
	msg := kassa.ErrorMessage(err)
	for _, want := range []string{"network 1 (GB 23410): network code 23410 already exists", `network 2 (XX XX-1): unknown country`, `unknown network type "satellite"`, `range "49170" does not start with the dialling prefix 44`, `range "44a" is not a number prefix`, "network 6 (GB ): network code is empty"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestCompileFX(t *testing.T) {
	book := testBook()
	book.Prices = append(book.Prices,
		kassa.Price{Type: kassa.SMS, Country: "DE", Network: "DE-FIXED", Currency: kassa.EUR, Price: amt("0.00000001")},
		kassa.Price{Type: kassa.SMS, Country: "ZM", Network: "64501", Currency: kassa.EUR, Price: amt("0.00000003")},
		kassa.Price{Type: kassa.SMS, Country: "US", Currency: kassa.USD, Price: amt("0.0061")}, // a USD line wins over conversion
	)
	{
		s := mustCompile(t, book, CompileOptions{FX: map[string]string{"EUR/USD": "1.5"}})
		check := func(country, network, want string) {
			t.Helper()
			cp, ok := s.Country(kassa.SMS, country, kassa.USD)
			if !ok {
				t.Fatalf("no USD view")
			}
			got := cp.DefaultPrice
			for _, n := range cp.Networks {
				if n.Network.Code == network {
					got = n.Price
				}
			}
			if got != amt(want) || cp.Currency != kassa.USD {
				t.Errorf("%s %s in USD = %s, want %s", country, network, got, want)
			}
		}
		check("GB", "", "0.04995")            // 0.0333 × 1.5
		check("DE", "DE-FIXED", "0.00000002") // 0.000000015 rounds half-even up to 2
		check("ZM", "64501", "0.00000004")    // 0.000000045 rounds half-even down to 4
		check("US", "", "0.0061")
		check("CA", "", "0.00855")
		r, err := s.Rate(kassa.SMS, "12015550100", kassa.USD)
		if err != nil || r.UnitPrice != amt("0.0061") || r.Currency != kassa.USD {
			t.Errorf("Rate in USD = %+v, %v", r, err)
		}
		// US has lines in both currencies: each answer uses its own.
		if us, _ := s.Country(kassa.SMS, "US", kassa.EUR); us.DefaultPrice != amt("0.0057") {
			t.Errorf("US in EUR = %s, want the EUR line 0.0057", us.DefaultPrice)
		}
		if err := s.Available(kassa.SMS, kassa.EUR); err != nil {
			t.Errorf("EUR unavailable: %v", err)
		}
	}
}

func TestCompileFXInverse(t *testing.T) {
	book := &kassa.PriceBook{Prices: []kassa.Price{{Type: kassa.SMS, Country: "GB", Currency: kassa.USD, Price: amt("0.05")}}}
	s := mustCompile(t, book, CompileOptions{FX: map[string]string{"EUR/USD": "1.25"}})
	cp, _ := s.Country(kassa.SMS, "GB", kassa.EUR)
	if cp.DefaultPrice != amt("0.04") {
		t.Errorf("0.05 USD at EUR/USD 1.25 = %s EUR, want 0.04", cp.DefaultPrice)
	}
}

func TestCompileWithoutFX(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	err := s.Available(kassa.SMS, kassa.USD)
	if kassa.ErrorCode(err) != kassa.EUNAVAILABLE || !strings.Contains(kassa.ErrorMessage(err), "no EUR/USD exchange rate") {
		t.Errorf("Available(USD) = %v", err)
	}
	if s.Countries(kassa.SMS, kassa.USD) != nil {
		t.Error("Countries in USD without a rate")
	}
	if _, err := s.FullPricing(kassa.SMS, kassa.USD, JSON); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Errorf("FullPricing USD = %v", err)
	}
	for _, bad := range []map[string]string{{"EUR/GBP": "1"}, {"EURUSD": "1"}, {"EUR/USD": "-1"}, {"EUR/USD": "1e3"}, {"EUR/USD": "0"}} {
		if _, err := Compile(testBook(), testRef(), CompileOptions{FX: bad}); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("FX %v: %v", bad, err)
		}
	}
}

func TestCountriesView(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	list := s.Countries(kassa.SMS, kassa.EUR)
	if len(list) != 8 {
		t.Fatalf("%d countries", len(list))
	}
	de, ok := s.Country(kassa.SMS, "de", kassa.EUR)
	if !ok || !de.Priced || !de.HasDefault || de.DefaultPrice != amt("0.07") || len(de.Networks) != 2 {
		t.Fatalf("DE: %+v", de)
	}
	if !de.Networks[0].Own || de.Networks[0].Price != amt("0.08") || de.Networks[1].Own {
		t.Errorf("DE networks: %+v", de.Networks)
	}
	va, _ := s.Country(kassa.SMS, "VA", kassa.EUR)
	if va.Priced || va.HasDefault || len(va.Networks) != 0 {
		t.Errorf("VA: %+v", va)
	}
	zm, _ := s.Country(kassa.SMSTransit, "ZM", kassa.EUR)
	if !zm.Priced || zm.HasDefault || len(zm.Networks) != 1 || zm.Networks[0].Network.Code != "64502" {
		t.Errorf("ZM sms-transit: %+v", zm)
	}
	if _, ok := s.Country(kassa.SMS, "XX", kassa.EUR); ok {
		t.Error("unknown country found")
	}
}

func TestEncodeDecode(t *testing.T) {
	book := testBook()
	book.Demo = true
	book.Networks = []kassa.Network{{Code: "GB-TEST", Name: "Test", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "099", Aliases: []string{"a"}, Ranges: []string{"447700900"}}}
	data, err := Encode(book)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, book) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, book)
	}
	for _, bad := range [][]byte{nil, []byte("not gzip"), data[:len(data)/2]} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}

func TestCompileSkipStale(t *testing.T) {
	book := testBook()
	book.Prices = append(book.Prices,
		kassa.Price{Type: kassa.SMS, Country: "FR", Currency: kassa.EUR, Price: amt("0.05")},
		kassa.Price{Type: kassa.SMS, Country: "GB", Network: "23499", Currency: kassa.EUR, Price: amt("0.05")},
	)
	book.Networks = []kassa.Network{{Code: "23410", Name: "now in the reference data", Type: kassa.Mobile, Country: "GB"}}
	if _, err := Compile(book, testRef(), CompileOptions{}); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("strict Compile = %v, want EINVALID", err)
	}
	s, err := Compile(book, testRef(), CompileOptions{SkipStale: true})
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 3 || !strings.Contains(strings.Join(w, "\n"), `unknown country "FR"`) {
		t.Errorf("warnings %q", w)
	}
	if r, err := s.Rate(kassa.SMS, "447700900123", kassa.EUR); err != nil || r.UnitPrice != amt("0.04") {
		t.Errorf("the rest of the book is in use: %+v %v", r, err)
	}
	book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: "DE", Network: "DE-FIXED", Currency: kassa.EUR, Price: amt("-1")})
	if _, err := Compile(book, testRef(), CompileOptions{SkipStale: true}); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Errorf("a negative price passed SkipStale: %v", err)
	}
}

func TestParseFX(t *testing.T) {
	got, err := ParseFX(" EUR/USD=1.0825 , ")
	if err != nil || len(got) != 1 || got["EUR/USD"] != "1.0825" {
		t.Errorf("ParseFX = %v, %v", got, err)
	}
	if got, err := ParseFX(""); err != nil || len(got) != 0 {
		t.Errorf("ParseFX(\"\") = %v, %v", got, err)
	}
	for _, bad := range []string{"EUR/USD", "EUR/GBP=1", "EUR/USD=abc", "EUR/USD=-1", "EUR-USD=1"} {
		if _, err := ParseFX(bad); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("ParseFX(%q) = %v, want EINVALID", bad, err)
		}
	}
}

// TestCompileMixedCurrenciesWithoutFX: without an exchange rate, each
// (type, currency) is available or not on its own: a book with sms prices
// in EUR and voice prices in USD (an sms tariff with a USD voice deck
// imported over it) answers sms in EUR and voice in USD, and refuses only
// sms in USD and voice in EUR, naming the type and the missing rate.
func TestCompileMixedCurrenciesWithoutFX(t *testing.T) {
	book := &kassa.PriceBook{Prices: []kassa.Price{
		{Type: kassa.SMS, Country: "GB", Currency: kassa.EUR, Price: amt("0.04")},
		{Type: kassa.Voice, Country: "GB", Currency: kassa.USD, Price: amt("0.012")},
	}}
	s := mustCompile(t, book, CompileOptions{})
	for _, ok := range []struct {
		typ  kassa.ServiceType
		cur  kassa.Currency
		want string
	}{{kassa.SMS, kassa.EUR, "0.04"}, {kassa.Voice, kassa.USD, "0.012"}, {kassa.SMSTransit, kassa.EUR, ""}, {kassa.SMSTransit, kassa.USD, ""}} {
		if err := s.Available(ok.typ, ok.cur); err != nil {
			t.Errorf("%s in %s: %v", ok.typ, ok.cur, err)
		}
		if cp, found := s.Country(ok.typ, "GB", ok.cur); ok.want != "" && (!found || cp.DefaultPrice != amt(ok.want)) {
			t.Errorf("%s GB in %s = %+v, want %s", ok.typ, ok.cur, cp, ok.want)
		}
	}
	for _, bad := range []struct {
		typ  kassa.ServiceType
		cur  kassa.Currency
		want string
	}{
		{kassa.SMS, kassa.USD, "sms prices are not available in USD: the price book has them in EUR and no EUR/USD exchange rate is configured"},
		{kassa.Voice, kassa.EUR, "voice prices are not available in EUR: the price book has them in USD and no USD/EUR exchange rate is configured"},
	} {
		err := s.Available(bad.typ, bad.cur)
		if kassa.ErrorCode(err) != kassa.EUNAVAILABLE || kassa.ErrorMessage(err) != bad.want {
			t.Errorf("%s in %s: %v, want %q", bad.typ, bad.cur, err, bad.want)
		}
		if _, err := s.Rate(bad.typ, "447700900123", bad.cur); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
			t.Errorf("Rate %s in %s: %v, want unavailable", bad.typ, bad.cur, err)
		}
	}
}
