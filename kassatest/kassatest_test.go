package kassatest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/kassatest"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestMain fails the package when any goroutine outlives its tests: every
// server the tests and examples start must stop completely.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd here (%v): the file check needs Linux", err)
	}
	return len(entries)
}

// TestServersLeaveNothingBehind: servers started and stopped one after
// another leave no goroutine, no open file and no file on disk; a test's
// server is stopped by its cleanup.
func TestServersLeaveNothingBehind(t *testing.T) {
	kassatest.New(t).Close() // the first server of the process makes the template
	http.DefaultClient.CloseIdleConnections()
	before := openFiles(t)
	var dirs []string
	for range 3 {
		srv, err := kassatest.Start(kassatest.WithAccount("leak0001", "Leak0001Secret", "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		c := client.New(srv.URL, client.WithCredentials("leak0001", "Leak0001Secret"))
		if _, err := c.Balance(context.Background()); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, srv.DataDir())
		srv.Close()
		srv.Close() // twice is harmless
	}
	http.DefaultClient.CloseIdleConnections()
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
	if after := openFiles(t); after > before {
		t.Errorf("%d open files after 3 servers came and went, %d before", after, before)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left behind (%v)", d, err)
		}
	}

	var srv *kassatest.Server
	t.Run("cleanup", func(t *testing.T) {
		srv = kassatest.New(t)
	})
	if _, err := http.Get(srv.URL + "/healthz"); err == nil {
		t.Error("a test's server still answers after the test ended")
	}
}

// TestServerControls: the Server's methods drive the emulator: the
// journal, a fault, the clock, a reset back to the fixtures.
func TestServerControls(t *testing.T) {
	srv := kassatest.New(t, kassatest.WithAccounts(kassatest.Account{
		APIKey: "ctl00001", Secrets: []string{"Ctl00001Secret"}, Balance: "5.00", Currency: "USD",
	}), kassatest.WithPrices(kassatest.Price{Type: "sms", Country: "DE", Price: "0.0777"}))
	ctx := context.Background()
	c := client.New(srv.URL, client.WithCredentials("ctl00001", "Ctl00001Secret"), client.WithRetries(0))
	srv.Fault(kassatest.Fault{Path: "/account/get-balance", Status: http.StatusTeapot})
	if _, err := c.Balance(ctx); err == nil {
		t.Error("the fault did not answer")
	}
	b, err := c.Balance(ctx)
	if err != nil || b.Value.Decimal() != "5.00" {
		t.Fatalf("balance after the fault: %v %v", b, err)
	}
	if n := len(srv.JournalFor("GET", "/account/get-balance")); n != 2 {
		t.Errorf("journal: %d balance requests, want 2", n)
	}
	before := srv.Now()
	if now := srv.Advance(48 * time.Hour); now.Sub(before) < 48*time.Hour {
		t.Errorf("Advance(48h) moved the clock from %s to %s", before, now)
	}
	srv.Reset()
	if len(srv.Journal()) != 0 || srv.Now().Sub(before) > time.Hour {
		t.Errorf("after Reset: %d journal entries, clock at %s", len(srv.Journal()), srv.Now())
	}
	admin := client.New(srv.URL, client.WithAdminToken(srv.AdminToken))
	acct, err := admin.GetAccount(ctx, "ctl00001")
	if err != nil || acct.Currency != "USD" {
		t.Errorf("the fixture account through the admin API: %+v %v", acct, err)
	}
}

// TestFixtureFile: a server starts from a fixture file, and a bad file is
// refused naming its line.
func TestFixtureFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("accounts:\n  - api_key: file0001\n    secrets: [File0001Secret]\n    balance: 7\n"), 0o600)
	srv := kassatest.New(t, kassatest.WithFixtureFile(good))
	b, err := client.New(srv.URL, client.WithCredentials("file0001", "File0001Secret")).Balance(context.Background())
	if err != nil || b.Value.Decimal() != "7.00" {
		t.Errorf("balance from the fixture file: %v %v", b, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"accounts\": [\n    {\"api_key\": \"x\"}\n  ]\n}\n"), 0o600)
	_, err = kassatest.Start(kassatest.WithFixtureFile(bad))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a bad fixture file: %v, want a refusal naming line 3", err)
	}
}

// BenchmarkNew measures the start and stop of a test server (after the
// first of the process, which imports the demo tariff).
func BenchmarkNew(b *testing.B) {
	kassatest.New(b).Close()
	b.ResetTimer()
	for range b.N {
		kassatest.New(b, kassatest.WithAccount("bench001", "Bench001Secret", "10.00")).Close()
	}
}

// BenchmarkReset measures a reset to one fixture account.
func BenchmarkReset(b *testing.B) {
	srv := kassatest.New(b, kassatest.WithAccount("bench001", "Bench001Secret", "10.00"))
	b.ResetTimer()
	for range b.N {
		srv.Reset()
	}
}

// TestServersShareCompiledPrices: a later server starts from the template
// and shares the first one's compiled demo tariff instead of compiling it
// again (what makes it start in milliseconds).
func TestServersShareCompiledPrices(t *testing.T) {
	a := kassatest.New(t)
	b := kassatest.New(t, kassatest.WithAccount("share001", "Share001Secret", "1"))
	pa, pb := a.Emulator().Node().Prices().Current(), b.Emulator().Node().Prices().Current()
	if pa == nil || pa != pb {
		t.Errorf("the servers' price snapshots: %p and %p, want one shared", pa, pb)
	}
}

// BenchmarkBaselineOpenStore is the floor of any server start measured in
// the same run: a fresh SQLite store in a temporary directory, migrated and
// closed.
func BenchmarkBaselineOpenStore(b *testing.B) {
	for range b.N {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "kassa.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
