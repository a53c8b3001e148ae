package charging

import (
	"context"
	"sync"

	"github.com/kassa-dev/kassa"
)

// observers are the functions that hear the outcome of the ledger's write
// transactions: Options.OnCommit and Options.OnWriteError, and those added
// later with Subscribe. The lists are copied on write: the writer reads
// them without a lock held for long.
type observers struct {
	mu       sync.RWMutex
	onCommit []func([]*kassa.Entry)
	onEvents []func([]*kassa.Event)
	onError  []func(error)
}

// Subscribe adds fn to the functions called after each committed write
// transaction with the entries it wrote, as Options.OnCommit is: for a
// component built after the ledger (the auto-reload nudger). fn runs on the
// ledger's writer goroutine before the operations of the transaction get
// their answers: it must be quick, must not block and must not keep the
// slice.
func (l *Ledger) Subscribe(fn func(entries []*kassa.Entry)) {
	if fn == nil {
		return
	}
	l.obs.mu.Lock()
	defer l.obs.mu.Unlock()
	l.obs.onCommit = append(l.obs.onCommit[:len(l.obs.onCommit):len(l.obs.onCommit)], fn)
}

// SubscribeEvents adds fn to the functions called after each committed
// write transaction that wrote events, with those events (the webhook
// dispatcher is nudged by it). Same rules as Subscribe.
func (l *Ledger) SubscribeEvents(fn func(events []*kassa.Event)) {
	if fn == nil {
		return
	}
	l.obs.mu.Lock()
	defer l.obs.mu.Unlock()
	l.obs.onEvents = append(l.obs.onEvents[:len(l.obs.onEvents):len(l.obs.onEvents)], fn)
}

// eventsCommitted tells every events subscriber about the events of a
// committed transaction; a transaction that wrote none is not reported.
func (l *Ledger) eventsCommitted(events []*kassa.Event) {
	if len(events) == 0 {
		return
	}
	l.obs.mu.RLock()
	fns := l.obs.onEvents
	l.obs.mu.RUnlock()
	for _, fn := range fns {
		fn(events)
	}
}

// committed tells every subscriber about the entries of a committed
// transaction; a transaction that wrote none is not reported.
func (l *Ledger) committed(entries []*kassa.Entry) {
	if len(entries) == 0 {
		return
	}
	l.obs.mu.RLock()
	fns := l.obs.onCommit
	l.obs.mu.RUnlock()
	for _, fn := range fns {
		fn(entries)
	}
}

// writeFailed reports a transaction that the store failed. An operation's
// own refusal (insufficient funds, a bad request, a replay conflict) is not
// a write failure and is not reported.
func (l *Ledger) writeFailed(err error) {
	if failsAlone(err) {
		return
	}
	l.obs.mu.RLock()
	fns := l.obs.onError
	l.obs.mu.RUnlock()
	for _, fn := range fns {
		fn(err)
	}
}

// inTx runs fn in one store transaction and reports its outcome to the
// observers: the entries it appended once it commits, or the store's
// failure. The store may run fn more than once (a retried serialization
// failure on PostgreSQL): only the last run's entries are reported.
func (l *Ledger) inTx(fn func(tx kassa.LedgerTx) error) error {
	var rec *recordingTx
	err := l.store.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		rec = &recordingTx{LedgerTx: tx}
		return fn(newControlTx(rec))
	})
	if err != nil {
		l.writeFailed(err)
		return err
	}
	if rec != nil {
		l.committed(rec.entries)
		l.eventsCommitted(rec.events)
	}
	return nil
}

// recordingTx remembers the entries and the events appended in it.
type recordingTx struct {
	kassa.LedgerTx
	entries []*kassa.Entry
	events  []*kassa.Event
}

// AppendEvent implements kassa.LedgerTx.
func (t *recordingTx) AppendEvent(e *kassa.Event) error {
	if err := t.LedgerTx.AppendEvent(e); err != nil {
		return err
	}
	t.events = append(t.events, e)
	return nil
}

// Append implements kassa.LedgerTx.
func (t *recordingTx) Append(e *kassa.Entry) error {
	if err := t.LedgerTx.Append(e); err != nil {
		return err
	}
	t.entries = append(t.entries, e)
	return nil
}

// OpenAccount creates an account with its first secret and, when opening
// is not nil, its opening entry, in one store transaction
// (kassa.AccountStore.CreateAccount), and reports the opening entry to the
// ledger's observers like any committed ledger entry (and a store failure
// like any failed write). Every account creation goes through it so that
// what observes the ledger (metrics, auto-reload) sees every entry.
func (l *Ledger) OpenAccount(ctx context.Context, accounts kassa.AccountStore, a *kassa.Account, first *kassa.Secret, opening *kassa.Entry) error {
	if err := accounts.CreateAccount(ctx, a, first, opening); err != nil {
		l.writeFailed(err)
		return err
	}
	if opening != nil {
		l.committed([]*kassa.Entry{opening})
	}
	return nil
}
