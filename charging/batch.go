package charging

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/kassa-dev/kassa"
)

// op is one queued ledger operation. apply must only read before its first
// write and may be run more than once (a failed batch is retried one
// operation at a time), so it computes everything from what tx shows it.
type op struct {
	ctx  context.Context
	name string
	// account is the account the operation changes, when the caller knows
	// it; otherwise resolve reads it inside the transaction (a hold's or a
	// charge's account) before the batch takes its locks.
	account string
	// also are the other accounts the operation locks: a subaccount's
	// primary (a charge or hold may take from its balance), the other side
	// of a transfer.
	also     []string
	resolve  func(tx kassa.LedgerTx) (string, error)
	readOnly bool // takes no lock (GetHold)
	// retrySafe says that running the operation again after a commit whose
	// outcome is unknown cannot apply it twice: it has an idempotency key,
	// closes a hold (one closing entry per hold) or only reads.
	retrySafe bool
	apply     func(tx kassa.LedgerTx) (any, bool, error)
	answer    chan result
}

// result is what an operation answers its caller.
type result struct {
	value    any
	replayed bool
	err      error
}

// errClosed is the answer to operations submitted after Close.
var errClosed = kassa.Errorf(kassa.EUNAVAILABLE, "the ledger is shutting down")

// submit queues o and waits for its answer. If ctx ends while the operation
// waits for its batch, submit returns ctx.Err(); the operation may still
// commit (its idempotency key makes a retry safe).
func (l *Ledger) submit(ctx context.Context, o *op) (any, bool, error) {
	if err := l.enqueue(ctx, o); err != nil {
		return nil, false, err
	}
	select {
	case r := <-o.answer:
		return r.value, r.replayed, r.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// enqueue puts o on the writer's queue.
func (l *Ledger) enqueue(ctx context.Context, o *op) error {
	o.ctx = ctx
	o.answer = make(chan result, 1)
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return errClosed
	}
	select {
	case l.queue <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write is the writer goroutine: it takes everything waiting, up to
// MaxBatch operations, and commits it as one transaction, until Close.
func (l *Ledger) write() {
	defer close(l.done)
	batch := make([]*op, 0, l.opts.MaxBatch)
	for first := range l.queue {
		batch = append(batch[:0], first)
		batch = l.fill(batch)
		l.runBatch(batch)
		clear(batch)
	}
}

// fill adds queued operations to batch without waiting, up to MaxBatch.
func (l *Ledger) fill(batch []*op) []*op {
	for len(batch) < l.opts.MaxBatch {
		select {
		case o, ok := <-l.queue:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// runBatch applies the operations in one transaction and answers each of
// them after it commits. If the transaction fails, each operation is run
// again alone, so that one bad operation cannot fail the others.
func (l *Ledger) runBatch(batch []*op) {
	live := make([]*op, 0, len(batch))
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.answer <- result{err: err}
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return
	}
	results := make([]result, len(live))
	// applied says that the last run of fn finished, so that a failure
	// after it is the commit's. The store may run fn more than once (the
	// PostgreSQL store reruns a transaction after a serialization failure):
	// each run starts afresh, or a rerun that fails before the commit
	// would pass for a failed commit.
	applied := false
	err := l.inTx(func(tx kassa.LedgerTx) error {
		applied = false
		clear(results)
		if err := applyBatch(tx, live, results); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err == nil {
		l.writeCapEvents(results)
		for i, o := range live {
			o.answer <- results[i]
		}
		return
	}
	l.retry(live, applied, err)
}

// retry answers the operations of a failed batch. When the batch failed
// before its commit, nothing was written and each operation runs again
// alone. When the commit itself failed, it may or may not have happened:
// only operations that cannot apply twice are run again (they replay if it
// did happen); the others get the error.
func (l *Ledger) retry(ops []*op, commitFailed bool, err error) {
	if len(ops) == 1 && !commitFailed {
		ops[0].answer <- result{err: err}
		return
	}
	l.log.Warn("ledger batch failed; retrying its operations one by one", "ops", len(ops), "commit_failed", commitFailed, "err", err)
	for _, o := range ops {
		if commitFailed && !o.retrySafe {
			o.answer <- result{err: err}
			continue
		}
		r := l.runAlone(o)
		l.writeCapEvents([]result{r})
		o.answer <- r
	}
}

// applyBatch runs every operation of a batch in tx. An operation that fails
// its own checks before writing fails alone; any other failure aborts the
// whole transaction.
func applyBatch(tx kassa.LedgerTx, ops []*op, results []result) error {
	failed := make([]bool, len(ops))
	accounts := make([][]string, len(ops))
	var keys []string
	for i, o := range ops {
		locks, err := o.lockKeys(tx)
		if err != nil {
			if !failsAlone(err) {
				return fmt.Errorf("%s: %w", o.name, err)
			}
			results[i], failed[i] = result{err: err}, true
			continue
		}
		accounts[i] = locks
		keys = append(keys, locks...)
	}
	missing, err := lockAccounts(tx, keys)
	if err != nil {
		return err
	}
	for i, o := range ops {
		if failed[i] {
			continue
		}
		if err := firstMissing(missing, accounts[i]); err != nil {
			results[i] = result{err: err}
			continue
		}
		w := &watchTx{LedgerTx: tx}
		v, replayed, err := o.run(w)
		if err != nil && (w.wrote || !failsAlone(err)) {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		results[i] = result{value: v, replayed: replayed, err: err}
	}
	return nil
}

// lockAccounts locks the batch's accounts in sorted order. When the store
// refuses the set for a reason of the operations' own (an account that does
// not exist), it locks them one by one and returns the refused accounts
// with their errors, so that only their operations fail.
func lockAccounts(tx kassa.LedgerTx, keys []string) (map[string]error, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	keys = sortedKeys(keys)
	if len(keys) == 0 {
		return nil, nil
	}
	err := tx.LockAccounts(keys...)
	if err == nil {
		return nil, nil
	}
	if !failsAlone(err) {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	missing := make(map[string]error)
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := tx.LockAccounts(k); err != nil {
			if !failsAlone(err) {
				return nil, fmt.Errorf("lock account %s: %w", k, err)
			}
			missing[k] = err
		}
	}
	return missing, nil
}

// runAlone runs one operation in its own transaction.
func (l *Ledger) runAlone(o *op) result {
	var res result
	err := l.inTx(func(tx kassa.LedgerTx) error {
		locks, err := o.lockKeys(tx)
		if err != nil {
			return err
		}
		if locks = sortedKeys(locks); len(locks) > 0 {
			if err := tx.LockAccounts(locks...); err != nil {
				return fmt.Errorf("lock accounts: %w", err)
			}
		}
		v, replayed, err := o.run(tx)
		if err != nil {
			return err
		}
		res = result{value: v, replayed: replayed}
		return nil
	})
	if err != nil {
		return result{err: err}
	}
	return res
}

// run applies the operation, turning a panic (a bug) into an internal
// error so that the writer goroutine, and every other caller, survive it.
func (o *op) run(tx kassa.LedgerTx) (v any, replayed bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, replayed = nil, false
			err = &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error", Err: fmt.Errorf("%s panicked: %v\n%s", o.name, p, debug.Stack())}
		}
	}()
	return o.apply(tx)
}

// lockKeys returns the accounts o locks: none for a read, else the account
// it changes (resolved in tx when the caller did not know it) and also.
func (o *op) lockKeys(tx kassa.LedgerTx) ([]string, error) {
	if o.readOnly {
		return nil, nil
	}
	account := o.account
	if account == "" && o.resolve != nil {
		var err error
		if account, err = o.resolve(tx); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, 1+len(o.also))
	if account != "" {
		keys = append(keys, account)
	}
	for _, k := range o.also {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// sortedKeys sorts keys and drops duplicates and empty ones: the order in
// which every transaction takes its locks, so that none can deadlock.
func sortedKeys(keys []string) []string {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > 0 && keys[0] == "" {
		keys = keys[1:]
	}
	return keys
}

// firstMissing returns the error of the first of keys that could not be
// locked, nil when all were.
func firstMissing(missing map[string]error, keys []string) error {
	for _, k := range keys {
		if err, ok := missing[k]; ok {
			return err
		}
	}
	return nil
}

// failsAlone reports whether err is an operation's own domain failure (bad
// input, insufficient funds, a replay conflict…) rather than a failure of
// the store, which takes the whole transaction down.
func failsAlone(err error) bool {
	switch kassa.ErrorCode(err) {
	case kassa.EINTERNAL, kassa.EUNAVAILABLE, "":
		return false
	}
	return true
}

// watchTx records whether an operation wrote anything, so that a failure
// after a write aborts the batch instead of leaving half an operation in it.
type watchTx struct {
	kassa.LedgerTx
	wrote bool
}

// Append implements kassa.LedgerTx.
func (w *watchTx) Append(e *kassa.Entry) error {
	w.wrote = true
	return w.LedgerTx.Append(e)
}

// CreateHold implements kassa.LedgerTx.
func (w *watchTx) CreateHold(h *kassa.Hold) error {
	w.wrote = true
	return w.LedgerTx.CreateHold(h)
}

// AppendEvent implements kassa.LedgerTx.
func (w *watchTx) AppendEvent(e *kassa.Event) error {
	w.wrote = true
	return w.LedgerTx.AppendEvent(e)
}

// SetSpend implements kassa.LedgerTx.
func (w *watchTx) SetSpend(key string, s kassa.Spend) error {
	w.wrote = true
	return w.LedgerTx.SetSpend(key, s)
}

// CloseHold implements kassa.LedgerTx.
func (w *watchTx) CloseHold(id string, state kassa.HoldState, captured kassa.Amount) error {
	w.wrote = true
	return w.LedgerTx.CloseHold(id, state, captured)
}
