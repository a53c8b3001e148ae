package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// DefaultPageSize is the page size of the List methods when the filter's
// Limit is 0.
const DefaultPageSize = 100

// accountColumns are the columns scanAccount reads, in its order.
const accountColumns = `api_key, currency, balance, credit_limit,
	mo_callback_url, dr_callback_url, http_forward_method,
	max_outbound_request, max_inbound_request, max_calls_per_second, pricing_per_second,
	reload_enabled, reload_trx, reload_amount, reload_threshold, reload_daily_cap,
	name, primary_account, shared_balance, suspended, subaccounts_disabled, max_subaccounts,
	created_at, updated_at`

// AccountTotals returns, per currency, the number of accounts and the sum
// of their balances: one scan of the accounts.
func (db *DB) AccountTotals(ctx context.Context) ([]kassa.CurrencyTotal, error) {
	var out []kassa.CurrencyTotal
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT currency, count(*), sum(balance)::bigint FROM accounts GROUP BY currency ORDER BY currency`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t kassa.CurrencyTotal
			var cur string
			var n, bal int64
			if err := rows.Scan(&cur, &n, &bal); err != nil {
				return err
			}
			t.Currency, t.Accounts, t.Balance = kassa.Currency(cur), int(n), kassa.Amount(bal)
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("account totals: %w", err)
	}
	return out, nil
}

// scanAccount reads one row of accountColumns.
func scanAccount(row pgx.Row) (*kassa.Account, error) {
	var a kassa.Account
	err := row.Scan(&a.APIKey, &a.Currency, &a.Balance, &a.CreditLimit,
		&a.Settings.MOCallbackURL, &a.Settings.DRCallbackURL, &a.Settings.HTTPForwardMethod,
		&a.Limits.MaxOutboundRequest, &a.Limits.MaxInboundRequest, &a.Limits.MaxCallsPerSecond, &a.Limits.PricingPerSecond,
		&a.AutoReload.Enabled, &a.AutoReload.Trx, &a.AutoReload.Amount, &a.AutoReload.Threshold, &a.AutoReload.DailyCap,
		&a.Name, &a.Primary, &a.SharedBalance, &a.Suspended, &a.SubaccountsDisabled, &a.MaxSubaccounts,
		&a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// collectAccounts reads every row of accountColumns.
func collectAccounts(rows pgx.Rows) ([]*kassa.Account, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Account, error) { return scanAccount(row) })
}

// CreateAccount stores a new account with its first secret (when first is
// not nil) and, when opening is not nil, an opening ledger entry in the same
// transaction; the balance is the opening amount (zero without one). a,
// first and opening are filled in only when the transaction commits.
// ECONFLICT if the api key is taken.
func (db *DB) CreateAccount(ctx context.Context, a *kassa.Account, first *kassa.Secret, opening *kassa.Entry) error {
	if first != nil && first.AccountKey != "" && first.AccountKey != a.APIKey {
		return kassa.FieldError("secret", "the secret belongs to another account")
	}
	if opening != nil && opening.Account != "" && opening.Account != a.APIKey {
		return kassa.FieldError("opening", "the opening entry belongs to another account")
	}
	var acc kassa.Account
	var sec kassa.Secret
	var ent kassa.Entry
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		acc = *a
		acc.Balance, acc.CreatedAt, acc.UpdatedAt = 0, now, now
		if err := insertAccount(ctx, tx, &acc); err != nil {
			return err
		}
		if first != nil {
			sec = *first
			sec.AccountKey = a.APIKey
			if err := insertSecret(ctx, tx, &sec, now); err != nil {
				return fmt.Errorf("first secret: %w", err)
			}
		}
		if opening != nil {
			ent = *opening
			ent.Account = a.APIKey
			if err := appendEntry(ctx, tx, &ent, now); err != nil {
				return fmt.Errorf("opening entry: %w", err)
			}
			acc.Balance = ent.BalanceAfter
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.APIKey, err)
	}
	*a = acc
	if first != nil {
		*first = sec
	}
	if opening != nil {
		*opening = ent
	}
	return nil
}

// insertAccount writes a new account row as a says.
func insertAccount(ctx context.Context, q querier, a *kassa.Account) error {
	const insert = `INSERT INTO accounts (` + accountColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`
	_, err := q.Exec(ctx, insert, a.APIKey, a.Currency, a.Balance, a.CreditLimit,
		a.Settings.MOCallbackURL, a.Settings.DRCallbackURL, a.Settings.HTTPForwardMethod,
		a.Limits.MaxOutboundRequest, a.Limits.MaxInboundRequest, a.Limits.MaxCallsPerSecond, a.Limits.PricingPerSecond,
		a.AutoReload.Enabled, a.AutoReload.Trx, a.AutoReload.Amount, a.AutoReload.Threshold, a.AutoReload.DailyCap,
		a.Name, a.Primary, a.SharedBalance, a.Suspended, a.SubaccountsDisabled, a.MaxSubaccounts,
		a.CreatedAt, a.UpdatedAt)
	if err != nil && kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
		return &kassa.Error{Code: kassa.ECONFLICT, Message: fmt.Sprintf("account %q already exists", a.APIKey), Err: err}
	}
	return err
}

// FindAccount returns one account. ENOTFOUND if there is none.
func (db *DB) FindAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	a, err := findAccount(ctx, db.pool, apiKey, "")
	if err != nil {
		return nil, translate(fmt.Errorf("find account %s: %w", apiKey, err))
	}
	return a, nil
}

// FindBalance returns the account's current balance and whether auto-reload
// is enabled (two columns, for get-balance). ENOTFOUND if there is none.
func (db *DB) FindBalance(ctx context.Context, apiKey string) (kassa.BalanceView, error) {
	var v kassa.BalanceView
	err := db.pool.QueryRow(ctx, `SELECT balance, reload_enabled FROM accounts WHERE api_key = $1`, apiKey).Scan(&v.Balance, &v.AutoReload)
	if err == pgx.ErrNoRows {
		return kassa.BalanceView{}, noAccount(apiKey)
	}
	if err != nil {
		return kassa.BalanceView{}, translate(fmt.Errorf("find balance %s: %w", apiKey, err))
	}
	return v, nil
}

// findAccount reads one account, with lock appended to the query (such as
// "FOR UPDATE").
func findAccount(ctx context.Context, q querier, apiKey, lock string) (*kassa.Account, error) {
	row := q.QueryRow(ctx, "SELECT "+accountColumns+" FROM accounts WHERE api_key = $1 "+lock, apiKey)
	a, err := scanAccount(row)
	if err == pgx.ErrNoRows {
		return nil, noAccount(apiKey)
	}
	return a, err
}

// noAccount is the ENOTFOUND error for a missing account.
func noAccount(apiKey string) error {
	return kassa.Errorf(kassa.ENOTFOUND, "account %q not found", apiKey)
}

// ListAccounts returns a page of accounts ordered by api key and the total
// count of accounts whose key starts with f.Search.
func (db *DB) ListAccounts(ctx context.Context, f kassa.AccountFilter) ([]*kassa.Account, int, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return nil, 0, kassa.Errorf(kassa.EINVALID, "offset and limit must not be negative")
	}
	var out []*kassa.Account
	var total int
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		where := "starts_with(api_key, $1)"
		if f.Attention {
			where += ` AND (suspended OR api_key IN (SELECT account FROM spend_controls WHERE low_balance_alerted))`
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM accounts WHERE "+where, f.Search).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+accountColumns+` FROM accounts
			WHERE `+where+` ORDER BY api_key OFFSET $2 LIMIT $3`, f.Search, f.Offset, pageSize(f.Limit))
		if err != nil {
			return err
		}
		out, err = collectAccounts(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list accounts: %w", err)
	}
	return out, total, nil
}

// pageSize is the LIMIT for a filter's Limit.
func pageSize(limit int) int {
	if limit <= 0 {
		return DefaultPageSize
	}
	return limit
}

// UpdateAccount applies upd and returns the account as it now is. ENOTFOUND
// if there is none.
func (db *DB) UpdateAccount(ctx context.Context, apiKey string, upd kassa.AccountUpdate) (*kassa.Account, error) {
	var out *kassa.Account
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		var before *kassa.Account
		if upd.Events != nil {
			// The row as it was, locked until the update commits.
			var err error
			if before, err = findAccount(ctx, tx, apiKey, "FOR UPDATE"); err != nil {
				return err
			}
		}
		set, args := updateSet(upd, now)
		args = append(args, apiKey)
		row := tx.QueryRow(ctx, "UPDATE accounts SET "+set+" WHERE api_key = $"+strconv.Itoa(len(args))+
			" RETURNING "+accountColumns, args...)
		a, err := scanAccount(row)
		if err == pgx.ErrNoRows {
			return noAccount(apiKey)
		}
		if err != nil {
			return err
		}
		out = a
		if upd.Events == nil {
			return nil
		}
		events, err := upd.Events(before, a)
		if err != nil {
			return fmt.Errorf("events of the update: %w", err)
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update account %s: %w", apiKey, err)
	}
	return out, nil
}

// updateSet builds the SET list and its arguments for upd.
func updateSet(upd kassa.AccountUpdate, now time.Time) (string, []any) {
	var cols []string
	var args []any
	add := func(col string, v any) {
		args = append(args, v)
		cols = append(cols, col+" = $"+strconv.Itoa(len(args)))
	}
	add("updated_at", now)
	if l := upd.Limits; l != nil {
		add("max_outbound_request", l.MaxOutboundRequest)
		add("max_inbound_request", l.MaxInboundRequest)
		add("max_calls_per_second", l.MaxCallsPerSecond)
		add("pricing_per_second", l.PricingPerSecond)
	}
	if r := upd.AutoReload; r != nil {
		add("reload_enabled", r.Enabled)
		add("reload_trx", r.Trx)
		add("reload_amount", r.Amount)
		add("reload_threshold", r.Threshold)
		add("reload_daily_cap", r.DailyCap)
	}
	if upd.CreditLimit != nil {
		add("credit_limit", *upd.CreditLimit)
	}
	if upd.Name != nil {
		add("name", *upd.Name)
	}
	if upd.Suspended != nil {
		add("suspended", *upd.Suspended)
	}
	if upd.SharedBalance != nil {
		add("shared_balance", *upd.SharedBalance)
	}
	if upd.SubaccountsDisabled != nil {
		add("subaccounts_disabled", *upd.SubaccountsDisabled)
	}
	if upd.MaxSubaccounts != nil {
		add("max_subaccounts", *upd.MaxSubaccounts)
	}
	return strings.Join(cols, ", "), args
}

// AutoReloadAccounts returns the accounts with auto-reload enabled whose
// balance is at or below their threshold, ordered by api key.
func (db *DB) AutoReloadAccounts(ctx context.Context) ([]*kassa.Account, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+accountColumns+` FROM accounts
		WHERE reload_enabled AND balance <= reload_threshold ORDER BY api_key`)
	if err != nil {
		return nil, translate(fmt.Errorf("auto-reload accounts: %w", err))
	}
	out, err := collectAccounts(rows)
	if err != nil {
		return nil, translate(fmt.Errorf("auto-reload accounts: %w", err))
	}
	return out, nil
}
