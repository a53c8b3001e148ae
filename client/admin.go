package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
)

// Account is an account as the admin API shows it.
type Account struct {
	APIKey      string
	APISecret   string // only in the answer of CreateAccount, when kassa generated it
	Currency    string
	Balance     kassa.Amount
	CreditLimit kassa.Amount
	AutoReload  AutoReload
	Limits      Limits
	Settings    AccountSettings
	// The account's place in the account tree (docs/subaccounts.md).
	Name                     string
	PrimaryAccount           string // a subaccount's primary; "" for other accounts
	UsePrimaryAccountBalance bool   // a subaccount spending its primary's balance
	Suspended                bool
	SubaccountsEnabled       bool // the account may have subaccounts
	MaxSubaccounts           int  // its own maximum; 0 for the server's default
	CreatedAt                time.Time
}

// AutoReload is an account's auto-reload configuration.
type AutoReload struct {
	Enabled   bool
	Trx       string
	Amount    kassa.Amount
	Threshold kassa.Amount
	DailyCap  int
}

// Limits are an account's throughput limits (per second).
type Limits struct {
	MaxOutboundRequest int `json:"max_outbound_request"`
	MaxInboundRequest  int `json:"max_inbound_request"`
	MaxCallsPerSecond  int `json:"max_calls_per_second"`
	PricingPerSecond   int `json:"pricing_per_second,omitempty"`
}

// AccountSettings are an account's callback settings as the admin API shows
// them.
type AccountSettings struct {
	MOCallbackURL     string `json:"mo_callback_url"`
	DRCallbackURL     string `json:"dr_callback_url"`
	HTTPForwardMethod string `json:"http_forward_method"`
}

type autoReloadWire struct {
	Enabled   bool   `json:"enabled"`
	Trx       string `json:"trx"`
	Amount    money  `json:"amount"`
	Threshold money  `json:"threshold"`
	DailyCap  int    `json:"daily_cap,omitempty"`
}

type accountWire struct {
	APIKey      string          `json:"api_key"`
	APISecret   string          `json:"api_secret,omitempty"`
	Currency    string          `json:"currency"`
	Balance     money           `json:"balance"`
	CreditLimit money           `json:"credit_limit"`
	AutoReload  autoReloadWire  `json:"auto_reload"`
	Limits      Limits          `json:"limits"`
	Settings    AccountSettings `json:"settings"`
	Name        string          `json:"name"`
	Primary     *string         `json:"primary_account"`
	Shared      bool            `json:"use_primary_account_balance"`
	Suspended   bool            `json:"suspended"`
	SubsEnabled bool            `json:"subaccounts_enabled"`
	MaxSubs     int             `json:"max_subaccounts"`
	CreatedAt   time.Time       `json:"created_at"`
}

func (a AutoReload) wire() autoReloadWire {
	return autoReloadWire{Enabled: a.Enabled, Trx: a.Trx, Amount: money(a.Amount), Threshold: money(a.Threshold), DailyCap: a.DailyCap}
}

func (w autoReloadWire) value() AutoReload {
	return AutoReload{Enabled: w.Enabled, Trx: w.Trx, Amount: kassa.Amount(w.Amount), Threshold: kassa.Amount(w.Threshold), DailyCap: w.DailyCap}
}

// MarshalJSON writes the admin API's wire shape (amounts as 8-decimal strings).
func (a Account) MarshalJSON() ([]byte, error) {
	w := accountWire{APIKey: a.APIKey, APISecret: a.APISecret, Currency: a.Currency,
		Balance: money(a.Balance), CreditLimit: money(a.CreditLimit), AutoReload: a.AutoReload.wire(),
		Limits: a.Limits, Settings: a.Settings, Name: a.Name, Shared: a.UsePrimaryAccountBalance,
		Suspended: a.Suspended, SubsEnabled: a.SubaccountsEnabled, MaxSubs: a.MaxSubaccounts, CreatedAt: a.CreatedAt}
	if a.PrimaryAccount != "" {
		w.Primary = &a.PrimaryAccount
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the admin API's wire shape.
func (a *Account) UnmarshalJSON(data []byte) error {
	var w accountWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*a = Account{APIKey: w.APIKey, APISecret: w.APISecret, Currency: w.Currency, Balance: kassa.Amount(w.Balance),
		CreditLimit: kassa.Amount(w.CreditLimit), AutoReload: w.AutoReload.value(), Limits: w.Limits,
		Settings: w.Settings, Name: w.Name, UsePrimaryAccountBalance: w.Shared, Suspended: w.Suspended,
		SubaccountsEnabled: w.SubsEnabled, MaxSubaccounts: w.MaxSubs, CreatedAt: w.CreatedAt}
	if w.Primary != nil {
		a.PrimaryAccount = *w.Primary
	}
	return nil
}

// NewAccount is what CreateAccount sends. Empty fields let kassa choose: a
// generated api key and secret, EUR, no opening credit, a zero credit limit
// and the default limits.
type NewAccount struct {
	APIKey      string
	APISecret   string
	Currency    string
	Credit      *kassa.Amount // opening credit
	CreditLimit *kassa.Amount // the floor, zero or negative
	Limits      *Limits
}

type newAccountWire struct {
	APIKey      string  `json:"api_key,omitempty"`
	APISecret   string  `json:"api_secret,omitempty"`
	Currency    string  `json:"currency,omitempty"`
	Credit      *money  `json:"credit,omitempty"`
	CreditLimit *money  `json:"credit_limit,omitempty"`
	Limits      *Limits `json:"limits,omitempty"`
}

// CreateAccount creates an account (POST /admin/v1/accounts). The answer
// carries APISecret when kassa generated the secret.
func (c *Client) CreateAccount(ctx context.Context, n NewAccount) (*Account, error) {
	w := newAccountWire{APIKey: n.APIKey, APISecret: n.APISecret, Currency: n.Currency, Limits: n.Limits}
	if n.Credit != nil {
		w.Credit = new(money(*n.Credit))
	}
	if n.CreditLimit != nil {
		w.CreditLimit = new(money(*n.CreditLimit))
	}
	r := &request{method: http.MethodPost, path: "/admin/v1/accounts", auth: authAdmin}
	if err := r.jsonBody(w); err != nil {
		return nil, err
	}
	var a Account
	if err := c.getJSON(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// GetAccount returns one account (GET /admin/v1/accounts/{api_key}).
func (c *Client) GetAccount(ctx context.Context, apiKey string) (*Account, error) {
	r := &request{method: http.MethodGet, path: accountPath(apiKey), auth: authAdmin}
	var a Account
	if err := c.getJSON(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AccountQuery selects accounts to list: Search matches a prefix of the api
// key; Limit 0 lets the server choose (50).
type AccountQuery struct {
	Search string
	Offset int
	Limit  int
}

// AccountPage is one page of accounts.
type AccountPage struct {
	Accounts []Account `json:"accounts"`
	Total    int       `json:"total"`
	Offset   int       `json:"offset"`
	Limit    int       `json:"limit"`
}

// ListAccounts lists accounts (GET /admin/v1/accounts).
func (c *Client) ListAccounts(ctx context.Context, q AccountQuery) (*AccountPage, error) {
	v := url.Values{}
	setNonEmpty(v, "search", q.Search)
	setPage(v, q.Offset, q.Limit)
	r := &request{method: http.MethodGet, path: "/admin/v1/accounts", query: v, auth: authAdmin}
	var p AccountPage
	if err := c.getJSON(ctx, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Entry is one ledger entry.
type Entry struct {
	ID             string
	Account        string
	Kind           string // credit, debit, charge, top-up, reload, refund, adjustment, hold, capture, release, transfer-out, transfer-in
	Amount         kassa.Amount
	BalanceAfter   kassa.Amount
	Currency       string
	Reason         string
	Reference      string
	IdempotencyKey string
	// Subaccount is the shared-balance subaccount the entry was written
	// for on its primary's ledger; "" otherwise.
	Subaccount string
	CreatedAt  time.Time
	// Replayed is true when the server answered a credit or debit from an
	// earlier request with the same idempotency key (nothing new was written).
	Replayed bool
}

type entryWire struct {
	ID             string    `json:"id"`
	Account        string    `json:"account"`
	Kind           string    `json:"kind"`
	Amount         money     `json:"amount"`
	BalanceAfter   money     `json:"balance_after"`
	Currency       string    `json:"currency"`
	Reason         string    `json:"reason"`
	Reference      string    `json:"reference"`
	IdempotencyKey string    `json:"idempotency_key"`
	Subaccount     string    `json:"subaccount"`
	CreatedAt      time.Time `json:"created_at"`
}

// MarshalJSON writes the admin API's wire shape.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal(entryWire{ID: e.ID, Account: e.Account, Kind: e.Kind, Amount: money(e.Amount),
		BalanceAfter: money(e.BalanceAfter), Currency: e.Currency, Reason: e.Reason, Reference: e.Reference,
		IdempotencyKey: e.IdempotencyKey, Subaccount: e.Subaccount, CreatedAt: e.CreatedAt})
}

// UnmarshalJSON reads the admin API's wire shape.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var w entryWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*e = Entry{ID: w.ID, Account: w.Account, Kind: w.Kind, Amount: kassa.Amount(w.Amount),
		BalanceAfter: kassa.Amount(w.BalanceAfter), Currency: w.Currency, Reason: w.Reason,
		Reference: w.Reference, IdempotencyKey: w.IdempotencyKey, Subaccount: w.Subaccount, CreatedAt: w.CreatedAt}
	return nil
}

// Adjustment is a credit or a debit. IdempotencyKey makes the call safe to
// repeat (and to retry): when empty, the client generates one, and the
// answer's Entry.IdempotencyKey shows it.
type Adjustment struct {
	Amount         kassa.Amount // positive
	Reason         string
	Reference      string
	IdempotencyKey string
}

type adjustmentWire struct {
	Amount    money  `json:"amount"`
	Reason    string `json:"reason"`
	Reference string `json:"reference,omitempty"`
}

// Credit adds to an account's balance (POST /admin/v1/accounts/{api_key}/credits).
func (c *Client) Credit(ctx context.Context, apiKey string, a Adjustment) (*Entry, error) {
	return c.adjust(ctx, apiKey, "credits", a)
}

// Debit takes from an account's balance (POST /admin/v1/accounts/{api_key}/debits);
// a debit below the account's floor fails with KassaCode insufficient_funds
// and changes nothing.
func (c *Client) Debit(ctx context.Context, apiKey string, a Adjustment) (*Entry, error) {
	return c.adjust(ctx, apiKey, "debits", a)
}

func (c *Client) adjust(ctx context.Context, apiKey, kind string, a Adjustment) (*Entry, error) {
	r := &request{method: http.MethodPost, path: accountPath(apiKey) + "/" + kind, auth: authAdmin, idempotencyKey: keyOrNew(a.IdempotencyKey)}
	var e Entry
	if err := c.sendJSON(ctx, r, adjustmentWire{Amount: money(a.Amount), Reason: a.Reason, Reference: a.Reference}, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *Entry) setReplayed(replayed bool) { e.Replayed = replayed }

// SetAutoReload replaces an account's auto-reload configuration
// (PUT /admin/v1/accounts/{api_key}/auto-reload).
func (c *Client) SetAutoReload(ctx context.Context, apiKey string, ar AutoReload) (*Account, error) {
	return c.putAccount(ctx, apiKey, "auto-reload", ar.wire())
}

// SetLimits replaces an account's throughput limits
// (PUT /admin/v1/accounts/{api_key}/limits).
func (c *Client) SetLimits(ctx context.Context, apiKey string, l Limits) (*Account, error) {
	return c.putAccount(ctx, apiKey, "limits", l)
}

// SetCreditLimit sets the floor a debit may take the balance to, zero or
// negative (PUT /admin/v1/accounts/{api_key}/credit-limit).
func (c *Client) SetCreditLimit(ctx context.Context, apiKey string, limit kassa.Amount) (*Account, error) {
	return c.putAccount(ctx, apiKey, "credit-limit", map[string]money{"credit_limit": money(limit)})
}

func (c *Client) putAccount(ctx context.Context, apiKey, sub string, body any) (*Account, error) {
	r := &request{method: http.MethodPut, path: accountPath(apiKey) + "/" + sub, auth: authAdmin}
	if err := r.jsonBody(body); err != nil {
		return nil, err
	}
	var a Account
	if err := c.getJSON(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// EntryQuery selects ledger entries. Zero fields do not filter; Limit 0 lets
// the server choose. Before pages backwards: pass the previous page's
// NextBefore.
type EntryQuery struct {
	Kind      string
	Since     time.Time // inclusive
	Until     time.Time // exclusive
	Reference string
	// Subaccount selects the entries written for a shared-balance
	// subaccount on its primary's ledger (query the primary's entries).
	Subaccount string
	Limit      int
	Before     string
}

// EntryPage is one page of entries, newest first.
type EntryPage struct {
	Entries    []Entry `json:"entries"`
	Total      int     `json:"total"`
	NextBefore string  `json:"next_before,omitempty"` // "" on the last page
}

// Entries lists an account's ledger entries, newest first
// (GET /admin/v1/accounts/{api_key}/entries).
func (c *Client) Entries(ctx context.Context, apiKey string, q EntryQuery) (*EntryPage, error) {
	v := url.Values{}
	setNonEmpty(v, "kind", q.Kind)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339))
	}
	setNonEmpty(v, "reference", q.Reference)
	setNonEmpty(v, "subaccount", q.Subaccount)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	setNonEmpty(v, "before", q.Before)
	r := &request{method: http.MethodGet, path: accountPath(apiKey) + "/entries", query: v, auth: authAdmin}
	var p EntryPage
	if err := c.getJSON(ctx, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// VerifyReport is the answer of Verify.
type VerifyReport struct {
	OK              bool          `json:"ok"`
	AccountsChecked int           `json:"accounts_checked"`
	Discrepancies   []Discrepancy `json:"discrepancies"`
	// UsageDiscrepancies are the accounts whose usage rollups differ from
	// their entries.
	UsageDiscrepancies []UsageDiscrepancy `json:"usage_discrepancies"`
}

// UsageDiscrepancy is an account whose usage rollups differ from its
// entries: each total as the rollups hold it and as the entries give it.
type UsageDiscrepancy struct {
	Account         string       `json:"account"`
	Count           int64        `json:"count"`
	EntriesCount    int64        `json:"entries_count"`
	Charged         kassa.Amount `json:"charged"`
	EntriesCharged  kassa.Amount `json:"entries_charged"`
	Refunds         int64        `json:"refunds"`
	EntriesRefunds  int64        `json:"entries_refunds"`
	Refunded        kassa.Amount `json:"refunded"`
	EntriesRefunded kassa.Amount `json:"entries_refunded"`
}

// Discrepancy is an account whose balance differs from the sum of its entries.
type Discrepancy struct {
	Account    string
	Balance    kassa.Amount
	EntriesSum kassa.Amount
	Entries    int64
}

type discrepancyWire struct {
	Account    string `json:"account"`
	Balance    money  `json:"balance"`
	EntriesSum money  `json:"entries_sum"`
	Entries    int64  `json:"entries"`
}

// MarshalJSON writes the admin API's wire shape.
func (d Discrepancy) MarshalJSON() ([]byte, error) {
	return json.Marshal(discrepancyWire{Account: d.Account, Balance: money(d.Balance), EntriesSum: money(d.EntriesSum), Entries: d.Entries})
}

// UnmarshalJSON reads the admin API's wire shape.
func (d *Discrepancy) UnmarshalJSON(data []byte) error {
	var w discrepancyWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*d = Discrepancy{Account: w.Account, Balance: kassa.Amount(w.Balance), EntriesSum: kassa.Amount(w.EntriesSum), Entries: w.Entries}
	return nil
}

// Verify checks that every account's balance equals the sum of its ledger
// entries (GET /admin/v1/verify).
func (c *Client) Verify(ctx context.Context) (*VerifyReport, error) {
	r := &request{method: http.MethodGet, path: "/admin/v1/verify", auth: authAdmin}
	var v VerifyReport
	if err := c.getJSON(ctx, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// NewIdempotencyKey returns a random key (32 hex characters) for a credit,
// debit, charge, refund or hold.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func accountPath(apiKey string) string { return "/admin/v1/accounts/" + pathEscape(apiKey) }

func setNonEmpty(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

// setPage sets the offset and limit of a list query; zero leaves the
// server's default.
func setPage(v url.Values, offset, limit int) {
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
}
