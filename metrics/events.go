package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// eventMetrics are the collectors of webhook deliveries.
type eventMetrics struct {
	deliveries *prometheus.CounterVec
	duration   prometheus.Histogram
	backlog    prometheus.Gauge
	oldest     prometheus.Gauge
}

// newEventMetrics makes (and registers in reg) the delivery collectors.
func newEventMetrics(reg *prometheus.Registry) eventMetrics {
	m := eventMetrics{
		deliveries: counterVec("kassa_event_deliveries_total",
			"Webhook delivery attempts by this node, by result: delivered (2xx), failed (retried later) or given_up (after the retry period).", "result"),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kassa_event_delivery_duration_seconds",
			Help:    "Duration of webhook delivery attempts, from the request to the endpoint's answer or failure.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kassa_event_deliveries_pending",
			Help: "Webhook deliveries not delivered yet (due, waiting for a retry, or behind an earlier event of their account), as the dispatching node last counted them.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kassa_event_delivery_oldest_pending_seconds",
			Help: "Age of the oldest pending webhook delivery (0 when none), as the dispatching node last counted.",
		}),
	}
	for _, c := range []string{"delivered", "failed", "given_up"} {
		m.deliveries.WithLabelValues(c)
	}
	reg.MustRegister(m.deliveries, m.duration, m.backlog, m.oldest)
	return m
}

// EventDelivery counts one webhook delivery attempt (events.Options.OnAttempt).
func (m *Metrics) EventDelivery(result string, d time.Duration) {
	m.events.deliveries.WithLabelValues(result).Inc()
	m.events.duration.Observe(d.Seconds())
}

// EventBacklog returns the events.Options.OnBacklog that sets the backlog
// gauges, ages measured on now.
func (m *Metrics) EventBacklog(now func() time.Time) func(pending int, oldest time.Time) {
	return func(pending int, oldest time.Time) {
		m.events.backlog.Set(float64(pending))
		if oldest.IsZero() {
			m.events.oldest.Set(0)
			return
		}
		m.events.oldest.Set(now().Sub(oldest).Seconds())
	}
}
