package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// SpendControls are an account's low-balance threshold and daily and
// monthly spend caps (nil: not set), its alert state and, while a cap is
// set, what it spent in the current UTC day and month (docs/ledger.md).
type SpendControls struct {
	Account             string
	Currency            string
	LowBalanceThreshold *kassa.Amount
	DailyCap            *kassa.Amount
	MonthlyCap          *kassa.Amount
	LowBalanceAlerted   bool
	SpentToday          *kassa.Amount // nil without a cap
	SpentThisMonth      *kassa.Amount
	DayResetsAt         time.Time
	MonthResetsAt       time.Time
}

type spendControlsWire struct {
	Account             string    `json:"account"`
	Currency            string    `json:"currency"`
	LowBalanceThreshold *money    `json:"low_balance_threshold"`
	DailyCap            *money    `json:"daily_cap"`
	MonthlyCap          *money    `json:"monthly_cap"`
	LowBalanceAlerted   bool      `json:"low_balance_alerted"`
	SpentToday          *money    `json:"spent_today"`
	SpentThisMonth      *money    `json:"spent_this_month"`
	DayResetsAt         time.Time `json:"day_resets_at"`
	MonthResetsAt       time.Time `json:"month_resets_at"`
}

func (w spendControlsWire) value() *SpendControls {
	amt := func(m *money) *kassa.Amount {
		if m == nil {
			return nil
		}
		a := kassa.Amount(*m)
		return &a
	}
	return &SpendControls{Account: w.Account, Currency: w.Currency,
		LowBalanceThreshold: amt(w.LowBalanceThreshold), DailyCap: amt(w.DailyCap), MonthlyCap: amt(w.MonthlyCap),
		LowBalanceAlerted: w.LowBalanceAlerted, SpentToday: amt(w.SpentToday), SpentThisMonth: amt(w.SpentThisMonth),
		DayResetsAt: w.DayResetsAt, MonthResetsAt: w.MonthResetsAt}
}

// Control is the new value of one spend control in a SpendControlsChange:
// SetControl(amount), or RemoveControl().
type Control struct {
	remove bool
	value  kassa.Amount
}

// SetControl is a control set to a.
func SetControl(a kassa.Amount) *Control { return &Control{value: a} }

// RemoveControl is a control removed.
func RemoveControl() *Control { return &Control{remove: true} }

// MarshalJSON writes the control: its amount, or null to remove it.
func (c *Control) MarshalJSON() ([]byte, error) {
	if c.remove {
		return []byte("null"), nil
	}
	return json.Marshal(c.value.String())
}

// SpendControlsChange changes an account's spend controls; nil fields keep
// their control.
type SpendControlsChange struct {
	LowBalanceThreshold *Control `json:"low_balance_threshold,omitempty"`
	DailyCap            *Control `json:"daily_cap,omitempty"`
	MonthlyCap          *Control `json:"monthly_cap,omitempty"`
}

// spendPath is the path of an account's spend controls.
func spendPath(apiKey string) string { return accountPath(apiKey) + "/spend-controls" }

// SpendControls reads an account's spend controls (GET
// /admin/v1/accounts/{api_key}/spend-controls).
func (c *Client) SpendControls(ctx context.Context, apiKey string) (*SpendControls, error) {
	var w spendControlsWire
	if err := c.getJSON(ctx, &request{method: http.MethodGet, path: spendPath(apiKey), auth: authAdmin}, &w); err != nil {
		return nil, err
	}
	return w.value(), nil
}

// SetSpendControls changes an account's spend controls (PUT
// /admin/v1/accounts/{api_key}/spend-controls) and returns them.
func (c *Client) SetSpendControls(ctx context.Context, apiKey string, ch SpendControlsChange) (*SpendControls, error) {
	r := &request{method: http.MethodPut, path: spendPath(apiKey), auth: authAdmin}
	var w spendControlsWire
	if err := c.sendJSON(ctx, r, ch, &w); err != nil {
		return nil, err
	}
	return w.value(), nil
}

// MarshalJSON writes the admin API's wire shape (amounts as 8-decimal
// strings, null when not set).
func (s SpendControls) MarshalJSON() ([]byte, error) {
	m := func(a *kassa.Amount) *money {
		if a == nil {
			return nil
		}
		v := money(*a)
		return &v
	}
	return json.Marshal(spendControlsWire{Account: s.Account, Currency: s.Currency,
		LowBalanceThreshold: m(s.LowBalanceThreshold), DailyCap: m(s.DailyCap), MonthlyCap: m(s.MonthlyCap),
		LowBalanceAlerted: s.LowBalanceAlerted, SpentToday: m(s.SpentToday), SpentThisMonth: m(s.SpentThisMonth),
		DayResetsAt: s.DayResetsAt, MonthResetsAt: s.MonthResetsAt})
}
