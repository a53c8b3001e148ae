package app

import (
	"context"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// NewAccount asks for a new account.
type NewAccount struct {
	APIKey       string         // 4–64 letters, digits, '-' or '_'; generated (8 hex characters) when ""
	Secret       string         // the first secret; generated (16 characters) when ""
	Currency     kassa.Currency // EUR or USD; EUR when ""
	Credit       kassa.Amount   // an opening credit entry when > 0; never negative
	CreditReason string         // the opening entry's reason; "opening credit" when ""
	CreditLimit  kassa.Amount   // the floor of the balance: 0 or negative
	Limits       LimitsChange   // over kassa.DefaultLimits
	// AutoReload is the account's auto-reload configuration; disabled with
	// the default amount, threshold and daily cap when nil.
	AutoReload *kassa.AutoReload
}

// CreatedAccount is a new account with its first secret in plain text
// (shown to the caller once, never stored).
type CreatedAccount struct {
	Account         *kassa.Account
	Secret          string
	SecretGenerated bool
}

// maxKeyAttempts bounds the retries of a generated api key that collides.
const maxKeyAttempts = 5

// CreateAccount creates an account with its first secret and, with a
// credit, an opening credit entry, in one transaction (through the ledger,
// whose observers see the opening credit). ECONFLICT when the
// given api key is taken (a generated one is drawn again). Audited as
// account.create.
func (s *Service) CreateAccount(ctx context.Context, actor Actor, req NewAccount) (*CreatedAccount, error) {
	acct, err := req.validate()
	if err != nil {
		return nil, err
	}
	if s.hasher == nil {
		return nil, errNoHasher
	}
	out := &CreatedAccount{Account: acct, Secret: req.Secret}
	if out.Secret == "" {
		out.Secret, out.SecretGenerated = auth.GenerateSecret(), true
	}
	for attempt := 1; ; attempt++ {
		err = s.storeAccount(ctx, acct, out.Secret, req.Credit, req.CreditReason)
		if kassa.ErrorCode(err) != kassa.ECONFLICT || req.APIKey != "" || attempt == maxKeyAttempts {
			break
		}
		acct.APIKey = auth.GenerateAPIKey()
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, acct.APIKey, ActionAccountCreate, map[string]any{"credit": req.Credit.String()})
	return out, nil
}

// validate checks the request and returns the account to create.
func (req *NewAccount) validate() (*kassa.Account, error) {
	key := req.APIKey
	if key == "" {
		key = auth.GenerateAPIKey()
	} else if !kassa.ValidAPIKey(key) {
		return nil, kassa.FieldError("api_key", "api_key must be 4 to 64 letters, digits, '-' or '_'")
	}
	if req.Secret != "" {
		if err := kassa.ValidateSecret(req.Secret); err != nil {
			return nil, kassa.FieldError("api_secret", "%s", kassa.ErrorMessage(err))
		}
	}
	cur := req.Currency
	if cur == "" {
		cur = kassa.EUR
	}
	if !cur.Valid() {
		return nil, kassa.FieldError("currency", "currency must be EUR or USD")
	}
	if err := checkCreditLimit(req.CreditLimit); err != nil {
		return nil, err
	}
	limits, err := req.Limits.apply(kassa.DefaultLimits)
	if err != nil {
		return nil, err
	}
	if req.Credit < 0 {
		return nil, kassa.FieldError("credit", "credit must not be negative")
	}
	ar := kassa.AutoReload{Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: kassa.DefaultReloadDailyCap}
	if req.AutoReload != nil {
		if err := checkAutoReload(*req.AutoReload); err != nil {
			return nil, err
		}
		ar = *req.AutoReload
	}
	return &kassa.Account{APIKey: key, Currency: cur, CreditLimit: req.CreditLimit, Limits: limits, AutoReload: ar}, nil
}

// storeAccount writes the account, its first secret and its opening credit.
func (s *Service) storeAccount(ctx context.Context, acct *kassa.Account, secret string, credit kassa.Amount, reason string) error {
	sec, err := s.hasher.NewSecret(acct.APIKey, secret, s.now())
	if err != nil {
		return kassa.FieldError("api_secret", "%s", kassa.ErrorMessage(err))
	}
	var opening *kassa.Entry
	if credit > 0 {
		if reason == "" {
			reason = "opening credit"
		}
		opening = &kassa.Entry{Account: acct.APIKey, Kind: kassa.KindCredit, Amount: credit, Reason: reason}
	}
	if s.ledger == nil {
		return s.store.CreateAccount(ctx, acct, sec, opening)
	}
	// Through the ledger, so that its observers (metrics, auto-reload) see
	// the opening credit like every other entry.
	return s.ledger.OpenAccount(ctx, s.store, acct, sec, opening)
}
