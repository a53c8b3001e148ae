package pricing

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// The answers as encoding/json and encoding/xml write them from the typed
// views: the oracles that the snapshot's own rendering is checked against
// (oracle_test.go).

// countryJSON is one country in the JSON answers; the field order follows
// the live service's answers.
type countryJSON struct {
	DialingPrefix      string        `json:"dialingPrefix"`
	DefaultPrice       string        `json:"defaultPrice,omitempty"`
	Currency           string        `json:"currency"`
	CountryDisplayName string        `json:"countryDisplayName"`
	CountryCode        string        `json:"countryCode"`
	CountryName        string        `json:"countryName"`
	Networks           []networkJSON `json:"networks,omitempty"`
}

type networkJSON struct {
	Type        string        `json:"type"`
	Price       string        `json:"price"`
	Currency    string        `json:"currency"`
	Aliases     []string      `json:"aliases,omitempty"`
	Ranges      []json.Number `json:"ranges,omitempty"`
	MCC         string        `json:"mcc,omitempty"`
	MNC         string        `json:"mnc,omitempty"`
	NetworkCode string        `json:"networkCode"`
	NetworkName string        `json:"networkName"`
}

// toJSON converts a country's prices to its JSON form.
func toJSON(cp *CountryPrice) countryJSON {
	c := countryJSON{
		DialingPrefix:      cp.Country.DialingPrefix,
		Currency:           string(cp.Currency),
		CountryDisplayName: cp.Country.DisplayName,
		CountryCode:        cp.Country.Code,
		CountryName:        cp.Country.Name,
	}
	if cp.HasDefault {
		c.DefaultPrice = cp.DefaultPrice.String()
	}
	for i := range cp.Networks {
		np := &cp.Networks[i]
		n := networkJSON{
			Type:        string(np.Network.Type),
			Price:       np.Price.String(),
			Currency:    string(cp.Currency),
			Aliases:     np.Network.Aliases,
			NetworkCode: np.Network.Code,
			NetworkName: np.Network.Name,
		}
		for _, r := range np.Network.Ranges {
			n.Ranges = append(n.Ranges, json.Number(r))
		}
		if hasMCC(np.Network.Type) {
			n.MCC, n.MNC = np.Network.MCC, np.Network.MNC
		}
		c.Networks = append(c.Networks, n)
	}
	return c
}

// marshalJSON encodes v compactly without HTML escaping and without the
// encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// marshalXML encodes v indented by two spaces, with the XML declaration
// when decl is set.
func marshalXML(v any, decl bool) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	if !decl {
		return body, nil
	}
	return append([]byte(xml.Header), body...), nil
}

// legacyPricesJSON is the old prefix-pricing shape the PHP SDK reads.
type legacyPricesJSON struct {
	Count  int                 `json:"count"`
	Prices []legacyCountryJSON `json:"prices"`
}

type legacyCountryJSON struct {
	Country            string              `json:"country"`
	Name               string              `json:"name"`
	Prefix             string              `json:"prefix"`
	MT                 string              `json:"mt,omitempty"`
	Networks           []legacyNetworkJSON `json:"networks,omitempty"`
	CountryDisplayName string              `json:"countryDisplayName"`
}

type legacyNetworkJSON struct {
	Code    string `json:"code"`
	Network string `json:"network"`
	MTPrice string `json:"mtPrice"`
}

// legacyPricesXML is the old XML shape: repeated <prices> without a
// wrapper, and no XML declaration (as in the reference example).
type legacyPricesXML struct {
	XMLName xml.Name           `xml:"outbound-pricing"`
	Prices  []legacyCountryXML `xml:"prices"`
}

type legacyCountryXML struct {
	CountryDisplayName string             `xml:"countryDisplayName"`
	Country            string             `xml:"country"`
	Name               string             `xml:"name"`
	Prefix             string             `xml:"prefix"`
	MT                 string             `xml:"mt,omitempty"`
	Networks           *legacyNetworksXML `xml:"networks,omitempty"`
}

type legacyNetworksXML struct {
	Network []legacyNetworkXML `xml:"network"`
}

type legacyNetworkXML struct {
	Code    string `xml:"code"`
	Name    string `xml:"name"`
	MTPrice string `xml:"mtPrice"`
}

// renderLegacy renders countries in the old prices shape.
func renderLegacyOracle(list []*CountryPrice, f Format) ([]byte, error) {
	var body []byte
	var err error
	if f == XML {
		doc := legacyPricesXML{}
		for _, cp := range list {
			c := legacyCountryXML{CountryDisplayName: cp.Country.DisplayName, Country: cp.Country.Code, Name: cp.Country.Name, Prefix: cp.Country.DialingPrefix}
			if cp.HasDefault {
				c.MT = cp.DefaultPrice.String()
			}
			for _, np := range cp.Networks {
				if c.Networks == nil {
					c.Networks = &legacyNetworksXML{}
				}
				c.Networks.Network = append(c.Networks.Network, legacyNetworkXML{np.Network.Code, np.Network.Name, np.Price.String()})
			}
			doc.Prices = append(doc.Prices, c)
		}
		body, err = marshalXML(doc, false)
	} else {
		doc := legacyPricesJSON{Count: len(list), Prices: []legacyCountryJSON{}}
		for _, cp := range list {
			c := legacyCountryJSON{Country: cp.Country.Code, Name: cp.Country.Name, Prefix: cp.Country.DialingPrefix, CountryDisplayName: cp.Country.DisplayName}
			if cp.HasDefault {
				c.MT = cp.DefaultPrice.String()
			}
			for _, np := range cp.Networks {
				c.Networks = append(c.Networks, legacyNetworkJSON{np.Network.Code, np.Network.Name, np.Price.String()})
			}
			doc.Prices = append(doc.Prices, c)
		}
		body, err = marshalJSON(doc)
	}
	return body, err
}
