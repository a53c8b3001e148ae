// Package charging is kassa's ledger engine: credits, debits, charges,
// holds, refunds, idempotency and balance floors on top of a
// kassa.LedgerStore.
//
// Every operation goes through a group committer: callers queue their
// operation, one writer goroutine takes everything waiting (up to
// Options.MaxBatch) and applies it in one store transaction, so many
// concurrent charges share one commit and one fsync. A caller gets its
// answer only after the transaction holding its operation has committed.
// docs/ledger.md describes the entry kinds, signs and guarantees.
package charging
