package metrics

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
)

// InstrumentStore returns s with its calls on the serving path timed
// into kassa_store_duration_seconds. The result implements
// kassa.PriceBookWatcher exactly when s does. Ledger entries are counted by
// LedgerCommitted and LedgerFailed, which observe the ledger itself
// (charging.Options), not the store.
func (m *Metrics) InstrumentStore(s kassa.Store) kassa.Store {
	is := &instrumentedStore{Store: s, m: m}
	if w, ok := s.(kassa.PriceBookWatcher); ok {
		return &watchingStore{instrumentedStore: is, w: w}
	}
	return is
}

// instrumentedStore times the calls of the serving path; the others go
// through untimed.
type instrumentedStore struct {
	kassa.Store
	m *Metrics
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

// InLedgerTx implements kassa.LedgerStore: a whole ledger transaction,
// its batch's work included, is timed as op "ledger_tx".
func (s *instrumentedStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	defer s.since("ledger_tx", time.Now())
	return s.Store.InLedgerTx(ctx, fn)
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

// UpdateSettings implements kassa.AccountStore.
func (s *instrumentedStore) UpdateSettings(ctx context.Context, apiKey string, upd kassa.SettingsUpdate) (kassa.Settings, *kassa.Account, error) {
	defer s.since("update_settings", time.Now())
	return s.Store.UpdateSettings(ctx, apiKey, upd)
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
func (s *instrumentedStore) ActivePriceBook(ctx context.Context, plan string, now time.Time) (*kassa.PriceBookVersion, error) {
	defer s.since("active_price_book", time.Now())
	return s.Store.ActivePriceBook(ctx, plan, now)
}
