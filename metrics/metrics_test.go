package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/sqlite"
)

// scrape returns the metrics page.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func wantLines(t *testing.T, page string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(page, l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestRequestMetrics(t *testing.T) {
	version := int64(7)
	m := New(func() int64 { return version })
	for range 2 {
		m.RequestStarted()
		m.RequestDone("/platform/v1/charges", "POST", 402, 3*time.Millisecond)
	}
	m.RequestStarted()
	m.RequestDone("/account/get-balance", "BREW", 200, time.Millisecond)
	m.ReloadEvent("reload.credited")
	wantLines(t, scrape(t, m),
		`kassa_http_requests_total{method="POST",route="/platform/v1/charges",status="402"} 2`,
		`kassa_http_requests_total{method="other",route="/account/get-balance",status="200"} 1`,
		`kassa_http_request_duration_seconds_bucket{route="/platform/v1/charges",le="0.005"} 2`,
		`kassa_http_request_duration_seconds_bucket{route="/platform/v1/charges",le="0.0025"} 0`,
		`kassa_declines_total{route="/platform/v1/charges"} 2`,
		`kassa_http_requests_in_flight 0`,
		`kassa_reload_events_total{type="reload.credited"} 1`,
		`kassa_price_book_version 7`,
	)
	version = 8
	wantLines(t, scrape(t, m), `kassa_price_book_version 8`)
}

// TestLedgerObserver: metrics observe a real ledger over a real SQLite
// store (charging.Options.OnCommit and OnWriteError): committed
// transactions count their entries by kind and their size, the opening
// credit of an account created through the ledger counts as a credit, an
// operation's own refusal counts nothing, a store failure counts as failed;
// the store wrapper times the calls.
func TestLedgerObserver(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := New(nil)
	st := m.InstrumentStore(db)
	if _, ok := st.(kassa.PriceBookWatcher); ok {
		t.Error("the SQLite store does not watch price books, its instrumented form claims to")
	}
	fs := &failingLedgerStore{Store: st}
	ledger := charging.New(fs, charging.Options{OnCommit: m.LedgerCommitted, OnWriteError: m.LedgerFailed})
	defer ledger.Close()

	acct := &kassa.Account{APIKey: "metr0001", Currency: kassa.EUR, Limits: kassa.DemoLimits}
	sec := &kassa.Secret{ID: "6f1c2b1e-4d7a-4b8e-9c3d-2a1b0c9d8e7f", AccountKey: "metr0001", Salt: []byte("0123456789abcdef"), Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: time.Now()}
	opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("2.00"), Reason: "opening"}
	if err := ledger.OpenAccount(ctx, st, acct, sec, opening); err != nil {
		t.Fatal(err)
	}
	post := func(kind kassa.EntryKind, amount string) error {
		p := charging.Posting{Account: "metr0001", Kind: kind, Amount: kassa.MustParseAmount(amount), Reason: "t"}
		if kind == kassa.KindDebit {
			_, _, err := ledger.Debit(ctx, p)
			return err
		}
		_, _, err := ledger.Credit(ctx, p)
		return err
	}
	for _, k := range []kassa.EntryKind{kassa.KindCredit, kassa.KindDebit} {
		if err := post(k, "1.00"); err != nil {
			t.Fatal(err)
		}
	}
	if err := post(kassa.KindDebit, "100.00"); kassa.ErrorCode(err) != kassa.EINSUFFICIENT {
		t.Fatalf("overdraft: %v, want insufficient funds", err)
	}
	fs.failNext()
	if err := post(kassa.KindCredit, "5.00"); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Fatalf("failing store: %v, want unavailable", err)
	}
	if _, err := st.FindAccount(ctx, "metr0001"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if v, err := st.FindBalance(ctx, "metr0001"); err != nil || v.Balance != kassa.MustParseAmount("2") {
			t.Fatalf("FindBalance through the wrapper: %+v, %v", v, err)
		}
	}
	url := "https://example.com/mo"
	if _, a, err := st.UpdateSettings(ctx, "metr0001", kassa.SettingsUpdate{MOCallbackURL: &url}); err != nil || a.Settings.MOCallbackURL != url {
		t.Fatalf("UpdateSettings through the wrapper: %+v, %v", a, err)
	}
	wantLines(t, scrape(t, m),
		`kassa_ledger_entries_total{kind="credit"} 2`,
		`kassa_ledger_entries_total{kind="debit"} 1`,
		`kassa_ledger_transactions_total{outcome="committed"} 3`,
		`kassa_ledger_transactions_total{outcome="failed"} 1`,
		`kassa_ledger_batch_entries_count 3`,
		`kassa_ledger_batch_entries_sum 3`,
		`kassa_store_duration_seconds_count{op="find_account"} 1`,
		`kassa_store_duration_seconds_count{op="find_balance"} 2`,
		`kassa_store_duration_seconds_count{op="update_settings"} 1`,
		`kassa_ledger_amount_total{kind="credit"} 3`,
		`kassa_ledger_amount_total{kind="debit"} 1`,
		`kassa_ledger_amount_total{kind="refund"} 0`,
		`kassa_reload_events_total{type="reload.pending"} 0`,
	)
	if !strings.Contains(scrape(t, m), `kassa_store_duration_seconds_count{op="ledger_tx"}`) {
		t.Error("ledger transactions are not timed")
	}
}

// failingLedgerStore is a real store whose next ledger transaction fails
// as an unreachable database does, when asked.
type failingLedgerStore struct {
	kassa.Store
	mu   sync.Mutex
	fail bool
}

func (s *failingLedgerStore) failNext() { s.mu.Lock(); s.fail = true; s.mu.Unlock() }

func (s *failingLedgerStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	s.mu.Lock()
	fail := s.fail
	s.fail = false
	s.mu.Unlock()
	if fail {
		return kassa.Errorf(kassa.EUNAVAILABLE, "the database is unavailable")
	}
	return s.Store.InLedgerTx(ctx, fn)
}

// watcherStore is a real store that claims to watch price books, to check
// that the instrumented store keeps that interface.
type watcherStore struct {
	kassa.Store
	calls int
}

func (w *watcherStore) WatchPriceBooks(ctx context.Context, changed func()) error {
	w.calls++
	return nil
}

func TestInstrumentStoreKeepsWatcher(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inner := &watcherStore{Store: db}
	w, ok := New(nil).InstrumentStore(inner).(kassa.PriceBookWatcher)
	if !ok {
		t.Fatal("the instrumented store lost kassa.PriceBookWatcher")
	}
	if err := w.WatchPriceBooks(context.Background(), func() {}); err != nil || inner.calls != 1 {
		t.Errorf("WatchPriceBooks not forwarded: %v, %d calls", err, inner.calls)
	}
}

// TestRequestMetricsConcurrent: many goroutines record requests over a few
// label combinations at once (the first use of each races to bind its
// observers); every request is counted exactly once, under its labels.
func TestRequestMetricsConcurrent(t *testing.T) {
	m := New(nil)
	const workers, each = 16, 500
	routes := []string{"/account/get-balance", "/platform/v1/rate", "/platform/v1/charges"}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m.RequestStarted()
				status := 200
				if (w+i)%2 == 1 {
					status = 402
				}
				m.RequestDone(routes[i%len(routes)], "POST", status, time.Millisecond)
			}
		})
	}
	wg.Wait()
	total, declines := sumOf(t, scrape(t, m), "kassa_http_requests_total{"), sumOf(t, scrape(t, m), "kassa_declines_total{")
	if total != workers*each || declines != workers*each/2 {
		t.Errorf("counted %d requests and %d declines, want %d and %d", total, declines, workers*each, workers*each/2)
	}
	wantLines(t, scrape(t, m), `kassa_http_requests_in_flight 0`,
		`kassa_http_request_duration_seconds_count{route="/platform/v1/rate"} 2672`)
}

// sumOf adds up the values of the page's lines that start with prefix.
func sumOf(t *testing.T, page, prefix string) int {
	t.Helper()
	sum := 0
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(line[strings.LastIndexByte(line, ' ')+1:]))
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		sum += n
	}
	return sum
}

// TestVerificationMetrics: a verification through the instrumented store
// is counted by result; discrepancies and the time of the last one are
// kept; a failed one leaves them as they were; one the caller abandoned is
// not counted.
func TestVerificationMetrics(t *testing.T) {
	m := New(nil)
	vs := &verifyingStore{}
	st := m.InstrumentStore(vs)
	ctx := context.Background()
	if _, err := st.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	vs.ds = []kassa.Discrepancy{{Account: "a"}, {Account: "b"}}
	_, _ = st.Verify(ctx)
	wantLines(t, scrape(t, m),
		`kassa_ledger_verifications_total{result="clean"} 1`,
		`kassa_ledger_verifications_total{result="discrepancies"} 1`,
		`kassa_ledger_verifications_total{result="failed"} 0`,
		`kassa_ledger_discrepancies 2`,
	)
	vs.err = kassa.Errorf(kassa.EUNAVAILABLE, "store down")
	_, _ = st.Verify(ctx)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = st.Verify(cancelled)
	page := scrape(t, m)
	wantLines(t, page, `kassa_ledger_verifications_total{result="failed"} 1`, `kassa_ledger_discrepancies 2`)
	if strings.Contains(page, "kassa_ledger_last_verification_timestamp_seconds 0\n") {
		t.Error("the time of the last verification was not kept")
	}
}

// verifyingStore answers Verify with what it is told.
type verifyingStore struct {
	kassa.Store
	ds  []kassa.Discrepancy
	err error
}

func (s *verifyingStore) Verify(ctx context.Context) ([]kassa.Discrepancy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.ds, s.err
}

// TestReadinessGauge: kassa_ready follows the readiness check at each
// scrape.
func TestReadinessGauge(t *testing.T) {
	m := New(nil)
	reason := "store unavailable"
	m.RegisterReadiness(func(context.Context) string { return reason })
	wantLines(t, scrape(t, m), "kassa_ready 0")
	reason = ""
	wantLines(t, scrape(t, m), "kassa_ready 1")
}
