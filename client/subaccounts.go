package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// The Subaccounts API (docs/subaccounts.md), called with the primary
// account's api key and secret: the client's own key is the path's
// {api_key}.

// Subaccount is a subaccount as the Subaccounts API shows it.
type Subaccount struct {
	APIKey string
	// Secret is only in the answer of CreateSubaccount: the secret given,
	// or the one kassa generated, shown this once.
	Secret                   string
	PrimaryAccount           string
	UsePrimaryAccountBalance bool
	Name                     string
	// Balance and CreditLimit are nil for a subaccount that spends its
	// primary's balance.
	Balance     *kassa.Amount
	CreditLimit *kassa.Amount
	Suspended   bool
	CreatedAt   time.Time
}

// subaccountWire is the wire shape; amounts are JSON numbers (read exactly).
type subaccountWire struct {
	APIKey      string    `json:"api_key"`
	Secret      string    `json:"secret,omitempty"`
	Primary     string    `json:"primary_account_api_key"`
	Shared      bool      `json:"use_primary_account_balance"`
	Name        string    `json:"name"`
	Balance     *number   `json:"balance"`
	CreditLimit *number   `json:"credit_limit"`
	Suspended   bool      `json:"suspended"`
	CreatedAt   time.Time `json:"created_at"`
}

// number is an amount written as a JSON number from its exact decimal
// text, and read from a number or a string (never through a float).
type number kassa.Amount

// MarshalJSON writes the exact decimal text as a JSON number.
func (n number) MarshalJSON() ([]byte, error) { return []byte(kassa.Amount(n).String()), nil }

// UnmarshalJSON reads a JSON number or string exactly.
func (n *number) UnmarshalJSON(b []byte) error {
	var m money
	if err := m.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = number(m)
	return nil
}

// amountOf returns the amount of a nullable number.
func amountOf(n *number) *kassa.Amount {
	if n == nil {
		return nil
	}
	a := kassa.Amount(*n)
	return &a
}

// numberOf is amountOf's inverse.
func numberOf(a *kassa.Amount) *number {
	if a == nil {
		return nil
	}
	n := number(*a)
	return &n
}

// MarshalJSON writes the Subaccounts API's shape.
func (s Subaccount) MarshalJSON() ([]byte, error) {
	return json.Marshal(subaccountWire{APIKey: s.APIKey, Secret: s.Secret, Primary: s.PrimaryAccount, Shared: s.UsePrimaryAccountBalance,
		Name: s.Name, Balance: numberOf(s.Balance), CreditLimit: numberOf(s.CreditLimit), Suspended: s.Suspended, CreatedAt: s.CreatedAt})
}

// UnmarshalJSON reads the Subaccounts API's shape.
func (s *Subaccount) UnmarshalJSON(data []byte) error {
	var w subaccountWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Subaccount{APIKey: w.APIKey, Secret: w.Secret, PrimaryAccount: w.Primary, UsePrimaryAccountBalance: w.Shared, Name: w.Name,
		Balance: amountOf(w.Balance), CreditLimit: amountOf(w.CreditLimit), Suspended: w.Suspended, CreatedAt: w.CreatedAt}
	return nil
}

// PrimaryAccount is the primary account in the Subaccounts API's list.
type PrimaryAccount struct {
	APIKey      string       `json:"api_key"`
	Name        string       `json:"name"`
	Balance     kassa.Amount `json:"-"`
	CreditLimit kassa.Amount `json:"-"`
	Suspended   bool         `json:"suspended"`
	CreatedAt   time.Time    `json:"created_at"`
}

type primaryWire struct {
	APIKey      string    `json:"api_key"`
	Name        string    `json:"name"`
	Balance     number    `json:"balance"`
	CreditLimit number    `json:"credit_limit"`
	Suspended   bool      `json:"suspended"`
	CreatedAt   time.Time `json:"created_at"`
}

// MarshalJSON writes the Subaccounts API's shape.
func (p PrimaryAccount) MarshalJSON() ([]byte, error) {
	return json.Marshal(primaryWire{APIKey: p.APIKey, Name: p.Name, Balance: number(p.Balance), CreditLimit: number(p.CreditLimit),
		Suspended: p.Suspended, CreatedAt: p.CreatedAt})
}

// UnmarshalJSON reads the Subaccounts API's shape.
func (p *PrimaryAccount) UnmarshalJSON(data []byte) error {
	var w primaryWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*p = PrimaryAccount{APIKey: w.APIKey, Name: w.Name, Balance: kassa.Amount(w.Balance), CreditLimit: kassa.Amount(w.CreditLimit),
		Suspended: w.Suspended, CreatedAt: w.CreatedAt}
	return nil
}

// SubaccountList is the primary account with its subaccounts (oldest
// first) and the totals: the balances and credit limits of the primary and
// of the subaccounts with their own balance.
type SubaccountList struct {
	Primary          PrimaryAccount
	Subaccounts      []Subaccount
	TotalBalance     kassa.Amount
	TotalCreditLimit kassa.Amount
}

type subaccountListWire struct {
	TotalBalance     number `json:"total_balance"`
	TotalCreditLimit number `json:"total_credit_limit"`
	Embedded         struct {
		Primary     PrimaryAccount `json:"primary_account"`
		Subaccounts []Subaccount   `json:"subaccounts"`
	} `json:"_embedded"`
}

// MarshalJSON writes the list as the Subaccounts API answers it.
func (l SubaccountList) MarshalJSON() ([]byte, error) {
	w := subaccountListWire{TotalBalance: number(l.TotalBalance), TotalCreditLimit: number(l.TotalCreditLimit)}
	w.Embedded.Primary, w.Embedded.Subaccounts = l.Primary, l.Subaccounts
	if w.Embedded.Subaccounts == nil {
		w.Embedded.Subaccounts = []Subaccount{}
	}
	return json.Marshal(w)
}

// subaccountsPath is a path of the Subaccounts API under the client's key.
func (c *Client) subaccountsPath(rest string) string {
	return "/accounts/" + pathEscape(c.apiKey) + "/" + rest
}

// Subaccounts lists the primary account and its subaccounts
// (GET /accounts/{api_key}/subaccounts).
func (c *Client) Subaccounts(ctx context.Context) (*SubaccountList, error) {
	r := &request{method: http.MethodGet, path: c.subaccountsPath("subaccounts"), auth: authBasic}
	var w subaccountListWire
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	return &SubaccountList{Primary: w.Embedded.Primary, Subaccounts: w.Embedded.Subaccounts,
		TotalBalance: kassa.Amount(w.TotalBalance), TotalCreditLimit: kassa.Amount(w.TotalCreditLimit)}, nil
}

// NewSubaccount is what CreateSubaccount sends.
type NewSubaccount struct {
	Name   string // required, 1–80 characters
	Secret string // the first secret; kassa generates one when ""
	// UsePrimaryAccountBalance: nil or true spends the primary's balance;
	// false gives the subaccount its own, starting at 0.
	UsePrimaryAccountBalance *bool
}

type newSubaccountWire struct {
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
	Shared *bool  `json:"use_primary_account_balance,omitempty"`
}

// CreateSubaccount creates a subaccount of the client's account
// (POST /accounts/{api_key}/subaccounts). The answer carries its secret.
func (c *Client) CreateSubaccount(ctx context.Context, n NewSubaccount) (*Subaccount, error) {
	r := &request{method: http.MethodPost, path: c.subaccountsPath("subaccounts"), auth: authBasic}
	if err := r.jsonBody(newSubaccountWire{Name: n.Name, Secret: n.Secret, Shared: n.UsePrimaryAccountBalance}); err != nil {
		return nil, err
	}
	return c.subaccountCall(ctx, r)
}

// GetSubaccount returns one subaccount
// (GET /accounts/{api_key}/subaccounts/{subaccount_key}).
func (c *Client) GetSubaccount(ctx context.Context, key string) (*Subaccount, error) {
	r := &request{method: http.MethodGet, path: c.subaccountsPath("subaccounts/" + pathEscape(key)), auth: authBasic}
	return c.subaccountCall(ctx, r)
}

// SubaccountUpdate changes a subaccount; nil fields keep their value.
// UsePrimaryAccountBalance can only go from true to false.
type SubaccountUpdate struct {
	Name                     *string `json:"name,omitempty"`
	Suspended                *bool   `json:"suspended,omitempty"`
	UsePrimaryAccountBalance *bool   `json:"use_primary_account_balance,omitempty"`
}

// UpdateSubaccount changes a subaccount
// (PATCH /accounts/{api_key}/subaccounts/{subaccount_key}).
func (c *Client) UpdateSubaccount(ctx context.Context, key string, u SubaccountUpdate) (*Subaccount, error) {
	r := &request{method: http.MethodPatch, path: c.subaccountsPath("subaccounts/" + pathEscape(key)), auth: authBasic}
	if err := r.jsonBody(u); err != nil {
		return nil, err
	}
	return c.subaccountCall(ctx, r)
}

func (c *Client) subaccountCall(ctx context.Context, r *request) (*Subaccount, error) {
	var s Subaccount
	if err := c.getJSON(ctx, r, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Transfer is a balance or credit transfer between a primary account and
// one of its subaccounts.
type Transfer struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"` // balance or credit
	Primary   string       `json:"primary,omitempty"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Amount    kassa.Amount `json:"-"`
	Reference string       `json:"reference"`
	CreatedAt time.Time    `json:"created_at"`
	// Replayed is true when the server answered from an earlier request
	// with the same idempotency key (nothing new was moved).
	Replayed bool `json:"-"`
}

type transferWire struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind,omitempty"`
	Primary   string    `json:"primary,omitempty"`
	Master    string    `json:"masterAccountId,omitempty"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Amount    number    `json:"amount"`
	Reference string    `json:"reference"`
	CreatedAt time.Time `json:"created_at"`
}

// MarshalJSON writes a transfer with its amount as a JSON number.
func (t Transfer) MarshalJSON() ([]byte, error) {
	return json.Marshal(transferWire{ID: t.ID, Kind: t.Kind, Primary: t.Primary, From: t.From, To: t.To,
		Amount: number(t.Amount), Reference: t.Reference, CreatedAt: t.CreatedAt})
}

// UnmarshalJSON reads a transfer of the Subaccounts or the admin API.
func (t *Transfer) UnmarshalJSON(data []byte) error {
	var w transferWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	primary := w.Primary
	if primary == "" {
		primary = w.Master
	}
	*t = Transfer{ID: w.ID, Kind: w.Kind, Primary: primary, From: w.From, To: w.To, Amount: kassa.Amount(w.Amount),
		Reference: w.Reference, CreatedAt: w.CreatedAt}
	return nil
}

// TransferRequest moves Amount from From to To: the client's account and
// one of its subaccounts, either way. IdempotencyKey, when set, makes a
// retry answer the first transfer instead of moving the money again.
type TransferRequest struct {
	From, To       string
	Amount         kassa.Amount // positive, at most 8 decimal places
	Reference      string
	IdempotencyKey string
}

type transferRequestWire struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Amount    number `json:"amount"`
	Reference string `json:"reference,omitempty"`
}

// TransferBalance moves balance (POST /accounts/{api_key}/balance-transfers).
func (c *Client) TransferBalance(ctx context.Context, t TransferRequest) (*Transfer, error) {
	return c.transfer(ctx, "balance", t)
}

// TransferCredit moves credit limit (POST /accounts/{api_key}/credit-transfers).
func (c *Client) TransferCredit(ctx context.Context, t TransferRequest) (*Transfer, error) {
	return c.transfer(ctx, "credit", t)
}

func (c *Client) transfer(ctx context.Context, kind string, t TransferRequest) (*Transfer, error) {
	r := &request{method: http.MethodPost, path: c.subaccountsPath(kind + "-transfers"), auth: authBasic, idempotencyKey: t.IdempotencyKey}
	if err := r.jsonBody(transferRequestWire{From: t.From, To: t.To, Amount: number(t.Amount), Reference: t.Reference}); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var out Transfer
	if err := resp.decode(r, &out); err != nil {
		return nil, err
	}
	out.Kind = kind
	out.Replayed = resp.header.Get("Idempotency-Replayed") == "true"
	return &out, nil
}

// TransferQuery selects transfers: from Start (zero: the beginning) to End
// (zero: now), both inclusive, from or to any of Accounts (empty: all).
type TransferQuery struct {
	Start, End time.Time
	Accounts   []string
}

// BalanceTransfers lists balance transfers, newest first
// (GET /accounts/{api_key}/balance-transfers).
func (c *Client) BalanceTransfers(ctx context.Context, q TransferQuery) ([]Transfer, error) {
	return c.transfers(ctx, "balance", q)
}

// CreditTransfers lists credit transfers, newest first
// (GET /accounts/{api_key}/credit-transfers).
func (c *Client) CreditTransfers(ctx context.Context, q TransferQuery) ([]Transfer, error) {
	return c.transfers(ctx, "credit", q)
}

func (c *Client) transfers(ctx context.Context, kind string, q TransferQuery) ([]Transfer, error) {
	v := url.Values{}
	start := q.Start
	if start.IsZero() {
		start = time.Unix(0, 0)
	}
	v.Set("start_date", start.UTC().Format("2006-01-02T15:04:05.000Z"))
	if !q.End.IsZero() {
		v.Set("end_date", q.End.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	for _, a := range q.Accounts {
		v.Add("subaccount", a)
	}
	r := &request{method: http.MethodGet, path: c.subaccountsPath(kind + "-transfers"), query: v, auth: authBasic}
	var w struct {
		Embedded map[string][]Transfer `json:"_embedded"`
	}
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	list := w.Embedded[kind+"_transfers"]
	if list == nil {
		list = []Transfer{}
	}
	for i := range list {
		list[i].Kind = kind
	}
	return list, nil
}

// NumberTransfer asks to move a phone number between two accounts of the
// client's family.
type NumberTransfer struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Number  string `json:"number"`
	Country string `json:"country,omitempty"`
}

// TransferNumber moves a number (POST /accounts/{api_key}/transfer-number).
// kassa holds no numbers: after checking the request it always answers an
// error (KassaCode forbidden, "ShortCode is not owned by from account").
func (c *Client) TransferNumber(ctx context.Context, n NumberTransfer) (*NumberTransfer, error) {
	r := &request{method: http.MethodPost, path: c.subaccountsPath("transfer-number"), auth: authBasic}
	if err := r.jsonBody(n); err != nil {
		return nil, err
	}
	var out NumberTransfer
	if err := c.getJSON(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Operators' calls on the account tree (the admin API, the admin token).

// Suspend suspends an account (POST /admin/v1/accounts/{api_key}/suspend):
// its charges and holds, and its subaccounts', are refused; a suspended
// subaccount's credentials are refused.
func (c *Client) Suspend(ctx context.Context, apiKey string) (*Account, error) {
	return c.postAccount(ctx, apiKey, "suspend")
}

// Resume lifts a suspension (POST /admin/v1/accounts/{api_key}/resume).
func (c *Client) Resume(ctx context.Context, apiKey string) (*Account, error) {
	return c.postAccount(ctx, apiKey, "resume")
}

func (c *Client) postAccount(ctx context.Context, apiKey, action string) (*Account, error) {
	r := &request{method: http.MethodPost, path: accountPath(apiKey) + "/" + action, auth: authAdmin}
	var a Account
	if err := c.getJSON(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// PrimaryPolicy says whether an account may have subaccounts and how many
// (nil MaxSubaccounts keeps the current maximum; 0 is the server's default).
type PrimaryPolicy struct {
	Enabled        bool `json:"enabled"`
	MaxSubaccounts *int `json:"max_subaccounts,omitempty"`
}

// SetPrimary makes an account a primary or not and sets its maximum
// number of subaccounts (PUT /admin/v1/accounts/{api_key}/primary).
func (c *Client) SetPrimary(ctx context.Context, apiKey string, p PrimaryPolicy) (*Account, error) {
	return c.putAccount(ctx, apiKey, "primary", p)
}

// AccountTree is a primary account with its subaccounts, as the admin API
// shows them.
type AccountTree struct {
	Primary          Account   `json:"primary"`
	Subaccounts      []Account `json:"subaccounts"`
	TotalBalance     money     `json:"total_balance"`
	TotalCreditLimit money     `json:"total_credit_limit"`
	MaxSubaccounts   int       `json:"max_subaccounts"` // the effective maximum
}

// Tree returns the tree an account belongs to: its own, or its primary's
// when it is a subaccount (GET /admin/v1/accounts/{api_key}/subaccounts).
func (c *Client) Tree(ctx context.Context, apiKey string) (*AccountTree, error) {
	r := &request{method: http.MethodGet, path: accountPath(apiKey) + "/subaccounts", auth: authAdmin}
	var t AccountTree
	if err := c.getJSON(ctx, r, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// AdminCreateSubaccount creates a subaccount of primary as an operator
// (POST /admin/v1/accounts/{api_key}/subaccounts); the answer carries
// APISecret when kassa generated the secret.
func (c *Client) AdminCreateSubaccount(ctx context.Context, primary string, n NewSubaccount) (*Account, error) {
	r := &request{method: http.MethodPost, path: accountPath(primary) + "/subaccounts", auth: authAdmin}
	body := struct {
		Name      string `json:"name"`
		APISecret string `json:"api_secret,omitempty"`
		Shared    *bool  `json:"use_primary_account_balance,omitempty"`
	}{n.Name, n.Secret, n.UsePrimaryAccountBalance}
	if err := r.jsonBody(body); err != nil {
		return nil, err
	}
	var a Account
	if err := c.getJSON(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AdminTransfers lists a primary's transfers of a kind ("balance",
// "credit" or "" for both) as an operator
// (GET /admin/v1/accounts/{api_key}/transfers), newest first.
func (c *Client) AdminTransfers(ctx context.Context, primary, kind string, q TransferQuery) ([]Transfer, error) {
	v := url.Values{}
	setNonEmpty(v, "kind", kind)
	if !q.Start.IsZero() {
		v.Set("since", q.Start.UTC().Format(time.RFC3339Nano))
	}
	if !q.End.IsZero() {
		v.Set("until", q.End.UTC().Format(time.RFC3339Nano))
	}
	if len(q.Accounts) > 0 {
		v.Set("account", strings.Join(q.Accounts, ","))
	}
	r := &request{method: http.MethodGet, path: accountPath(primary) + "/transfers", query: v, auth: authAdmin}
	var w struct {
		Transfers []Transfer `json:"transfers"`
	}
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	return w.Transfers, nil
}

// AdminTransfer moves balance or credit ("balance" or "credit") between a
// primary and one of its subaccounts as an operator
// (POST /admin/v1/accounts/{api_key}/transfers).
func (c *Client) AdminTransfer(ctx context.Context, primary, kind string, t TransferRequest) (*Transfer, error) {
	r := &request{method: http.MethodPost, path: accountPath(primary) + "/transfers", auth: authAdmin, idempotencyKey: t.IdempotencyKey}
	body := struct {
		Kind      string `json:"kind"`
		From      string `json:"from"`
		To        string `json:"to"`
		Amount    money  `json:"amount"`
		Reference string `json:"reference,omitempty"`
	}{kind, t.From, t.To, money(t.Amount), t.Reference}
	if err := r.jsonBody(body); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var out Transfer
	if err := resp.decode(r, &out); err != nil {
		return nil, err
	}
	out.Replayed = resp.header.Get("Idempotency-Replayed") == "true"
	return &out, nil
}
