package pricing

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

func parseTestCSV(t *testing.T, text string, opts CSVOptions) (*kassa.PriceBook, error) {
	t.Helper()
	opts.Ref = testRef()
	return ParseCSV(strings.NewReader(text), opts)
}

func TestParseCSVMapsRows(t *testing.T) {
	deck := "Dial Code;Country;Network Name;Rate;Currency;Effective Date\n" +
		"44;GB;;0.0333;EUR;2026-12-01\n" + // the dialling prefix: default
		"4477;GB;;0.04;EUR;2026-12-01\n" + // a known range: 23410
		"4478;GB;;0.04;EUR;2026-12-01\n" + // another range of 23410, same price: merged
		"447700900;GB;Test Numbers;0.001;EUR;2026-12-01\n" + // a new prefix: an extra network
		"2609;;;0.3;USD;2026-12-01\n" // no country: found by dialling prefix 260; new prefix
	book, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	want := []kassa.Price{
		{Type: kassa.SMS, Country: "GB", Currency: kassa.EUR, Price: amt("0.0333")},
		{Type: kassa.SMS, Country: "GB", Network: "23410", Currency: kassa.EUR, Price: amt("0.04")},
		{Type: kassa.SMS, Country: "GB", Network: "GB-447700900", Currency: kassa.EUR, Price: amt("0.001")},
		{Type: kassa.SMS, Country: "ZM", Network: "ZM-2609", Currency: kassa.USD, Price: amt("0.3")},
	}
	if !reflect.DeepEqual(book.Prices, want) {
		t.Errorf("prices\n got %+v\nwant %+v", book.Prices, want)
	}
	if len(book.Networks) != 2 {
		t.Fatalf("networks %+v", book.Networks)
	}
	gbTest := book.Networks[0]
	// 447700900 lies in 23410's range 4477: it inherits mobile and MCC/MNC.
	if gbTest.Code != "GB-447700900" || gbTest.Name != "Test Numbers" || gbTest.Type != kassa.Mobile || gbTest.MCC != "234" || gbTest.MNC != "10" || !reflect.DeepEqual(gbTest.Ranges, []string{"447700900"}) {
		t.Errorf("extra network %+v", gbTest)
	}
	if zm := book.Networks[1]; zm.Type != kassa.Landline || zm.Name != "Zambia 2609" {
		t.Errorf("extra network %+v", zm)
	}
	// The book compiles and rates with the new network.
	s := mustCompile(t, book, CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}})
	r, err := s.Rate(kassa.SMS, "447700900123", kassa.EUR)
	if err != nil || r.NetworkCode != "GB-447700900" || r.UnitPrice != amt("0.001") {
		t.Errorf("Rate = %+v, %v", r, err)
	}
}

func TestParseCSVColumnsByMCCMNCAndCode(t *testing.T) {
	deck := "SERVICE,ISO,MCC,MNC,Network Code,Operator,Cost\n" +
		"sms,GB,234,10,,,0.05\n" +
		"sms,ZM,645,2,,,0.2\n" + // MNC written without its leading zero
		"voice,DE,,,26201,,0.1\n" +
		"voice,DE,,,,Germany Landline,0.02\n" + // a network by name
		"sms-transit,Italy,,,,,0.07\n" + // a country by name
		"sms,GB,,,26206,,0.09\n" // an alias code of a DE network, in GB: wrong country
	_, err := parseTestCSV(t, deck, CSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 7: network 26206 is in DE, not GB") {
		t.Fatalf("want the alias row rejected, got %v", err)
	}
	book, err := parseTestCSV(t, deck[:strings.LastIndex(strings.TrimSuffix(deck, "\n"), "\n")+1], CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range book.Prices {
		got[string(p.Type)+" "+p.Country+" "+p.Network] = p.Price.String()
	}
	want := map[string]string{
		"sms GB 23410":      "0.05000000",
		"sms ZM 64502":      "0.20000000",
		"voice DE 26201":    "0.10000000",
		"voice DE DE-FIXED": "0.02000000",
		"sms-transit IT ":   "0.07000000",
	}
	if !equalMaps(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestParseCSVReportsEveryProblem(t *testing.T) {
	deck := "prefix,country,price,currency\n" +
		"44,GB,0.03,EUR\n" + // line 2 fine
		"49,DE,0,05,EUR\n" + // line 3: a comma decimal splits the row
		"49,DE,abc,EUR\n" + // line 4: bad number
		"4930,XX,0.01,EUR\n" + // line 5: unknown country
		"44,GB,0.04,EUR\n" + // line 6: duplicate prefix
		"4915,DE,-0.01,EUR\n" + // line 7: negative
		"4916,DE,0.01,GBP\n" + // line 8: currency
		"33,GB,0.01,EUR\n" + // line 9: prefix not in GB
		"999,,0.01,EUR\n" + // line 10: a prefix of no country
		"4x,DE,0.01,EUR\n" + // line 11: bad prefix
		"260,ZM,\xff\xfe,EUR\n" + // line 12: invalid UTF-8
		"26096,ZM,0.3\n" // line 13: truncated
	_, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
	if kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("ParseCSV = %v, want EINVALID", err)
	}
	msg := kassa.ErrorMessage(err)
	for _, want := range []string{
		"line 3: 5 fields where the header has 4",
		`line 4, column "price": bad number "abc"`,
		`line 5, column "country": unknown country "XX"`,
		`line 6, column "prefix": duplicate prefix 44 (also on line 2)`,
		`line 7, column "price": negative price -0.01`,
		`line 8, column "currency": currency "GBP" is not EUR or USD`,
		`line 9, column "prefix": prefix 33 is not in GB (+44)`,
		`line 10, column "prefix": prefix 999 is not in any country`,
		`line 11, column "prefix": bad prefix "4x"`,
		"line 12, column 3: not valid UTF-8",
		"line 13: 3 fields where the header has 4",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "line 2:") || strings.Contains(msg, "line 2,") {
		t.Errorf("message names the good line 2:\n%s", msg)
	}
}

// TestParseCSVSharedDiallingCodes: a shared dialling code means the
// country with the most ranges, unless the row's prefix is in a range of
// another country sharing it.
func TestParseCSVSharedDiallingCodes(t *testing.T) {
	deck := "country code,prefix,price\n" +
		"1,1,0.005\n" + // +1 itself: US (the most ranges)
		"1,1416,0.006\n" + // a CA range
		"1,1999,0.007\n" + // no range: a new network of US
		"39,39,0.08\n" // IT (VA has no ranges)
	book, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range book.Prices {
		got[p.Country+" "+p.Network] = p.Price.String()
	}
	want := map[string]string{"US ": "0.00500000", "CA 302320": "0.00600000", "US US-1999": "0.00700000", "IT ": "0.08000000"}
	if !equalMaps(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// A country without a dialling prefix (AQ in the embedded data) takes a
// default price but no prefix.
func TestParseCSVCountryWithoutDiallingPrefix(t *testing.T) {
	ref := refdata.New(append(testRef().Countries, kassa.Country{Code: "AQ", Name: "Antarctica", DisplayName: "Antarctica"}), testRef().Networks)
	book, err := ParseCSV(strings.NewReader("country,prefix,price\nAQ,,0.5\n"), CSVOptions{Type: kassa.SMS, Ref: ref})
	if err != nil || len(book.Prices) != 1 || book.Prices[0].Country != "AQ" {
		t.Fatalf("default for AQ: %+v, %v", book, err)
	}
	_, err = ParseCSV(strings.NewReader("country,prefix,price\nAQ,123,0.5\n"), CSVOptions{Type: kassa.SMS, Ref: ref})
	if err == nil || !strings.Contains(err.Error(), `line 2, column "prefix": AQ has no dialling prefix`) {
		t.Errorf("prefix for AQ: %v", err)
	}
	_, err = Compile(&kassa.PriceBook{Networks: []kassa.Network{{Code: "AQ-X", Type: kassa.Landline, Country: "AQ", Ranges: []string{"123"}}}}, ref, CompileOptions{})
	if err == nil || !strings.Contains(err.Error(), "the country has no dialling prefix") {
		t.Errorf("book network with ranges in AQ: %v", err)
	}
}

func TestParseCSVFileProblems(t *testing.T) {
	tests := map[string]string{
		"":                                   "the file is empty",
		"\xff\xfep\x00r\x00":                 "the file is UTF-16",
		"country,price\nGB,\"0.03\n":         `line 2: unbalanced quotes`,
		"country,network\nGB,23410\n":        "no price column",
		"price,currency\n0.01,EUR\n":         "no column says where a price goes",
		"country,price,rate\nGB,0.01,0.02\n": `columns "price" and "rate" both give the price`,
		"country,price\n":                    "the deck has no price rows",
	}
	for deck, want := range tests {
		_, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
		if kassa.ErrorCode(err) != kassa.EINVALID || !strings.Contains(err.Error(), want) {
			t.Errorf("deck %q: %v, want %q", deck, err, want)
		}
	}
	if _, err := parseTestCSV(t, "country,price\nGB,0.01\n", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "no type column") {
		t.Errorf("no type anywhere: %v", err)
	}
}

func TestParseCSVExcelSeparatorLine(t *testing.T) {
	book, err := parseTestCSV(t, "sep=|\r\ncountry|price\r\nGB|0.03\r\n", CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if len(book.Prices) != 1 || book.Prices[0].Country != "GB" || book.Prices[0].Price != amt("0.03") {
		t.Errorf("prices %+v", book.Prices)
	}
	// Messages name the file's lines, the sep= line included.
	_, err = parseTestCSV(t, "sep=;\ncountry;price\nXX;0.03\n", CSVOptions{Type: kassa.SMS})
	if err == nil || !strings.Contains(err.Error(), `line 3, column "country": unknown country "XX"`) {
		t.Errorf("error %v", err)
	}
}

func TestParseCSVAcceptsBOMAndTabs(t *testing.T) {
	book, err := parseTestCSV(t, "\xEF\xBB\xBFCountry Code\tPrice\r\nGB\t0.03\r\n\r\nDE\t0.07\r\n", CSVOptions{Type: kassa.Voice, Currency: kassa.USD})
	if err != nil {
		t.Fatal(err)
	}
	if len(book.Prices) != 2 || book.Prices[1].Country != "DE" || book.Prices[1].Currency != kassa.USD || book.Prices[1].Type != kassa.Voice {
		t.Errorf("prices %+v", book.Prices)
	}
}

// TestCSVExportImport: ExportCSV then ParseCSV gives a book with the same
// answers, byte for byte.
func TestCSVExportImport(t *testing.T) {
	deck := "prefix,country,network,price\n44,GB,,0.0333\n4477,GB,,0.04\n447700900,GB,Test,0.001\n447700901,GB,Test 2,0.002\n26096,ZM,,0.3\n"
	book, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	s := mustCompile(t, book, CompileOptions{})
	var buf bytes.Buffer
	if err := ExportCSV(&buf, s, kassa.SMS); err != nil {
		t.Fatal(err)
	}
	again, err := parseTestCSV(t, buf.String(), CSVOptions{})
	if err != nil {
		t.Fatalf("re-import: %v\n%s", err, buf.String())
	}
	s2 := mustCompile(t, again, CompileOptions{})
	for _, f := range []Format{JSON, XML} {
		a, _ := s.FullPricing(kassa.SMS, kassa.EUR, f)
		b, _ := s2.FullPricing(kassa.SMS, kassa.EUR, f)
		if !bytes.Equal(a.Body, b.Body) {
			t.Errorf("format %d: answers differ after CSV export and import\n%s", f, buf.String())
		}
	}
}

// TestJSONExportImport: ExportJSON then ParseFullPricingJSON gives a book
// whose answer is byte for byte the same, with extra networks and in USD.
func TestJSONExportImport(t *testing.T) {
	book := testBook()
	book.Networks = []kassa.Network{{Code: "GB-TEST", Name: "Test range", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "99", Aliases: []string{"23499"}, Ranges: []string{"447700900", "447700901"}}}
	book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: "GB", Network: "GB-TEST", Currency: kassa.EUR, Price: amt("0.001")})
	for _, cur := range []kassa.Currency{kassa.EUR, kassa.USD} {
		s := mustCompile(t, book, CompileOptions{FX: map[string]string{"EUR/USD": "1.0825"}})
		for _, typ := range kassa.ServiceTypes {
			var buf bytes.Buffer
			if err := ExportJSON(&buf, s, typ, cur); err != nil {
				t.Fatal(err)
			}
			back, err := ParseFullPricingJSON(bytes.NewReader(buf.Bytes()), typ, testRef())
			if err != nil {
				t.Fatalf("%s %s: %v", typ, cur, err)
			}
			s2 := mustCompile(t, back, CompileOptions{})
			d, err := s2.FullPricing(typ, cur, JSON)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Body, buf.Bytes()) {
				t.Errorf("%s %s: answer differs after export and import", typ, cur)
			}
		}
	}
}

func TestParseFullPricingJSONErrors(t *testing.T) {
	tests := map[string]string{
		`{"count":1,"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":0.03}]}`:   "wrong type",
		`{"count":1,"countries":[{"countryCode":"GB","currency":"GBP","defaultPrice":"0.03"}]}`: `currency "GBP"`,
		`{"count":1,"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"x"}]}`:    `bad defaultPrice "x"`,
		`{"count":1,"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"0.03"`:    "truncated",
		`{"count":0}`: `no "countries"`,
		`[1,2]`:       "wrong type",
	}
	for in, want := range tests {
		_, err := ParseFullPricingJSON(strings.NewReader(in), kassa.SMS, testRef())
		if kassa.ErrorCode(err) != kassa.EINVALID || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	// Unknown countries are found when the book is compiled.
	book, err := ParseFullPricingJSON(strings.NewReader(`{"count":1,"countries":[{"countryCode":"XX","currency":"EUR","defaultPrice":"0.03"}]}`), kassa.SMS, testRef())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(book, testRef(), CompileOptions{}); err == nil || !strings.Contains(err.Error(), `unknown country "XX"`) {
		t.Errorf("Compile = %v", err)
	}
}

func TestProblemsAreStructured(t *testing.T) {
	deck := "prefix,Country,price\n49,DE,a: b\n4930,XX,0.01\n"
	_, err := parseTestCSV(t, deck, CSVOptions{Type: kassa.SMS})
	got := Problems(err)
	want := []Problem{
		{Where: `line 2, column "price"`, Reason: `bad number "a: b" (write prices like 0.0123)`},
		{Where: `line 3, column "Country"`, Reason: `unknown country "XX"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Problems = %#v\nwant %#v", got, want)
	}
	if msg := kassa.ErrorMessage(err); msg != "rate deck rejected: "+want[0].String()+"; "+want[1].String() {
		t.Errorf("message %q", msg)
	}
	_, err = parseTestCSV(t, "", CSVOptions{Type: kassa.SMS})
	if got := Problems(err); len(got) != 1 || got[0].Where != "" || got[0].Reason != "the file is empty" {
		t.Errorf("empty file: %#v", got)
	}
	_, err = Compile(&kassa.PriceBook{Prices: []kassa.Price{{Type: kassa.SMS, Country: "XX", Currency: kassa.EUR}}}, testRef(), CompileOptions{})
	if got := Problems(err); len(got) != 1 || got[0].Where != "line 1 (sms XX default EUR)" {
		t.Errorf("compile: %#v", got)
	}
	if Problems(errors.New("other")) != nil {
		t.Error("Problems of a plain error")
	}
}

// FuzzParsePrice: the fast path of parsePrice gives what kassa.ParseAmount
// gives, for every input.
func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{"0.0123", "1", "1.", ".5", "123456789.12345678", "1234567890.1", "0.123456789", "-1", "+1", "1e3", "00.10", "", "0.0000000050"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gerr := parsePrice(s)
		want, werr := kassa.ParseAmount(s)
		if (gerr == nil) != (werr == nil) || got != want {
			t.Fatalf("parsePrice(%q) = %v, %v; kassa.ParseAmount = %v, %v", s, got, gerr, want, werr)
		}
	})
}
