package emulator

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Fixtures are the accounts and price overrides the emulator loads and
// returns to on every reset. They come from a JSON or YAML document
// (ParseFixtures, --fixtures FILE, POST /_emulator/fixtures) or from Go
// values (the kassatest package). docs/emulator.md describes the format.
type Fixtures struct {
	Accounts []Account `json:"accounts,omitempty"`
	Prices   []Price   `json:"prices,omitempty"`
}

// Account is one account of the fixtures. Amounts are decimal text in the
// account's currency ("10.00"); empty fields take the defaults named.
//
// Price plans will slot in here as "plan" once kassa has them; today that
// key is refused with a message saying so.
type Account struct {
	APIKey string `json:"api_key"` // required: 4–64 letters, digits, '-' or '_'
	// Secrets are the account's API secrets (at most two); the first is
	// created with the account. None means one generated secret, which
	// nobody knows: enough for an account used through the platform API.
	Secrets     []string    `json:"secrets,omitempty"`
	Balance     string      `json:"balance,omitempty"`      // "0" when empty; may be negative down to CreditLimit
	Currency    string      `json:"currency,omitempty"`     // EUR (the default) or USD
	CreditLimit string      `json:"credit_limit,omitempty"` // the balance's floor: 0 (the default) or negative
	Settings    *Settings   `json:"settings,omitempty"`
	Limits      *Limits     `json:"limits,omitempty"`
	AutoReload  *AutoReload `json:"auto_reload,omitempty"`
	// Suspended accounts are refused charges and holds, as after the
	// admin API's suspend.
	Suspended bool `json:"suspended,omitempty"`
	// Subaccounts are created under this account (the Subaccounts API's
	// accounts), with the keys given here.
	Subaccounts []Subaccount `json:"subaccounts,omitempty"`

	at lines // where each field was read; nil for Go values
}

// Subaccount is a subaccount of a fixture account: the primary's currency
// and limits, auto-reload off.
type Subaccount struct {
	APIKey  string   `json:"api_key"`           // required, like an account's
	Name    string   `json:"name,omitempty"`    // its display name; the api key when empty
	Secrets []string `json:"secrets,omitempty"` // at most two; none: one generated
	// UsePrimaryAccountBalance (true when not given) makes the subaccount
	// spend its primary's balance; false gives it a balance of its own.
	UsePrimaryAccountBalance *bool `json:"use_primary_account_balance,omitempty"`
	// Balance is the opening balance of a subaccount with a balance of its
	// own (not negative); a subaccount that spends its primary's has none.
	Balance   string `json:"balance,omitempty"`
	Suspended bool   `json:"suspended,omitempty"`

	at lines
}

// Settings are an account's settings as fixtures set them. Callback URLs
// are checked for their syntax only (no live request is made: the
// receiver need not run when the fixtures load).
type Settings struct {
	MOCallbackURL     string `json:"mo_callback_url,omitempty"`
	DRCallbackURL     string `json:"dr_callback_url,omitempty"`
	HTTPForwardMethod string `json:"http_forward_method,omitempty"` // GET_QUERY_PARAMS, POST_QUERY_PARAMS or POST_JSON
}

// Limits are an account's per-second limits; a zero field takes the
// emulator's generous default (kassa.DemoLimits: 100000 per second).
type Limits struct {
	MaxOutboundRequest int `json:"max_outbound_request,omitempty"`
	MaxInboundRequest  int `json:"max_inbound_request,omitempty"`
	MaxCallsPerSecond  int `json:"max_calls_per_second,omitempty"`
	PricingPerSecond   int `json:"pricing_per_second,omitempty"`
}

// AutoReload is an account's auto-reload configuration. A fixture that
// has one enables it unless it says enabled: false; the amount, threshold
// and daily cap default to kassa's (50.00, 20.00, 5 a day).
type AutoReload struct {
	Enabled   *bool  `json:"enabled,omitempty"`
	Trx       string `json:"trx,omitempty"` // required when enabled
	Amount    string `json:"amount,omitempty"`
	Threshold string `json:"threshold,omitempty"`
	DailyCap  int    `json:"daily_cap,omitempty"`
}

// Price is one price override, laid over the demo tariff: the price of one
// unit of a service type to a country (its default price), to one of its
// networks, or to a number prefix (a known range prices its network; any
// other prefix becomes a network of its own, as in a CSV rate deck).
type Price struct {
	Type     string `json:"type"`               // sms, sms-transit or voice
	Country  string `json:"country,omitempty"`  // ISO 3166 alpha-2; optional with a prefix
	Network  string `json:"network,omitempty"`  // network code (MCC+MNC, e.g. 23410)
	Prefix   string `json:"prefix,omitempty"`   // number prefix with the country code (447700900)
	Price    string `json:"price"`              // decimal, at most 8 decimals
	Currency string `json:"currency,omitempty"` // EUR (the default) or USD

	at lines
}

// lines says where the fields of one element were read: "" is the
// element itself.
type lines map[string]int

// line returns where field was read, else the element's line, else 0.
func (l lines) line(field string) int {
	if n, ok := l[field]; ok {
		return n
	}
	return l[""]
}

// Top-level keys, account keys and price keys of a fixture document.
var (
	fixtureKeys    = []string{"accounts", "prices"}
	accountKeys    = []string{"api_key", "secrets", "balance", "currency", "credit_limit", "settings", "limits", "auto_reload", "suspended", "subaccounts"}
	subaccountKeys = []string{"api_key", "name", "secrets", "use_primary_account_balance", "balance", "suspended"}
	settingsKeys   = []string{"mo_callback_url", "dr_callback_url", "http_forward_method"}
	limitsKeys     = []string{"max_outbound_request", "max_inbound_request", "max_calls_per_second", "pricing_per_second"}
	autoReloadKeys = []string{"enabled", "trx", "amount", "threshold", "daily_cap"}
	priceKeys      = []string{"type", "country", "network", "prefix", "price", "currency"}
)

// reservedAccountKeys are account keys that later kassa versions give a
// meaning; they are refused with the reason rather than as unknown.
var reservedAccountKeys = map[string]string{
	"plan": "price plans are not available in this kassa version yet",
}

// ReadFixturesFile reads and checks a fixture file (JSON or YAML).
func ReadFixturesFile(path string) (*Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixtures: %w", err)
	}
	fx, err := ParseFixtures(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fx, nil
}

// ParseFixtures reads a fixture document, JSON (its first non-blank byte is
// '{') or YAML, and checks it. A refusal is a *ParseError listing every
// problem found (up to 20), each with its line.
func ParseFixtures(data []byte) (*Fixtures, error) {
	t, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	var p problems
	fx := readFixtures(t, &p)
	var pe *ParseError
	if err := fx.Check(); errors.As(err, &pe) {
		for _, pr := range pe.Problems {
			p.add(pr.Line, "%s", pr.Message)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return fx, nil
}

// readFixtures reads the document's structure: known keys, the right kinds.
func readFixtures(t *tree, p *problems) *Fixtures {
	fx := &Fixtures{}
	if t.kind == treeNull {
		return fx // an empty document: no fixtures
	}
	m := newMapReader(t, "the document", fixtureKeys, nil, p)
	if m == nil {
		return fx
	}
	for _, item := range m.list("accounts") {
		if a := readAccount(item, p); a != nil {
			fx.Accounts = append(fx.Accounts, *a)
		}
	}
	for _, item := range m.list("prices") {
		if pr := readPrice(item, p); pr != nil {
			fx.Prices = append(fx.Prices, *pr)
		}
	}
	m.done()
	return fx
}

// readAccount reads one account.
func readAccount(t *tree, p *problems) *Account {
	a := &Account{at: lines{"": t.line}}
	m := newMapReader(t, "an account", accountKeys, reservedAccountKeys, p)
	if m == nil {
		return nil
	}
	m.at = a.at
	m.str("api_key", &a.APIKey)
	m.strings("secrets", &a.Secrets)
	m.str("balance", &a.Balance)
	m.str("currency", &a.Currency)
	m.str("credit_limit", &a.CreditLimit)
	if s := m.sub("settings", settingsKeys); s != nil {
		a.Settings = &Settings{}
		s.str("mo_callback_url", &a.Settings.MOCallbackURL)
		s.str("dr_callback_url", &a.Settings.DRCallbackURL)
		s.str("http_forward_method", &a.Settings.HTTPForwardMethod)
		s.done()
	}
	if s := m.sub("limits", limitsKeys); s != nil {
		a.Limits = &Limits{}
		s.int("max_outbound_request", &a.Limits.MaxOutboundRequest)
		s.int("max_inbound_request", &a.Limits.MaxInboundRequest)
		s.int("max_calls_per_second", &a.Limits.MaxCallsPerSecond)
		s.int("pricing_per_second", &a.Limits.PricingPerSecond)
		s.done()
	}
	if s := m.sub("auto_reload", autoReloadKeys); s != nil {
		a.AutoReload = &AutoReload{}
		s.bool("enabled", &a.AutoReload.Enabled)
		s.str("trx", &a.AutoReload.Trx)
		s.str("amount", &a.AutoReload.Amount)
		s.str("threshold", &a.AutoReload.Threshold)
		s.int("daily_cap", &a.AutoReload.DailyCap)
		s.done()
	}
	m.flag("suspended", &a.Suspended)
	for _, item := range m.list("subaccounts") {
		if sub := readSubaccount(item, p); sub != nil {
			a.Subaccounts = append(a.Subaccounts, *sub)
		}
	}
	m.done()
	return a
}

// readSubaccount reads one subaccount.
func readSubaccount(t *tree, p *problems) *Subaccount {
	sub := &Subaccount{at: lines{"": t.line}}
	m := newMapReader(t, "a subaccount", subaccountKeys, nil, p)
	if m == nil {
		return nil
	}
	m.at = sub.at
	m.str("api_key", &sub.APIKey)
	m.str("name", &sub.Name)
	m.strings("secrets", &sub.Secrets)
	m.bool("use_primary_account_balance", &sub.UsePrimaryAccountBalance)
	m.str("balance", &sub.Balance)
	m.flag("suspended", &sub.Suspended)
	return sub
}

// readPrice reads one price override.
func readPrice(t *tree, p *problems) *Price {
	pr := &Price{at: lines{"": t.line}}
	m := newMapReader(t, "a price", priceKeys, nil, p)
	if m == nil {
		return nil
	}
	m.at = pr.at
	m.str("type", &pr.Type)
	m.str("country", &pr.Country)
	m.str("network", &pr.Network)
	m.str("prefix", &pr.Prefix)
	m.str("price", &pr.Price)
	m.str("currency", &pr.Currency)
	m.done()
	return pr
}

// mapReader reads the fields of one mapping, recording their lines and
// the problems it finds.
type mapReader struct {
	t       *tree
	what    string // "an account", for messages
	prefix  string // "settings." for a nested mapping's lines
	allowed []string
	at      lines
	p       *problems
}

// newMapReader checks that t is a mapping with known, unique keys; nil
// (with the problem recorded) when it is not a mapping.
func newMapReader(t *tree, what string, allowed []string, reserved map[string]string, p *problems) *mapReader {
	if t.kind != treeMap {
		p.add(t.line, "%s must be a mapping (key: value), not %s", what, t.kindName())
		return nil
	}
	seen := map[string]int{}
	for _, k := range t.keys {
		if first, dup := seen[k.scalar]; dup {
			p.add(k.line, "%q is given twice in %s (first on line %d)", k.scalar, what, first)
			continue
		}
		seen[k.scalar] = k.line
		if why, ok := reserved[k.scalar]; ok {
			p.add(k.line, "%s: %s", k.scalar, why)
			continue
		}
		if !slices.Contains(allowed, k.scalar) {
			p.add(k.line, "unknown key %q in %s (known keys: %s)", k.scalar, what, strings.Join(allowed, ", "))
		}
	}
	return &mapReader{t: t, what: what, allowed: allowed, at: lines{"": t.line}, p: p}
}

// done is the end of reading (kept for symmetry with sub readers).
func (m *mapReader) done() {}

// value returns the value under key and records its line; nil when absent
// or null.
func (m *mapReader) value(key string) *tree {
	for i, k := range m.t.keys {
		if k.scalar == key {
			m.at[m.prefix+key] = k.line
			if m.t.vals[i].kind == treeNull {
				return nil
			}
			return m.t.vals[i]
		}
	}
	return nil
}

// scalar returns the scalar under key, refusing other kinds.
func (m *mapReader) scalar(key string) *tree {
	v := m.value(key)
	if v != nil && v.kind != treeScalar {
		m.p.add(v.line, "%s must be a single value, not %s", key, v.kindName())
		return nil
	}
	return v
}

// str reads text; an unquoted number or boolean is taken as written
// (api_key: 12345678 is the key "12345678").
func (m *mapReader) str(key string, dst *string) {
	if v := m.scalar(key); v != nil {
		*dst = v.scalar
	}
}

// int reads a whole number.
func (m *mapReader) int(key string, dst *int) {
	v := m.scalar(key)
	if v == nil {
		return
	}
	n, err := strconv.Atoi(v.scalar)
	if err != nil {
		m.p.add(v.line, "%s must be a whole number, not %q", key, truncate(v.scalar, 40))
		return
	}
	*dst = n
}

// bool reads true or false.
func (m *mapReader) bool(key string, dst **bool) {
	v := m.scalar(key)
	if v == nil {
		return
	}
	b, err := strconv.ParseBool(v.scalar)
	if err != nil || v.quoted {
		m.p.add(v.line, "%s must be true or false, not %q", key, truncate(v.scalar, 40))
		return
	}
	*dst = &b
}

// flag reads true or false into a plain bool (false when absent).
func (m *mapReader) flag(key string, dst *bool) {
	var b *bool
	m.bool(key, &b)
	if b != nil {
		*dst = *b
	}
}

// strings reads a list of strings; a single string is a list of one.
func (m *mapReader) strings(key string, dst *[]string) {
	v := m.value(key)
	switch {
	case v == nil:
	case v.kind == treeScalar:
		*dst = []string{v.scalar}
	case v.kind == treeList:
		for _, item := range v.vals {
			if item.kind != treeScalar {
				m.p.add(item.line, "%s must be a list of text values", key)
				return
			}
			*dst = append(*dst, item.scalar)
		}
	default:
		m.p.add(v.line, "%s must be a list of text values, not %s", key, v.kindName())
	}
}

// list returns the items of the list under key.
func (m *mapReader) list(key string) []*tree {
	v := m.value(key)
	if v == nil {
		return nil
	}
	if v.kind != treeList {
		m.p.add(v.line, "%s must be a list, not %s", key, v.kindName())
		return nil
	}
	return v.vals
}

// sub returns a reader of the mapping under key, whose field lines go into
// this reader's lines as "key.field".
func (m *mapReader) sub(key string, allowed []string) *mapReader {
	v := m.value(key)
	if v == nil {
		return nil
	}
	s := newMapReader(v, key, allowed, nil, m.p)
	if s == nil {
		return nil
	}
	s.at, s.prefix = m.at, m.prefix+key+"."
	return s
}

// truncate shortens s for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
