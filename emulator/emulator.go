package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/server"
	"github.com/kassa-dev/kassa/sqlite"
)

// Options configure an emulator beyond the server's Config.
type Options struct {
	Stdout io.Writer    // the startup banner; discarded when nil
	Logger *slog.Logger // discarded when nil
	// Fixtures are loaded at the start (and come back on every reset).
	Fixtures *Fixtures
	// Listener, when set, is the main listener (server.Options.Listener).
	Listener net.Listener
	// PriceCache shares compiled price books with the other servers of the
	// process; the package's own cache when nil.
	PriceCache *pricing.SnapshotCache
	// RealClock is the clock the emulated one runs ahead of; time.Now when
	// nil (tests of the emulator give a fake one).
	RealClock func() time.Time
}

// Emulator is a kassa server with the emulator's controls: fixtures, reset,
// the request journal, faults and the clock, on the HTTP control API under
// /_emulator/ (see control.go) and as Go methods.
type Emulator struct {
	node    *server.Node
	db      *sqlite.DB
	clock   *Clock
	journal *Journal
	faults  *Faults
	gate    *gate
	log     *slog.Logger
	dir     string // where the snapshots are kept: DATA/emulator

	ctl      sync.Mutex // serialises resets, fixture loads and clock moves
	fixtures *Fixtures  // the fixtures loaded now; nil for none
}

// processPrices is the price-book cache of the emulators of this process.
var processPrices = pricing.NewSnapshotCache(8)

// Snapshot files in DATA/emulator.
const (
	snapshotDir  = "emulator"
	baseFile     = "base.db"     // the store after the first-start setup, before any fixture
	fixturesFile = "fixtures.db" // the store with the loaded fixtures: what a reset returns to
)

// BaseSnapshot is the path of the emulator's base snapshot in a data
// directory: the store after the first start's setup, before any fixture.
// A directory that has one is the emulator's (see Start).
func BaseSnapshot(data string) string { return filepath.Join(data, snapshotDir, baseFile) }

// ResetGateTimeout bounds how long a reset waits for the requests in flight
// (a request that streams for good must not block it).
const ResetGateTimeout = 10 * time.Second

// Defaults that --emulator sets (see ApplyDefaults).
var (
	// EmulatorCallbackNets are the networks callbacks and webhooks may
	// reach in the emulator: loopback and the private ranges, so that the
	// application's receivers on this machine or in CI pass the live check
	// (link-local and cloud metadata addresses stay refused).
	EmulatorCallbackNets = []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7"),
	}
)

// ErrPostgres refuses --emulator on a PostgreSQL store.
var ErrPostgres = errors.New("--emulator keeps throw-away data in SQLite (it snapshots and restores the file): it does not run on a PostgreSQL store; drop --store (KASSA_STORE)")

// ErrDemoOff refuses --emulator with --demo off.
var ErrDemoOff = errors.New("--emulator is for throw-away data and needs the demo setup (the demo tariff, the demo account): drop --demo off (KASSA_DEMO)")

// ForeignDataError refuses a data directory that holds a kassa database the
// emulator did not create: the emulator resets its data, and must never
// reset real data.
type ForeignDataError struct{ Data string }

// Error implements error.
func (e *ForeignDataError) Error() string {
	return fmt.Sprintf("--emulator keeps throw-away data, but %s holds a kassa database that the emulator did not create: use a new or empty --data directory (for example --data \"$(mktemp -d)\")", e.Data)
}

// ApplyDefaults makes cfg the emulator's: top-ups and auto-reloads credited
// without a payment gateway (unless one is configured), callbacks to
// loopback and private networks allowed. It refuses a PostgreSQL store.
// (kassa serve --emulator also refuses --demo off, ErrDemoOff; the
// kassatest package starts without the demo account, the demo tariff
// loaded all the same.)
func ApplyDefaults(cfg *server.Config) error {
	if cfg.Store != "" {
		return ErrPostgres
	}
	if cfg.ReloadGateway == reload.GatewayNone {
		cfg.ReloadGateway = reload.GatewayLedgerOnly
	}
	for _, p := range EmulatorCallbackNets {
		if !slices.Contains(cfg.AllowCallbackNet, p) {
			cfg.AllowCallbackNet = append(cfg.AllowCallbackNet, p)
		}
	}
	return nil
}

// Start starts a kassa server in emulator mode over the SQLite store in
// cfg.Data (ApplyDefaults first): the control API under /_emulator/, the
// journal and faults in front of every other path, one clock for every
// component. A data directory holds the emulator's snapshots; every start
// returns to the state of the directory's first start (throw-away data),
// and a directory that holds a database the emulator did not create is
// refused, so that --emulator never resets real data. Then opts.Fixtures
// are loaded. Run serves; Close releases everything.
func Start(ctx context.Context, cfg *server.Config, opts Options) (_ *Emulator, err error) {
	if err := ApplyDefaults(cfg); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		clock: NewClock(opts.RealClock), journal: NewJournal(), faults: NewFaults(), gate: newGate(),
		log: log, dir: filepath.Join(cfg.Data, snapshotDir),
	}
	if err := e.prepareData(cfg.Data); err != nil {
		return nil, err
	}
	cache := opts.PriceCache
	if cache == nil {
		cache = processPrices
	}
	e.node, err = server.Start(ctx, cfg, server.Options{
		Stdout: opts.Stdout, Logger: log, Now: e.clock.Now, Listener: opts.Listener, PriceCache: cache,
		BannerNote: func(base string) string {
			return "emulator: control API at " + base + controlRoot + "/ (fixtures, reset, requests, faults, clock; see docs/emulator.md)"
		},
		OpenStore: e.openStore(cfg), StoreName: "sqlite " + filepath.Join(cfg.Data, server.DBFile) + " (emulator)",
		Wrap: e.wrap,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			e.node.Close()
		}
	}()
	if err := e.snapshot(ctx, baseFile); err != nil {
		return nil, err
	}
	if opts.Fixtures != nil {
		if err := e.LoadFixtures(ctx, opts.Fixtures, false); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// prepareData checks the data directory: a database the emulator did not
// create is refused; one it did is put back to its first start's state.
func (e *Emulator) prepareData(data string) error {
	dbPath := filepath.Join(data, server.DBFile)
	base := filepath.Join(e.dir, baseFile)
	_, dbErr := os.Stat(dbPath)
	_, baseErr := os.Stat(base)
	switch {
	case dbErr == nil && baseErr != nil:
		return &ForeignDataError{Data: data}
	case baseErr == nil:
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("emulator: reset the data directory: %w", err)
			}
		}
		if err := copyFile(base, dbPath); err != nil {
			return fmt.Errorf("emulator: reset the data directory: %w", err)
		}
	}
	return os.MkdirAll(e.dir, 0o700)
}

// openStore opens the SQLite store in the data directory and keeps it for
// snapshots and restores.
func (e *Emulator) openStore(cfg *server.Config) func(ctx context.Context, now func() time.Time, log *slog.Logger) (kassa.Store, error) {
	return func(ctx context.Context, now func() time.Time, log *slog.Logger) (kassa.Store, error) {
		db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, server.DBFile), sqlite.Options{Now: now, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		e.db = db
		return db, nil
	}
}

// wrap puts the control API and the journal (with the faults) in front of
// the server's handler.
func (e *Emulator) wrap(next http.Handler) http.Handler {
	control := e.controlHandler()
	traffic := e.traffic(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == controlRoot || strings.HasPrefix(r.URL.Path, controlRoot+"/") {
			control.ServeHTTP(w, r)
			return
		}
		traffic.ServeHTTP(w, r)
	})
}

// Run serves until ctx ends (server.Node.Run).
func (e *Emulator) Run(ctx context.Context) error { return e.node.Run(ctx) }

// Close releases the server (server.Node.Close).
func (e *Emulator) Close() { e.node.Close() }

// URL is the server's base URL.
func (e *Emulator) URL() string { return e.node.URL() }

// Node is the server under the emulator.
func (e *Emulator) Node() *server.Node { return e.node }

// Clock is the emulator's clock.
func (e *Emulator) Clock() *Clock { return e.clock }

// Journal is the request journal.
func (e *Emulator) Journal() *Journal { return e.journal }

// Faults are the injected faults.
func (e *Emulator) Faults() *Faults { return e.faults }

// Fixtures returns the fixtures loaded now (nil for none).
func (e *Emulator) Fixtures() *Fixtures {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	return e.fixtures
}

// snapshot writes the store's content to the snapshot file name, replacing
// the previous one.
func (e *Emulator) snapshot(ctx context.Context, name string) error {
	tmp := filepath.Join(e.dir, name+".new")
	_ = os.Remove(tmp)
	if err := e.db.Backup(ctx, tmp); err != nil {
		return fmt.Errorf("emulator: snapshot: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, name)); err != nil {
		return fmt.Errorf("emulator: snapshot: %w", err)
	}
	return nil
}

// restoreTo stops the server's in-memory state, restores the snapshot name,
// sets the clock back to the real time and starts fresh components, with
// requests held at the gate meanwhile. The caller holds ctl.
func (e *Emulator) restoreTo(ctx context.Context, name string) error {
	if !e.gate.close(ResetGateTimeout) {
		e.log.Warn("emulator: requests still running after the reset's wait; resetting under them", "wait", ResetGateTimeout)
	}
	defer e.gate.open()
	return e.node.Rebuild(ctx, func(ctx context.Context) error {
		e.clock.Reset()
		return e.db.Restore(ctx, filepath.Join(e.dir, name))
	})
}

// resetPoint is the snapshot a reset returns to.
func (e *Emulator) resetPoint() string {
	if e.fixtures != nil {
		return fixturesFile
	}
	return baseFile
}

// Reset returns the server to the loaded fixtures (or, without fixtures,
// to its state after the start): the store's data, every in-memory cache
// (credentials, rate limits, the brute-force limiter), the clock (back to
// the real time), and it clears the journal and the faults. It returns how
// long the reset took.
func (e *Emulator) Reset(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	e.ctl.Lock()
	defer e.ctl.Unlock()
	if err := e.restoreTo(ctx, e.resetPoint()); err != nil {
		return time.Since(start), fmt.Errorf("emulator: reset: %w", err)
	}
	e.journal.Clear()
	e.faults.Clear()
	return time.Since(start), nil
}

// LoadFixtures makes fx the loaded fixtures: it returns the store to its
// state after the start (or, with add, to the fixtures loaded now), writes
// fx, and makes the result the point every reset returns to; the journal,
// the faults and the clock are reset too. Fixtures that fail a check change
// nothing; a refusal is a *ParseError naming the line at fault.
func (e *Emulator) LoadFixtures(ctx context.Context, fx *Fixtures, add bool) error {
	if err := fx.Check(); err != nil {
		return err
	}
	e.ctl.Lock()
	defer e.ctl.Unlock()
	from := baseFile
	if add {
		from = e.resetPoint()
	}
	if err := e.restoreTo(ctx, from); err != nil {
		return fmt.Errorf("emulator: load fixtures: %w", err)
	}
	loadErr := e.loader().load(ctx, fx)
	if loadErr == nil {
		// What kassa's scheduler would do at once (reload an account
		// loaded at or below its threshold) is part of the fixtures'
		// state, so that it is the same after every reset rather than
		// racing the scheduler's first run.
		_, loadErr = e.node.RunTimedJobs(ctx)
	}
	if loadErr == nil {
		loadErr = e.snapshot(ctx, fixturesFile)
	}
	if loadErr != nil {
		// Back to what was loaded before, as if nothing happened.
		if err := e.restoreTo(ctx, e.resetPoint()); err != nil {
			e.log.Error("emulator: roll back a refused fixture load", "err", err)
		}
		return loadErr
	}
	loaded := &Fixtures{}
	if add && e.fixtures != nil {
		loaded.Accounts = append(loaded.Accounts, e.fixtures.Accounts...)
		loaded.Prices = append(loaded.Prices, e.fixtures.Prices...)
	}
	loaded.Accounts = append(loaded.Accounts, fx.Accounts...)
	loaded.Prices = append(loaded.Prices, fx.Prices...)
	e.fixtures = loaded
	if err := e.restoreTo(ctx, fixturesFile); err != nil { // fresh caches, as after a reset
		return fmt.Errorf("emulator: load fixtures: %w", err)
	}
	e.journal.Clear()
	e.faults.Clear()
	return nil
}

// loader writes fixtures through use cases of their own: the current
// ledger and prices, no live callback check.
func (e *Emulator) loader() *loader {
	n := e.node
	return &loader{
		app: app.New(app.Config{
			Store: n.Store(), Ledger: n.Ledger(), Rater: n.Prices(), Hasher: n.Hasher(),
			TopUp: noTopUp{}, Now: e.clock.Now,
		}),
		prices: n.Prices(),
	}
}

// noTopUp declines: fixtures never top up.
type noTopUp struct{}

// TopUp implements app.TopUpper.
func (noTopUp) TopUp(context.Context, reload.TopUpRequest) (*kassa.Entry, error) {
	return nil, kassa.Errorf(kassa.ENOTIMPLEMENTED, "fixtures do not top up")
}

// Advance moves the clock forward by d and then runs the jobs that act on
// time (hold expiry, the auto-reload scheduler), so that their effect is
// there when it returns. A zero d only runs the jobs (an auto-reload that a
// charge made due is then done without waiting for the scheduler's nudge).
func (e *Emulator) Advance(ctx context.Context, d time.Duration) (time.Time, server.TimedJobs, error) {
	e.ctl.Lock()
	defer e.ctl.Unlock()
	if d != 0 {
		if _, err := e.clock.Advance(d); err != nil {
			return time.Time{}, server.TimedJobs{}, err
		}
	}
	jobs, err := e.node.RunTimedJobs(ctx)
	return e.clock.Now(), jobs, err
}

// copyFile copies src to dst (created or truncated, mode 0600).
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o600)
}
