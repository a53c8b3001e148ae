package charging

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/kassa-dev/kassa"
)

// MaxIdempotencyKeyLen bounds an idempotency key.
const MaxIdempotencyKeyLen = 255

// reservedKeyPrefix starts the idempotency keys the engine gives the
// entries it writes on its own (captures, releases); callers cannot use it.
const reservedKeyPrefix = "kassa:"

// HashRequest returns the request hash stored with an entry: a hex SHA-256
// of the parts, each length-prefixed so that no two part lists collide.
func HashRequest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ValidateIdempotencyKey checks a caller's idempotency key: empty (none),
// or 1 to 255 printable ASCII characters not starting with "kassa:".
func ValidateIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKeyLen {
		return kassa.FieldError("idempotency_key", "must be at most %d characters", MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return kassa.FieldError("idempotency_key", "must be printable ASCII without spaces")
		}
	}
	if strings.HasPrefix(key, reservedKeyPrefix) {
		return kassa.FieldError("idempotency_key", "must not start with %q", reservedKeyPrefix)
	}
	return nil
}

// priorEntry returns the account's earlier entry with the idempotency key,
// or nil when the key is empty or unused. The same key for a request with
// another hash or of another kind is EIDEMPOTENCY.
func priorEntry(tx kassa.LedgerTx, account, key, hash string, kinds ...kassa.EntryKind) (*kassa.Entry, error) {
	return priorEntryOf(tx, account, "", key, hash, kinds...)
}

// priorEntryOf is priorEntry among the account's entries written on behalf
// of subaccount.
func priorEntryOf(tx kassa.LedgerTx, account, subaccount, key, hash string, kinds ...kassa.EntryKind) (*kassa.Entry, error) {
	if key == "" {
		return nil, nil
	}
	e, err := tx.EntryByIdempotencyKey(account, subaccount, key)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up idempotency key: %w", err)
	}
	if e.RequestHash != hash || !slices.Contains(kinds, e.Kind) {
		return nil, kassa.Errorf(kassa.EIDEMPOTENCY, "this idempotency key was already used for a different request")
	}
	return e, nil
}

// balance returns the account's balance row, ENOTFOUND naming the account.
func balance(tx kassa.LedgerTx, account string) (*kassa.AccountBalance, error) {
	b, err := tx.Balance(account)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no account %q", account)
	}
	if err != nil {
		return nil, fmt.Errorf("read balance of %s: %w", account, err)
	}
	return b, nil
}

// takeFrom checks that amount (positive) can leave the balance without
// taking it below its floor and returns the balance after.
func takeFrom(b *kassa.AccountBalance, amount kassa.Amount, what string) (kassa.Amount, error) {
	after, err := b.Balance.Sub(amount)
	if err != nil || after < b.CreditLimit {
		if b.CreditLimit == 0 {
			return 0, kassa.Errorf(kassa.EINSUFFICIENT, "balance %s %s is below the %s %s %s",
				b.Balance, b.Currency, amount, b.Currency, what)
		}
		return 0, kassa.Errorf(kassa.EINSUFFICIENT, "balance %s %s with credit limit %s %s cannot cover the %s %s %s",
			b.Balance, b.Currency, b.CreditLimit, b.Currency, amount, b.Currency, what)
	}
	return after, nil
}

// addTo checks that amount can be added to the balance without overflow.
func addTo(b *kassa.AccountBalance, amount kassa.Amount) error {
	if _, err := b.Balance.Add(amount); err != nil {
		return kassa.FieldError("amount", "the balance would leave the range of amounts")
	}
	return nil
}
