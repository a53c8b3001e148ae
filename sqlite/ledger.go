package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// InLedgerTx runs fn in one write transaction (BEGIN IMMEDIATE on the write
// connection) and commits it when fn returns nil; any error, or a panic,
// rolls everything back. With synchronous=FULL a nil return means the
// commit is on disk. The clock is read once: tx.Now() stamps every row.
//
// After the commit, and before it returns, the balances the transaction
// left are published to the balance cache (see balanceCache) and the
// cached entry totals of its accounts dropped (totalCache); a transaction
// that rolls back publishes nothing.
func (db *DB) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	var lt *ledgerTx
	return db.commitWrite(ctx, func(tx *sql.Tx, now time.Time) error {
		lt = &ledgerTx{ctx: ctx, tx: tx, now: now, stmts: db.stmts}
		defer lt.close()
		return fn(lt)
	}, func() {
		db.balances.publish(lt.balances)
		db.totals.published(lt.balances)
	})
}

// ledgerTx implements kassa.LedgerTx on one *sql.Tx. Hot statements are
// bound to the transaction the first time they are used and reused after.
type ledgerTx struct {
	ctx   context.Context
	tx    *sql.Tx
	now   time.Time
	stmts *ledgerStmts
	bound [numLedgerStmts]*sql.Stmt
	// balances is each account's balance after its last Append in this
	// transaction, published to the balance cache after the commit. A
	// method that changes an account's balance or reload_enabled in
	// another way must record it here (or the cache would go stale).
	balances map[string]kassa.Amount
}

// stmt returns the transaction's copy of a prepared statement.
func (lt *ledgerTx) stmt(i int) *sql.Stmt {
	if lt.bound[i] == nil {
		lt.bound[i] = lt.tx.StmtContext(lt.ctx, lt.stmts.list[i])
	}
	return lt.bound[i]
}

// close releases the transaction's statement copies.
func (lt *ledgerTx) close() {
	for i, s := range lt.bound {
		if s != nil {
			s.Close()
			lt.bound[i] = nil
		}
	}
}

// Now is the transaction's timestamp.
func (lt *ledgerTx) Now() time.Time { return lt.now }

// LockAccounts does nothing more than check that the accounts exist: a
// SQLite write transaction already holds the database's only write lock.
func (lt *ledgerTx) LockAccounts(keys ...string) error {
	for _, k := range keys {
		if _, err := lt.Balance(k); err != nil {
			return err
		}
	}
	return nil
}

// Balance returns the account's balance row. ENOTFOUND if no such account.
func (lt *ledgerTx) Balance(key string) (*kassa.AccountBalance, error) {
	var b kassa.AccountBalance
	r := &b.AutoReload
	var sp spendRow
	dest := append([]any{&b.APIKey, &b.Currency, &b.Balance, &b.CreditLimit,
		&r.Enabled, &r.Trx, &r.Amount, &r.Threshold, &r.DailyCap, &b.Primary, &b.SharedBalance, &b.Suspended}, sp.dest()...)
	if err := lt.stmt(stmtBalance).QueryRowContext(lt.ctx, key).Scan(dest...); err != nil {
		return nil, accountNotFound(key, err)
	}
	b.Spend = sp.spend()
	return &b, nil
}

// Append writes e and adds e.Amount to the account's balance, filling
// e.ID, e.BalanceAfter and e.CreatedAt. It is one statement: the insert
// computes the balance after from the account row, and a trigger
// (migration 0001) moves the balance. So an idempotency conflict
// (ECONFLICT), a missing account (ENOTFOUND) or an overflowing balance
// (EINVALID) changes nothing and the transaction may go on.
func (lt *ledgerTx) Append(e *kassa.Entry) error {
	if !e.Kind.Valid() {
		return kassa.FieldError("kind", "unknown entry kind %q", e.Kind)
	}
	var id, after int64
	err := lt.stmt(stmtInsertEntry).QueryRowContext(lt.ctx,
		e.Account, string(e.Kind), int64(e.Amount), e.Reason, e.Reference, e.IdempotencyKey,
		e.RequestHash, e.RelatedID, e.HoldID, e.Meta, e.Subaccount, toNanos(lt.now)).Scan(&id, &after)
	if err != nil {
		return appendError(e, err)
	}
	e.ID, e.BalanceAfter, e.CreatedAt = id, kassa.Amount(after), lt.now
	if lt.balances == nil {
		lt.balances = make(map[string]kassa.Amount)
	}
	lt.balances[e.Account] = e.BalanceAfter
	return nil
}

// appendError names what went wrong with an insert into entries. A missing
// account shows as a NULL balance_after (the sub-select found no row) or as
// a foreign-key failure; any other NOT NULL failure (a trigger, a bad
// migration) is an internal error that keeps the constraint's name.
func appendError(e *kassa.Entry, err error) error {
	var se *msqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_NOTNULL {
		if strings.Contains(se.Error(), "entries.balance_after") {
			return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: fmt.Errorf("append to %s: %w", e.Account, err)}
		}
		return &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error", Err: fmt.Errorf("append to %s: %w", e.Account, err)}
	}
	err = translate(fmt.Errorf("append to %s: %w", e.Account, err))
	switch kassa.ErrorCode(err) {
	case kassa.ECONFLICT:
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "the idempotency key is already used on this account", Err: err}
	case kassa.ENOTFOUND:
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: err}
	}
	return err
}

// EntryByIdempotencyKey returns the account's entry with that key among
// those written on behalf of subaccount. ENOTFOUND if there is none.
func (lt *ledgerTx) EntryByIdempotencyKey(account, subaccount, key string) (*kassa.Entry, error) {
	if key == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no entry with an empty idempotency key")
	}
	e, err := scanEntry(lt.stmt(stmtEntryByKey).QueryRowContext(lt.ctx, account, subaccount, key))
	if err != nil {
		return nil, entryNotFound(err)
	}
	return e, nil
}

// Entry returns one entry. ENOTFOUND if there is none.
func (lt *ledgerTx) Entry(id int64) (*kassa.Entry, error) {
	e, err := scanEntry(lt.tx.QueryRowContext(lt.ctx, `SELECT `+entryColumns+` FROM entries WHERE id = ?`, id))
	if err != nil {
		return nil, entryNotFound(err)
	}
	return e, nil
}

func entryNotFound(err error) error {
	err = translate(err)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such entry", Err: err}
	}
	return err
}

// RelatedTotal sums the amounts of the entries of the kind whose RelatedID
// is id.
func (lt *ledgerTx) RelatedTotal(id int64, kind kassa.EntryKind) (kassa.Amount, error) {
	var sum int64
	err := lt.tx.QueryRowContext(lt.ctx, `SELECT COALESCE(SUM(amount), 0) FROM entries
		WHERE related_id = ? AND kind = ? AND related_id <> 0`, id, string(kind)).Scan(&sum)
	if err != nil {
		return 0, translate(fmt.Errorf("related total of %d: %w", id, err))
	}
	return kassa.Amount(sum), nil
}

// CountEntries counts the account's entries of a kind written at or after
// since.
func (lt *ledgerTx) CountEntries(account string, kind kassa.EntryKind, since time.Time) (int, error) {
	var n int
	err := lt.tx.QueryRowContext(lt.ctx, `SELECT COUNT(*) FROM entries
		WHERE account = ? AND kind = ? AND created_at >= ?`, account, string(kind), toNanos(since)).Scan(&n)
	if err != nil {
		return 0, translate(fmt.Errorf("count entries of %s: %w", account, err))
	}
	return n, nil
}
