package readiness_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/internal/logdedup"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/readiness"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// fullDisk is a real SQLite store whose writes fail, as on a full disk,
// while full is set: ledger transactions and meta writes fail, reads (and
// the ping) keep working.
type fullDisk struct {
	kassa.Store
	full atomic.Bool
}

var errDiskFull = &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: errors.New("database or disk is full (forced)")}

func (s *fullDisk) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	if s.full.Load() {
		return errDiskFull
	}
	return s.Store.InLedgerTx(ctx, fn)
}

func (s *fullDisk) SetMeta(ctx context.Context, key, value string) error {
	if s.full.Load() {
		return errDiskFull
	}
	return s.Store.SetMeta(ctx, key, value)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const adminToken = "adm-readiness-0001"

// TestReadinessFollowsWriteHealth: the API over a real SQLite store whose
// disk fills up. While writes fail every credit answers 503 and /readyz
// says not ready (the ping still answers: before, /readyz said ready); a
// flood of identical failures writes a handful of log lines, not one per
// request; once the disk has room, /readyz stays not ready until the probe
// is due on the injected clock, then is ready; a successful write makes it
// ready at once.
func TestReadinessFollowsWriteHealth(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	db := &fullDisk{Store: testkit.OpenSQLite(t, sqlite.Options{})}
	var logs syncBuffer
	log := slog.New(logdedup.New(slog.NewTextHandler(&logs, nil), 10*time.Second, clock.Now))
	writes := readiness.New(func(ctx context.Context) error { return db.SetMeta(ctx, "write_probe", clock.Now().String()) },
		readiness.Options{Now: clock.Now, Logger: log, ProbeEvery: 5 * time.Second})
	ledger := charging.New(db, charging.Options{Logger: log, OnCommit: writes.Committed, OnWriteError: writes.Failed})
	t.Cleanup(ledger.Close)
	prices := pricing.NewService(db, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	if err := prices.EnsureDefault(ctx); err != nil {
		t.Fatal(err)
	}
	if prices.Current() == nil {
		if err := prices.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	hasher, _ := auth.NewHasher(auth.NewPepper())
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Store: db, Hasher: hasher, Ledger: ledger, Pricing: prices,
		AdminToken: adminToken, Logger: log, Writes: writes}))
	t.Cleanup(srv.Close)
	sec, _ := hasher.NewSecret("ready001", "Ready0001Secret", time.Now())
	if err := ledger.OpenAccount(ctx, db, &kassa.Account{APIKey: "ready001", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, sec, nil); err != nil {
		t.Fatal(err)
	}

	readyz := func() (int, string) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	credit := func(i int) int {
		req, _ := http.NewRequest("POST", srv.URL+"/admin/v1/accounts/ready001/credits", strings.NewReader(`{"amount":"1.00","reason":"r"}`))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprint("k-", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code, body := readyz(); code != 200 {
		t.Fatalf("healthy: /readyz %d %s", code, body)
	}
	if code := credit(0); code != 201 {
		t.Fatalf("credit: %d", code)
	}

	db.full.Store(true)
	for i := 1; i <= 200; i++ {
		if code := credit(i); code != 503 {
			t.Fatalf("credit %d on a full disk: %d, want 503", i, code)
		}
	}
	if code, body := readyz(); code != 503 || !strings.Contains(body, "store writes failing") {
		t.Fatalf("every write fails: /readyz %d %q, want 503 store writes failing", code, body)
	}
	if n := strings.Count(logs.String(), `msg="request failed"`); n > 2 {
		t.Errorf("200 identical failures wrote %d request-failed lines, want at most 2:\n%.3000s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "store writes are failing: not ready until a write succeeds") {
		t.Errorf("the failure's start is not logged:\n%.2000s", logs.String())
	}

	db.full.Store(false) // room again
	clock.Advance(time.Second)
	if code, _ := readyz(); code != 503 {
		t.Fatalf("ready before the probe was due: %d", code)
	}
	clock.Advance(5 * time.Second)
	if code, body := readyz(); code != 200 {
		t.Fatalf("after a successful probe: /readyz %d %s", code, body)
	}

	// A failed write, then a successful one: ready without a probe.
	db.full.Store(true)
	credit(1000)
	db.full.Store(false)
	if code, _ := readyz(); code != 503 {
		t.Fatalf("after a failed write: /readyz %d, want 503", code)
	}
	if code := credit(1001); code != 201 {
		t.Fatalf("credit after recovery: %d", code)
	}
	if code, body := readyz(); code != 200 {
		t.Fatalf("after a successful write: /readyz %d %s", code, body)
	}
	clock.Advance(11 * time.Second)
	log.Info("tick") // the burst's count is reported once its interval ended
	if !strings.Contains(logs.String(), `msg="request failed"`) || !strings.Contains(logs.String(), "repeated=") {
		t.Errorf("the suppressed repeats are not counted in the log:\n%.3000s", logs.String())
	}
}
