package kassa

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DayLayout and MonthLayout are how usage days and statement months are
// written (UTC): 2026-11-03, 2026-11.
const (
	DayLayout   = "2006-01-02"
	MonthLayout = "2006-01"
)

// UsageDelta is what one charge, capture or refund adds to the usage
// rollups (docs/ledger.md#usage-rollups): the row of its payer's account
// (Account, whose balance the entry changed), on behalf of Subaccount (a
// shared-balance subaccount, or ""), for the UTC Day of the entry, the
// service Type, Country and Network (code) it was rated for. A charge or a
// capture adds Count 1, its Units and Charged; a refund adds Refunds 1
// and Refunded, under the key of what it refunds.
type UsageDelta struct {
	Account    string
	Subaccount string
	Day        time.Time
	Type       ServiceType
	Country    string
	Network    string
	Currency   Currency
	Count      int64
	Units      int64
	Charged    Amount
	Refunds    int64
	Refunded   Amount
}

// UsageGroup is a dimension usage is grouped by.
type UsageGroup string

// The dimensions of usage. GroupAccount is the account whose balance paid
// (a shared-balance subaccount's usage is its primary's).
const (
	GroupDay     UsageGroup = "day"
	GroupMonth   UsageGroup = "month"
	GroupType    UsageGroup = "type"
	GroupCountry UsageGroup = "country"
	GroupNetwork UsageGroup = "network"
	GroupAccount UsageGroup = "account"
)

// UsageGroups lists every dimension, in the order rows are sorted by.
var UsageGroups = []UsageGroup{GroupAccount, GroupMonth, GroupDay, GroupType, GroupCountry, GroupNetwork}

// ParseUsageGroups reads a comma-separated list of dimensions ("" is none).
// Each may appear once; EINVALID names group_by otherwise.
func ParseUsageGroups(s string) ([]UsageGroup, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []UsageGroup
	seen := map[UsageGroup]bool{}
	for _, part := range strings.Split(s, ",") {
		g := UsageGroup(strings.TrimSpace(part))
		if !g.Valid() {
			return nil, FieldError("group_by", "group_by names an unknown dimension %q: use day, month, type, country, network or account", string(g))
		}
		if seen[g] {
			return nil, FieldError("group_by", "group_by names %q twice", string(g))
		}
		seen[g] = true
		out = append(out, g)
	}
	return out, nil
}

// Valid reports whether g is a known dimension.
func (g UsageGroup) Valid() bool {
	for _, v := range UsageGroups {
		if v == g {
			return true
		}
	}
	return false
}

// UsageFilter selects and groups usage. From and To are UTC days (their
// first instants), both included. Account "" is every account; otherwise
// the account's usage: what its balance paid (with its shared-balance
// subaccounts'), or, for a shared-balance subaccount, what it spent of its
// primary's balance. Rows are grouped by GroupBy and always by currency.
// Top > 0 keeps the Top rows with the largest amount (charged less
// refunded), largest first; otherwise rows are sorted by their keys.
type UsageFilter struct {
	Account  string
	From, To time.Time
	GroupBy  []UsageGroup
	Currency Currency
	Top      int
}

// Has reports whether the filter groups by g.
func (f UsageFilter) Has(g UsageGroup) bool {
	for _, v := range f.GroupBy {
		if v == g {
			return true
		}
	}
	return false
}

// UsageRow is one group of usage: the keys it is grouped by (the others
// are ""), the currency, and the sums. Count and Units are those of the
// charges and captures; Amount() is what they took less what was refunded.
type UsageRow struct {
	Account  string
	Month    string // 2026-11
	Day      string // 2026-11-03
	Type     ServiceType
	Country  string
	Network  string
	Currency Currency
	Count    int64
	Units    int64
	Charged  Amount
	Refunds  int64
	Refunded Amount
}

// Amount is what the group spent: charged less refunded.
func (r UsageRow) Amount() Amount { return r.Charged - r.Refunded }

// Key returns the row's value for a dimension.
func (r UsageRow) Key(g UsageGroup) string {
	switch g {
	case GroupAccount:
		return r.Account
	case GroupMonth:
		return r.Month
	case GroupDay:
		return r.Day
	case GroupType:
		return string(r.Type)
	case GroupCountry:
		return r.Country
	case GroupNetwork:
		return r.Network
	}
	return ""
}

// Statement is an account's ledger over one UTC calendar month: the
// balance before its first instant, the sum and count of its entries of
// each kind within it, and the balance after: Opening + the sum of Totals
// = Closing, exactly.
type Statement struct {
	Account  string
	Month    time.Time // first instant, UTC
	Currency Currency
	Opening  Amount
	Closing  Amount
	Totals   map[EntryKind]Amount
	Counts   map[EntryKind]int64
}

// ParseMonth reads a month as written in MonthLayout (2026-11).
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse(MonthLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q is not YYYY-MM", s)
	}
	return t, nil
}

// UsageStore reads usage rollups and statements (the ledger writes the
// rollups: LedgerTx.AddUsage).
type UsageStore interface {
	// Usage returns the usage f selects, grouped as it says, from the
	// rollups (never the entries). EINVALID for a bad filter.
	Usage(ctx context.Context, f UsageFilter) ([]UsageRow, error)
	// Statement returns an account's statement for the UTC month starting
	// at month, from its entries of that month (read through an index on
	// account and time) in one snapshot. ENOTFOUND if there is no such
	// account.
	Statement(ctx context.Context, account string, month time.Time) (*Statement, error)
}

// Sum returns the sum of the statement's totals: Closing − Opening.
// EINVALID if it is out of the range of amounts.
func (s *Statement) Sum() (Amount, error) {
	var sum Amount
	for _, k := range EntryKinds {
		var err error
		if sum, err = sum.Add(s.Totals[k]); err != nil {
			return 0, Errorf(EINVALID, "the statement of %s for %s is out of the range of amounts", s.Account, s.Month.Format(MonthLayout))
		}
	}
	return sum, nil
}
