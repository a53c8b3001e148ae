package app

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// ControlChange changes one spend control: removes it, or sets it to
// Value.
type ControlChange struct {
	Remove bool
	Value  kassa.Amount
}

// SpendControlsChange changes an account's spend controls; a nil field
// keeps its control.
type SpendControlsChange struct {
	LowBalanceThreshold *ControlChange
	DailyCap            *ControlChange
	MonthlyCap          *ControlChange
}

// SpendView is an account's spend controls as the surfaces show them: the
// controls, the alert state and, while a cap is set, what was spent in the
// current UTC day and month and when each resets.
type SpendView struct {
	Account  string
	Currency kassa.Currency
	// SharedBalance says the account spends its primary's balance: it has
	// caps of its own but no threshold (its primary's covers the balance).
	SharedBalance bool
	kassa.Spend
	SpentToday, SpentThisMonth kassa.Amount
	DayResetsAt, MonthResetsAt time.Time
}

// SpendControls returns an account's spend controls and what it spent.
func (s *Service) SpendControls(ctx context.Context, apiKey string) (*SpendView, error) {
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	sp, err := s.store.Spend(ctx, apiKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, noAccount(apiKey)
	}
	if err != nil {
		return nil, err
	}
	return s.spendView(acct, sp), nil
}

// spendView builds the view of an account's controls at the Service's now.
func (s *Service) spendView(acct *kassa.Account, sp kassa.Spend) *SpendView {
	now := s.now()
	v := &SpendView{Account: acct.APIKey, Currency: acct.Currency, SharedBalance: acct.SharedBalance, Spend: sp,
		DayResetsAt: kassa.DayStart(now).AddDate(0, 0, 1), MonthResetsAt: kassa.MonthStart(now).AddDate(0, 1, 0)}
	v.SpentToday, v.SpentThisMonth = sp.Spent(now)
	return v
}

// SetSpendControls changes an account's spend controls (an operator's
// action: the threshold and the caps). The change and the counters and
// alert state it implies are one ledger transaction holding the account's
// lock (see charging.Ledger.SetSpendControls). EINVALID for a negative
// cap, or a threshold on a shared-balance subaccount. Audited as
// spend_controls.update.
func (s *Service) SetSpendControls(ctx context.Context, actor Actor, apiKey string, ch SpendControlsChange) (*SpendView, error) {
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	return s.setSpendControls(ctx, actor, acct, ch)
}

// SetSubaccountSpendControls changes the spend controls of a subaccount of
// the primary apiKey (a primary sets caps on its subaccounts, and the
// threshold of one with a balance of its own). ENOTFOUND (NoAccess) when
// subKey is not its subaccount. Audited as spend_controls.update.
func (s *Service) SetSubaccountSpendControls(ctx context.Context, actor Actor, apiKey, subKey string, ch SpendControlsChange) (*SpendView, error) {
	if _, err := s.primaryAccount(ctx, apiKey); err != nil {
		return nil, err
	}
	sub, err := s.subaccountOf(ctx, apiKey, subKey)
	if err != nil {
		return nil, err
	}
	return s.setSpendControls(ctx, actor, sub, ch)
}

// SubaccountSpendControls returns the spend controls of a subaccount of the
// primary apiKey. ENOTFOUND (NoAccess) when subKey is not its subaccount.
func (s *Service) SubaccountSpendControls(ctx context.Context, apiKey, subKey string) (*SpendView, error) {
	if _, err := s.primaryAccount(ctx, apiKey); err != nil {
		return nil, err
	}
	if _, err := s.subaccountOf(ctx, apiKey, subKey); err != nil {
		return nil, err
	}
	return s.SpendControls(ctx, subKey)
}

// SetLowBalanceThreshold changes only an account's low-balance threshold:
// what an account holder may set on its own account.
func (s *Service) SetLowBalanceThreshold(ctx context.Context, actor Actor, apiKey string, ch ControlChange) (*SpendView, error) {
	return s.SetSpendControls(ctx, actor, apiKey, SpendControlsChange{LowBalanceThreshold: &ch})
}

// setSpendControls checks and applies a change to acct's controls.
func (s *Service) setSpendControls(ctx context.Context, actor Actor, acct *kassa.Account, ch SpendControlsChange) (*SpendView, error) {
	req := charging.SpendControlsRequest{Account: acct.APIKey, Primary: acct.Primary}
	var err error
	if req.LowBalanceThreshold, err = controlSetting("low_balance_threshold", ch.LowBalanceThreshold, true); err != nil {
		return nil, err
	}
	if req.DailyCap, err = controlSetting("daily_cap", ch.DailyCap, false); err != nil {
		return nil, err
	}
	if req.MonthlyCap, err = controlSetting("monthly_cap", ch.MonthlyCap, false); err != nil {
		return nil, err
	}
	if acct.SharedBalance && ch.LowBalanceThreshold != nil && !ch.LowBalanceThreshold.Remove {
		return nil, kassa.FieldError("low_balance_threshold",
			"%s spends the balance of its primary %s: set the low-balance threshold on the primary", acct.APIKey, acct.Primary)
	}
	if s.ledger == nil {
		return nil, errNoLedger
	}
	sp, err := s.ledger.SetSpendControls(ctx, req)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, acct.APIKey, ActionSpendControlsUpdate, map[string]any{
		"low_balance_threshold": amountOrNull(sp.LowBalanceThreshold), "daily_cap": amountOrNull(sp.DailyCap),
		"monthly_cap": amountOrNull(sp.MonthlyCap), "currency": string(acct.Currency),
	})
	return s.spendView(acct, sp), nil
}

// controlSetting checks one control's change: a cap is never negative (0
// stops all spending); a threshold may be (for an account with a credit
// limit).
func controlSetting(field string, ch *ControlChange, mayBeNegative bool) (*charging.Setting, error) {
	if ch == nil {
		return nil, nil
	}
	if ch.Remove {
		return &charging.Setting{}, nil
	}
	if ch.Value < 0 && !mayBeNegative {
		return nil, kassa.FieldError(field, "%s must not be negative (0 allows no spending; remove the cap with null)", field)
	}
	v := ch.Value
	return &charging.Setting{Value: &v}, nil
}

// amountOrNull is an amount for an audit detail, nil for none.
func amountOrNull(a *kassa.Amount) any {
	if a == nil {
		return nil
	}
	return a.String()
}
