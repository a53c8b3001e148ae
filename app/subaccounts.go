package app

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// ErrNotProvisioned is wrapped by the EFORBIDDEN error of a Subaccounts
// use case asked by an account that may not have subaccounts: a
// subaccount, or an account whose subaccounts an operator disabled.
var ErrNotProvisioned = errors.New("not provisioned for subaccounts")

// Family is a primary account with its subaccounts, oldest first, and the
// totals the Subaccounts API lists: the balances and the credit limits of
// the primary and of the subaccounts with their own balance (a shared
// balance is the primary's and counts once).
type Family struct {
	Primary          *kassa.Account
	Subaccounts      []*kassa.Account
	TotalBalance     kassa.Amount
	TotalCreditLimit kassa.Amount
}

// primaryAccount reads the account apiKey as a primary: ENOTFOUND when it
// does not exist, EFORBIDDEN wrapping ErrNotProvisioned when it may not
// have subaccounts.
func (s *Service) primaryAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	if acct.IsSubaccount() || acct.SubaccountsDisabled {
		return nil, &kassa.Error{Code: kassa.EFORBIDDEN, Err: ErrNotProvisioned,
			Message: "Account " + apiKey + " is not provisioned to access Subaccount Provisioning API"}
	}
	return acct, nil
}

// Family returns the primary account apiKey with its subaccounts and their
// totals (GET /accounts/{api_key}/subaccounts).
func (s *Service) Family(ctx context.Context, apiKey string) (*Family, error) {
	p, err := s.primaryAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.Subaccounts(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	return NewFamily(p, subs), nil
}

// NewFamily returns the family of primary p and its subaccounts with their
// totals.
func NewFamily(p *kassa.Account, subs []*kassa.Account) *Family {
	f := &Family{Primary: p, Subaccounts: subs, TotalBalance: p.Balance, TotalCreditLimit: p.CreditLimit}
	for _, sub := range subs {
		if !sub.SharedBalance {
			f.TotalBalance += sub.Balance
			f.TotalCreditLimit += sub.CreditLimit
		}
	}
	return f
}

// Subaccount returns one subaccount of the primary apiKey. ENOTFOUND (with
// the reference's message, naming subKey) when there is no such account or
// it is not that primary's subaccount.
func (s *Service) Subaccount(ctx context.Context, apiKey, subKey string) (*kassa.Account, error) {
	if _, err := s.primaryAccount(ctx, apiKey); err != nil {
		return nil, err
	}
	return s.subaccountOf(ctx, apiKey, subKey)
}

// subaccountOf reads subKey, ENOTFOUND unless it is a subaccount of primary.
func (s *Service) subaccountOf(ctx context.Context, primary, subKey string) (*kassa.Account, error) {
	sub, err := s.store.FindAccount(ctx, subKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND || (err == nil && sub.Primary != primary) {
		return nil, NoAccess(subKey)
	}
	return sub, err
}

// NoAccess is the ENOTFOUND error of an api key the caller may not see
// (the Subaccounts and secrets APIs' 404): unknown, or another family's.
func NoAccess(apiKey string) error {
	return &kassa.Error{Code: kassa.ENOTFOUND, Field: "api_key", Message: "API key '" + apiKey + "' does not exist, or you do not have access"}
}

// NewSubaccount asks for a new subaccount of a primary account.
type NewSubaccount struct {
	// APIKey is the subaccount's api key: an 8-hex-character key is
	// generated when "" (the API never chooses one; the emulator's
	// fixtures do, so that tests know it). ECONFLICT when it is taken.
	APIKey string
	Name   string // required: 1 to kassa.MaxAccountNameLen characters of text
	// Secret is the first secret; generated (and returned once) when "".
	Secret string
	// SharedBalance, use_primary_account_balance: true (the default, nil)
	// spends the primary's balance; false gives the subaccount a balance
	// of its own, starting at 0 with no credit.
	SharedBalance *bool
}

// CreateSubaccount creates a subaccount of the primary apiKey with an
// 8-hex-character api key, the primary's currency and limits, auto-reload
// off, and its first secret, in one transaction that counts the primary's
// subaccounts and writes subaccount.created: ELIMIT when it already has
// its maximum (its own, or the server's default). Audited as
// subaccount.create.
func (s *Service) CreateSubaccount(ctx context.Context, actor Actor, apiKey string, req NewSubaccount) (*CreatedAccount, error) {
	p, err := s.primaryAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if s.hasher == nil {
		return nil, errNoHasher
	}
	shared := req.SharedBalance == nil || *req.SharedBalance
	out := &CreatedAccount{Secret: req.Secret}
	if out.Secret == "" {
		out.Secret, out.SecretGenerated = auth.GenerateSecret(), true
	}
	acct := &kassa.Account{
		Currency: p.Currency, Limits: p.Limits, Name: req.Name, Primary: p.APIKey, SharedBalance: shared,
		AutoReload: kassa.AutoReload{Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: kassa.DefaultReloadDailyCap},
	}
	for attempt := 1; ; attempt++ {
		acct.APIKey = req.APIKey
		if acct.APIKey == "" {
			acct.APIKey = auth.GenerateAPIKey()
		}
		sec, err := s.hasher.NewSecret(acct.APIKey, out.Secret, s.now())
		if err != nil {
			return nil, kassa.FieldError("secret", "%s", kassa.ErrorMessage(err))
		}
		ev, err := kassa.NewEvent(kassa.EventSubaccountCreated, acct.APIKey, kassa.SubaccountCreatedData{
			Primary: p.APIKey, Name: acct.Name, UsePrimaryAccountBalance: shared, Currency: string(acct.Currency),
		})
		if err != nil {
			return nil, err
		}
		err = s.store.CreateSubaccount(ctx, acct, sec, s.maxSubaccounts(p), ev)
		if err == nil {
			break
		}
		if kassa.ErrorCode(err) != kassa.ECONFLICT || attempt == maxKeyAttempts || req.APIKey != "" {
			return nil, err
		}
	}
	out.Account = acct
	s.audit(ctx, actor, acct.APIKey, ActionSubaccountCreate, map[string]any{
		"primary": p.APIKey, "name": acct.Name, "use_primary_account_balance": shared,
	})
	return out, nil
}

// maxSubaccounts is the number of subaccounts primary may have.
func (s *Service) maxSubaccounts(p *kassa.Account) int {
	if p.MaxSubaccounts > 0 {
		return p.MaxSubaccounts
	}
	return s.defaultMaxSubaccounts
}

// validate checks a new subaccount's api key (when chosen), name and
// secret.
func (req NewSubaccount) validate() error {
	if req.APIKey != "" && !kassa.ValidAPIKey(req.APIKey) {
		return kassa.FieldError("api_key", "api_key must be 4 to 64 letters, digits, '-' or '_'")
	}
	if err := checkName(req.Name, true); err != nil {
		return err
	}
	if req.Secret != "" {
		if err := kassa.ValidateSecret(req.Secret); err != nil {
			return kassa.FieldError("secret", "%s", kassa.ErrorMessage(err))
		}
	}
	return nil
}

// checkName checks an account name: text of 1 to kassa.MaxAccountNameLen
// characters (required or not).
func checkName(name string, required bool) error {
	switch n := utf8.RuneCountInString(name); {
	case n == 0 && required:
		return kassa.FieldError("name", "Is required")
	case n == 0:
		return kassa.FieldError("name", "Must not be empty")
	case n > kassa.MaxAccountNameLen:
		return kassa.FieldError("name", "Must be at most %d characters", kassa.MaxAccountNameLen)
	}
	return checkText("name", name, 4*kassa.MaxAccountNameLen)
}

// SubaccountChange modifies a subaccount; nil fields keep their value.
type SubaccountChange struct {
	Name      *string
	Suspended *bool
	// SharedBalance may go from true to false (the subaccount takes a
	// balance of its own, starting at 0, irreversibly); false to true is
	// EINVALID, as on the real service.
	SharedBalance *bool
}

// ModifySubaccount changes a subaccount of the primary apiKey in one store
// transaction and returns it; an empty change returns it unchanged.
// Suspending it refuses its credentials (401) and its charges and holds.
// The credential cache forgets its key. Audited as subaccount.update.
func (s *Service) ModifySubaccount(ctx context.Context, actor Actor, apiKey, subKey string, c SubaccountChange) (*kassa.Account, error) {
	if _, err := s.primaryAccount(ctx, apiKey); err != nil {
		return nil, err
	}
	sub, err := s.subaccountOf(ctx, apiKey, subKey)
	if err != nil {
		return nil, err
	}
	if c.Name != nil {
		if err := checkName(*c.Name, false); err != nil {
			return nil, err
		}
	}
	if c.SharedBalance != nil && *c.SharedBalance && !sub.SharedBalance {
		return nil, kassa.FieldError("use_primary_account_balance",
			"Transitioning from 'use_primary_account_balance = false' to 'use_primary_account_balance = true' is not supported")
	}
	// Fields that would not change are left out: no write, no audit.
	if c.SharedBalance != nil && *c.SharedBalance == sub.SharedBalance {
		c.SharedBalance = nil
	}
	if c.Suspended != nil && *c.Suspended == sub.Suspended {
		c.Suspended = nil
	}
	if c.Name != nil && *c.Name == sub.Name {
		c.Name = nil
	}
	if c.Name == nil && c.Suspended == nil && c.SharedBalance == nil {
		return sub, nil
	}
	detail := map[string]any{"primary": apiKey}
	if c.Name != nil {
		detail["name"] = *c.Name
	}
	if c.Suspended != nil {
		detail["suspended"] = *c.Suspended
	}
	if c.SharedBalance != nil {
		detail["use_primary_account_balance"] = *c.SharedBalance
	}
	return s.updateAccount(ctx, actor, subKey, ActionSubaccountUpdate,
		kassa.AccountUpdate{Name: c.Name, Suspended: c.Suspended, SharedBalance: c.SharedBalance}, detail)
}

// PrimaryPolicy is what an operator sets about an account's subaccounts.
type PrimaryPolicy struct {
	Enabled        bool // the account may have subaccounts (every account that is not one may, by default)
	MaxSubaccounts *int // 0 for the server's default; nil keeps the current value
}

// MaxSubaccountsLimit bounds the maximum an operator may set.
const MaxSubaccountsLimit = 100_000

// SetPrimaryPolicy makes an account a primary (or stops it creating
// subaccounts; those it has stay) and sets its maximum number of
// subaccounts. EINVALID for a subaccount, which cannot be a primary.
// Audited as account.primary.
func (s *Service) SetPrimaryPolicy(ctx context.Context, actor Actor, apiKey string, p PrimaryPolicy) (*kassa.Account, error) {
	acct, err := s.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	if acct.IsSubaccount() {
		return nil, kassa.FieldError("enabled", "%s is a subaccount of %s: a subaccount cannot have subaccounts", apiKey, acct.Primary)
	}
	if m := p.MaxSubaccounts; m != nil && (*m < 0 || *m > MaxSubaccountsLimit) {
		return nil, kassa.FieldError("max_subaccounts", "max_subaccounts must be from 0 (the server's default) to %d", MaxSubaccountsLimit)
	}
	disabled := !p.Enabled
	detail := map[string]any{"enabled": p.Enabled}
	if p.MaxSubaccounts != nil {
		detail["max_subaccounts"] = *p.MaxSubaccounts
	}
	return s.updateAccount(ctx, actor, apiKey, ActionAccountPrimary,
		kassa.AccountUpdate{SubaccountsDisabled: &disabled, MaxSubaccounts: p.MaxSubaccounts}, detail)
}

// EffectiveMaxSubaccounts is the number of subaccounts the account may
// have: its own maximum, or the server's default.
func (s *Service) EffectiveMaxSubaccounts(a *kassa.Account) int { return s.maxSubaccounts(a) }
