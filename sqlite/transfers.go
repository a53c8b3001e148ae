package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
)

// DefaultTransferPage is how many transfers ListTransfers returns when the
// filter's Limit is 0; MaxPageSize is the most it returns.
const DefaultTransferPage = MaxPageSize

const transferColumns = `id, kind, primary_account, from_account, to_account, amount, reference,
	idempotency_key, request_hash, created_at`

func scanTransfer(s scanner) (*kassa.Transfer, error) {
	var t kassa.Transfer
	var created int64
	err := s.Scan(&t.ID, &t.Kind, &t.Primary, &t.From, &t.To, &t.Amount, &t.Reference,
		&t.IdempotencyKey, &t.RequestHash, &created)
	if err != nil {
		return nil, err
	}
	t.CreatedAt = fromNanos(created)
	return &t, nil
}

// SetCreditLimit sets the account's credit limit. ENOTFOUND if there is no
// such account.
func (lt *ledgerTx) SetCreditLimit(key string, limit kassa.Amount) error {
	res, err := lt.tx.ExecContext(lt.ctx, `UPDATE accounts SET credit_limit = ?, updated_at = ? WHERE api_key = ?`,
		int64(limit), toNanos(lt.now), key)
	if err != nil {
		return translate(fmt.Errorf("set credit limit of %s: %w", key, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set credit limit of %s: %w", key, err)
	} else if n == 0 {
		return kassa.Errorf(kassa.ENOTFOUND, "no account %q", key)
	}
	return nil
}

// CreateTransfer records t with the transaction's time. ECONFLICT if its id
// or its primary's idempotency key is taken.
func (lt *ledgerTx) CreateTransfer(t *kassa.Transfer) error {
	if !t.Kind.Valid() {
		return kassa.FieldError("kind", "unknown transfer kind %q", t.Kind)
	}
	_, err := lt.tx.ExecContext(lt.ctx, `INSERT INTO transfers (`+transferColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, string(t.Kind), t.Primary, t.From, t.To, int64(t.Amount), t.Reference,
		t.IdempotencyKey, t.RequestHash, toNanos(lt.now))
	if err != nil {
		err = translate(fmt.Errorf("record transfer %s: %w", t.ID, err))
		if kassa.ErrorCode(err) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "the transfer id or idempotency key is already used", Err: err}
		}
		return err
	}
	t.CreatedAt = lt.now
	return nil
}

// TransferByIdempotencyKey returns the primary's transfer with that key.
// ENOTFOUND if there is none.
func (lt *ledgerTx) TransferByIdempotencyKey(primary, key string) (*kassa.Transfer, error) {
	if key == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no transfer with an empty idempotency key")
	}
	t, err := scanTransfer(lt.tx.QueryRowContext(lt.ctx, `SELECT `+transferColumns+` FROM transfers
		WHERE primary_account = ? AND idempotency_key = ? AND idempotency_key <> ''`, primary, key))
	if err != nil {
		err = translate(err)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return nil, &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such transfer", Err: err}
		}
		return nil, err
	}
	return t, nil
}

// ListTransfers returns the transfers matching f, newest first (ties: the
// later written first). Limit 0 is DefaultTransferPage; larger ones are cut to MaxPageSize.
func (db *DB) ListTransfers(ctx context.Context, f kassa.TransferFilter) ([]*kassa.Transfer, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPageSize {
		limit = DefaultTransferPage
	}
	conds := []string{"primary_account = ?"}
	args := []any{f.Primary}
	if f.Kind != "" {
		conds, args = append(conds, "kind = ?"), append(args, string(f.Kind))
	}
	if len(f.Accounts) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(f.Accounts)), ",")
		conds = append(conds, "(from_account IN ("+marks+") OR to_account IN ("+marks+"))")
		for range 2 {
			for _, a := range f.Accounts {
				args = append(args, a)
			}
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "created_at >= ?"), append(args, toNanos(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "created_at <= ?"), append(args, toNanos(f.Until))
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT `+transferColumns+` FROM transfers
		WHERE `+strings.Join(conds, " AND ")+` ORDER BY created_at DESC, rowid DESC LIMIT ?`, args...)
	if err != nil {
		return nil, translate(fmt.Errorf("list transfers of %s: %w", f.Primary, err))
	}
	list, err := collect(rows, scanTransfer)
	if err != nil {
		return nil, translate(fmt.Errorf("list transfers of %s: %w", f.Primary, err))
	}
	return list, nil
}
