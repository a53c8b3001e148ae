package postgres

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// An activation on one node reaches a watcher on another node (a second
// pool), and the watcher survives losing its connection: it reports a
// change once it first listens and again after it reconnects
// (notifications may have been missed meanwhile), and keeps delivering.
func TestWatchPriceBooksAcrossNodes(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	appName := schema + "_watch"
	watcher := openSchema(t, withAppName(t, base, appName), schema, Options{})
	activator := openSchema(t, base, schema, Options{})

	changed := make(chan struct{}, 16)
	watchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- watcher.WatchPriceBooks(watchCtx, func() { changed <- struct{}{} })
	}()

	waitListening(t, activator, appName)
	waitChanged(t, changed, "the first LISTEN") // the watcher reports once it listens
	v := createPriceBook(t, activator)
	if err := activator.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed, "the activation")

	// Kill the LISTEN session: the watcher reconnects and says something
	// may have changed.
	if _, err := activator.pool.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", appName); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed, "the reconnection")
	waitListening(t, activator, appName)
	if err := activator.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed, "an activation after the reconnection")

	stop()
	if err := <-done; err != nil {
		t.Fatalf("WatchPriceBooks returned %v after its context ended, want nil", err)
	}
}

// A rolled-back activation (unknown version) notifies nobody.
func TestActivateUnknownVersionNotifiesNobody(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	appName := schema + "_watch"
	watcher := openSchema(t, withAppName(t, base, appName), schema, Options{})
	other := openSchema(t, base, schema, Options{})
	changed := make(chan struct{}, 16)
	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	go watcher.WatchPriceBooks(watchCtx, func() { changed <- struct{}{} })
	waitListening(t, other, appName)
	waitChanged(t, changed, "the first LISTEN") // the watcher reports once it listens

	wantCode(t, other.ActivatePriceBook(ctx, 999, time.Time{}), kassa.ENOTFOUND)
	v := createPriceBook(t, other)
	if err := other.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitChanged(t, changed, "the activation")
	// Notifications arrive in commit order: had the failed activation sent
	// one, it would have come before the real one.
	select {
	case <-changed:
		t.Fatal("more notifications than activations")
	default:
	}
}

// waitListening waits until the session named appName is listening.
func waitListening(t *testing.T, db *DB, appName string) {
	t.Helper()
	const q = `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`
	for range 500 {
		var n int
		if err := db.pool.QueryRow(context.Background(), q, appName).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no LISTEN session %s appeared", appName)
}

// waitChanged waits for one call of the watcher's changed func. Delivery is
// immediate in practice (a NOTIFY); the generous bound only keeps a broken
// watcher from hanging the test, it is not a speed assertion on a loaded
// machine.
func waitChanged(t *testing.T, changed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatalf("the watcher was never told about %s", what)
	}
}

func createPriceBook(t *testing.T, db *DB) int64 {
	t.Helper()
	v := &kassa.PriceBookVersion{Name: "test", Source: "json", Prices: 1}
	if err := db.CreatePriceBook(context.Background(), v, [][]byte{[]byte(`{"prices":[]}`)}); err != nil {
		t.Fatal(err)
	}
	return v.Version
}

// A watcher started while the database is unreachable keeps trying, and
// once it gets through it reports a change (it may have missed some) and
// then delivers activations.
func TestWatchPriceBooksStartsWhileDatabaseDown(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	p := startProxy(t, u.Host)
	watcher := openSchema(t, viaProxy(t, base, p), schema, Options{})
	activator := openSchema(t, base, schema, Options{})
	p.stop()

	changed := make(chan struct{}, 16)
	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	go watcher.WatchPriceBooks(watchCtx, func() { changed <- struct{}{} })
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	select {
	case <-changed:
		t.Fatal("changed was called while the database was unreachable")
	default:
	}
	p.start(t)
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("the watcher did not report a change after the database came back")
	}
	v := createPriceBook(t, activator)
	// The watcher may still be between its connection and its LISTEN; an
	// activation is only promised to reach a listening node, so retry.
	for range 50 {
		if err := activator.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changed:
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatal("no activation reached the watcher after it reconnected")
}
