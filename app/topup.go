package app

import (
	"context"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// TopUpper performs a public top-up: reload.Reloader.
type TopUpper interface {
	TopUp(ctx context.Context, req reload.TopUpRequest) (*kassa.Entry, error)
}

// defaultTopUp is a reloader over the configured store and ledger with the
// ledger-only gateway: top-ups are credited without taking a payment (tests
// and embedded servers; kassa serve passes the reloader of its configured
// gateway, which declines every top-up without one).
func defaultTopUp(cfg Config) TopUpper {
	return reload.New(cfg.Store, cfg.Ledger, reload.LedgerOnly{}, reload.Options{Now: cfg.Now, Logger: cfg.Logger})
}

// TopUp credits the account's auto-reload amount after charging the
// payment behind trx (the public top-up; see reload.Reloader.TopUp for the
// refusals). requestKey is the caller's idempotency key, "" when none: a
// retry with the same key credits once. The reloader audits the outcome
// (topup.credited, topup.declined) with the actor's address.
//
// A subaccount is refused (EFORBIDDEN): its primary funds it with balance
// transfers, or it spends the primary's balance.
func (s *Service) TopUp(ctx context.Context, actor Actor, apiKey, trx, requestKey string) (*kassa.Entry, error) {
	if trx == "" {
		return nil, kassa.FieldError("trx", "Is required.")
	}
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	if acct.IsSubaccount() {
		return nil, kassa.Errorf(kassa.EFORBIDDEN, "subaccounts are funded by their primary account's balance transfers")
	}
	return s.topUp.TopUp(ctx, reload.TopUpRequest{Account: apiKey, Trx: trx, IdempotencyKey: requestKey, RemoteAddr: actor.RemoteAddr})
}
