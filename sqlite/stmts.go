package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The statements of the charging hot path, prepared once on the write
// connection at Open.
const (
	stmtBalance = iota
	stmtInsertEntry
	stmtEntryByKey
	numLedgerStmts
)

var ledgerSQL = [numLedgerStmts]string{
	stmtBalance: `SELECT a.api_key, a.currency, a.balance, a.credit_limit,
		a.reload_enabled, a.reload_trx, a.reload_amount, a.reload_threshold, a.reload_daily_cap,
		a.primary_account, a.shared_balance, a.suspended, ` + spendColumnsOfS + `
		FROM accounts a LEFT JOIN spend_controls s ON s.account = a.api_key WHERE a.api_key = ?`,
	// The balance after is computed from the account row in the same
	// statement; a missing account makes it NULL and the insert fails.
	stmtInsertEntry: `INSERT INTO entries (account, kind, amount, balance_after, reason, reference,
		idempotency_key, request_hash, related_id, hold_id, meta, subaccount, created_at)
		VALUES (?1, ?2, ?3, (SELECT balance + ?3 FROM accounts WHERE api_key = ?1), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
		RETURNING id, balance_after`,
	// The repeated "<> ''" lets SQLite use the partial unique index, which
	// a parameterised equality alone cannot prove applicable.
	stmtEntryByKey: `SELECT ` + entryColumns + ` FROM entries WHERE account = ? AND subaccount = ? AND idempotency_key = ? AND idempotency_key <> ''`,
}

// ledgerStmts holds the prepared hot-path statements.
type ledgerStmts struct {
	list [numLedgerStmts]*sql.Stmt
}

func prepareLedgerStmts(ctx context.Context, db *sql.DB) (*ledgerStmts, error) {
	s := &ledgerStmts{}
	for i, q := range ledgerSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("prepare statement %d: %w", i, err)
		}
		s.list[i] = st
	}
	return s, nil
}

func (s *ledgerStmts) close() error {
	var errs []error
	for _, st := range s.list {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
