package metrics

import "github.com/kassa-dev/kassa"

// LedgerCommitted counts a committed ledger write transaction and its
// entries and their amounts by kind
// (kassa_ledger_transactions_total{outcome="committed"},
// kassa_ledger_entries_total, kassa_ledger_amount_total,
// kassa_ledger_batch_entries). It is the
// ledger's commit observer (charging.Options.OnCommit), which also reports
// the opening credit of a new account.
func (m *Metrics) LedgerCommitted(entries []*kassa.Entry) {
	m.ledgerCommitted.Inc()
	m.batchEntries.Observe(float64(len(entries)))
	for _, e := range entries {
		m.entryCounter(e.Kind).Inc()
		m.amountCounter(e.Kind).Add(magnitude(e.Amount))
	}
}

// amountsPerUnit is the number of kassa.Amount steps (10^-8) in one unit
// of a currency.
const amountsPerUnit = 1e8

// magnitude is the absolute value of a, in units of its currency: for a
// counter, where an approximation is fine (the ledger is the exact record).
func magnitude(a kassa.Amount) float64 {
	if a < 0 {
		return -float64(a) / amountsPerUnit
	}
	return float64(a) / amountsPerUnit
}

// LedgerFailed counts a ledger write transaction that the store failed
// (kassa_ledger_transactions_total{outcome="failed"}); it is the ledger's
// write-error observer (charging.Options.OnWriteError).
func (m *Metrics) LedgerFailed(error) { m.ledgerFailed.Inc() }
