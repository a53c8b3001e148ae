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

// UsageQuery selects and groups usage (docs/admin-api.md#usage-and-statements).
// Zero fields take the server's defaults: the current UTC month, one row
// per currency, every row.
type UsageQuery struct {
	From, To string   // UTC days, YYYY-MM-DD, both included
	GroupBy  []string // day, month, type, country, network; account across accounts
	Currency string
	Top      int // the N rows with the largest amount, largest first
}

// values are the query's parameters.
func (q UsageQuery) values() url.Values {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	set("from", q.From)
	set("to", q.To)
	set("group_by", strings.Join(q.GroupBy, ","))
	set("currency", q.Currency)
	if q.Top > 0 {
		v.Set("top", strconv.Itoa(q.Top))
	}
	return v
}

// Usage is a usage report: the rows of the groups asked for, in Currency
// ("" across accounts in several currencies).
type Usage struct {
	Account  string     `json:"account,omitempty"`
	Currency string     `json:"currency"`
	From     string     `json:"from"`
	To       string     `json:"to"`
	GroupBy  []string   `json:"group_by"`
	Top      int        `json:"top,omitempty"`
	Rows     []UsageRow `json:"rows"`
}

// UsageRow is one group: its keys (those not grouped by are ""), currency,
// the count and units of its charges and captures, what they took
// (Charged), its refunds, and Amount = Charged − Refunded.
type UsageRow struct {
	Account  string       `json:"account,omitempty"`
	Month    string       `json:"month,omitempty"`
	Day      string       `json:"day,omitempty"`
	Type     string       `json:"type,omitempty"`
	Country  string       `json:"country,omitempty"`
	Network  string       `json:"network,omitempty"`
	Currency string       `json:"currency"`
	Count    int64        `json:"count"`
	Units    int64        `json:"units"`
	Amount   kassa.Amount `json:"-"`
	Charged  kassa.Amount `json:"-"`
	Refunds  int64        `json:"refunds"`
	Refunded kassa.Amount `json:"-"`
}

// Key returns the row's value of a group_by dimension.
func (r UsageRow) Key(dim string) string {
	switch dim {
	case "account":
		return r.Account
	case "month":
		return r.Month
	case "day":
		return r.Day
	case "type":
		return r.Type
	case "country":
		return r.Country
	case "network":
		return r.Network
	}
	return ""
}

// usageRowFields is UsageRow without its methods.
type usageRowFields UsageRow

// usageRowWire is a row on the wire, amounts as decimal strings.
type usageRowWire struct {
	usageRowFields
	Amount   money `json:"amount"`
	Charged  money `json:"charged"`
	Refunded money `json:"refunded"`
}

// MarshalJSON writes the admin API's shape of a row (amounts as 8-decimal
// strings).
func (r UsageRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(usageRowWire{usageRowFields: usageRowFields(r), Amount: money(r.Amount), Charged: money(r.Charged), Refunded: money(r.Refunded)})
}

type usageWire struct {
	Usage
	Rows []usageRowWire `json:"rows"`
}

// Usage reads an account's usage (GET /admin/v1/accounts/{api_key}/usage),
// or, with apiKey "", usage across accounts (GET /admin/v1/usage).
func (c *Client) Usage(ctx context.Context, apiKey string, q UsageQuery) (*Usage, error) {
	path := "/admin/v1/usage"
	if apiKey != "" {
		path = accountPath(apiKey) + "/usage"
	}
	var w usageWire
	if err := c.getJSON(ctx, &request{method: http.MethodGet, path: path, query: q.values(), auth: authAdmin}, &w); err != nil {
		return nil, err
	}
	u := w.Usage
	u.Rows = make([]UsageRow, 0, len(w.Rows))
	for _, r := range w.Rows {
		row := UsageRow(r.usageRowFields)
		row.Amount, row.Charged, row.Refunded = kassa.Amount(r.Amount), kassa.Amount(r.Charged), kassa.Amount(r.Refunded)
		u.Rows = append(u.Rows, row)
	}
	return &u, nil
}

// Statement is an account's statement of one UTC calendar month: the
// opening balance, the sum and count of its entries of each kind, and the
// closing balance (OpeningBalance + the sum of Totals = ClosingBalance).
type Statement struct {
	Account        string
	Month          string
	Currency       string
	OpeningBalance kassa.Amount
	ClosingBalance kassa.Amount
	Totals         map[string]kassa.Amount
	Counts         map[string]int64
}

type statementWire struct {
	Account        string           `json:"account"`
	Month          string           `json:"month"`
	Currency       string           `json:"currency"`
	OpeningBalance money            `json:"opening_balance"`
	ClosingBalance money            `json:"closing_balance"`
	Totals         map[string]money `json:"totals"`
	Counts         map[string]int64 `json:"counts"`
}

// Statement reads an account's statement of a month written YYYY-MM (GET
// /admin/v1/accounts/{api_key}/statements/{month}).
func (c *Client) Statement(ctx context.Context, apiKey, month string) (*Statement, error) {
	var w statementWire
	r := &request{method: http.MethodGet, path: accountPath(apiKey) + "/statements/" + url.PathEscape(month), auth: authAdmin}
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	st := &Statement{Account: w.Account, Month: w.Month, Currency: w.Currency,
		OpeningBalance: kassa.Amount(w.OpeningBalance), ClosingBalance: kassa.Amount(w.ClosingBalance),
		Totals: map[string]kassa.Amount{}, Counts: w.Counts}
	for k, v := range w.Totals {
		st.Totals[k] = kassa.Amount(v)
	}
	if st.Counts == nil {
		st.Counts = map[string]int64{}
	}
	return st, nil
}

// MarshalJSON writes the admin API's shape of a statement (amounts as
// 8-decimal strings).
func (s Statement) MarshalJSON() ([]byte, error) {
	w := statementWire{Account: s.Account, Month: s.Month, Currency: s.Currency,
		OpeningBalance: money(s.OpeningBalance), ClosingBalance: money(s.ClosingBalance),
		Totals: map[string]money{}, Counts: s.Counts}
	for k, v := range s.Totals {
		w.Totals[k] = money(v)
	}
	return json.Marshal(w)
}
