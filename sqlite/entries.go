package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
)

const entryColumns = `id, account, kind, amount, balance_after, reason, reference,
	idempotency_key, request_hash, related_id, hold_id, meta, subaccount, created_at`

func scanEntry(s scanner) (*kassa.Entry, error) {
	var e kassa.Entry
	var created int64
	err := s.Scan(&e.ID, &e.Account, &e.Kind, &e.Amount, &e.BalanceAfter, &e.Reason, &e.Reference,
		&e.IdempotencyKey, &e.RequestHash, &e.RelatedID, &e.HoldID, &e.Meta, &e.Subaccount, &created)
	if err != nil {
		return nil, err
	}
	e.CreatedAt = fromNanos(created)
	return &e, nil
}

// ListEntries returns entries newest first (by ID) and the number of
// entries matching f's filters, whatever the page (Before, Offset and
// Limit do not change it). Limit 0 is DefaultPageSize; limits above
// MaxPageSize are cut to it.
//
// Counting scans every matching entry, so the total of an account's
// entries is kept (totalCache) until the account's ledger changes: the
// pages after the first of one query, and the same query again, cost
// their page only.
func (db *DB) ListEntries(ctx context.Context, f kassa.EntryFilter) ([]*kassa.Entry, int, error) {
	where, args := entryWhere(f)
	all := f
	all.Before = 0
	countWhere, countArgs := entryWhere(all)
	countSQL := `SELECT COUNT(*) FROM entries` + countWhere
	count := func(tx *sql.Tx) (int, error) {
		key := ""
		if f.Account != "" {
			key = fmt.Sprint(countSQL, countArgs)
		}
		total, ok, seq := db.totals.get(f.Account, key)
		if ok && key != "" {
			return total, nil
		}
		if err := tx.QueryRowContext(ctx, countSQL, countArgs...).Scan(&total); err != nil {
			return 0, err
		}
		if key != "" {
			db.totals.fill(f.Account, key, total, seq)
		}
		return total, nil
	}
	return listPageTotal(ctx, db, "entries", entryColumns, "entries", where, "id DESC", args,
		count, f.Limit, f.Offset, scanEntry)
}

// entryWhere builds the WHERE clause of an entry filter.
func entryWhere(f kassa.EntryFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, vals ...any) {
		conds = append(conds, cond)
		args = append(args, vals...)
	}
	if f.Account != "" {
		add("account = ?", f.Account)
	}
	if len(f.Kinds) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(f.Kinds)), ",")
		kinds := make([]any, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		add("kind IN ("+marks+")", kinds...)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", toNanos(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", toNanos(f.Until))
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	if f.Reference != "" {
		add("reference = ? AND reference <> ''", f.Reference)
	}
	if f.Subaccount != "" {
		add("subaccount = ? AND subaccount <> ''", f.Subaccount)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Verify compares every account's balance with the sum of its entries in
// one query (a consistent snapshot) and returns the accounts that differ,
// ordered by api key. An account without entries must have balance 0.
func (db *DB) Verify(ctx context.Context) ([]kassa.Discrepancy, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT a.api_key, a.balance, COALESCE(s.total, 0), COALESCE(s.n, 0)
		FROM accounts a LEFT JOIN (SELECT account, SUM(amount) AS total, COUNT(*) AS n FROM entries GROUP BY account) s
		ON s.account = a.api_key
		WHERE a.balance <> COALESCE(s.total, 0)
		ORDER BY a.api_key`)
	if err != nil {
		return nil, translate(fmt.Errorf("verify ledger: %w", err))
	}
	defer rows.Close()
	out := []kassa.Discrepancy{}
	for rows.Next() {
		var d kassa.Discrepancy
		if err := rows.Scan(&d.Account, &d.Balance, &d.EntriesSum, &d.Entries); err != nil {
			return nil, translate(fmt.Errorf("verify ledger: %w", err))
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("verify ledger: %w", err))
	}
	return out, nil
}
