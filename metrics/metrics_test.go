package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
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

// TestInstrumentStore: on a real SQLite store, committed ledger
// transactions count their entries by kind and their size; a rolled-back
// one counts as failed and adds no entry; the commit hook sees exactly the
// committed entries.
func TestInstrumentStore(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acct := &kassa.Account{APIKey: "metr0001", Currency: kassa.EUR, Limits: kassa.DemoLimits}
	sec := &kassa.Secret{ID: "6f1c2b1e-4d7a-4b8e-9c3d-2a1b0c9d8e7f", AccountKey: "metr0001", Salt: []byte("0123456789abcdef"), Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: time.Now()}
	if err := db.CreateAccount(ctx, acct, sec, nil); err != nil {
		t.Fatal(err)
	}
	m := New(nil)
	var seen []kassa.EntryKind
	st := m.InstrumentStore(db, func(es []*kassa.Entry) {
		for _, e := range es {
			seen = append(seen, e.Kind)
		}
	})
	if _, ok := st.(kassa.PriceBookWatcher); ok {
		t.Error("the SQLite store does not watch price books, its instrumented form claims to")
	}
	err = st.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts("metr0001"); err != nil {
			return err
		}
		for _, k := range []kassa.EntryKind{kassa.KindCredit, kassa.KindCredit, kassa.KindDebit} {
			amount := kassa.MustParseAmount("1.00")
			if k == kassa.KindDebit {
				amount = -amount
			}
			if err := tx.Append(&kassa.Entry{Account: "metr0001", Kind: k, Amount: amount, Reason: "t"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = st.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "metr0001", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("5.00"), Reason: "t"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("rolled-back tx: %v", err)
	}
	if len(seen) != 3 {
		t.Errorf("the commit hook saw %v, want the 3 committed entries", seen)
	}
	if _, err := st.FindAccount(ctx, "metr0001"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if v, err := st.FindBalance(ctx, "metr0001"); err != nil || v.Balance != kassa.MustParseAmount("1") {
			t.Fatalf("FindBalance through the wrapper: %+v, %v", v, err)
		}
	}
	wantLines(t, scrape(t, m),
		`kassa_ledger_entries_total{kind="credit"} 2`,
		`kassa_ledger_entries_total{kind="debit"} 1`,
		`kassa_ledger_transactions_total{outcome="committed"} 1`,
		`kassa_ledger_transactions_total{outcome="failed"} 1`,
		`kassa_ledger_batch_entries_count 1`,
		`kassa_ledger_batch_entries_sum 3`,
		`kassa_store_duration_seconds_count{op="find_account"} 1`,
		`kassa_store_duration_seconds_count{op="find_balance"} 2`,
		`kassa_store_duration_seconds_count{op="ledger_tx"} 2`,
	)
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
	w, ok := New(nil).InstrumentStore(inner, nil).(kassa.PriceBookWatcher)
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
