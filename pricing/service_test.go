package pricing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// quiet discards the services' logs in tests.
var quiet = slog.New(slog.DiscardHandler)

// testClock is a settable clock shared by a store and a service.
type testClock = storetest.Clock

func newTestClock() *testClock {
	return storetest.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
}

// openSQLite opens a real SQLite store in the test's temporary directory.
func openSQLite(t testing.TB, now func() time.Time) *sqlite.DB {
	t.Helper()
	return testkit.OpenSQLite(t, sqlite.Options{Now: now})
}

// priceOf rates a GB mobile number in the current snapshot.
func priceOf(t testing.TB, svc *Service) kassa.Amount {
	t.Helper()
	snap := svc.Current()
	if snap == nil {
		t.Fatal("no current snapshot")
	}
	r, err := snap.Rate(kassa.SMS, "447700900123", kassa.EUR)
	if err != nil {
		t.Fatal(err)
	}
	return r.UnitPrice
}

// gbBook prices GB sms at one price.
func gbBook(price string) *kassa.PriceBook {
	return &kassa.PriceBook{Name: "GB " + price, Prices: []kassa.Price{{Type: kassa.SMS, Country: "GB", Currency: kassa.EUR, Price: amt(price)}}}
}

func TestServiceEnsureDefault(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	if svc.Current() != nil {
		t.Fatal("a snapshot before any load")
	}
	if err := svc.Load(ctx); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("Load on an empty store = %v, want ENOTFOUND", err)
	}
	if _, err := svc.Snapshot(); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Errorf("Snapshot() = %v, want EUNAVAILABLE", err)
	}
	if _, err := svc.Rate(kassa.SMS, "447700900123", kassa.EUR); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Errorf("Rate before a load = %v, want EUNAVAILABLE", err)
	}
	if err := svc.EnsureDefault(ctx); err != nil {
		t.Fatal(err)
	}
	snap := svc.Current()
	if snap == nil || !snap.Book().Demo || snap.Book().Name != DemoName || snap.Version() == 0 {
		t.Fatalf("after EnsureDefault: %+v", snap)
	}
	if err := svc.EnsureDefault(ctx); err != nil {
		t.Fatal(err)
	}
	books, err := store.PriceBooks(ctx)
	if err != nil || len(books) != 1 || books[0].Source != "demo" || !books[0].Demo {
		t.Fatalf("price books after two EnsureDefault: %+v, %v", books, err)
	}
	// A second node on the same store loads the stored demo book.
	other := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if priceOf(t, other) != priceOf(t, svc) {
		t.Error("a second node prices differently")
	}
	if r, err := svc.Rate(kassa.SMS, "447700900123", kassa.EUR); err != nil || r.UnitPrice != priceOf(t, svc) {
		t.Errorf("Service.Rate = %+v, %v", r, err)
	}
}

func TestServiceImportActivate(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	v1, err := svc.Import(ctx, gbBook("0.01"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version == 0 || v1.Prices != 1 || v1.Source != "csv" || v1.Checksum == "" {
		t.Errorf("version %+v", v1)
	}
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := priceOf(t, svc); got != amt("0.01") || svc.Current().Version() != v1.Version {
		t.Fatalf("price %s in version %d", got, svc.Current().Version())
	}

	// A bad deck is rejected whole: nothing stored, the good one stays.
	bad := gbBook("0.02")
	bad.Prices = append(bad.Prices, kassa.Price{Type: kassa.SMS, Country: "XX", Currency: kassa.EUR})
	if _, err := svc.Import(ctx, bad, "csv"); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("Import(bad) = %v, want EINVALID", err)
	}
	if books, _ := store.PriceBooks(ctx); len(books) != 1 {
		t.Errorf("%d versions stored after a rejected import", len(books))
	}
	if priceOf(t, svc) != amt("0.01") {
		t.Error("a rejected import changed the prices")
	}

	v2, err := svc.Import(ctx, gbBook("0.02"), "json")
	if err != nil {
		t.Fatal(err)
	}
	if priceOf(t, svc) != amt("0.01") {
		t.Error("an import took effect before its activation")
	}
	if err := svc.Activate(ctx, v2.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if priceOf(t, svc) != amt("0.02") {
		t.Error("activation did not take effect")
	}
	// Rolling back to an older version loads it from the store.
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if priceOf(t, svc) != amt("0.01") {
		t.Error("re-activating version 1 did not take effect")
	}
	if err := svc.Activate(ctx, 999, time.Time{}); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("Activate(999) = %v, want ENOTFOUND", err)
	}
}

func TestServiceKeepsSnapshotWhenStoredDataIsBad(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	corrupt := &kassa.PriceBookVersion{Name: "corrupt", Source: "test"}
	if err := store.CreatePriceBook(ctx, corrupt, [][]byte{[]byte("not a price book")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, corrupt.Version, time.Time{}); err == nil {
		t.Fatal("activating corrupt data succeeded")
	}
	if priceOf(t, svc) != amt("0.01") || svc.Current().Version() != v1.Version {
		t.Error("corrupt data replaced the snapshot")
	}
}

func TestServiceScheduledActivation(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	store := openSQLite(t, clock.Now)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet, Now: clock.Now, PollInterval: 10 * time.Millisecond})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	v2, _ := svc.Import(ctx, gbBook("0.02"), "csv")
	if err := svc.Activate(ctx, v2.Version, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if priceOf(t, svc) != amt("0.01") {
		t.Fatal("a scheduled version took effect early")
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	}()
	clock.Advance(59 * time.Minute)
	waitFor(t, func() bool { return svc.Current().Version() == v1.Version })
	clock.Advance(time.Minute)
	waitFor(t, func() bool { return svc.Current().Version() == v2.Version })
	if priceOf(t, svc) != amt("0.02") {
		t.Error("the scheduled version's prices are not in use")
	}
}

// waitFor polls cond until it holds, failing after a generous deadline
// (a liveness bound, not a timing assertion).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServiceConcurrentReadsDuringSwaps rates from many goroutines while
// versions are activated back and forth: every answer must come from one
// whole snapshot (its price matches its version).
func TestServiceConcurrentReadsDuringSwaps(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	v2, _ := svc.Import(ctx, gbBook("0.02"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := map[int64]kassa.Amount{v1.Version: amt("0.01"), v2.Version: amt("0.02")}
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				snap := svc.Current()
				r, err := snap.Rate(kassa.SMS, "447700900123", kassa.EUR)
				if err != nil || r.UnitPrice != want[snap.Version()] {
					t.Errorf("version %d rated %s, %v", snap.Version(), r.UnitPrice, err)
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := range 20 {
		v := []int64{v1.Version, v2.Version}[i%2]
		if err := svc.Activate(ctx, v, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("no reads happened")
	}
}

// openPostgres opens a store in a fresh schema dropped after the test.
func openPostgres(t testing.TB, url, schema string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func freshSchema(t testing.TB, url string) string {
	var b [6]byte
	rand.Read(b[:])
	schema := "kassa_pricing_t_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return schema
}

// TestServiceFollowsOtherNode: two kassa nodes share one PostgreSQL
// database; an activation on node A reaches node B through the store's
// notifications (node B polls only once an hour).
func TestServiceFollowsOtherNode(t *testing.T) {
	ctx := context.Background()
	url := testkit.PostgresURL(t)
	schema := freshSchema(t, url)
	nodeA := NewService(openPostgres(t, url, schema), testRef(), ServiceOptions{Logger: quiet})
	nodeB := NewService(openPostgres(t, url, schema), testRef(), ServiceOptions{Logger: quiet, PollInterval: time.Hour})
	v1, err := nodeA.Import(ctx, gbBook("0.01"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := nodeA.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- nodeB.Run(runCtx) }()
	defer func() { stop(); <-done }()
	waitFor(t, func() bool { s := nodeB.Current(); return s != nil && s.Version() == v1.Version })

	v2, err := nodeA.Import(ctx, gbBook("0.02"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	// B's LISTEN session may not be up yet: activate again now and then
	// until B follows (a notification sent before it listens is lost).
	last := time.Time{}
	waitFor(t, func() bool {
		if time.Since(last) > 500*time.Millisecond {
			if err := nodeA.Activate(ctx, v2.Version, time.Time{}); err != nil {
				t.Fatal(err)
			}
			last = time.Now()
		}
		return nodeB.Current().Version() == v2.Version
	})
	if priceOf(t, nodeB) != amt("0.02") {
		t.Error("node B does not price with version 2")
	}
}

// TestServiceLoadsVersionFromOlderReferenceData: a version imported under
// reference data that had a network the current data lacks still loads;
// the stale line is dropped.
func TestServiceLoadsVersionFromOlderReferenceData(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	oldRef := refdata.New(testRef().Countries, append(append([]kassa.Network(nil), testRef().Networks...),
		kassa.Network{Code: "23499", Name: "Gone Mobile", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "99", Ranges: []string{"447999"}}))
	old := NewService(store, oldRef, ServiceOptions{Logger: quiet})
	book := gbBook("0.01")
	book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: "GB", Network: "23499", Currency: kassa.EUR, Price: amt("0.09")})
	v, err := old.Import(ctx, book, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	upgraded := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	if err := upgraded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if w := upgraded.Current().Warnings(); len(w) != 1 || priceOf(t, upgraded) != amt("0.01") {
		t.Errorf("warnings %q, price %s", w, priceOf(t, upgraded))
	}
}

// failingStore is a real SQLite store whose ActivePriceBook can be made to
// fail (the database going away), to drive Run's failure path.
type failingStore struct {
	*sqlite.DB
	fail  atomic.Bool
	calls atomic.Int64
}

func (f *failingStore) ActivePriceBook(ctx context.Context, plan string, now time.Time) (*kassa.PriceBookVersion, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return nil, &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "database unavailable"}
	}
	return f.DB.ActivePriceBook(ctx, plan, now)
}

// countingHandler counts log records at level Error.
type countingHandler struct {
	slog.Handler
	errors atomic.Int64
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelError {
		h.errors.Add(1)
	}
	return nil
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

// TestServiceRunSurvivesStoreFailure: while the store fails, Run keeps
// serving the snapshot it has and logs the problem once, not every poll;
// when the store is back, it follows activations again.
func TestServiceRunSurvivesStoreFailure(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{DB: openSQLite(t, nil)}
	logs := &countingHandler{Handler: slog.DiscardHandler}
	svc := NewService(store, testRef(), ServiceOptions{Logger: slog.New(logs), PollInterval: 5 * time.Millisecond})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() { stop(); <-done }()

	store.fail.Store(true)
	from := store.calls.Load()
	waitFor(t, func() bool { return store.calls.Load() > from+10 })
	if got := logs.errors.Load(); got != 1 {
		t.Errorf("%d error logs over 10 failed polls, want 1", got)
	}
	if priceOf(t, svc) != amt("0.01") {
		t.Error("the snapshot changed while the store failed")
	}
	store.fail.Store(false)
	v2, _ := svc.Import(ctx, gbBook("0.02"), "csv")
	if err := store.DB.ActivatePriceBook(ctx, v2.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return svc.Current().Version() == v2.Version })
}

// TestServiceRunRetriesUnavailableSoon: a refresh that finds the store
// unavailable (a database coming back whose pooled connections still fail)
// is tried again with back-off, not only at the next poll: with a one-hour
// poll interval, the activation made during the outage is still picked up.
func TestServiceRunRetriesUnavailableSoon(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{DB: openSQLite(t, nil)}
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet, PollInterval: time.Hour})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	v2, _ := svc.Import(ctx, gbBook("0.02"), "csv")
	store.fail.Store(true)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() { stop(); <-done }()

	waitFor(t, func() bool { return store.calls.Load() >= 3 }) // retried while failing
	if err := store.DB.ActivatePriceBook(ctx, v2.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	store.fail.Store(false)
	waitFor(t, func() bool { c := svc.Current(); return c != nil && c.Version() == v2.Version })
	if priceOf(t, svc) != amt("0.02") {
		t.Errorf("price %s after recovery, want 0.02", priceOf(t, svc))
	}
}

func TestServiceVersionSnapshot(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	v1, _ := svc.Import(ctx, gbBook("0.01"), "csv")
	v2, _ := svc.Import(ctx, gbBook("0.02"), "csv")
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	cur, err := svc.VersionSnapshot(ctx, v1.Version)
	if err != nil || cur != svc.Current() {
		t.Errorf("VersionSnapshot(current) = %v, %v; want the current snapshot", cur, err)
	}
	other, err := svc.VersionSnapshot(ctx, v2.Version)
	if err != nil || other.Version() != v2.Version {
		t.Fatalf("VersionSnapshot(v2) = %v, %v", other, err)
	}
	if r, _ := other.Rate(kassa.SMS, "447700900123", kassa.EUR); r.UnitPrice != amt("0.02") {
		t.Errorf("v2 prices %s", r.UnitPrice)
	}
	if svc.Current().Version() != v1.Version {
		t.Error("VersionSnapshot changed the current version")
	}
	if _, err := svc.VersionSnapshot(ctx, 999); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("VersionSnapshot(999) = %v", err)
	}
}
