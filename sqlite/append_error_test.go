package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestAppendNotNullPrecisely: only the NULL balance_after of a missing
// account is "no such account"; any other NOT NULL failure during an
// append is an internal error that names the constraint (#13.12: every
// NOT NULL violation was reported as a missing account).
func TestAppendNotNullPrecisely(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	if err := db.CreateAccount(ctx, &kassa.Account{APIKey: "acct0001", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A trigger that breaks another table's NOT NULL column, as a bad
	// migration or a bug would.
	if _, err := db.write.ExecContext(ctx, `CREATE TRIGGER poison AFTER INSERT ON entries WHEN NEW.reason = 'poison'
		BEGIN INSERT INTO leases (name, holder, expires_at) VALUES ('x', NULL, 0); END`); err != nil {
		t.Fatal(err)
	}
	appendEntry := func(account, reason string) error {
		return db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			return tx.Append(&kassa.Entry{Account: account, Kind: kassa.KindCredit, Amount: 1, Reason: reason})
		})
	}
	err := appendEntry("acct0001", "poison")
	if code := kassa.ErrorCode(err); code == kassa.ENOTFOUND || code != kassa.EINTERNAL || !strings.Contains(err.Error(), "leases.holder") {
		t.Errorf("another NOT NULL failure: %v (code %s), want an internal error naming leases.holder", err, code)
	}
	err = appendEntry("nosuch01", "gift")
	if kassa.ErrorCode(err) != kassa.ENOTFOUND || kassa.ErrorMessage(err) != "no such account" {
		t.Errorf("missing account: %v, want ENOTFOUND no such account", err)
	}
	if err := appendEntry("acct0001", "gift"); err != nil {
		t.Errorf("a good append: %v", err)
	}
}
