package pricing

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// countrySchema is what a country object may hold: the keys of the golden
// per-country and full-list examples and of the PY4 fixture.
func countrySchema(t *testing.T) jsonSchema {
	s := jsonSchema{}
	s.learn("", decodeJSON(t, readGolden(t, "per-country-pricing.json")))
	s.learn("", decodeJSON(t, readGolden(t, "py4-zambia.json")))
	full := decodeJSON(t, readGolden(t, "full-pricing.json")).(map[string]any)
	for _, c := range full["countries"].([]any) {
		s.learn("", c)
	}
	return s
}

func TestCountryPricingJSONShape(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	schema := countrySchema(t)
	for _, code := range []string{"GB", "ZM", "DE", "US", "VA", "UM", "gb"} {
		doc, err := s.CountryPricing(kassa.SMS, code, kassa.EUR, JSON)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if doc.ContentType != "application/json;charset=UTF-8" {
			t.Errorf("content type %q", doc.ContentType)
		}
		schema.check(t, "", decodeJSON(t, doc.Body))
	}
}

func TestCountryPricingGB(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.CountryPricing(kassa.SMS, "gb", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		CountryCode, CountryName, CountryDisplayName, Currency, DefaultPrice, DialingPrefix string
		Networks                                                                            []struct {
			Type, Price, Currency, MCC, MNC, NetworkCode, NetworkName string
			Ranges                                                    []json.Number
		}
	}
	if err := json.Unmarshal(doc.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.CountryCode != "GB" || got.CountryName != "United Kingdom" || got.Currency != "EUR" || got.DefaultPrice != "0.03330000" || got.DialingPrefix != "44" {
		t.Errorf("country fields: %+v", got)
	}
	prices := map[string]string{}
	for _, n := range got.Networks {
		prices[n.NetworkCode] = n.Price
		if n.NetworkCode == "GB-FIXED" && (n.MCC != "" || n.MNC != "") {
			t.Errorf("landline has mcc/mnc: %+v", n)
		}
		if n.NetworkCode == "23415" && (n.MCC != "234" || n.MNC != "15" || n.Type != "mobile" || n.NetworkName != "Vodafone UK") {
			t.Errorf("23415: %+v", n)
		}
	}
	want := map[string]string{"23410": "0.04000000", "23415": "0.03330000", "GB-FIXED": "0.03330000"}
	if !equalMaps(prices, want) {
		t.Errorf("network prices %v, want %v", prices, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestZambiaMatchesPY4Fixture compiles the PY4 fixture's country and
// compares every field and JSON type of the answer with it.
func TestZambiaMatchesPY4Fixture(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.CountryPricing(kassa.SMS, "ZM", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, doc.Body).(map[string]any)
	want := decodeJSON(t, readGolden(t, "py4-zambia.json")).(map[string]any)
	byCode := func(v any) map[string]any {
		out := map[string]any{}
		for _, n := range v.([]any) {
			out[n.(map[string]any)["networkCode"].(string)] = n
		}
		return out
	}
	gotNets, wantNets := byCode(got["networks"]), byCode(want["networks"])
	delete(got, "networks")
	delete(want, "networks")
	if !jsonEqual(got, want) {
		t.Errorf("country fields\n got %v\nwant %v", got, want)
	}
	if len(gotNets) != len(wantNets) {
		t.Fatalf("%d networks, want %d", len(gotNets), len(wantNets))
	}
	for code, w := range wantNets {
		if !jsonEqual(gotNets[code], w) {
			t.Errorf("network %s\n got %v\nwant %v", code, gotNets[code], w)
		}
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestCountryPricingXML(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	extra := map[string][]string{
		"/outbound-country-pricing":                          {"countryDisplayName"},
		"/outbound-country-pricing/networks/network":         {"type", "currency", "aliases", "mcc", "mnc", "ranges"},
		"/outbound-country-pricing/networks/network/aliases": {"code"},
		"/outbound-country-pricing/networks/network/ranges":  {"range"},
	}
	for _, code := range []string{"GB", "DE", "ZM", "VA"} {
		doc, err := s.CountryPricing(kassa.SMS, code, kassa.EUR, XML)
		if err != nil {
			t.Fatal(err)
		}
		if !hasXMLDecl(doc.Body) || doc.ContentType != ContentTypeXML {
			t.Errorf("%s: no XML declaration or content type %q", code, doc.ContentType)
		}
		checkXMLOrder(t, readGolden(t, "per-country-pricing.xml"), doc.Body, extra)
	}
	doc, _ := s.CountryPricing(kassa.SMS, "DE", kassa.EUR, XML)
	for _, want := range []string{"<default-price>0.07000000</default-price>", "<aliases>\n        <code>26206</code>", "<mnc>01</mnc>", "<range>49151</range>"} {
		if !bytes.Contains(doc.Body, []byte(want)) {
			t.Errorf("DE XML lacks %q:\n%s", want, doc.Body)
		}
	}
}

func TestCountryPricingErrors(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	tests := []struct {
		typ     kassa.ServiceType
		country string
		cur     kassa.Currency
		code    string
		field   string
	}{
		{kassa.SMS, "", kassa.EUR, kassa.EINVALID, "country"},
		{kassa.SMS, "GBR", kassa.EUR, kassa.EINVALID, "country"},
		{kassa.SMS, "G\xff", kassa.EUR, kassa.EINVALID, "country"},
		{kassa.SMS, "4", kassa.EUR, kassa.EINVALID, "country"},
		{kassa.SMS, "XX", kassa.EUR, kassa.ENOTFOUND, "country"},
		{"mms", "GB", kassa.EUR, kassa.EINVALID, "type"},
		{kassa.SMS, "GB", kassa.USD, kassa.EUNAVAILABLE, ""},
	}
	for _, tt := range tests {
		_, err := s.CountryPricing(tt.typ, tt.country, tt.cur, JSON)
		if kassa.ErrorCode(err) != tt.code || kassa.ErrorField(err) != tt.field {
			t.Errorf("CountryPricing(%s, %q, %s) = %v, want %s on %q", tt.typ, tt.country, tt.cur, err, tt.code, tt.field)
		}
	}
}

func TestUnknownFormatIsJSON(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	d, err := s.CountryPricing(kassa.SMS, "GB", kassa.EUR, Format(7))
	if err != nil || d.ContentType != ContentTypeJSON {
		t.Errorf("Format(7): %v %v", d, err)
	}
	if d, err := s.FullPricing(kassa.SMS, kassa.EUR, Format(-1)); err != nil || d.ContentType != ContentTypeJSON {
		t.Errorf("Format(-1): %v %v", d, err)
	}
}

func TestUnpricedCountryOmitsPrices(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.CountryPricing(kassa.SMS, "VA", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, doc.Body).(map[string]any)
	for _, k := range []string{"defaultPrice", "networks"} {
		if _, ok := got[k]; ok {
			t.Errorf("unpriced VA has %q: %s", k, doc.Body)
		}
	}
	if got["currency"] != "EUR" || got["dialingPrefix"] != "39" {
		t.Errorf("VA: %s", doc.Body)
	}
}

func TestFullPricing(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	schema := jsonSchema{}
	schema.learn("", decodeJSON(t, readGolden(t, "full-pricing.json")))
	cs := countrySchema(t)
	schema[".countries[]"] = cs[""]
	for k, v := range cs {
		if strings.HasPrefix(k, ".networks") {
			schema[".countries[]"+k] = v
		}
	}
	doc, err := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, doc.Body)
	schema.check(t, "", got)
	m := got.(map[string]any)
	if m["count"] != json.Number("8") || len(m["countries"].([]any)) != 8 {
		t.Errorf("count %v, %d countries; want 8", m["count"], len(m["countries"].([]any)))
	}
	var codes []string
	for _, c := range m["countries"].([]any) {
		codes = append(codes, c.(map[string]any)["countryCode"].(string))
	}
	if !slices.Equal(codes, []string{"CA", "DE", "GB", "IT", "UM", "US", "VA", "ZM"}) {
		t.Errorf("countries %v", codes)
	}
	if plain := gunzip(t, doc.Gzip); !bytes.Equal(plain, doc.Body) {
		t.Error("gzip copy differs from the body")
	}
	if doc.ETag == "" || doc.ETag[0] != '"' || doc.GzipETag == doc.ETag {
		t.Errorf("ETags %q %q", doc.ETag, doc.GzipETag)
	}
	again := mustCompile(t, testBook(), CompileOptions{})
	doc2, _ := again.FullPricing(kassa.SMS, kassa.EUR, JSON)
	if doc2.ETag != doc.ETag {
		t.Error("the same book gives another ETag")
	}
	voice, _ := s.FullPricing(kassa.Voice, kassa.EUR, JSON)
	if voice.ETag == doc.ETag {
		t.Error("sms and voice share an ETag")
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFullPricingXML(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.FullPricing(kassa.SMS, kassa.EUR, XML)
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string][]string{
		"/outbound-pricing/countries/country":                         {"default-price"},
		"/outbound-pricing/countries/country/networks/network":        {"ranges"},
		"/outbound-pricing/countries/country/networks/network/ranges": {"range"},
	}
	checkXMLOrder(t, readGolden(t, "full-pricing.xml"), doc.Body, extra)
	if !bytes.Contains(doc.Body, []byte("<count>8</count>")) || !hasXMLDecl(doc.Body) {
		t.Errorf("full XML:\n%s", doc.Body)
	}
	if !bytes.Equal(gunzip(t, doc.Gzip), doc.Body) {
		t.Error("gzip copy differs")
	}
}

func TestPrefixPricing(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.PrefixPricing(kassa.SMS, "1", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Count     json.Number
		Countries []struct{ CountryCode, DefaultPrice string }
	}
	if err := json.Unmarshal(doc.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != "3" || len(got.Countries) != 3 || got.Countries[0].CountryCode != "CA" || got.Countries[1].CountryCode != "UM" || got.Countries[2].DefaultPrice != "0.00570000" {
		t.Errorf("prefix 1: %s", doc.Body)
	}
	again, _ := s.PrefixPricing(kassa.SMS, "+1", kassa.EUR, JSON)
	if again != doc {
		t.Error("second answer not served from the cache")
	}
	empty, err := s.PrefixPricing(kassa.SMS, "999", kassa.EUR, JSON)
	if err != nil || string(empty.Body) != `{"count":0,"countries":[]}` {
		t.Errorf("unknown prefix: %s %v", empty.Body, err)
	}
	x, err := s.PrefixPricing(kassa.SMS, "39", kassa.EUR, XML)
	if err != nil {
		t.Fatal(err)
	}
	checkXMLOrder(t, readGolden(t, "full-pricing.xml"), x.Body, map[string][]string{
		"/outbound-pricing/countries/country":                         {"default-price"},
		"/outbound-pricing/countries/country/networks/network":        {"ranges"},
		"/outbound-pricing/countries/country/networks/network/ranges": {"range"},
	})
	for _, bad := range []string{"", "abc", "44a", "1234567890123456"} {
		if _, err := s.PrefixPricing(kassa.SMS, bad, kassa.EUR, JSON); kassa.ErrorField(err) != "prefix" {
			t.Errorf("prefix %q: %v", bad, err)
		}
	}
}

func TestLegacyPrefixPricing(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	doc, err := s.LegacyPrefixPricing("1", kassa.EUR, JSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	schema := jsonSchema{}
	schema.learn("", decodeJSON(t, readGolden(t, "prefix.json")))
	schema.check(t, "", decodeJSON(t, doc.Body))
	var got struct {
		Count  int
		Prices []map[string]any
	}
	if err := json.Unmarshal(doc.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 3 || len(got.Prices) != 3 {
		t.Fatalf("legacy prefix 1: %s", doc.Body)
	}
	us := got.Prices[2]
	if us["country"] != "US" || us["mt"] != "0.00570000" || us["prefix"] != "1" {
		t.Errorf("US entry %v", us)
	}
	if _, ok := got.Prices[1]["mt"]; ok {
		t.Errorf("unpriced UM has mt: %v", got.Prices[1])
	}
	page1, _ := s.LegacyPrefixPricing("1", kassa.EUR, JSON, 1)
	if !bytes.Equal(page1.Body, doc.Body) {
		t.Error("page_index=1 differs from no page_index")
	}
	for _, page := range []int{2, 3, 40} {
		p, err := s.LegacyPrefixPricing("1", kassa.EUR, JSON, page)
		if err != nil || string(p.Body) != `{"count":0,"prices":[]}` {
			t.Errorf("page %d: %s %v", page, p.Body, err)
		}
	}
	x, err := s.LegacyPrefixPricing("1", kassa.EUR, XML, 0)
	if err != nil {
		t.Fatal(err)
	}
	if hasXMLDecl(x.Body) {
		t.Error("legacy XML has a declaration; the reference example has none")
	}
	checkXMLOrder(t, readGolden(t, "prefix.xml"), x.Body, nil)
}

// TestPrefixCacheConcurrent asks for prefix answers from many goroutines:
// every caller gets the same bytes, whichever goroutine rendered them.
func TestPrefixCacheConcurrent(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	want := map[string][]byte{}
	fresh := mustCompile(t, testBook(), CompileOptions{})
	prefixes := []string{"1", "44", "39", "260", "49", "999"}
	for _, p := range prefixes {
		d, err := fresh.PrefixPricing(kassa.SMS, p, kassa.EUR, JSON)
		if err != nil {
			t.Fatal(err)
		}
		want[p] = d.Body
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p := prefixes[(g+i)%len(prefixes)]
				d, err := s.PrefixPricing(kassa.SMS, p, kassa.EUR, JSON)
				if err != nil || !bytes.Equal(d.Body, want[p]) {
					t.Errorf("prefix %s: %v", p, err)
					return
				}
				if _, err := s.LegacyPrefixPricing(p, kassa.EUR, XML, 1); err != nil {
					t.Errorf("legacy %s: %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
