package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/usagesql"
)

// dialect is how SQLite writes the usage queries.
var dialect = usagesql.Dialect{
	Placeholder: func(n int) string { return "?" + strconv.Itoa(n) },
	Sum:         func(expr string) string { return expr },
}

// AddUsage adds d to its usage rollup row in the ledger transaction.
func (lt *ledgerTx) AddUsage(d kassa.UsageDelta) error {
	_, err := lt.tx.ExecContext(lt.ctx, `INSERT INTO usage_rollups (account, day, subaccount, type, country, network, currency,
			count, units, charged, refunds, refunded)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
		ON CONFLICT (account, day, subaccount, type, country, network) DO UPDATE SET
			count = count + ?8, units = units + ?9, charged = charged + ?10, refunds = refunds + ?11, refunded = refunded + ?12`,
		d.Account, d.Day.UTC().Format(kassa.DayLayout), d.Subaccount, string(d.Type), d.Country, d.Network, string(d.Currency),
		d.Count, d.Units, int64(d.Charged), d.Refunds, int64(d.Refunded))
	if err != nil {
		return translate(fmt.Errorf("add usage of %s: %w", d.Account, err))
	}
	return nil
}

// Usage reads grouped usage from the rollups.
func (db *DB) Usage(ctx context.Context, f kassa.UsageFilter) ([]kassa.UsageRow, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if err := usagesql.Check(f); err != nil {
		return nil, err
	}
	query, args := usagesql.Query(f, dialect)
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(fmt.Errorf("read usage: %w", err))
	}
	defer rows.Close()
	out := []kassa.UsageRow{}
	for rows.Next() {
		var r kassa.UsageRow
		if err := rows.Scan(usagesql.Dest(f, &r)...); err != nil {
			return nil, translate(fmt.Errorf("read usage: %w", err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("read usage: %w", err))
	}
	return out, nil
}

// Statement reads an account's statement for a month in one read
// transaction (one snapshot), through the index on account and time.
func (db *DB) Statement(ctx context.Context, account string, month time.Time) (*kassa.Statement, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	start := kassa.MonthStart(month)
	end := start.AddDate(0, 1, 0)
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, translate(fmt.Errorf("statement of %s: %w", account, err))
	}
	defer tx.Rollback()
	st := &kassa.Statement{Account: account, Month: start, Totals: map[kassa.EntryKind]kassa.Amount{}, Counts: map[kassa.EntryKind]int64{}}
	if err := tx.QueryRowContext(ctx, `SELECT currency FROM accounts WHERE api_key = ?`, account).Scan(&st.Currency); err != nil {
		return nil, accountNotFound(account, err)
	}
	if err := statementTotals(ctx, tx, st, start, end); err != nil {
		return nil, err
	}
	sum, err := st.Sum()
	if err != nil {
		return nil, err
	}
	if st.Opening, err = balanceBefore(ctx, tx, account, start); err != nil {
		return nil, err
	}
	if st.Closing, err = balanceBefore(ctx, tx, account, end); err != nil {
		return nil, err
	}
	if st.Opening+sum != st.Closing {
		// Entries whose times are not in the order of their ids: sum
		// what came before the month instead.
		var before int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM entries WHERE account = ? AND created_at < ?`,
			account, toNanos(start)).Scan(&before); err != nil {
			return nil, translate(fmt.Errorf("statement of %s: sum before the month: %w", account, err))
		}
		st.Opening = kassa.Amount(before)
		st.Closing = st.Opening + sum
	}
	return st, nil
}

// statementTotals sums the account's entries of [start, end) by kind.
func statementTotals(ctx context.Context, tx *sql.Tx, st *kassa.Statement, start, end time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT kind, COUNT(*), SUM(amount) FROM entries
		WHERE account = ? AND created_at >= ? AND created_at < ? GROUP BY kind`, st.Account, toNanos(start), toNanos(end))
	if err != nil {
		return translate(fmt.Errorf("statement of %s: %w", st.Account, err))
	}
	defer rows.Close()
	for rows.Next() {
		var kind kassa.EntryKind
		var n, sum int64
		if err := rows.Scan(&kind, &n, &sum); err != nil {
			return translate(fmt.Errorf("statement of %s: %w", st.Account, err))
		}
		st.Counts[kind], st.Totals[kind] = n, kassa.Amount(sum)
	}
	if err := rows.Err(); err != nil {
		return translate(fmt.Errorf("statement of %s: %w", st.Account, err))
	}
	return nil
}

// balanceBefore is the balance after the account's last entry before t
// (0 without one).
func balanceBefore(ctx context.Context, tx *sql.Tx, account string, t time.Time) (kassa.Amount, error) {
	var b int64
	err := tx.QueryRowContext(ctx, `SELECT balance_after FROM entries WHERE account = ? AND created_at < ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, account, toNanos(t)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(fmt.Errorf("balance of %s before %v: %w", account, t, err))
	}
	return kassa.Amount(b), nil
}

// VerifyUsage compares the usage rollups with the entries in one query (a
// consistent snapshot) and returns the accounts that differ.
func (db *DB) VerifyUsage(ctx context.Context) ([]kassa.UsageDiscrepancy, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, usagesql.VerifyQuery(dialect))
	if err != nil {
		return nil, translate(fmt.Errorf("verify usage: %w", err))
	}
	defer rows.Close()
	out := []kassa.UsageDiscrepancy{}
	for rows.Next() {
		var d kassa.UsageDiscrepancy
		if err := rows.Scan(usagesql.VerifyDest(&d)...); err != nil {
			return nil, translate(fmt.Errorf("verify usage: %w", err))
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("verify usage: %w", err))
	}
	return out, nil
}
