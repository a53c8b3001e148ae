package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// entryColumns are the columns scanEntry reads.
const entryColumns = `id, account, kind, amount, balance_after, reason, reference,
	COALESCE(idempotency_key, ''), request_hash, related_id, hold_id, meta, subaccount, created_at`

func scanEntry(row pgx.Row) (*kassa.Entry, error) {
	var e kassa.Entry
	err := row.Scan(&e.ID, &e.Account, &e.Kind, &e.Amount, &e.BalanceAfter, &e.Reason, &e.Reference,
		&e.IdempotencyKey, &e.RequestHash, &e.RelatedID, &e.HoldID, &e.Meta, &e.Subaccount, &e.CreatedAt)
	if err != nil {
		return nil, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return &e, nil
}

// ListEntries returns entries newest first and the number of entries
// matching f's filters, whatever the page (Before, Offset and Limit do not
// change it).
func (db *DB) ListEntries(ctx context.Context, f kassa.EntryFilter) ([]*kassa.Entry, int, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return nil, 0, kassa.Errorf(kassa.EINVALID, "offset and limit must not be negative")
	}
	where, args := entryWhere(f)
	n := len(args)
	query := "SELECT " + entryColumns + " FROM entries" + where +
		" ORDER BY id DESC OFFSET $" + strconv.Itoa(n+1) + " LIMIT $" + strconv.Itoa(n+2)
	all := f
	all.Before = 0
	countWhere, countArgs := entryWhere(all)
	var out []*kassa.Entry
	var total int
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		if total, err = db.entryTotal(ctx, tx, f.Account, countWhere, countArgs); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, query, append(args, f.Offset, pageSize(f.Limit))...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Entry, error) { return scanEntry(row) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list entries: %w", err)
	}
	return out, total, nil
}

// entryTotal counts the entries of a listing in tx's snapshot, or takes
// the count from db.totals when the account's ledger has not changed since
// it was made (see entryTotals).
func (db *DB) entryTotal(ctx context.Context, tx pgx.Tx, account, where string, args []any) (int, error) {
	var version uint32
	if account != "" {
		err := tx.QueryRow(ctx, "SELECT xmin::text::bigint FROM accounts WHERE api_key = $1", account).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			account = "" // no such account: nothing to key a count by
		} else if err != nil {
			return 0, err
		}
	}
	key, err := json.Marshal(args) // unambiguous for every argument type (strings quoted, times in RFC 3339)
	if err != nil {
		return 0, fmt.Errorf("entry total key: %w", err)
	}
	query := where + " " + string(key)
	if account != "" {
		if total, ok := db.totals.get(account, query, version); ok {
			return total, nil
		}
	}
	var total int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM entries"+where, args...).Scan(&total); err != nil {
		return 0, err
	}
	db.totals.counted.Add(1)
	if account != "" {
		db.totals.put(account, query, version, total)
	}
	return total, nil
}

// entryWhere builds the WHERE clause of f and its arguments.
func entryWhere(f kassa.EntryFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Account != "" {
		add("account = ?", f.Account)
	}
	if len(f.Kinds) > 0 {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		add("kind = ANY(?)", kinds)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", ceilMicro(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", ceilMicro(f.Until))
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	if f.Reference != "" {
		add("reference = ?", f.Reference)
	}
	if f.Subaccount != "" {
		add("subaccount = ?", f.Subaccount)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Verify compares every account's balance with the sum of its entries and
// returns those that differ, ordered by api key (none when the ledger is
// sound). It reads one consistent snapshot.
func (db *DB) Verify(ctx context.Context) ([]kassa.Discrepancy, error) {
	const verify = `SELECT a.api_key, a.balance, COALESCE(e.total, 0)::bigint, COALESCE(e.n, 0)
		FROM accounts a
		LEFT JOIN (SELECT account, sum(amount) AS total, count(*) AS n FROM entries GROUP BY account) e
			ON e.account = a.api_key
		WHERE a.balance <> COALESCE(e.total, 0)
		ORDER BY a.api_key`
	rows, err := db.pool.Query(ctx, verify)
	if err != nil {
		return nil, translate(fmt.Errorf("verify: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kassa.Discrepancy, error) {
		var d kassa.Discrepancy
		err := row.Scan(&d.Account, &d.Balance, &d.EntriesSum, &d.Entries)
		return d, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("verify: %w", err))
	}
	return out, nil
}
