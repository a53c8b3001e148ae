package app

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// AutoReloadChange is an account's new auto-reload configuration: absent
// (nil) amount, threshold and daily cap take the defaults (50.00, 20.00,
// 5). Trx is required when Enabled; the amount must be positive, the
// threshold not negative, the daily cap 0 to MaxDailyCap.
type AutoReloadChange struct {
	Enabled   bool
	Trx       string
	Amount    *kassa.Amount
	Threshold *kassa.Amount
	DailyCap  *int
}

// autoReload returns the configuration the change sets.
func (c AutoReloadChange) autoReload() kassa.AutoReload {
	ar := kassa.AutoReload{Enabled: c.Enabled, Trx: c.Trx, Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: kassa.DefaultReloadDailyCap}
	if c.Amount != nil {
		ar.Amount = *c.Amount
	}
	if c.Threshold != nil {
		ar.Threshold = *c.Threshold
	}
	if c.DailyCap != nil {
		ar.DailyCap = *c.DailyCap
	}
	return ar
}

// SetAutoReload replaces the account's auto-reload configuration and
// returns the account. Audited as auto_reload.update.
func (s *Service) SetAutoReload(ctx context.Context, actor Actor, apiKey string, c AutoReloadChange) (*kassa.Account, error) {
	ar := c.autoReload()
	if err := checkAutoReload(ar); err != nil {
		return nil, err
	}
	return s.updateAccount(ctx, actor, apiKey, ActionAutoReloadUpdate, kassa.AccountUpdate{AutoReload: &ar}, map[string]any{
		"enabled": ar.Enabled, "amount": ar.Amount.String(), "threshold": ar.Threshold.String(), "daily_cap": ar.DailyCap,
	})
}

// SetLimits changes some of the account's limits (each 1 to MaxLimit per
// second) and returns the account. Audited as limits.update.
func (s *Service) SetLimits(ctx context.Context, actor Actor, apiKey string, c LimitsChange) (*kassa.Account, error) {
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	limits, err := c.apply(acct.Limits)
	if err != nil {
		return nil, err
	}
	return s.updateAccount(ctx, actor, apiKey, ActionLimitsUpdate, kassa.AccountUpdate{Limits: &limits}, map[string]any{
		"max_outbound_request": limits.MaxOutboundRequest, "max_inbound_request": limits.MaxInboundRequest,
		"max_calls_per_second": limits.MaxCallsPerSecond, "pricing_per_second": limits.PricingPerSecond,
	})
}

// SetCreditLimit sets the floor of the account's balance (0 or negative)
// and returns the account. Audited as credit_limit.update.
func (s *Service) SetCreditLimit(ctx context.Context, actor Actor, apiKey string, floor kassa.Amount) (*kassa.Account, error) {
	if err := checkCreditLimit(floor); err != nil {
		return nil, err
	}
	return s.updateAccount(ctx, actor, apiKey, ActionCreditLimitUpdate, kassa.AccountUpdate{CreditLimit: &floor}, map[string]any{
		"credit_limit": floor.String(),
	})
}

// updateAccount applies upd, makes the credential cache forget the key (the
// pricing endpoints read limits from the account cached with a verified
// secret: they see the change at once) and audits it.
func (s *Service) updateAccount(ctx context.Context, actor Actor, apiKey, action string, upd kassa.AccountUpdate, detail map[string]any) (*kassa.Account, error) {
	if upd.Suspended != nil {
		upd.Events = suspensionEvents(actor)
	}
	acct, err := s.store.UpdateAccount(ctx, apiKey, upd)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, noAccount(apiKey)
	}
	if err != nil {
		return nil, err
	}
	s.invalidate(apiKey)
	s.audit(ctx, actor, apiKey, action, detail)
	return acct, nil
}

// suspensionEvents returns the Events of an update that may suspend or
// resume an account: account.suspended or account.resumed when the update
// changed it (none when it was already so), written with the update.
func suspensionEvents(actor Actor) func(before, after *kassa.Account) ([]*kassa.Event, error) {
	return func(before, after *kassa.Account) ([]*kassa.Event, error) {
		if before.Suspended == after.Suspended {
			return nil, nil
		}
		typ := kassa.EventAccountSuspended
		if !after.Suspended {
			typ = kassa.EventAccountResumed
		}
		ev, err := kassa.NewEvent(typ, after.APIKey, kassa.AccountSuspensionData{Primary: after.Primary, By: actor.Name})
		if err != nil {
			return nil, err
		}
		return []*kassa.Event{ev}, nil
	}
}

// findAccount reads an account, ENOTFOUND naming it.
func (s *Service) findAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	acct, err := s.store.FindAccount(ctx, apiKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, noAccount(apiKey)
	}
	return acct, err
}

// noAccount is the ENOTFOUND error of an unknown account.
func noAccount(apiKey string) error {
	return kassa.Errorf(kassa.ENOTFOUND, "no account %q", apiKey)
}
