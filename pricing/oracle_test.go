package pricing

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// The answers as encoding/json and encoding/xml structs: the oracles that
// the hand-assembled output is checked against.

// countriesJSON is the full-list and typed-prefix answer.
type countriesJSON struct {
	Count     int           `json:"count"`
	Countries []countryJSON `json:"countries"`
}

// countryXML is one country in the XML answers: countryDisplayName is
// camelCase, the other elements hyphenated, as the reference shows.
type countryXML struct {
	DisplayName   string       `xml:"countryDisplayName"`
	Code          string       `xml:"country-code"`
	Name          string       `xml:"country-name"`
	DialingPrefix string       `xml:"dialing-prefix"`
	DefaultPrice  string       `xml:"default-price,omitempty"`
	Currency      string       `xml:"currency"`
	Networks      *networksXML `xml:"networks,omitempty"`
}

// networksXML, codesXML and rangesXML are wrappers given as pointers, so
// that an empty list leaves out its element (encoding/xml writes an empty
// parent for "a>b,omitempty").
type networksXML struct {
	Network []networkXML `xml:"network"`
}

type codesXML struct {
	Code []string `xml:"code"`
}

type rangesXML struct {
	Range []string `xml:"range"`
}

type networkXML struct {
	Code     string     `xml:"network-code"`
	Name     string     `xml:"network-name"`
	Type     string     `xml:"type"`
	Price    string     `xml:"price"`
	Currency string     `xml:"currency"`
	Aliases  *codesXML  `xml:"aliases,omitempty"`
	MCC      string     `xml:"mcc,omitempty"`
	MNC      string     `xml:"mnc,omitempty"`
	Ranges   *rangesXML `xml:"ranges,omitempty"`
}

type countryDocXML struct {
	XMLName xml.Name `xml:"outbound-country-pricing"`
	countryXML
}

type countriesXML struct {
	XMLName   xml.Name     `xml:"outbound-pricing"`
	Count     int          `xml:"count"`
	Countries []countryXML `xml:"countries>country"`
}

// toXML converts a country's prices to its XML form.
func toXML(cp *CountryPrice) countryXML {
	c := countryXML{
		DisplayName:   cp.Country.DisplayName,
		Code:          cp.Country.Code,
		Name:          cp.Country.Name,
		DialingPrefix: cp.Country.DialingPrefix,
		Currency:      string(cp.Currency),
	}
	if cp.HasDefault {
		c.DefaultPrice = cp.DefaultPrice.String()
	}
	for i := range cp.Networks {
		np := &cp.Networks[i]
		n := networkXML{
			Code:     np.Network.Code,
			Name:     np.Network.Name,
			Type:     string(np.Network.Type),
			Price:    np.Price.String(),
			Currency: string(cp.Currency),
		}
		if len(np.Network.Aliases) > 0 {
			n.Aliases = &codesXML{Code: np.Network.Aliases}
		}
		if len(np.Network.Ranges) > 0 {
			n.Ranges = &rangesXML{Range: np.Network.Ranges}
		}
		if hasMCC(np.Network.Type) {
			n.MCC, n.MNC = np.Network.MCC, np.Network.MNC
		}
		if c.Networks == nil {
			c.Networks = &networksXML{}
		}
		c.Networks.Network = append(c.Networks.Network, n)
	}
	return c
}

// TestRenderingMatchesEncoding renders every answer of the test data and
// of the embedded reference data (with names that need escaping) from the
// compact snapshot, pre-rendered and streamed, and wants the bytes that
// encoding/json and encoding/xml write for the typed views.
func TestRenderingMatchesEncoding(t *testing.T) {
	ref := testRef()
	book := testBook()
	book.Networks = []kassa.Network{{Code: "GB-ODD", Name: "AT&T <\"odd\"> 'name'\tå\u2028\x01", Type: kassa.Pager, Country: "GB", MCC: "234", MNC: "99", Aliases: []string{"a&b", "\"q\""}, Ranges: []string{"447999"}}}
	var snaps []*Snapshot
	for _, streamAbove := range []int64{0, 1} {
		odd, err := Compile(book, ref, CompileOptions{streamAbove: streamAbove})
		if err != nil {
			t.Fatal(err)
		}
		demo, err := Compile(DemoBook(refdata.Default()), refdata.Default(), CompileOptions{streamAbove: streamAbove})
		if err != nil {
			t.Fatal(err)
		}
		if odd.Streamed() != (streamAbove == 1) || demo.Streamed() != (streamAbove == 1) {
			t.Fatalf("streamAbove %d: streamed %v %v", streamAbove, odd.Streamed(), demo.Streamed())
		}
		snaps = append(snaps, odd, demo)
	}
	body := func(d *Document, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return documentBody(t, d)
	}
	for _, s := range snaps {
		for _, typ := range kassa.ServiceTypes {
			list := s.Countries(typ, kassa.EUR)
			ptrs := make([]*CountryPrice, len(list))
			for i := range list {
				ptrs[i] = &list[i]
				want, err := marshalXML(countryDocXML{countryXML: toXML(&list[i])}, true)
				if err != nil {
					t.Fatal(err)
				}
				if got := body(s.CountryPricing(typ, list[i].Country.Code, kassa.EUR, XML)); !bytes.Equal(got, want) {
					t.Fatalf("%s %s:\n got %s\nwant %s", typ, list[i].Country.Code, got, want)
				}
				one, _ := marshalJSON(toJSON(&list[i]))
				if got := body(s.CountryPricing(typ, list[i].Country.Code, kassa.EUR, JSON)); !bytes.Equal(got, one) {
					t.Fatalf("%s %s JSON:\n got %s\nwant %s", typ, list[i].Country.Code, got, one)
				}
			}
			doc := countriesXML{Count: len(list), Countries: make([]countryXML, len(list))}
			jdoc := countriesJSON{Count: len(list), Countries: make([]countryJSON, len(list))}
			for i := range list {
				doc.Countries[i] = toXML(&list[i])
				jdoc.Countries[i] = toJSON(&list[i])
			}
			want, err := marshalXML(doc, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := body(s.FullPricing(typ, kassa.EUR, XML)); !bytes.Equal(got, want) {
				t.Fatalf("%s full XML list differs", typ)
			}
			wantJSON, err := marshalJSON(jdoc)
			if err != nil {
				t.Fatal(err)
			}
			if got := body(s.FullPricing(typ, kassa.EUR, JSON)); !bytes.Equal(got, wantJSON) {
				t.Fatalf("%s full JSON list differs from encoding/json", typ)
			}
		}
		// The legacy prefix shape, against its encoding/json and
		// encoding/xml structs.
		sms := s.Countries(kassa.SMS, kassa.EUR)
		for _, prefix := range []string{"44", "1", "260", "39", "999"} {
			var list []*CountryPrice
			for i := range sms {
				if sms[i].Country.DialingPrefix == prefix {
					list = append(list, &sms[i])
				}
			}
			for _, f := range []Format{JSON, XML} {
				want, err := renderLegacyOracle(list, f)
				if err != nil {
					t.Fatal(err)
				}
				if got := body(s.LegacyPrefixPricing(prefix, kassa.EUR, f, 1)); !bytes.Equal(got, want) {
					t.Fatalf("legacy %s format %d:\n got %s\nwant %s", prefix, f, got, want)
				}
			}
		}
	}
	empty, _ := marshalXML(countriesXML{}, true)
	if got, _ := (&view{}).renderBytes(kindPrefix, XML, nil); !bytes.Equal(got, empty) {
		t.Fatalf("empty list: got %s want %s", got, empty)
	}
	for _, f := range []Format{JSON, XML} {
		want, _ := renderLegacyOracle(nil, f)
		if got := emptyLegacy[f].Body; !bytes.Equal(got, want) {
			t.Fatalf("empty legacy %d: got %s want %s", f, got, want)
		}
	}
}
