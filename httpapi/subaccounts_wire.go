package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// The objects of the Subaccounts API (docs/subaccounts.md, the wire
// reference's §2), their keys in the order the real service sends them.

// subTimeLayout is the Subaccounts API's timestamp: UTC with milliseconds.
const subTimeLayout = "2006-01-02T15:04:05.000Z"

func subTime(t time.Time) string { return t.UTC().Format(subTimeLayout) }

// money is a JSON number written from an amount's exact decimal text.
func money(a kassa.Amount) rawNumber { return rawNumber(a.Decimal()) }

// nullableMoney is money, or null for a shared balance.
func nullableMoney(a kassa.Amount, shared bool) *rawNumber {
	if shared {
		return nil
	}
	m := money(a)
	return &m
}

// subaccountJSON is a subaccount as the Subaccounts API shows it; Secret
// only in the answer of its creation.
type subaccountJSON struct {
	APIKey        string     `json:"api_key"`
	Secret        string     `json:"secret,omitempty"`
	Primary       string     `json:"primary_account_api_key"`
	SharedBalance bool       `json:"use_primary_account_balance"`
	Name          string     `json:"name"`
	Balance       *rawNumber `json:"balance"`
	CreditLimit   *rawNumber `json:"credit_limit"`
	Suspended     bool       `json:"suspended"`
	CreatedAt     string     `json:"created_at"`
}

func toSubaccountJSON(a *kassa.Account) subaccountJSON {
	return subaccountJSON{
		APIKey: a.APIKey, Primary: a.Primary, SharedBalance: a.SharedBalance, Name: a.Name,
		Balance: nullableMoney(a.Balance, a.SharedBalance), CreditLimit: nullableMoney(a.CreditLimit, a.SharedBalance),
		Suspended: a.Suspended, CreatedAt: subTime(a.CreatedAt),
	}
}

// primaryJSON is the primary account in the list: no
// primary_account_api_key nor use_primary_account_balance, as on the real
// service, and a name that is always a string.
type primaryJSON struct {
	APIKey      string    `json:"api_key"`
	Name        string    `json:"name"`
	Balance     rawNumber `json:"balance"`
	CreditLimit rawNumber `json:"credit_limit"`
	Suspended   bool      `json:"suspended"`
	CreatedAt   string    `json:"created_at"`
}

// familyList is the answer of GET /accounts/{api_key}/subaccounts.
type familyList struct {
	Links            selfLinks `json:"_links"`
	TotalBalance     rawNumber `json:"total_balance"`
	TotalCreditLimit rawNumber `json:"total_credit_limit"`
	Embedded         struct {
		Primary     primaryJSON      `json:"primary_account"`
		Subaccounts []subaccountJSON `json:"subaccounts"`
	} `json:"_embedded"`
}

// transferItem is a transfer in a list. The real service sends id; the
// spec and PHP and Node's types name it credit_transfer_id or
// balance_transfer_id: both are sent, with the same UUID.
type transferItem struct {
	From      string    `json:"from"`
	To        string    `json:"to"`
	Amount    rawNumber `json:"amount"`
	Reference string    `json:"reference"`
	ID        string    `json:"id"`
	CreatedAt string    `json:"created_at"`
	CreditID  string    `json:"credit_transfer_id,omitempty"`
	BalanceID string    `json:"balance_transfer_id,omitempty"`
}

// transferCreated is the answer of a transfer POST: the item with the
// primary (masterAccountId, sic) and a self link first, as the real
// service sends them.
type transferCreated struct {
	Master string    `json:"masterAccountId"`
	Links  selfLinks `json:"_links"`
	transferItem
}

func toTransferItem(t *kassa.Transfer) transferItem {
	item := transferItem{From: t.From, To: t.To, Amount: money(t.Amount), Reference: t.Reference, ID: t.ID, CreatedAt: subTime(t.CreatedAt)}
	if t.Kind == kassa.TransferCredit {
		item.CreditID = t.ID
	} else {
		item.BalanceID = t.ID
	}
	return item
}

// transferPath is the path of a primary's transfers of a kind.
func transferPath(primary string, kind kassa.TransferKind) string {
	return "/accounts/" + primary + "/" + string(kind) + "-transfers"
}

// subBody is a Subaccounts API request body: a JSON object whose keys keep
// their JSON values. Unknown keys are ignored and null is the same as
// absent, as SDKs send both (Java adds primary_account_api_key; Python
// sends "secret": null).
type subBody map[string]json.RawMessage

// decodeSubBody reads the body of a Subaccounts API request; an empty body
// is an empty object.
func decodeSubBody(data []byte) (subBody, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return subBody{}, nil
	}
	var b subBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil || b == nil {
		return nil, kassa.FieldError("body", "Malformed JSON: the body must be a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, kassa.FieldError("body", "Malformed JSON: data after the object")
	}
	return b, nil
}

// value returns the raw JSON of key, nil when absent or null.
func (b subBody) value(key string) json.RawMessage {
	v := bytes.TrimSpace(b[key])
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

// str reads an optional string.
func (b subBody) str(key string) (string, bool, error) {
	v := b.value(key)
	if v == nil {
		return "", false, nil
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", false, kassa.FieldError(key, "Should be a string")
	}
	return s, true, nil
}

// boolean reads an optional boolean: JSON true or false only.
func (b subBody) boolean(key string) (*bool, error) {
	switch v := b.value(key); string(v) {
	case "":
		return nil, nil
	case "true", "false":
		x := string(v) == "true"
		return &x, nil
	}
	return nil, kassa.FieldError(key, "Should be either 'true' or 'false'")
}

// reasonAmount is the reference's reason for a bad transfer amount.
const reasonAmount = "Only positive values of data type JSON number are allowed"

// numericString is the text a string amount may have (Node 1.12.1 sends
// credit transfer amounts as strings: its type says so).
var numericString = regexp.MustCompile(`^\d+(\.\d+)?$`)

// amount reads a transfer amount: a positive JSON number, or a JSON string
// of digits with an optional fraction, with at most 8 decimal places
// (exact: no amount is rounded). Exponents (JavaScript writes 1e-7) are
// read exactly too.
func (b subBody) amount(key string) (kassa.Amount, error) {
	v := b.value(key)
	if v == nil {
		return 0, kassa.FieldError(key, "%s", reasonAmount)
	}
	text := string(v)
	if v[0] == '"' {
		if json.Unmarshal(v, &text) != nil || !numericString.MatchString(text) {
			return 0, kassa.FieldError(key, "%s", reasonAmount)
		}
	} else if !json.Valid(v) || strings.ContainsAny(text, "\"tfn[{") {
		return 0, kassa.FieldError(key, "%s", reasonAmount)
	}
	a, err := exactAmount(text)
	if err != nil {
		return 0, kassa.FieldError(key, "%s", kassa.ErrorMessage(err))
	}
	if a <= 0 {
		return 0, kassa.FieldError(key, "%s", reasonAmount)
	}
	return a, nil
}

// exactAmount converts the decimal text of a JSON number to an amount
// without rounding: more than 8 decimal places, or a value beyond the range
// of amounts, is an error.
func exactAmount(text string) (kassa.Amount, error) {
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return 0, errAmountText
	}
	r.Mul(r, big.NewRat(100_000_000, 1))
	if !r.IsInt() {
		return 0, errAmountPlaces
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() > int64(kassa.MaxAmount) || n.Int64() < -int64(kassa.MaxAmount) {
		return 0, errAmountRange
	}
	return kassa.Amount(n.Int64()), nil
}

// The errors of exactAmount, caller-safe.
var (
	errAmountText   = kassa.Errorf(kassa.EINVALID, "%s", reasonAmount)
	errAmountPlaces = kassa.Errorf(kassa.EINVALID, "Only amounts with at most 8 decimal places are allowed")
	errAmountRange  = kassa.Errorf(kassa.EINVALID, "The amount is too large")
)

// transferDate parses a start_date or end_date: a date (YYYY-MM-DD), or a
// date and time with or without fractional seconds, with Z, a numeric
// offset or no zone (UTC). A date-only end is the end of that day. A
// space before the offset is read as the '+' a client left unescaped.
func transferDate(text string, end bool) (time.Time, bool) {
	if i := strings.LastIndexByte(text, ' '); i >= len("2006-01-02T15:04:05") {
		text = text[:i] + "+" + text[i+1:] // a '+' sent unescaped in the query
	}
	if t, err := time.Parse(time.DateOnly, text); err == nil {
		if end {
			return t.Add(24*time.Hour - time.Nanosecond), true
		}
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
