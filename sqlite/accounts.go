package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const accountColumns = `api_key, currency, balance, credit_limit,
	mo_callback_url, dr_callback_url, http_forward_method,
	max_outbound_request, max_inbound_request, max_calls_per_second, pricing_per_second,
	reload_enabled, reload_trx, reload_amount, reload_threshold, reload_daily_cap,
	name, primary_account, shared_balance, suspended, subaccounts_disabled, max_subaccounts,
	created_at, updated_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (*kassa.Account, error) {
	var a kassa.Account
	var created, updated int64
	err := s.Scan(&a.APIKey, &a.Currency, &a.Balance, &a.CreditLimit,
		&a.Settings.MOCallbackURL, &a.Settings.DRCallbackURL, &a.Settings.HTTPForwardMethod,
		&a.Limits.MaxOutboundRequest, &a.Limits.MaxInboundRequest, &a.Limits.MaxCallsPerSecond, &a.Limits.PricingPerSecond,
		&a.AutoReload.Enabled, &a.AutoReload.Trx, &a.AutoReload.Amount, &a.AutoReload.Threshold, &a.AutoReload.DailyCap,
		&a.Name, &a.Primary, &a.SharedBalance, &a.Suspended, &a.SubaccountsDisabled, &a.MaxSubaccounts,
		&created, &updated)
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &a, nil
}

// CreateAccount stores a new account, its first secret and, when opening is
// not nil, the opening entry, in one transaction. It fills the timestamps,
// the balance and the opening entry's ID. ECONFLICT if the key is taken.
func (db *DB) CreateAccount(ctx context.Context, a *kassa.Account, first *kassa.Secret, opening *kassa.Entry) error {
	if first != nil && first.AccountKey != "" && first.AccountKey != a.APIKey {
		return kassa.FieldError("secret", "the secret belongs to another account")
	}
	if opening != nil && opening.Account != "" && opening.Account != a.APIKey {
		return kassa.FieldError("opening", "the opening entry belongs to another account")
	}
	var created kassa.Account
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		c := *a
		c.Balance, c.CreatedAt, c.UpdatedAt = 0, now, now
		if err := insertAccount(ctx, tx, &c); err != nil {
			return err
		}
		if first != nil {
			s := *first
			s.AccountKey = a.APIKey
			if err := insertSecret(ctx, tx, &s, now); err != nil {
				return fmt.Errorf("first secret: %w", err)
			}
			first.AccountKey, first.CreatedAt = s.AccountKey, s.CreatedAt
		}
		if opening != nil {
			opening.Account = a.APIKey
			lt := &ledgerTx{ctx: ctx, tx: tx, now: now, stmts: db.stmts}
			defer lt.close()
			if err := lt.Append(opening); err != nil {
				return fmt.Errorf("opening entry: %w", err)
			}
			c.Balance = opening.BalanceAfter
		}
		created = c
		return nil
	})
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.APIKey, err)
	}
	*a = created
	return nil
}

func insertAccount(ctx context.Context, tx *sql.Tx, a *kassa.Account) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.APIKey, a.Currency, a.Balance, a.CreditLimit,
		a.Settings.MOCallbackURL, a.Settings.DRCallbackURL, a.Settings.HTTPForwardMethod,
		a.Limits.MaxOutboundRequest, a.Limits.MaxInboundRequest, a.Limits.MaxCallsPerSecond, a.Limits.PricingPerSecond,
		a.AutoReload.Enabled, a.AutoReload.Trx, a.AutoReload.Amount, a.AutoReload.Threshold, a.AutoReload.DailyCap,
		a.Name, a.Primary, a.SharedBalance, a.Suspended, a.SubaccountsDisabled, a.MaxSubaccounts,
		toNanos(a.CreatedAt), toNanos(a.UpdatedAt))
	if err != nil {
		err = translate(err)
		if kassa.ErrorCode(err) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "an account with this api key already exists", Err: err}
		}
		return err
	}
	return nil
}

// findAccountSQL is FindAccount's query (prepared once, see DB.findAccount).
const findAccountSQL = `SELECT ` + accountColumns + ` FROM accounts WHERE api_key = ?`

// FindAccount returns one account. ENOTFOUND if there is none.
func (db *DB) FindAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	// Not interruptible: with a cancellable context the driver starts a
	// watcher goroutine for every query, about 3 µs of the ~45 µs of CPU a
	// get-balance request costs (profile under wrk); a primary-key read
	// ends in microseconds, and a lock wait still ends at busy_timeout.
	row := db.findAccount.QueryRowContext(context.WithoutCancel(ctx), apiKey)
	a, err := scanAccount(row)
	if err != nil {
		return nil, accountNotFound(apiKey, err)
	}
	return a, nil
}

// findBalanceSQL is FindBalance's query (prepared once, see DB.findBalance).
const findBalanceSQL = `SELECT balance, reload_enabled FROM accounts WHERE api_key = ?`

// FindBalance returns the account's current balance and whether auto-reload
// is enabled, reading two columns instead of the whole account: under load
// FindAccount's eighteen columns (their names, values and scanning) were
// most of get-balance's store read. ENOTFOUND if there is none.
func (db *DB) FindBalance(ctx context.Context, apiKey string) (kassa.BalanceView, error) {
	if err := db.usable(); err != nil {
		return kassa.BalanceView{}, err
	}
	v, ok, seq := db.balances.get(apiKey)
	if ok {
		return v, nil
	}
	// Not interruptible, as FindAccount (see there).
	err := db.findBalance.QueryRowContext(context.WithoutCancel(ctx), apiKey).Scan(&v.Balance, &v.AutoReload)
	if err != nil {
		return kassa.BalanceView{}, accountNotFound(apiKey, err)
	}
	db.balances.fill(apiKey, v, seq)
	return v, nil
}

// accountNotFound translates err, naming the account when there is none.
func accountNotFound(apiKey string, err error) error {
	err = translate(err)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: fmt.Errorf("account %s: %w", apiKey, err)}
	}
	return fmt.Errorf("account %s: %w", apiKey, err)
}

// ListAccounts returns a page of accounts ordered by api key and the number
// of accounts whose key starts with f.Search. Limit 0 is DefaultPageSize;
// larger limits than MaxPageSize are cut to it.
func (db *DB) ListAccounts(ctx context.Context, f kassa.AccountFilter) ([]*kassa.Account, int, error) {
	where, args := "", []any{}
	if f.Search != "" {
		// A range on the primary key, which SQLite compares byte by byte:
		// the keys with the prefix sort from it up to its successor.
		where, args = " WHERE api_key >= ?", append(args, f.Search)
		if end, ok := prefixEnd(f.Search); ok {
			where, args = where+" AND api_key < ?", append(args, end)
		}
	}
	if f.Attention {
		where = andWhere(where, attentionWhere)
	}
	return listPage(ctx, db, "accounts", accountColumns, "accounts", where, "api_key", args, f.Limit, f.Offset, scanAccount)
}

// attentionWhere selects the accounts of AccountFilter.Attention.
const attentionWhere = `(suspended = 1 OR api_key IN (SELECT account FROM spend_controls WHERE low_balance_alerted = 1))`

// andWhere adds cond to a WHERE clause ("" for none).
func andWhere(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// AccountTotals returns, per currency, the number of accounts and the sum
// of their balances: one scan of the accounts.
func (db *DB) AccountTotals(ctx context.Context) ([]kassa.CurrencyTotal, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT currency, COUNT(*), SUM(balance) FROM accounts GROUP BY currency ORDER BY currency`)
	if err != nil {
		return nil, translate(fmt.Errorf("account totals: %w", err))
	}
	defer rows.Close()
	var out []kassa.CurrencyTotal
	for rows.Next() {
		var t kassa.CurrencyTotal
		if err := rows.Scan(&t.Currency, &t.Accounts, &t.Balance); err != nil {
			return nil, translate(fmt.Errorf("account totals: %w", err))
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("account totals: %w", err))
	}
	return out, nil
}

// prefixEnd returns the smallest string greater than every string that
// starts with p (bytewise), and false when there is none (p is all 0xff).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// UpdateAccount applies upd and returns the account as it now is.
// ENOTFOUND if there is none.
func (db *DB) UpdateAccount(ctx context.Context, apiKey string, upd kassa.AccountUpdate) (*kassa.Account, error) {
	var out *kassa.Account
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		a, err := scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE api_key = ?`, apiKey))
		if err != nil {
			return accountNotFound(apiKey, err)
		}
		before := *a
		applyUpdate(a, upd)
		a.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET credit_limit = ?,
			mo_callback_url = ?, dr_callback_url = ?, http_forward_method = ?,
			max_outbound_request = ?, max_inbound_request = ?, max_calls_per_second = ?, pricing_per_second = ?,
			reload_enabled = ?, reload_trx = ?, reload_amount = ?, reload_threshold = ?, reload_daily_cap = ?,
			name = ?, shared_balance = ?, suspended = ?, subaccounts_disabled = ?, max_subaccounts = ?,
			updated_at = ? WHERE api_key = ?`,
			a.CreditLimit, a.Settings.MOCallbackURL, a.Settings.DRCallbackURL, a.Settings.HTTPForwardMethod,
			a.Limits.MaxOutboundRequest, a.Limits.MaxInboundRequest, a.Limits.MaxCallsPerSecond, a.Limits.PricingPerSecond,
			a.AutoReload.Enabled, a.AutoReload.Trx, a.AutoReload.Amount, a.AutoReload.Threshold, a.AutoReload.DailyCap,
			a.Name, a.SharedBalance, a.Suspended, a.SubaccountsDisabled, a.MaxSubaccounts,
			toNanos(now), apiKey)
		if err != nil {
			return err
		}
		out = a
		return writeUpdateEvents(ctx, tx, upd, &before, a, now)
	})
	if err != nil {
		return nil, fmt.Errorf("update account %s: %w", apiKey, err)
	}
	return out, nil
}

// writeUpdateEvents writes the events of an account update, if it has
// any, in its transaction.
func writeUpdateEvents(ctx context.Context, tx *sql.Tx, upd kassa.AccountUpdate, before, after *kassa.Account, now time.Time) error {
	if upd.Events == nil {
		return nil
	}
	events, err := upd.Events(before, after)
	if err != nil {
		return fmt.Errorf("events of the update: %w", err)
	}
	for _, e := range events {
		if err := insertEvent(ctx, tx, e, now); err != nil {
			return err
		}
	}
	return nil
}

func applyUpdate(a *kassa.Account, upd kassa.AccountUpdate) {
	if upd.Limits != nil {
		a.Limits = *upd.Limits
	}
	if upd.AutoReload != nil {
		a.AutoReload = *upd.AutoReload
	}
	if upd.CreditLimit != nil {
		a.CreditLimit = *upd.CreditLimit
	}
	if upd.Name != nil {
		a.Name = *upd.Name
	}
	if upd.Suspended != nil {
		a.Suspended = *upd.Suspended
	}
	if upd.SharedBalance != nil {
		a.SharedBalance = *upd.SharedBalance
	}
	if upd.SubaccountsDisabled != nil {
		a.SubaccountsDisabled = *upd.SubaccountsDisabled
	}
	if upd.MaxSubaccounts != nil {
		a.MaxSubaccounts = *upd.MaxSubaccounts
	}
}

// AutoReloadAccounts returns the accounts with auto-reload enabled whose
// balance is at or below their threshold, ordered by api key.
func (db *DB) AutoReloadAccounts(ctx context.Context) ([]*kassa.Account, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE reload_enabled = 1 AND balance <= reload_threshold ORDER BY api_key`)
	if err != nil {
		return nil, translate(fmt.Errorf("auto-reload accounts: %w", err))
	}
	list, err := collect(rows, scanAccount)
	if err != nil {
		return nil, translate(fmt.Errorf("auto-reload accounts: %w", err))
	}
	return list, nil
}
