package kassa

import (
	"regexp"
	"time"
)

// Currency is an ISO 4217 code. Kassa bills in EUR (the default) or USD.
type Currency string

// The currencies an account can be billed in.
const (
	EUR Currency = "EUR"
	USD Currency = "USD"
)

// Valid reports whether c is a currency kassa bills in.
func (c Currency) Valid() bool { return c == EUR || c == USD }

// apiKeyPattern is what an api key may look like: the Vonage keys are 8 hex
// characters; operators may choose their own, up to 64 safe characters.
var apiKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{4,64}$`)

// ValidAPIKey reports whether key is acceptable as an api key.
func ValidAPIKey(key string) bool { return apiKeyPattern.MatchString(key) }

// Account is one customer account: its balance, billing currency, settings,
// limits and auto-reload configuration, and its place in the account tree
// (a primary account and its subaccounts; docs/subaccounts.md).
type Account struct {
	APIKey      string
	Currency    Currency
	Balance     Amount // sum of the account's ledger entries
	CreditLimit Amount // the floor a debit may take the balance to; 0 or negative
	Settings    Settings
	Limits      Limits
	AutoReload  AutoReload
	// Name is the account's display name (a subaccount's name on the
	// Subaccounts API); "" when it has none.
	Name string
	// Primary is the api key of a subaccount's primary account; "" for an
	// account that is not a subaccount. It never changes.
	Primary string
	// SharedBalance says that a subaccount spends its primary's balance
	// (use_primary_account_balance): its charges and holds are written on
	// the primary's ledger, naming the subaccount (Entry.Subaccount), and
	// its own Balance and CreditLimit stay 0. It can only go from true to
	// false.
	SharedBalance bool
	// Suspended accounts are refused charges and holds (ESUSPENDED), and a
	// suspended subaccount's credentials are refused; reads, top-ups and
	// transfers back still work.
	Suspended bool
	// SubaccountsDisabled forbids an account that is not a subaccount to
	// create subaccounts (every such account is a primary by default).
	SubaccountsDisabled bool
	// MaxSubaccounts bounds the number of subaccounts of a primary; 0
	// means the server's default (DefaultMaxSubaccounts unless the
	// server says otherwise).
	MaxSubaccounts int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// IsSubaccount reports whether the account is a subaccount.
func (a *Account) IsSubaccount() bool { return a.Primary != "" }

// DefaultMaxSubaccounts is the number of subaccounts a primary may have
// when neither it nor the server says otherwise. Vonage publishes no
// number; this one is generous for a reseller and still bounds a runaway
// script.
const DefaultMaxSubaccounts = 100

// MaxAccountNameLen bounds an account's name (the Subaccounts API's
// maxLength).
const MaxAccountNameLen = 80

// Settings are what POST /account/settings reads and changes.
type Settings struct {
	MOCallbackURL     string // inbound message webhook; "" when unset
	DRCallbackURL     string // delivery receipt webhook; "" when unset
	HTTPForwardMethod string // GET_QUERY_PARAMS, POST_QUERY_PARAMS or POST_JSON; "" when unset
}

// HTTP forward methods accepted in settings.
const (
	ForwardGetQuery  = "GET_QUERY_PARAMS"
	ForwardPostQuery = "POST_QUERY_PARAMS"
	ForwardPostJSON  = "POST_JSON"
)

// Limits are an account's throughput limits, as the settings answer shows
// them and as kassa enforces them.
type Limits struct {
	MaxOutboundRequest int // outbound messages per second (platform charges)
	MaxInboundRequest  int // inbound messages per second
	MaxCallsPerSecond  int // API calls per second, all endpoints together
	PricingPerSecond   int // pricing API requests per second
}

// DefaultLimits are the reference's limits for a new account.
var DefaultLimits = Limits{MaxOutboundRequest: 30, MaxInboundRequest: 30, MaxCallsPerSecond: 30, PricingPerSecond: 1}

// DemoLimits are the generous limits of the demo account that kassa serve
// creates, so that local test suites and benchmarks are not throttled.
var DemoLimits = Limits{MaxOutboundRequest: 100000, MaxInboundRequest: 100000, MaxCallsPerSecond: 100000, PricingPerSecond: 100000}

// AutoReload is an account's auto-reload configuration: when enabled and the
// balance falls to Threshold, Amount is charged to the payment behind Trx and
// credited, at most DailyCap times a day.
type AutoReload struct {
	Enabled   bool
	Trx       string
	Amount    Amount
	Threshold Amount
	DailyCap  int
}

// Default auto-reload values, from the reference (in the account's currency).
var (
	DefaultReloadAmount    = MustParseAmount("50.00")
	DefaultReloadThreshold = MustParseAmount("20.00")
)

// DefaultReloadDailyCap is the default number of reloads allowed per day.
const DefaultReloadDailyCap = 5

// AccountUpdate changes some of an account's fields; nil fields are left as
// they are. Settings change through AccountStore.UpdateSettings.
type AccountUpdate struct {
	Limits      *Limits
	AutoReload  *AutoReload
	CreditLimit *Amount
	Name        *string
	Suspended   *bool
	// SharedBalance may only turn false (a subaccount that takes its own
	// balance); the use cases refuse the other way.
	SharedBalance       *bool
	SubaccountsDisabled *bool
	MaxSubaccounts      *int
	// Events, when set, is called inside the update's transaction with the
	// account as it was and as it is now; the events it returns are
	// written in that transaction (account.suspended when the update
	// suspended it, say), so that they exist if and only if it commits.
	Events func(before, after *Account) ([]*Event, error)
}

// AccountFilter selects accounts to list. Search matches a prefix of the api
// key. Limit 0 means the store's default page size.
type AccountFilter struct {
	Search string
	// Attention keeps the accounts that need an operator's attention: the
	// suspended ones and those below their low-balance threshold (whose
	// balance.low alert fired and has not re-armed).
	Attention bool
	Offset    int
	Limit     int
}

// CurrencyTotal is what the accounts of one currency hold together.
type CurrencyTotal struct {
	Currency Currency
	Accounts int
	Balance  Amount // the sum of their balances, exact
}
