// Package metrics exposes kassa's Prometheus metrics: HTTP requests by
// route pattern and status with latency histograms, ledger entries and
// group-commit batch sizes, declines for insufficient funds, auto-reload
// outcomes, store latency and the active price-book version. The serve
// command feeds it (the request middleware, an instrumented store, a reload
// event notifier) and serves Handler at /metrics. docs/operations.md lists
// every metric.
package metrics
