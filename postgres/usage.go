package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/usagesql"
)

// dialect is how PostgreSQL writes the usage queries.
var dialect = usagesql.Dialect{
	Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	Sum:         func(expr string) string { return "(" + expr + ")::bigint" },
}

// addUsageSQL adds a delta to its rollup row, creating it at zero first.
const addUsageSQL = `INSERT INTO usage_rollups AS u (account, day, subaccount, type, country, network, currency,
		count, units, charged, refunds, refunded)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
	ON CONFLICT (account, day, subaccount, type, country, network) DO UPDATE SET
		count = u.count + $8, units = u.units + $9, charged = u.charged + $10, refunds = u.refunds + $11, refunded = u.refunded + $12`

// usageArgs are the arguments of addUsageSQL.
func usageArgs(d kassa.UsageDelta) []any {
	return []any{d.Account, d.Day.UTC().Format(kassa.DayLayout), d.Subaccount, string(d.Type), d.Country, d.Network, string(d.Currency),
		d.Count, d.Units, int64(d.Charged), d.Refunds, int64(d.Refunded)}
}

// AddUsage adds d to its usage rollup row in the ledger transaction. On
// an account this transaction locked (it exists: nothing can refuse the
// upsert) it is queued with the appends (pipeline.go), so that a charge
// costs no round trip more; otherwise it is sent at once.
func (t *ledgerTx) AddUsage(d kassa.UsageDelta) error {
	if _, ok := t.locked[d.Account]; ok {
		t.pipe.queue = append(t.pipe.queue, queuedAppend{usage: &d})
		return nil
	}
	if _, err := t.tx.Exec(t.ctx, addUsageSQL, usageArgs(d)...); err != nil {
		return translate(fmt.Errorf("add usage of %s: %w", d.Account, err))
	}
	return nil
}

// queuedUsageFailed is the error of a queued usage upsert that failed: the
// whole transaction's (see queuedFailed).
func queuedUsageFailed(d kassa.UsageDelta, err error) error {
	err = translate(fmt.Errorf("queued usage of %s: %w", d.Account, err))
	if kassa.ErrorCode(err) == kassa.EUNAVAILABLE {
		return err
	}
	return &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error", Err: err}
}

// Usage reads grouped usage from the rollups.
func (db *DB) Usage(ctx context.Context, f kassa.UsageFilter) ([]kassa.UsageRow, error) {
	if err := usagesql.Check(f); err != nil {
		return nil, err
	}
	query, args := usagesql.Query(f, dialect)
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(fmt.Errorf("read usage: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kassa.UsageRow, error) {
		var r kassa.UsageRow
		err := row.Scan(usagesql.Dest(f, &r)...)
		return r, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("read usage: %w", err))
	}
	if out == nil {
		out = []kassa.UsageRow{}
	}
	return out, nil
}

// Statement reads an account's statement for a month in one repeatable
// read transaction (one snapshot), through the index on account and time.
func (db *DB) Statement(ctx context.Context, account string, month time.Time) (*kassa.Statement, error) {
	start := kassa.MonthStart(month)
	end := start.AddDate(0, 1, 0)
	st := &kassa.Statement{Account: account, Month: start}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		st.Totals, st.Counts = map[kassa.EntryKind]kassa.Amount{}, map[kassa.EntryKind]int64{}
		if err := tx.QueryRow(ctx, `SELECT currency FROM accounts WHERE api_key = $1`, account).Scan(&st.Currency); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return noAccount(account)
			}
			return err
		}
		return statementOf(ctx, tx, st, start, end)
	})
	if err != nil {
		return nil, translate(fmt.Errorf("statement of %s: %w", account, err))
	}
	return st, nil
}

// statementOf fills the totals and balances of st.
func statementOf(ctx context.Context, tx pgx.Tx, st *kassa.Statement, start, end time.Time) error {
	rows, err := tx.Query(ctx, `SELECT kind, count(*), sum(amount)::bigint FROM entries
		WHERE account = $1 AND created_at >= $2 AND created_at < $3 GROUP BY kind`, st.Account, start, end)
	if err != nil {
		return err
	}
	var kind kassa.EntryKind
	var n, total int64
	_, err = pgx.ForEachRow(rows, []any{&kind, &n, &total}, func() error {
		st.Counts[kind], st.Totals[kind] = n, kassa.Amount(total)
		return nil
	})
	if err != nil {
		return err
	}
	sum, err := st.Sum()
	if err != nil {
		return err
	}
	if st.Opening, err = balanceBefore(ctx, tx, st.Account, start); err != nil {
		return err
	}
	if st.Closing, err = balanceBefore(ctx, tx, st.Account, end); err != nil {
		return err
	}
	if st.Opening+sum != st.Closing {
		// Entries whose times are not in the order of their ids (two
		// nodes' clocks): sum what came before the month instead.
		var before int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(sum(amount), 0)::bigint FROM entries WHERE account = $1 AND created_at < $2`,
			st.Account, start).Scan(&before); err != nil {
			return err
		}
		st.Opening = kassa.Amount(before)
		st.Closing = st.Opening + sum
	}
	return nil
}

// balanceBefore is the balance after the account's last entry before t
// (0 without one).
func balanceBefore(ctx context.Context, tx pgx.Tx, account string, t time.Time) (kassa.Amount, error) {
	var b int64
	err := tx.QueryRow(ctx, `SELECT balance_after FROM entries WHERE account = $1 AND created_at < $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, account, t).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return kassa.Amount(b), err
}

// VerifyUsage compares the usage rollups with the entries in one query (a
// consistent snapshot) and returns the accounts that differ.
func (db *DB) VerifyUsage(ctx context.Context) ([]kassa.UsageDiscrepancy, error) {
	rows, err := db.pool.Query(ctx, usagesql.VerifyQuery(dialect))
	if err != nil {
		return nil, translate(fmt.Errorf("verify usage: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kassa.UsageDiscrepancy, error) {
		var d kassa.UsageDiscrepancy
		err := row.Scan(usagesql.VerifyDest(&d)...)
		return d, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("verify usage: %w", err))
	}
	if out == nil {
		out = []kassa.UsageDiscrepancy{}
	}
	return out, nil
}
