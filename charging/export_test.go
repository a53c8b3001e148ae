package charging

// Queued reports how many operations wait for the writer, for tests that
// need several operations in one batch.
func (l *Ledger) Queued() int { return len(l.queue) }
