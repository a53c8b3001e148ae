package app

import (
	"context"
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// RateRequest asks for the price of a service to a number in an account's
// currency.
type RateRequest struct {
	Account string
	Type    kassa.ServiceType // sms, sms-transit or voice
	To      string            // a phone number (see pricing.NormalizeNumber)
}

// Rated is a rated destination: the account, the service, the number as
// the normalised digits it was rated by, and its price.
type Rated struct {
	Account string
	Type    kassa.ServiceType
	To      string
	kassa.Rating
}

// Rate prices the number for the account in the account's currency with the
// active price book (POST /platform/v1/rate). ENOTFOUND for an unknown
// account or a number no price covers, EUNAVAILABLE without an active price
// book. It reads the account's currency from the store only the first time.
func (s *Service) Rate(ctx context.Context, req RateRequest) (Rated, error) {
	if err := req.validate(); err != nil {
		return Rated{}, err
	}
	cur, err := s.accountCurrency(ctx, req.Account)
	if err != nil {
		return Rated{}, err
	}
	return s.rate(ctx, req, cur)
}

// validate checks the account, type and number of a rate request.
func (req RateRequest) validate() error {
	switch {
	case req.Account == "":
		return kassa.FieldError("account", "account is required")
	case req.Type == "":
		return kassa.FieldError("type", "type is required")
	case !req.Type.Valid():
		return kassa.FieldError("type", "type must be sms, sms-transit or voice")
	case req.To == "":
		return kassa.FieldError("to", "to is required")
	}
	return nil
}

// rate rates a checked request in currency cur with the account's price
// plan, read now (a plan change takes effect on the account's next
// request, whichever node takes it).
func (s *Service) rate(ctx context.Context, req RateRequest, cur kassa.Currency) (Rated, error) {
	if s.rater == nil {
		return Rated{}, pricing.ErrNoPriceBook
	}
	plan, err := s.AccountPlan(ctx, req.Account)
	if err != nil {
		return Rated{}, err
	}
	rating, err := s.rater.RatePlan(ctx, plan, req.Type, req.To, cur)
	if err != nil {
		return Rated{}, err
	}
	to, err := pricing.NormalizeNumber(req.To)
	if err != nil {
		return Rated{}, err
	}
	return Rated{Account: req.Account, Type: req.Type, To: to, Rating: rating}, nil
}

// AccountPlan returns the price plan an account's prices come from, read
// from the store now: its own, else its primary's, else the default plan.
// ENOTFOUND for an unknown account.
func (s *Service) AccountPlan(ctx context.Context, apiKey string) (string, error) {
	plan, _, err := s.store.AccountPlan(ctx, apiKey)
	if err != nil {
		return "", fmt.Errorf("plan of account %s: %w", apiKey, err)
	}
	return plan, nil
}

// accountCurrency returns the billing currency of the account key names
// without a store read when it was read before. That is always exact: a
// currency is set when the account is created and never changes, and
// accounts are never deleted; only accounts that exist are remembered, one
// small entry each. Profiles of POST /platform/v1/rate showed the account
// read as the largest cost after HTTP. Charges and holds still read the
// account (they need its limits and floor).
func (s *Service) accountCurrency(ctx context.Context, key string) (kassa.Currency, error) {
	if c, ok := s.currencies.Load(key); ok {
		return c.(kassa.Currency), nil
	}
	acct, err := s.findAccount(ctx, key)
	if err != nil {
		return "", err
	}
	s.currencies.Store(acct.APIKey, acct.Currency)
	return acct.Currency, nil
}
