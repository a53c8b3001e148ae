package metrics

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
)

// InstrumentStore returns s with its calls timed into
// kassa_store_duration_seconds and its committed ledger transactions
// counted (kassa_ledger_entries_total, kassa_ledger_batch_entries,
// kassa_ledger_transactions_total). The result implements
// kassa.PriceBookWatcher exactly when s does. onCommit, when not nil, is
// called with the entries of each committed ledger transaction, on the
// committing goroutine: it must be quick and must not keep the slice.
func (m *Metrics) InstrumentStore(s kassa.Store, onCommit func([]*kassa.Entry)) kassa.Store {
	is := &instrumentedStore{Store: s, m: m, onCommit: onCommit}
	if w, ok := s.(kassa.PriceBookWatcher); ok {
		return &watchingStore{instrumentedStore: is, w: w}
	}
	return is
}

// instrumentedStore times the calls of the serving path; the others go
// through untimed.
type instrumentedStore struct {
	kassa.Store
	m        *Metrics
	onCommit func([]*kassa.Entry)
}

// watchingStore is an instrumentedStore over a store that watches price
// books (PostgreSQL).
type watchingStore struct {
	*instrumentedStore
	w kassa.PriceBookWatcher
}

// WatchPriceBooks implements kassa.PriceBookWatcher.
func (s *watchingStore) WatchPriceBooks(ctx context.Context, changed func()) error {
	return s.w.WatchPriceBooks(ctx, changed)
}

// since records the time since start under op.
func (s *instrumentedStore) since(op string, start time.Time) {
	s.m.storeObserver(op).Observe(time.Since(start).Seconds())
}

// InLedgerTx implements kassa.LedgerStore: it counts the entries of the
// transaction once it commits. A store may run fn more than once (a retried
// serialization failure); only the last run's entries count.
func (s *instrumentedStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	defer s.since("ledger_tx", time.Now())
	var last *countingTx
	err := s.Store.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		last = &countingTx{LedgerTx: tx}
		return fn(last)
	})
	if err != nil {
		s.m.ledgerTx.WithLabelValues("failed").Inc()
		return err
	}
	s.m.ledgerTx.WithLabelValues("committed").Inc()
	if last != nil {
		s.m.batchEntries.Observe(float64(len(last.entries)))
		for _, e := range last.entries {
			s.m.entries.WithLabelValues(string(e.Kind)).Inc()
		}
		if s.onCommit != nil && len(last.entries) > 0 {
			s.onCommit(last.entries)
		}
	}
	return nil
}

// countingTx remembers the entries appended in it.
type countingTx struct {
	kassa.LedgerTx
	entries []*kassa.Entry
}

// Append implements kassa.LedgerTx.
func (t *countingTx) Append(e *kassa.Entry) error {
	if err := t.LedgerTx.Append(e); err != nil {
		return err
	}
	t.entries = append(t.entries, e)
	return nil
}

// Ping implements kassa.Store.
func (s *instrumentedStore) Ping(ctx context.Context) error {
	defer s.since("ping", time.Now())
	return s.Store.Ping(ctx)
}

// FindAccount implements kassa.AccountStore.
func (s *instrumentedStore) FindAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	defer s.since("find_account", time.Now())
	return s.Store.FindAccount(ctx, apiKey)
}

// FindBalance implements kassa.AccountStore.
func (s *instrumentedStore) FindBalance(ctx context.Context, apiKey string) (kassa.BalanceView, error) {
	defer s.since("find_balance", time.Now())
	return s.Store.FindBalance(ctx, apiKey)
}

// UpdateAccount implements kassa.AccountStore.
func (s *instrumentedStore) UpdateAccount(ctx context.Context, apiKey string, upd kassa.AccountUpdate) (*kassa.Account, error) {
	defer s.since("update_account", time.Now())
	return s.Store.UpdateAccount(ctx, apiKey, upd)
}

// ListAccounts implements kassa.AccountStore.
func (s *instrumentedStore) ListAccounts(ctx context.Context, f kassa.AccountFilter) ([]*kassa.Account, int, error) {
	defer s.since("list_accounts", time.Now())
	return s.Store.ListAccounts(ctx, f)
}

// Secrets implements kassa.SecretStore.
func (s *instrumentedStore) Secrets(ctx context.Context, apiKey string) ([]*kassa.Secret, error) {
	defer s.since("secrets", time.Now())
	return s.Store.Secrets(ctx, apiKey)
}

// ListEntries implements kassa.LedgerStore.
func (s *instrumentedStore) ListEntries(ctx context.Context, f kassa.EntryFilter) ([]*kassa.Entry, int, error) {
	defer s.since("list_entries", time.Now())
	return s.Store.ListEntries(ctx, f)
}

// AppendAudit implements kassa.AuditStore.
func (s *instrumentedStore) AppendAudit(ctx context.Context, e *kassa.AuditEvent) error {
	defer s.since("append_audit", time.Now())
	return s.Store.AppendAudit(ctx, e)
}

// AcquireLease implements kassa.LeaseStore.
func (s *instrumentedStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	defer s.since("acquire_lease", time.Now())
	return s.Store.AcquireLease(ctx, name, holder, ttl)
}

// ActivePriceBook implements kassa.PriceBookStore.
func (s *instrumentedStore) ActivePriceBook(ctx context.Context, now time.Time) (*kassa.PriceBookVersion, error) {
	defer s.since("active_price_book", time.Now())
	return s.Store.ActivePriceBook(ctx, now)
}
