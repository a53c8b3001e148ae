package pricing

import (
	"encoding/xml"
)

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

// emptyLegacy is the answer to every page after the first.
var emptyLegacy = mustEmptyLegacy()

func mustEmptyLegacy() [2]*Document {
	var out [2]*Document
	for _, f := range []Format{JSON, XML} {
		d, err := renderLegacy(nil, f)
		if err != nil {
			panic(err)
		}
		out[f] = d
	}
	return out
}

// renderLegacy renders countries in the old prices shape.
func renderLegacy(list []*CountryPrice, f Format) (*Document, error) {
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
	if err != nil {
		return nil, err
	}
	return newDocument(body, f, false)
}
