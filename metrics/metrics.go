package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// Metrics holds kassa's collectors in a registry of their own.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	inFlight     prometheus.GaugeFunc
	inFlightN    atomic.Int64 // what inFlight reports: one atomic add per change, not a float CAS loop
	declines     *prometheus.CounterVec
	entries      *prometheus.CounterVec
	amounts      *prometheus.CounterVec
	batchEntries prometheus.Histogram
	ledgerTx     *prometheus.CounterVec
	storeLatency *prometheus.HistogramVec
	reloads      *prometheus.CounterVec
	events       eventMetrics
	verify       verifyMetrics

	observers      sync.Map // requestKey → *requestObservers (see observersFor)
	storeObservers sync.Map // op → prometheus.Observer (see storeObserver)
	entryCounters  sync.Map // kassa.EntryKind → prometheus.Counter (see entryCounter)
	amountCounters sync.Map // kassa.EntryKind → prometheus.Counter (see amountCounter)

	ledgerCommitted, ledgerFailed prometheus.Counter // ledgerTx bound to its outcomes
}

// New registers every kassa metric, the Go runtime's and the process's.
// priceBook reports the active price-book version (0 when none); it may be
// nil.
func New(priceBook func() int64) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = counterVec("kassa_http_requests_total",
		"HTTP requests answered, by route pattern, method and status code.", "route", "method", "status")
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kassa_http_request_duration_seconds",
		Help:    "Time from the request's arrival to the end of its answer, by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.inFlight = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kassa_http_requests_in_flight",
		Help: "HTTP requests being served.",
	}, func() float64 { return float64(m.inFlightN.Load()) })
	m.declines = counterVec("kassa_declines_total",
		"Requests refused for insufficient funds (HTTP 402), by route pattern.", "route")
	m.entries = counterVec("kassa_ledger_entries_total",
		"Ledger entries committed, by kind ("+entryKinds()+"), opening credits of new accounts included.", "kind")
	m.amounts = counterVec("kassa_ledger_amount_total",
		"Sum of the committed ledger entries' absolute amounts, by kind, in units of the accounts' currencies (approximate: the ledger is the exact record).", "kind")
	m.batchEntries = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kassa_ledger_batch_entries",
		Help:    "Entries written per committed ledger transaction (the group-commit batch size).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.ledgerTx = counterVec("kassa_ledger_transactions_total",
		"Ledger write transactions, by outcome: committed (with their entries) or failed (by the store).", "outcome")
	m.ledgerCommitted = m.ledgerTx.WithLabelValues("committed")
	m.ledgerFailed = m.ledgerTx.WithLabelValues("failed")
	m.storeLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kassa_store_duration_seconds",
		Help:    "Duration of store calls, by operation (a ledger transaction includes its batch's work).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"op"})
	m.reloads = counterVec("kassa_reload_events_total",
		"Auto-reload and top-up outcomes, by event type (reload.credited, reload.declined, reload.pending, reload.cap_reached, topup.credited, topup.declined).", "type")
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.declines, m.entries, m.amounts, m.batchEntries,
		m.ledgerTx, m.storeLatency, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.events = newEventMetrics(m.reg)
	m.verify = newVerifyMetrics(m.reg)
	m.exposeKnownLabels()
	if priceBook != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kassa_price_book_version",
			Help: "Version of the active price book in this node's memory (0 when none is loaded).",
		}, func() float64 { return float64(priceBook()) }))
	}
	return m
}

// exposeKnownLabels creates every series of the closed label sets at 0, so
// that a rate or an increase over them (the dashboard's panels, the alert
// rules) has a value from the first scrape, not only after the first event
// of its kind.
func (m *Metrics) exposeKnownLabels() {
	for _, k := range kassa.EntryKinds {
		m.entryCounter(k)
		m.amountCounter(k)
	}
	for _, t := range reload.Actions {
		m.reloads.WithLabelValues(t)
	}
}

// entryKinds lists the entry kinds for a help text.
func entryKinds() string {
	kinds := make([]string, len(kassa.EntryKinds))
	for i, k := range kassa.EntryKinds {
		kinds[i] = string(k)
	}
	return strings.Join(kinds, ", ")
}

// counterVec is a counter with the given labels.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry of every kassa metric (for tests and for
// registering more collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// RequestStarted counts a request in flight; call RequestDone when it ends.
func (m *Metrics) RequestStarted() { m.inFlightN.Add(1) }

// RequestDone records an answered request. route must be a route pattern
// (bounded), never the raw path.
func (m *Metrics) RequestDone(route, method string, status int, d time.Duration) {
	m.inFlightN.Add(-1)
	o := m.observersFor(route, knownMethod(method), status)
	o.requests.Inc()
	o.duration.Observe(d.Seconds())
	if o.declines != nil {
		o.declines.Inc()
	}
}

// requestKey names one combination of request labels.
type requestKey struct {
	route, method string
	status        int
}

// requestObservers are the label-bound metrics of one requestKey.
type requestObservers struct {
	requests prometheus.Counter
	duration prometheus.Observer
	declines prometheus.Counter // nil unless the status is 402
}

// observersFor returns the metrics bound to the labels, looking the labels
// up in the vectors only the first time: under load, the vectors' label
// hashing and lookups (and strconv of the status) on every request were
// most of the metrics' share of the request front. The labels are bounded
// (route patterns, known methods, status codes), and so is the cache.
func (m *Metrics) observersFor(route, method string, status int) *requestObservers {
	key := requestKey{route: route, method: method, status: status}
	if o, ok := m.observers.Load(key); ok {
		return o.(*requestObservers)
	}
	o := &requestObservers{
		requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		duration: m.duration.WithLabelValues(route),
	}
	if status == http.StatusPaymentRequired {
		o.declines = m.declines.WithLabelValues(route)
	}
	actual, _ := m.observers.LoadOrStore(key, o)
	return actual.(*requestObservers)
}

// storeObserver returns the store-latency histogram bound to op, looking
// op up in the vector only the first time (get-balance makes a store call
// per request; ops are a fixed set of names).
func (m *Metrics) storeObserver(op string) prometheus.Observer {
	if o, ok := m.storeObservers.Load(op); ok {
		return o.(prometheus.Observer)
	}
	o, _ := m.storeObservers.LoadOrStore(op, m.storeLatency.WithLabelValues(op))
	return o.(prometheus.Observer)
}

// entryCounter returns kassa_ledger_entries_total bound to kind, looking
// kind up in the vector only the first time (kinds are a fixed set).
func (m *Metrics) entryCounter(kind kassa.EntryKind) prometheus.Counter {
	if c, ok := m.entryCounters.Load(kind); ok {
		return c.(prometheus.Counter)
	}
	c, _ := m.entryCounters.LoadOrStore(kind, m.entries.WithLabelValues(string(kind)))
	return c.(prometheus.Counter)
}

// amountCounter returns kassa_ledger_amount_total bound to kind, looking
// kind up in the vector only the first time.
func (m *Metrics) amountCounter(kind kassa.EntryKind) prometheus.Counter {
	if c, ok := m.amountCounters.Load(kind); ok {
		return c.(prometheus.Counter)
	}
	c, _ := m.amountCounters.LoadOrStore(kind, m.amounts.WithLabelValues(string(kind)))
	return c.(prometheus.Counter)
}

// ReloadEvent counts one auto-reload or top-up event by its type.
func (m *Metrics) ReloadEvent(eventType string) { m.reloads.WithLabelValues(eventType).Inc() }

// knownMethod keeps the method label bounded: a client can send any token.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}
