package charging

import (
	"fmt"

	"github.com/kassa-dev/kassa"
)

// spending is who pays for a charge or a hold asked for an account: the
// account itself, or, for a subaccount that shares its primary's balance,
// the primary, with the subaccount named in the entries (Entry.Subaccount).
type spending struct {
	account    *kassa.AccountBalance // the account the request names
	payer      *kassa.AccountBalance // whose balance the entries change
	subaccount string                // the account, when the payer is its primary; "" otherwise
	primary    *kassa.AccountBalance // the account's primary, nil when it is not a subaccount
}

// spenderOf reads who pays for a charge or hold of account, whose primary
// the caller gave (and locked: both rows are locked by the operation). A
// subaccount's primary never changes; if the row names another one than
// the caller's, the caller read something else and the operation fails
// rather than take from an account it did not lock.
func spenderOf(tx kassa.LedgerTx, account, primary string) (*spending, error) {
	b, err := balance(tx, account)
	if err != nil {
		return nil, err
	}
	if b.Primary != primary {
		return nil, &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error",
			Err: fmt.Errorf("account %s has primary %q, the operation locked %q", account, b.Primary, primary)}
	}
	s := &spending{account: b, payer: b}
	if b.Primary == "" {
		return s, nil
	}
	if s.primary, err = balance(tx, b.Primary); err != nil {
		return nil, err
	}
	if b.SharedBalance {
		s.payer, s.subaccount = s.primary, account
	}
	return s, nil
}

// prior returns the earlier entry of the operation's idempotency key: among
// the payer's entries on the subaccount's behalf and, for a subaccount,
// also in the other place its entries may be (a subaccount that took its
// own balance after the first request), so that a retry replays.
func (s *spending) prior(tx kassa.LedgerTx, key, hash string, kinds ...kassa.EntryKind) (*kassa.Entry, error) {
	e, err := priorEntryOf(tx, s.payer.APIKey, s.subaccount, key, hash, kinds...)
	if err != nil || e != nil || s.primary == nil {
		return e, err
	}
	if s.subaccount != "" {
		return priorEntryOf(tx, s.account.APIKey, "", key, hash, kinds...)
	}
	return priorEntryOf(tx, s.primary.APIKey, s.account.APIKey, key, hash, kinds...)
}

// checkActive refuses a new charge or hold (ESUSPENDED) when the account,
// or the primary of a subaccount, is suspended.
func (s *spending) checkActive() error {
	if s.account.Suspended {
		return kassa.Errorf(kassa.ESUSPENDED, "account %s is suspended: it cannot be charged", s.account.APIKey)
	}
	if s.primary != nil && s.primary.Suspended {
		return kassa.Errorf(kassa.ESUSPENDED, "the primary account %s of %s is suspended: %s cannot be charged",
			s.primary.APIKey, s.account.APIKey, s.account.APIKey)
	}
	return nil
}

// withSubaccount returns the accounts an operation for account locks: the
// account and its primary ("" when it has none).
func withSubaccount(primary string) []string {
	if primary == "" {
		return nil
	}
	return []string{primary}
}
