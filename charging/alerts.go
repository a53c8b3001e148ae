package charging

import (
	"fmt"

	"github.com/kassa-dev/kassa"
)

// controlTx is the ledger transaction as the operations see it: it keeps
// the balance rows read in the transaction current (so that an account's
// controls are at hand without another read) and, after every entry,
// writes the low-balance alert of the account whose balance it moved:
// balance.low when the balance falls below the account's threshold while
// armed, balance.recovered when it rises above it again. Between the two
// (at the threshold, or hovering below it) nothing is written, so a
// balance that hovers makes no storm of alerts.
type controlTx struct {
	kassa.LedgerTx
	rows map[string]*kassa.AccountBalance
}

func newControlTx(tx kassa.LedgerTx) *controlTx {
	return &controlTx{LedgerTx: tx, rows: map[string]*kassa.AccountBalance{}}
}

// LockAccounts implements kassa.LedgerTx; a locked row is read afresh.
func (t *controlTx) LockAccounts(keys ...string) error {
	if err := t.LedgerTx.LockAccounts(keys...); err != nil {
		return err
	}
	for _, k := range keys {
		delete(t.rows, k)
	}
	return nil
}

// Balance implements kassa.LedgerTx.
func (t *controlTx) Balance(key string) (*kassa.AccountBalance, error) {
	b, err := t.row(key)
	if err != nil {
		return nil, err
	}
	c := *b
	return &c, nil
}

// row returns the transaction's current row of key.
func (t *controlTx) row(key string) (*kassa.AccountBalance, error) {
	if b, ok := t.rows[key]; ok {
		return b, nil
	}
	b, err := t.LedgerTx.Balance(key)
	if err != nil {
		return nil, err
	}
	t.rows[key] = b
	return b, nil
}

// SetSpend implements kassa.LedgerTx.
func (t *controlTx) SetSpend(key string, s kassa.Spend) error {
	if err := t.LedgerTx.SetSpend(key, s); err != nil {
		return err
	}
	if b, ok := t.rows[key]; ok {
		b.Spend = s
	}
	return nil
}

// SetCreditLimit implements kassa.LedgerTx.
func (t *controlTx) SetCreditLimit(key string, limit kassa.Amount) error {
	if err := t.LedgerTx.SetCreditLimit(key, limit); err != nil {
		return err
	}
	if b, ok := t.rows[key]; ok {
		b.CreditLimit = limit
	}
	return nil
}

// Append implements kassa.LedgerTx: the entry, then the alert it causes.
func (t *controlTx) Append(e *kassa.Entry) error {
	if err := t.LedgerTx.Append(e); err != nil {
		return err
	}
	b, err := t.row(e.Account)
	if err != nil {
		return fmt.Errorf("read %s after an entry: %w", e.Account, err)
	}
	b.Balance = e.BalanceAfter
	return writeAlert(t, b, e.ID)
}

// writeAlert writes balance.low or balance.recovered in tx when b's
// balance is on the other side of its threshold than its alert state says
// (entryID is the entry that moved it; 0 for a change of the threshold),
// and records the new state.
func writeAlert(tx kassa.LedgerTx, b *kassa.AccountBalance, entryID int64) error {
	th := b.Spend.LowBalanceThreshold
	if th == nil {
		return nil
	}
	var typ string
	switch {
	case b.Balance < *th && !b.Spend.LowBalanceAlerted:
		typ = kassa.EventBalanceLow
	case b.Balance > *th && b.Spend.LowBalanceAlerted:
		typ = kassa.EventBalanceRecovered
	default:
		return nil
	}
	ev, err := kassa.NewEvent(typ, b.APIKey, kassa.BalanceAlertData{
		Balance: b.Balance.String(), Threshold: th.String(), Currency: string(b.Currency), EntryID: entryID,
	})
	if err != nil {
		return err
	}
	if err := tx.AppendEvent(ev); err != nil {
		return err
	}
	s := b.Spend
	s.LowBalanceAlerted = typ == kassa.EventBalanceLow
	return tx.SetSpend(b.APIKey, s)
}
