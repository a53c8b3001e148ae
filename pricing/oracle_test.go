package pricing

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/kassa-dev/kassa"
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

// TestXMLWriterMatchesEncodingXML renders every country of the test data
// and of the embedded reference data (and names that need escaping) both
// ways and wants the same bytes.
func TestRenderingMatchesEncoding(t *testing.T) {
	ref := testRef()
	book := testBook()
	book.Networks = []kassa.Network{{Code: "GB-ODD", Name: "AT&T <\"odd\"> 'name'\tå", Type: kassa.Pager, Country: "GB", MCC: "234", MNC: "99", Aliases: []string{"a&b"}, Ranges: []string{"447999"}}}
	odd, err := Compile(book, ref, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Snapshot{odd, demoSnapshot(t)} {
		for _, typ := range kassa.ServiceTypes {
			list := s.Countries(typ, kassa.EUR)
			ptrs := make([]*CountryPrice, len(list))
			for i := range list {
				ptrs[i] = &list[i]
				want, err := marshalXML(countryDocXML{countryXML: toXML(&list[i])}, true)
				if err != nil {
					t.Fatal(err)
				}
				if got := countryDocumentXML(&list[i]); !bytes.Equal(got, want) {
					t.Fatalf("%s %s:\n got %s\nwant %s", typ, list[i].Country.Code, got, want)
				}
			}
			doc := countriesXML{Count: len(list), Countries: make([]countryXML, len(list))}
			for i := range list {
				doc.Countries[i] = toXML(&list[i])
			}
			want, err := marshalXML(doc, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := countriesDocumentXML(ptrs); !bytes.Equal(got, want) {
				t.Fatalf("%s full list differs", typ)
			}
			jdoc := countriesJSON{Count: len(list), Countries: make([]countryJSON, len(list))}
			for i := range list {
				jdoc.Countries[i] = toJSON(&list[i])
			}
			wantJSON, err := marshalJSON(jdoc)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.FullPricing(typ, kassa.EUR, JSON); !bytes.Equal(got.Body, wantJSON) {
				t.Fatalf("%s full JSON list differs from encoding/json", typ)
			}
			for i := range list {
				c, _ := s.CountryPricing(typ, list[i].Country.Code, kassa.EUR, JSON)
				one, _ := marshalJSON(toJSON(&list[i]))
				if !bytes.Equal(c.Body, one) {
					t.Fatalf("%s %s JSON differs", typ, list[i].Country.Code)
				}
			}
			empty, _ := marshalXML(countriesXML{}, true)
			if got := countriesDocumentXML(nil); !bytes.Equal(got, empty) {
				t.Fatalf("empty list: got %s want %s", got, empty)
			}
		}
	}
}
