// Package metrics exposes kassa's Prometheus metrics: HTTP requests by
// route pattern and status with latency histograms, ledger entries and
// group-commit batch sizes, declines for insufficient funds, auto-reload
// outcomes, store latency and the active price-book version. The serve
// command feeds it (the HTTP front, the ledger's observers LedgerCommitted
// and LedgerFailed, a store wrapper that times store calls, a reload event
// notifier) and serves Handler at /metrics. It depends on nothing else of
// kassa's: auto-reload does not need it. docs/operations.md lists every
// metric.
package metrics
