package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// MaxTransferPage is the most transfers ListTransfers returns, and what it
// returns when the filter's Limit is 0.
const MaxTransferPage = 1000

// transferColumns are the columns scanTransfer reads.
const transferColumns = `id, kind, primary_account, from_account, to_account, amount, reference,
	COALESCE(idempotency_key, ''), request_hash, created_at`

func scanTransfer(row pgx.Row) (*kassa.Transfer, error) {
	var t kassa.Transfer
	err := row.Scan(&t.ID, &t.Kind, &t.Primary, &t.From, &t.To, &t.Amount, &t.Reference,
		&t.IdempotencyKey, &t.RequestHash, &t.CreatedAt)
	if err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// SetCreditLimit sets the account's credit limit, keeping the row this
// transaction may have locked current. ENOTFOUND if there is no such
// account.
func (t *ledgerTx) SetCreditLimit(key string, limit kassa.Amount) error {
	tag, err := t.tx.Exec(t.ctx, "UPDATE accounts SET credit_limit = $2, updated_at = $3 WHERE api_key = $1", key, limit, t.now)
	if err != nil {
		return translate(fmt.Errorf("set credit limit of %s: %w", key, err))
	}
	if tag.RowsAffected() == 0 {
		return noAccount(key)
	}
	if b, ok := t.locked[key]; ok {
		b.CreditLimit = limit
	}
	return nil
}

// CreateTransfer records tr with the transaction's time. ECONFLICT if its
// id or its primary's idempotency key is taken; the statement then writes
// nothing, and the transaction may go on.
func (t *ledgerTx) CreateTransfer(tr *kassa.Transfer) error {
	if !tr.Kind.Valid() {
		return kassa.FieldError("kind", "unknown transfer kind %q", tr.Kind)
	}
	const insert = `INSERT INTO transfers (id, kind, primary_account, from_account, to_account, amount,
		reference, idempotency_key, request_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`
	tag, err := t.tx.Exec(t.ctx, insert, tr.ID, tr.Kind, tr.Primary, tr.From, tr.To, tr.Amount,
		tr.Reference, nullIfEmpty(tr.IdempotencyKey), tr.RequestHash, t.now)
	if err != nil {
		return translate(fmt.Errorf("record transfer %s: %w", tr.ID, err))
	}
	if tag.RowsAffected() == 0 {
		return kassa.Errorf(kassa.ECONFLICT, "the transfer id or idempotency key is already used")
	}
	tr.CreatedAt = t.now
	return nil
}

// TransferByIdempotencyKey returns the primary's transfer with that key.
// ENOTFOUND if there is none.
func (t *ledgerTx) TransferByIdempotencyKey(primary, key string) (*kassa.Transfer, error) {
	if key == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no transfer with an empty idempotency key")
	}
	tr, err := scanTransfer(t.tx.QueryRow(t.ctx, "SELECT "+transferColumns+`
		FROM transfers WHERE primary_account = $1 AND idempotency_key = $2`, primary, key))
	if err == pgx.ErrNoRows {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "account %q has no transfer with idempotency key %q", primary, key)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("transfer by idempotency key: %w", err))
	}
	return tr, nil
}

// ListTransfers returns the transfers matching f, newest first (ties: the
// later written first). Limit 0, or one above MaxTransferPage, is
// MaxTransferPage.
func (db *DB) ListTransfers(ctx context.Context, f kassa.TransferFilter) ([]*kassa.Transfer, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxTransferPage {
		limit = MaxTransferPage
	}
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	add("primary_account = ?", f.Primary)
	if f.Kind != "" {
		add("kind = ?", string(f.Kind))
	}
	if len(f.Accounts) > 0 {
		add("(from_account = ANY(?) OR to_account = ANY(?))", f.Accounts)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", ceilMicro(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at <= ?", f.Until)
	}
	args = append(args, limit)
	rows, err := db.pool.Query(ctx, "SELECT "+transferColumns+" FROM transfers WHERE "+strings.Join(conds, " AND ")+
		" ORDER BY created_at DESC, seq DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, translate(fmt.Errorf("list transfers of %s: %w", f.Primary, err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Transfer, error) { return scanTransfer(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("list transfers of %s: %w", f.Primary, err))
	}
	if out == nil {
		out = []*kassa.Transfer{}
	}
	return out, nil
}
