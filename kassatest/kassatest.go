// Package kassatest starts a real kassa server in-process for Go tests: a
// loopback port, a temporary SQLite store, the demo tariff, the accounts and
// prices the test asks for, and the emulator's controls (the request
// journal, faults, the clock, reset). The server stops when the test ends.
//
//	func TestBalance(t *testing.T) {
//		srv := kassatest.New(t, kassatest.WithAccount("abcd1234", "Secret123abc", "10.00"))
//		// point the application (or a Vonage SDK) at srv.URL …
//		calls := srv.JournalFor("GET", "/account/get-balance")
//		srv.Fault(kassatest.Fault{Path: "/account/get-balance", Status: 500, Times: 2})
//		srv.Advance(25 * time.Hour)
//		srv.Reset()
//	}
//
// The first server of a test binary imports and compiles the demo tariff
// (about a second); later ones start from a copy kept in memory, in a few
// milliseconds. docs/emulator.md describes the controls.
package kassatest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/server"
)

// Types of the emulator, named here so that tests need one import.
type (
	Fixtures   = emulator.Fixtures
	Account    = emulator.Account
	Subaccount = emulator.Subaccount
	Settings   = emulator.Settings
	Limits     = emulator.Limits
	AutoReload = emulator.AutoReload
	Price      = emulator.Price
	Fault      = emulator.Fault
	Request    = emulator.Request
	Filter     = emulator.Filter
)

// Server is a kassa server running in the test's process.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:PORT"): point the
	// application's Vonage REST and API hosts at it.
	URL string
	// AdminToken and ServiceToken are the bearer tokens of the admin and
	// platform APIs.
	AdminToken, ServiceToken string

	emu    *emulator.Emulator
	data   string // the data directory
	dir    string // removed by Close when the package made it
	fail   func(error)
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// config is what the options build.
type config struct {
	fixtures *emulator.Fixtures
	file     string
	log      *slog.Logger
	tb       testing.TB
	logs     bool
}

// Option configures a Server.
type Option func(*config)

// WithAccount adds an account with one secret and a balance ("10.00", in
// EUR), the emulator's generous limits and auto-reload off.
func WithAccount(apiKey, secret, balance string) Option {
	return WithAccounts(emulator.Account{APIKey: apiKey, Secrets: []string{secret}, Balance: balance})
}

// WithAccounts adds accounts described in full (currency, credit limit,
// settings, limits, auto-reload).
func WithAccounts(accounts ...emulator.Account) Option {
	return func(c *config) { c.fixtures.Accounts = append(c.fixtures.Accounts, accounts...) }
}

// WithPrices adds price overrides, laid over the demo tariff.
func WithPrices(prices ...emulator.Price) Option {
	return func(c *config) { c.fixtures.Prices = append(c.fixtures.Prices, prices...) }
}

// WithFixtures adds the accounts and prices of fx.
func WithFixtures(fx *emulator.Fixtures) Option {
	return func(c *config) {
		c.fixtures.Accounts = append(c.fixtures.Accounts, fx.Accounts...)
		c.fixtures.Prices = append(c.fixtures.Prices, fx.Prices...)
	}
}

// WithFixtureFile adds the accounts and prices of a fixture file (JSON or
// YAML, the format of kassa serve --fixtures).
func WithFixtureFile(path string) Option {
	return func(c *config) { c.file = path }
}

// WithLogs sends the server's log to the test's log (t.Log); by default it
// is discarded.
func WithLogs() Option {
	return func(c *config) { c.logs = true }
}

// New starts a server for the test and stops it when the test ends. A
// failure to start fails the test; so does a bad argument to the Server's
// methods.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	c := &config{fixtures: &emulator.Fixtures{}, tb: tb}
	for _, o := range opts {
		o(c)
	}
	if c.logs {
		c.log = slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	s, err := start(c, tb.TempDir())
	if err != nil {
		tb.Fatalf("kassatest: %v", err)
	}
	s.fail = func(err error) { tb.Helper(); tb.Fatalf("kassatest: %v", err) }
	tb.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (in an example or a program); the
// caller must Close it. A bad argument to the Server's methods panics.
func Start(opts ...Option) (*Server, error) {
	c := &config{fixtures: &emulator.Fixtures{}}
	for _, o := range opts {
		o(c)
	}
	dir, err := os.MkdirTemp("", "kassatest-")
	if err != nil {
		return nil, fmt.Errorf("kassatest: %w", err)
	}
	s, err := start(c, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.dir = dir
	s.fail = func(err error) { panic("kassatest: " + err.Error()) }
	return s, nil
}

// start starts the emulator over the data directory dir.
func start(c *config, dir string) (*Server, error) {
	if c.file != "" {
		fx, err := emulator.ReadFixturesFile(c.file)
		if err != nil {
			return nil, err
		}
		c.fixtures.Accounts = append(fx.Accounts, c.fixtures.Accounts...)
		c.fixtures.Prices = append(fx.Prices, c.fixtures.Prices...)
	}
	data := filepath.Join(dir, "data")
	if err := seedData(data); err != nil {
		return nil, err
	}
	cfg := serverConfig(data)
	opts := emulator.Options{Logger: c.log}
	if len(c.fixtures.Accounts) > 0 || len(c.fixtures.Prices) > 0 {
		opts.Fixtures = c.fixtures
	}
	ctx := context.Background()
	emu, err := emulator.Start(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := keepTemplate(data); err != nil {
		emu.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL: emu.URL(), AdminToken: emu.Node().AdminToken(), ServiceToken: emu.Node().ServiceToken(),
		emu: emu, data: data, cancel: cancel, done: make(chan error, 1),
	}
	go func() { s.done <- emu.Run(runCtx) }()
	return s, nil
}

// serverConfig is the configuration of a test server: any free loopback
// port, no demo account, generous limits, quick shutdown.
func serverConfig(data string) *server.Config {
	return &server.Config{
		Data:            data,
		Addr:            "127.0.0.1:0",
		ShutdownTimeout: 5 * time.Second,
		UI:              true,
		ReloadInterval:  10 * time.Minute,
		ReloadLeaseTTL:  time.Minute,
		CallbackTimeout: 5 * time.Second,
		RateLimits:      true,
		AuthMaxFailures: 1000,
		AuthLockout:     5 * time.Minute,
	}
}

// Close stops the server and removes what it kept; safe to call twice.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		<-s.done
		s.emu.Close()
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
	})
}

// DataDir is the server's temporary data directory (the SQLite file, the
// pepper, the tokens, the emulator's snapshots); Close (or the test's end)
// removes it.
func (s *Server) DataDir() string { return s.data }

// Emulator is the emulator under the server, for what the Server's methods
// do not cover.
func (s *Server) Emulator() *emulator.Emulator { return s.emu }

// Journal returns every request the server received (but the control
// API's), oldest first, credentials redacted.
func (s *Server) Journal() []Request {
	reqs, _ := s.emu.Journal().Requests(emulator.Filter{})
	return reqs
}

// JournalFor returns the requests of one method ("" for any) to one path
// (a prefix when it ends in '*').
func (s *Server) JournalFor(method, path string) []Request {
	reqs, _ := s.emu.Journal().Requests(emulator.Filter{Method: method, Path: path})
	return reqs
}

// ClearJournal forgets the requests received so far.
func (s *Server) ClearJournal() { s.emu.Journal().Clear() }

// Fault adds a fault (see emulator.Fault) and returns it with its id.
func (s *Server) Fault(f Fault) Fault {
	stored, err := s.emu.Faults().Add(f)
	if err != nil {
		s.fail(err)
	}
	return stored
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.emu.Faults().Clear() }

// Advance moves the server's clock forward by d and runs the jobs that act
// on time (hold expiry, auto-reload); it returns the emulated time. A zero d
// only runs the jobs.
func (s *Server) Advance(d time.Duration) time.Time {
	now, _, err := s.emu.Advance(context.Background(), d)
	if err != nil {
		s.fail(err)
	}
	return now
}

// Now is the server's emulated time.
func (s *Server) Now() time.Time { return s.emu.Clock().Now() }

// Reset returns the server to its fixtures: data, caches, the clock, the
// journal and the faults.
func (s *Server) Reset() {
	if _, err := s.emu.Reset(context.Background()); err != nil {
		s.fail(err)
	}
}

// LoadFixtures replaces the server's fixtures with fx (the point Reset
// returns to from then on).
func (s *Server) LoadFixtures(fx *Fixtures) {
	if err := s.emu.LoadFixtures(context.Background(), fx, false); err != nil {
		s.fail(err)
	}
}

// tbWriter writes log lines to a test's log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

var _ io.Writer = tbWriter{}
