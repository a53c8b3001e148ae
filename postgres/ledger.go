package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// InLedgerTx runs fn in one write transaction and commits it when fn returns
// nil; any error rolls everything back. When the transaction loses a
// serialization or deadlock race, the whole of fn runs again in a new
// transaction (fn must not keep state between runs). A commit that returns
// nil is durable. EUNAVAILABLE when the database cannot be reached.
func (db *DB) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	return db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		t := &ledgerTx{ctx: ctx, raw: tx, now: now, locked: map[string]*kassa.AccountBalance{}}
		t.tx = pipeTx{Tx: tx, t: t}
		if err := fn(t); err != nil {
			return err
		}
		// The queued appends go before the commit (see pipeline.go).
		return t.flush()
	})
}

// ledgerTx is one attempt of a ledger transaction.
type ledgerTx struct {
	ctx context.Context
	// tx runs every statement after the queued appends (pipeTx over raw);
	// raw is the transaction itself.
	tx   pgx.Tx
	raw  pgx.Tx
	pipe pipeline
	now  time.Time
	// locked holds the balance rows this transaction has locked; no other
	// transaction can change them until it ends, so they are served from
	// here and kept current by Append.
	locked map[string]*kassa.AccountBalance
}

var _ kassa.LedgerTx = (*ledgerTx)(nil)

// accountBalanceColumns are the account columns of a balance row, with
// the alias a.
const accountBalanceColumns = `a.api_key, a.currency, a.balance, a.credit_limit,
	a.reload_enabled, a.reload_trx, a.reload_amount, a.reload_threshold, a.reload_daily_cap,
	a.primary_account, a.shared_balance, a.suspended`

// balanceColumnsOfA are the columns scanBalance reads, from balanceFrom:
// the account (alias a) and its spend controls (alias s, all NULL when it
// has none). A locking read must not join the controls: after waiting for
// a row lock, PostgreSQL re-reads the locked row but not the joined ones,
// which would be as they were before the transaction it waited for;
// lockedBalances reads them in a statement of their own.
const balanceColumnsOfA = accountBalanceColumns + `, ` + spendColumnsOfS

// balanceFrom is the FROM clause of balanceColumnsOfA.
const balanceFrom = ` FROM accounts a LEFT JOIN spend_controls s ON s.account = a.api_key`

func scanBalance(row pgx.Row) (*kassa.AccountBalance, error) {
	var b kassa.AccountBalance
	var sp spendRow
	dest := append(accountBalanceDest(&b), sp.dest()...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	b.Spend = sp.spend()
	return &b, nil
}

// accountBalanceDest are the scan destinations of accountBalanceColumns.
func accountBalanceDest(b *kassa.AccountBalance) []any {
	return []any{&b.APIKey, &b.Currency, &b.Balance, &b.CreditLimit,
		&b.AutoReload.Enabled, &b.AutoReload.Trx, &b.AutoReload.Amount, &b.AutoReload.Threshold, &b.AutoReload.DailyCap,
		&b.Primary, &b.SharedBalance, &b.Suspended}
}

// scanAccountBalance reads a row of accountBalanceColumns.
func scanAccountBalance(row pgx.Row) (*kassa.AccountBalance, error) {
	var b kassa.AccountBalance
	if err := row.Scan(accountBalanceDest(&b)...); err != nil {
		return nil, err
	}
	return &b, nil
}

// Now is the transaction's timestamp.
func (t *ledgerTx) Now() time.Time { return t.now }

// LockAccounts locks the accounts' rows with SELECT … FOR UPDATE in the
// order given, so that callers that sort their keys cannot deadlock; the
// rows are kept for Balance. The keys are locked in one statement (its row
// locks are taken in the ORDER BY order), sent in one round trip with the
// read of their spend controls, which runs after the locks are granted
// (see balanceColumnsOfA). ENOTFOUND, naming the first missing key, if one
// of them does not exist; the others stay locked.
func (t *ledgerTx) LockAccounts(keys ...string) error {
	var todo []string
	for _, key := range keys {
		if _, ok := t.locked[key]; !ok {
			todo = append(todo, key)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	got, err := t.lock(todo)
	if err != nil {
		return err
	}
	for _, b := range got {
		t.locked[b.APIKey] = b
	}
	for _, key := range todo {
		if _, ok := t.locked[key]; !ok {
			return noAccount(key)
		}
	}
	return nil
}

// lock locks the rows of keys and reads them with their spend controls.
func (t *ledgerTx) lock(keys []string) ([]*kassa.AccountBalance, error) {
	const lockOne = "SELECT " + accountBalanceColumns + " FROM accounts a WHERE a.api_key = $1 FOR UPDATE"
	const lockMany = `SELECT ` + accountBalanceColumns + `
		FROM unnest($1::text[]) WITH ORDINALITY AS k(key, ord)
		JOIN accounts a ON a.api_key = k.key
		ORDER BY k.ord FOR UPDATE OF a`
	const controls = `SELECT s.account, ` + spendColumnsOfS + ` FROM spend_controls s WHERE s.account = ANY($1)`
	batch := &pgx.Batch{}
	if len(keys) == 1 {
		batch.Queue(lockOne, keys[0])
	} else {
		batch.Queue(lockMany, keys)
	}
	batch.Queue(controls, keys)
	res := t.tx.SendBatch(t.ctx, batch)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return nil, translate(fmt.Errorf("lock accounts: %w", err))
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.AccountBalance, error) { return scanAccountBalance(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("lock accounts: %w", err))
	}
	byKey := make(map[string]*kassa.AccountBalance, len(got))
	for _, b := range got {
		byKey[b.APIKey] = b
	}
	rows, err = res.Query()
	if err != nil {
		return nil, translate(fmt.Errorf("read spend controls: %w", err))
	}
	for rows.Next() {
		var key string
		var sp spendRow
		if err := rows.Scan(append([]any{&key}, sp.dest()...)...); err != nil {
			rows.Close()
			return nil, translate(fmt.Errorf("read spend controls: %w", err))
		}
		if b := byKey[key]; b != nil {
			b.Spend = sp.spend()
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("read spend controls: %w", err))
	}
	if err := res.Close(); err != nil {
		return nil, translate(fmt.Errorf("lock accounts: %w", err))
	}
	return got, nil
}

// Balance returns the account's balance row as this transaction sees it.
// ENOTFOUND if there is no such account.
func (t *ledgerTx) Balance(key string) (*kassa.AccountBalance, error) {
	if b, ok := t.locked[key]; ok {
		c := *b
		return &c, nil
	}
	b, err := scanBalance(t.tx.QueryRow(t.ctx, "SELECT "+balanceColumnsOfA+balanceFrom+" WHERE a.api_key = $1", key))
	if err == pgx.ErrNoRows {
		return nil, noAccount(key)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("read balance of %s: %w", key, err))
	}
	return b, nil
}

// Append writes e and adds e.Amount to the account's balance, filling e.ID,
// e.BalanceAfter and e.CreatedAt. It does not check floors. ECONFLICT if the
// account already has an entry with e's idempotency key, ENOTFOUND if there
// is no such account.
//
// The append is queued rather than sent when its outcome is known
// already, and then goes with the transaction's next statement (see
// pipeline.go).
func (t *ledgerTx) Append(e *kassa.Entry) error {
	t.pipe.appends++
	if e.Kind.Valid() && t.queueAppend(e) {
		t.locked[e.Account].Balance = e.BalanceAfter
		return nil
	}
	if e.IdempotencyKey != "" {
		delete(t.pipe.absent, idemKey{e.Account, e.Subaccount, e.IdempotencyKey})
	}
	if err := t.appendNow(e); err != nil {
		return err
	}
	if b, ok := t.locked[e.Account]; ok {
		b.Balance = e.BalanceAfter
	}
	return nil
}

// appendEntry is Append for any transaction. One statement updates the
// balance (unless the idempotency key is taken) and inserts the entry with
// the new balance; a taken key or an out-of-range balance makes it write
// nothing rather than fail, so that the transaction stays usable after the
// error.
func appendEntry(ctx context.Context, q querier, e *kassa.Entry, now time.Time) error {
	if !e.Kind.Valid() {
		return kassa.FieldError("kind", "unknown entry kind %q", e.Kind)
	}
	err := q.QueryRow(ctx, appendSQL, appendArgs(e, now)...).Scan(&e.ID, &e.BalanceAfter)
	if err == pgx.ErrNoRows {
		return appendMissed(ctx, q, e)
	}
	if err != nil {
		return appendFailed(e, err)
	}
	e.CreatedAt = now
	return nil
}

// appendSQL appends one entry: one statement updates the balance (unless
// the idempotency key is taken or the balance would leave the range of an
// Amount) and inserts the entry with the new balance; otherwise it writes
// nothing and returns no row.
const appendSQL = `WITH upd AS (
		UPDATE accounts SET balance = balance + $3
		WHERE api_key = $1
			AND balance::numeric + $3 BETWEEN -9223372036854775807 AND 9223372036854775807
			AND ($6::text IS NULL OR NOT EXISTS
				(SELECT 1 FROM entries WHERE account = $1 AND subaccount = $12 AND idempotency_key = $6))
		RETURNING balance)
	INSERT INTO entries (account, kind, amount, balance_after, reason, reference,
		idempotency_key, request_hash, related_id, hold_id, meta, created_at, subaccount)
	SELECT $1, $2, $3, upd.balance, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM upd
	RETURNING id, balance_after`

// appendArgs are appendSQL's arguments for e.
func appendArgs(e *kassa.Entry, now time.Time) []any {
	return []any{e.Account, e.Kind, e.Amount, e.Reason, e.Reference,
		nullIfEmpty(e.IdempotencyKey), e.RequestHash, e.RelatedID, e.HoldID, e.Meta, now, e.Subaccount}
}

// appendFailed translates the error of appendSQL.
func appendFailed(e *kassa.Entry, err error) error {
	err = translate(fmt.Errorf("append %s entry to %s: %w", e.Kind, e.Account, err))
	if kassa.ErrorCode(err) == kassa.ECONFLICT {
		return idempotencyTaken(e, err)
	}
	return err
}

// appendMissed explains why the append statement wrote nothing: the account
// does not exist (ENOTFOUND), the key is taken (ECONFLICT) or the balance
// would leave the range of an Amount (EINVALID).
func appendMissed(ctx context.Context, q querier, e *kassa.Entry) error {
	var exists, taken bool
	const why = `SELECT EXISTS (SELECT 1 FROM accounts WHERE api_key = $1),
		EXISTS (SELECT 1 FROM entries WHERE account = $1 AND subaccount = $3 AND idempotency_key = $2)`
	if err := q.QueryRow(ctx, why, e.Account, nullIfEmpty(e.IdempotencyKey), e.Subaccount).Scan(&exists, &taken); err != nil {
		return translate(fmt.Errorf("append %s entry to %s: %w", e.Kind, e.Account, err))
	}
	switch {
	case !exists:
		return noAccount(e.Account)
	case taken:
		return idempotencyTaken(e, nil)
	}
	return kassa.Errorf(kassa.EINVALID, "the %s entry would take the balance of %q out of range", e.Kind, e.Account)
}

// idempotencyTaken is the ECONFLICT error for a taken idempotency key.
func idempotencyTaken(e *kassa.Entry, cause error) error {
	return &kassa.Error{Code: kassa.ECONFLICT, Err: cause,
		Message: fmt.Sprintf("account %q already has an entry with idempotency key %q", e.Account, e.IdempotencyKey)}
}

// nullIfEmpty stores "" as NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EntryByIdempotencyKey returns the account's entry with that key among
// those written on behalf of subaccount. ENOTFOUND if there is none.
func (t *ledgerTx) EntryByIdempotencyKey(account, subaccount, key string) (*kassa.Entry, error) {
	if key == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no entry with an empty idempotency key")
	}
	row := t.tx.QueryRow(t.ctx, "SELECT "+entryColumns+" FROM entries WHERE account = $1 AND subaccount = $3 AND idempotency_key = $2", account, key, subaccount)
	e, err := scanEntry(row)
	if err == pgx.ErrNoRows {
		// The queued appends ran before this lookup: the key is free
		// until this transaction appends with it.
		if t.pipe.absent == nil {
			t.pipe.absent = make(map[idemKey]bool)
		}
		t.pipe.absent[idemKey{account, subaccount, key}] = true
		return nil, kassa.Errorf(kassa.ENOTFOUND, "account %q has no entry with idempotency key %q", account, key)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("entry by idempotency key: %w", err))
	}
	return e, nil
}

// Entry returns one entry. ENOTFOUND if there is none.
func (t *ledgerTx) Entry(id int64) (*kassa.Entry, error) {
	e, err := scanEntry(t.tx.QueryRow(t.ctx, "SELECT "+entryColumns+" FROM entries WHERE id = $1", id))
	if err == pgx.ErrNoRows {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "entry %d not found", id)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("entry %d: %w", id, err))
	}
	return e, nil
}

// RelatedTotal sums the amounts of the entries of the given kind whose
// RelatedID is id.
func (t *ledgerTx) RelatedTotal(id int64, kind kassa.EntryKind) (kassa.Amount, error) {
	var total kassa.Amount
	const sum = "SELECT COALESCE(sum(amount), 0)::bigint FROM entries WHERE related_id = $1 AND kind = $2"
	if err := t.tx.QueryRow(t.ctx, sum, id, kind).Scan(&total); err != nil {
		return 0, translate(fmt.Errorf("related total of %d: %w", id, err))
	}
	return total, nil
}

// CountEntries counts the account's entries of a kind written at or after
// since.
func (t *ledgerTx) CountEntries(account string, kind kassa.EntryKind, since time.Time) (int, error) {
	var n int
	const count = "SELECT count(*) FROM entries WHERE account = $1 AND kind = $2 AND created_at >= $3"
	if err := t.tx.QueryRow(t.ctx, count, account, kind, ceilMicro(since)).Scan(&n); err != nil {
		return 0, translate(fmt.Errorf("count %s entries of %s: %w", kind, account, err))
	}
	return n, nil
}
