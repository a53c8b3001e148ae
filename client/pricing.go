package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// CountryPrice is one country's outbound prices for one service type.
// Countries without priced networks have HasDefaultPrice false and no
// Networks.
type CountryPrice struct {
	CountryCode        string
	CountryName        string
	CountryDisplayName string
	Currency           string
	DialingPrefix      string
	DefaultPrice       kassa.Amount
	HasDefaultPrice    bool
	Networks           []NetworkPrice
}

// NetworkPrice is one network's price in a country.
type NetworkPrice struct {
	Type        string // mobile, landline, landline_premium, landline_tollfree, virtual, pager
	NetworkCode string
	NetworkName string
	Price       kassa.Amount
	Currency    string
	MCC         string // mobile and pager networks only
	MNC         string // keeps its leading zeros
	Aliases     []string
	Ranges      []int64
}

// PriceList is the answer of full and prefix pricing.
type PriceList struct {
	Count     int
	Countries []CountryPrice
}

// countryWire is a country on the wire; prices are 8-decimal strings.
type countryWire struct {
	CountryCode        string        `json:"countryCode,omitempty"`
	CountryName        string        `json:"countryName,omitempty"`
	CountryDisplayName string        `json:"countryDisplayName,omitempty"`
	Currency           string        `json:"currency,omitempty"`
	DefaultPrice       *money        `json:"defaultPrice,omitempty"`
	DialingPrefix      string        `json:"dialingPrefix,omitempty"`
	Networks           []networkWire `json:"networks,omitempty"`
}

type networkWire struct {
	Type        string   `json:"type,omitempty"`
	Price       money    `json:"price"`
	Currency    string   `json:"currency,omitempty"`
	MCC         string   `json:"mcc,omitempty"`
	MNC         string   `json:"mnc,omitempty"`
	NetworkCode string   `json:"networkCode"`
	NetworkName string   `json:"networkName"`
	Aliases     []string `json:"aliases,omitempty"`
	Ranges      []int64  `json:"ranges,omitempty"`
}

type listWire struct {
	Count     json.RawMessage `json:"count"`
	Countries []CountryPrice  `json:"countries"`
}

// MarshalJSON writes the Account API's wire shape.
func (c CountryPrice) MarshalJSON() ([]byte, error) {
	w := countryWire{CountryCode: c.CountryCode, CountryName: c.CountryName,
		CountryDisplayName: c.CountryDisplayName, Currency: c.Currency, DialingPrefix: c.DialingPrefix}
	if c.HasDefaultPrice {
		w.DefaultPrice = new(money(c.DefaultPrice))
	}
	for _, n := range c.Networks {
		w.Networks = append(w.Networks, networkWire{Type: n.Type, Price: money(n.Price), Currency: n.Currency,
			MCC: n.MCC, MNC: n.MNC, NetworkCode: n.NetworkCode, NetworkName: n.NetworkName,
			Aliases: n.Aliases, Ranges: n.Ranges})
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the Account API's wire shape.
func (c *CountryPrice) UnmarshalJSON(data []byte) error {
	var w countryWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = CountryPrice{CountryCode: w.CountryCode, CountryName: w.CountryName,
		CountryDisplayName: w.CountryDisplayName, Currency: w.Currency, DialingPrefix: w.DialingPrefix}
	if w.DefaultPrice != nil {
		c.DefaultPrice, c.HasDefaultPrice = kassa.Amount(*w.DefaultPrice), true
	}
	for _, n := range w.Networks {
		c.Networks = append(c.Networks, NetworkPrice{Type: n.Type, Price: kassa.Amount(n.Price), Currency: n.Currency,
			MCC: n.MCC, MNC: n.MNC, NetworkCode: n.NetworkCode, NetworkName: n.NetworkName,
			Aliases: n.Aliases, Ranges: n.Ranges})
	}
	return nil
}

// MarshalJSON writes {"count": N, "countries": [...]}.
func (l PriceList) MarshalJSON() ([]byte, error) {
	countries := l.Countries
	if countries == nil {
		countries = []CountryPrice{}
	}
	return json.Marshal(listWire{Count: json.RawMessage(strconv.Itoa(l.Count)), Countries: countries})
}

// UnmarshalJSON reads a price list; count may be a number or a string.
func (l *PriceList) UnmarshalJSON(data []byte) error {
	var w listWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*l = PriceList{Countries: w.Countries, Count: len(w.Countries)}
	if len(w.Count) > 0 {
		n, err := strconv.Atoi(strings.Trim(string(w.Count), `"`))
		if err != nil {
			return &json.UnmarshalTypeError{Value: string(w.Count), Field: "count"}
		}
		l.Count = n
	}
	return nil
}

// CountryPricing returns the outbound prices of one country, by its ISO
// 3166-1 alpha-2 code (GET /account/get-pricing/outbound/{type}?country=).
func (c *Client) CountryPricing(ctx context.Context, typ kassa.ServiceType, country string) (*CountryPrice, error) {
	r := &request{method: http.MethodGet, path: "/account/get-pricing/outbound/" + pathEscape(string(typ)),
		query: url.Values{"country": {country}}, auth: authBasic}
	var cp CountryPrice
	if err := c.getJSON(ctx, r, &cp); err != nil {
		return nil, err
	}
	return &cp, nil
}

// FullPricing returns the outbound prices of every country
// (GET /account/get-full-pricing/outbound/{type}).
func (c *Client) FullPricing(ctx context.Context, typ kassa.ServiceType) (*PriceList, error) {
	r := &request{method: http.MethodGet, path: "/account/get-full-pricing/outbound/" + pathEscape(string(typ)), auth: authBasic}
	var l PriceList
	if err := c.getJSON(ctx, r, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// PrefixPricing returns the outbound prices of every country whose dialling
// prefix is prefix ("1" gives Canada, the United States and more)
// (GET /account/get-prefix-pricing/outbound/{type}?prefix=).
func (c *Client) PrefixPricing(ctx context.Context, typ kassa.ServiceType, prefix string) (*PriceList, error) {
	r := &request{method: http.MethodGet, path: "/account/get-prefix-pricing/outbound/" + pathEscape(string(typ)),
		query: url.Values{"prefix": {prefix}}, auth: authBasic}
	var l PriceList
	if err := c.getJSON(ctx, r, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// getJSON sends r and decodes its JSON answer into v.
func (c *Client) getJSON(ctx context.Context, r *request, v any) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	return resp.decode(r, v)
}
