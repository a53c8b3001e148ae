package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kassa-dev/kassa"
)

// Results of a ledger verification, the values of
// kassa_ledger_verifications_total's result label.
const (
	VerifyClean         = "clean"         // every balance equals the sum of its entries
	VerifyDiscrepancies = "discrepancies" // at least one balance does not
	VerifyFailed        = "failed"        // the verification did not finish (store error, timeout)
)

// VerifyResults lists every value of kassa_ledger_verifications_total's
// result label.
var VerifyResults = []string{VerifyClean, VerifyDiscrepancies, VerifyFailed}

// verifyMetrics are the collectors of ledger verifications and readiness.
type verifyMetrics struct {
	runs          *prometheus.CounterVec
	discrepancies prometheus.Gauge
	lastRun       prometheus.Gauge
}

// newVerifyMetrics makes (and registers in reg) the verification collectors.
func newVerifyMetrics(reg *prometheus.Registry) verifyMetrics {
	v := verifyMetrics{
		runs: counterVec("kassa_ledger_verifications_total",
			"Ledger verifications run by this node (GET /admin/v1/verify, kassa admin verify), by result: clean, discrepancies or failed.", "result"),
		discrepancies: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kassa_ledger_discrepancies",
			Help: "Accounts whose balance differed from the sum of their entries in this node's last finished verification (0 before the first).",
		}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kassa_ledger_last_verification_timestamp_seconds",
			Help: "Unix time at which this node's last verification finished (0: none since the node started).",
		}),
	}
	for _, r := range VerifyResults {
		v.runs.WithLabelValues(r)
	}
	reg.MustRegister(v.runs, v.discrepancies, v.lastRun)
	return v
}

// Verified records the outcome of a ledger verification: its
// discrepancies, or the error that stopped it.
func (m *Metrics) Verified(ds []kassa.Discrepancy, err error, at time.Time) {
	switch {
	case err != nil:
		m.verify.runs.WithLabelValues(VerifyFailed).Inc()
		return
	case len(ds) > 0:
		m.verify.runs.WithLabelValues(VerifyDiscrepancies).Inc()
	default:
		m.verify.runs.WithLabelValues(VerifyClean).Inc()
	}
	m.verify.discrepancies.Set(float64(len(ds)))
	m.verify.lastRun.Set(float64(at.Unix()))
}

// readyTimeout bounds the readiness check made at each scrape.
const readyTimeout = 2 * time.Second

// RegisterReadiness exposes kassa_ready: 1 while notReady returns "" (the
// check of /readyz), 0 otherwise, evaluated at each scrape. Register it
// once.
func (m *Metrics) RegisterReadiness(notReady func(context.Context) string) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kassa_ready",
		Help: "1 when the node is ready to serve (as GET /readyz: the store answers and takes writes, a price book is loaded), 0 otherwise.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		if notReady(ctx) != "" {
			return 0
		}
		return 1
	}))
}

// Verify implements kassa.LedgerStore: the verification is counted in
// kassa_ledger_verifications_total.
func (s *instrumentedStore) Verify(ctx context.Context) ([]kassa.Discrepancy, error) {
	ds, err := s.Store.Verify(ctx)
	if err != nil && ctx.Err() != nil {
		return ds, err // the caller gave up: not the store's failure
	}
	s.m.Verified(ds, err, time.Now())
	return ds, err
}
