package kassa

import (
	"context"
	"fmt"
	"time"
)

// SpendControls are an account's low-balance alert threshold and spend
// caps (docs/ledger.md#spend-controls). A nil field is not set.
type SpendControls struct {
	// LowBalanceThreshold: balance.low is written when the balance falls
	// below it, balance.recovered when it rises above it again.
	LowBalanceThreshold *Amount
	// DailyCap and MonthlyCap bound what charges and holds may take in a
	// UTC calendar day and month (what refunds and released holds give
	// back is not spent).
	DailyCap   *Amount
	MonthlyCap *Amount
}

// HasCaps reports whether a daily or a monthly cap is set.
func (c SpendControls) HasCaps() bool { return c.DailyCap != nil || c.MonthlyCap != nil }

// IsZero reports whether no control is set.
func (c SpendControls) IsZero() bool { return c.LowBalanceThreshold == nil && !c.HasCaps() }

// SpendState is the ledger's bookkeeping of an account's controls, kept
// with them and changed only inside ledger transactions.
type SpendState struct {
	// LowBalanceAlerted says that balance.low was written and the balance
	// has not risen above the threshold since.
	LowBalanceAlerted bool
	// Day is the UTC day DaySpent counts, Month the UTC month MonthSpent
	// counts (their first instant); zero when not counting. They are kept
	// while a cap is set.
	Day        time.Time
	DaySpent   Amount
	Month      time.Time
	MonthSpent Amount
	// DayCapNotified and MonthCapNotified are the day and the month for
	// which spend_cap.reached was written (once per period and cap).
	DayCapNotified   time.Time
	MonthCapNotified time.Time
}

// Spend is an account's spend controls with their state; the zero value is
// an account without controls.
type Spend struct {
	SpendControls
	SpendState
}

// DayStart is the first instant of t's UTC day.
func DayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MonthStart is the first instant of t's UTC month.
func MonthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// Spent returns what the state counts as spent in the day and the month
// of now: 0 for a period it is not counting (a new day, or no cap).
func (s SpendState) Spent(now time.Time) (day, month Amount) {
	if s.Day.Equal(DayStart(now)) {
		day = s.DaySpent
	}
	if s.Month.Equal(MonthStart(now)) {
		month = s.MonthSpent
	}
	return day, month
}

// The caps of CapError.Cap.
const (
	CapDaily   = "daily"
	CapMonthly = "monthly"
)

// CapError is the cause of an ESPENDCAP error: a charge or hold of Amount
// would take what Account spent in the period of Cap beyond Limit.
type CapError struct {
	Account  string
	Cap      string // CapDaily or CapMonthly
	Limit    Amount
	Spent    Amount // spent in the period before this charge or hold
	Amount   Amount // the refused charge or hold
	Currency Currency
	Period   time.Time // the period's first instant
	ResetsAt time.Time // the next period's first instant
}

// Error implements the error interface.
func (e *CapError) Error() string {
	return fmt.Sprintf("%s spend cap of %s %s reached by %s: %s spent, %s more refused, resets at %s",
		e.Cap, e.Limit, e.Currency, e.Account, e.Spent, e.Amount, e.ResetsAt.UTC().Format(time.RFC3339))
}

// SpendStore reads the spend controls of accounts (the ledger writes
// them: LedgerTx.SetSpend).
type SpendStore interface {
	// Spend returns an account's controls and their state; the zero Spend
	// when it has none. ENOTFOUND if there is no such account.
	Spend(ctx context.Context, apiKey string) (Spend, error)
}
