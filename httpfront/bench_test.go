package httpfront

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/internal/logdedup"
	"github.com/kassa-dev/kassa/metrics"
)

// benchFrontHandler is a small handler behind a ServeMux, like a kassa
// route.
func benchFrontHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /account/get-balance", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"value":10.00,"autoReload":true}`)
	})
	return mux
}

func benchServe(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("GET", "/account/get-balance?api_key=k&api_secret=s", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkFrontBaseline is the route alone: the baseline of the two below.
func BenchmarkFrontBaseline(b *testing.B) { benchServe(b, benchFrontHandler()) }

// BenchmarkFrontMetrics adds the request id and the metrics.
func BenchmarkFrontMetrics(b *testing.B) {
	f := New(Options{Metrics: metrics.New(nil)})
	benchServe(b, f.Wrap(benchFrontHandler()))
}

// BenchmarkFrontMetricsAccessLog adds the access log (JSON, to io.Discard).
func BenchmarkFrontMetricsAccessLog(b *testing.B) {
	log := slog.New(LogHandler(slog.NewJSONHandler(io.Discard, nil)))
	f := New(Options{Logger: log, Metrics: metrics.New(nil), AccessLog: true})
	benchServe(b, f.Wrap(benchFrontHandler()))
}

// BenchmarkFrontMetricsAccessLogDedup is the same with kassa serve's log
// handler chain: the request id and the de-duplication of repeated
// warnings, which every access-log line passes through.
func BenchmarkFrontMetricsAccessLogDedup(b *testing.B) {
	log := slog.New(LogHandler(logdedup.New(slog.NewJSONHandler(io.Discard, nil), 10*time.Second, time.Now)))
	f := New(Options{Logger: log, Metrics: metrics.New(nil), AccessLog: true})
	benchServe(b, f.Wrap(benchFrontHandler()))
}
