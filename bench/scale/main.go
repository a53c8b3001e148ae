// Command scale measures how kassa's SQLite store costs grow with the
// ledger: for each ledger size it builds a data directory of 100,000
// accounts and that many entries (one account in ten entries goes to one
// hot account), then measures get-balance's store read, a durable charge,
// the first and a deep page of the hot account's entries (keyset, and the
// dashboard's offset), kassa verify and kassa backup (time and peak
// memory, as child processes) and the database bytes per entry. It prints
// a Markdown table; each figure's ratio is to the smallest size of the
// same run. See bench/SCALE.md.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/sqlite"
)

const (
	hotAccount = "hot00000"
	seedBatch  = 20000 // appends per seeding transaction
)

// row is one ledger size's figures.
type row struct {
	entries int
	load    string
	values  map[string]float64
}

// metrics are the table's rows, in order, with their units.
var metrics = []struct{ key, what, unit string }{
	{"balance", "get-balance store read (FindBalance, not cached), median", "µs"},
	{"account", "authenticated account read (FindAccount), median", "µs"},
	{"charge", "durable charge through charging.Ledger, one at a time, median", "ms"},
	{"first", "first page of the hot account's entries (50, with total), median", "ms"},
	{"count", "first page of a new query (counts the total: a scan of the hot account's entries), median", "ms"},
	{"deep", "deep keyset page (before = 100th oldest entry), median", "ms"},
	{"offset", "deep offset page (the dashboard's last page), median", "ms"},
	{"verify_s", "kassa verify, wall time", "s"},
	{"verify_rss", "kassa verify, peak RSS", "MiB"},
	{"backup_s", "kassa backup, wall time", "s"},
	{"backup_rss", "kassa backup, peak RSS", "MiB"},
	{"bytes", "database bytes per entry (beyond the accounts)", "B"},
	{"seed_s", "seeding (InLedgerTx, 20,000 appends a transaction)", "s"},
}

func main() {
	sizes := flag.String("sizes", "10000,1000000", "ledger sizes (entries), comma-separated")
	accounts := flag.Int("accounts", 100000, "accounts")
	kassaBin := flag.String("kassa", "", "the kassa binary for verify and backup (built from ./cmd/kassa when empty)")
	dir := flag.String("dir", os.TempDir(), "where to build the data directories (removed after each size)")
	flag.Parse()
	if err := run(*sizes, *accounts, *kassaBin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(sizeList string, accounts int, kassaBin, dir string) error {
	var sizes []int
	for _, s := range strings.Split(sizeList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			return fmt.Errorf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	if kassaBin == "" {
		kassaBin = filepath.Join(dir, fmt.Sprintf("kassa-scale-%d", os.Getpid()))
		if out, err := exec.Command("go", "build", "-o", kassaBin, "./cmd/kassa").CombinedOutput(); err != nil {
			return fmt.Errorf("build kassa: %v\n%s", err, out)
		}
		defer os.Remove(kassaBin)
	}
	var rows []row
	for _, n := range sizes {
		r, err := measure(n, accounts, kassaBin, dir)
		if err != nil {
			return fmt.Errorf("%d entries: %w", n, err)
		}
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "%d entries done: %v\n", n, r.values)
	}
	printTable(rows, accounts)
	return nil
}

// measure builds one ledger and measures it.
func measure(n, accounts int, kassaBin, parent string) (row, error) {
	r := row{entries: n, load: loadavg(), values: map[string]float64{}}
	ctx := context.Background()
	data, err := os.MkdirTemp(parent, "kassa-scale-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(data)
	path := filepath.Join(data, "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return r, err
	}
	db.Close()
	if err := seedAccounts(path, accounts); err != nil {
		return r, err
	}
	before := dbBytes(path)
	start := time.Now()
	if db, err = sqlite.Open(ctx, path, sqlite.Options{}); err != nil {
		return r, err
	}
	keys, err := seedEntries(ctx, db, n, accounts)
	if err != nil {
		db.Close()
		return r, err
	}
	r.values["seed_s"] = time.Since(start).Seconds()
	db.Close() // checkpoints the WAL into the file
	r.values["bytes"] = float64(dbBytes(path)-before) / float64(n)

	if r.values["verify_s"], r.values["verify_rss"], err = child(kassaBin, "verify", "--data", data); err != nil {
		return r, err
	}
	if db, err = sqlite.Open(ctx, path, sqlite.Options{}); err != nil {
		return r, err
	}
	err = measureStore(ctx, db, keys, r.values)
	db.Close()
	if err != nil {
		return r, err
	}
	backup := filepath.Join(data, "backup.db")
	if r.values["backup_s"], r.values["backup_rss"], err = child(kassaBin, "backup", "--data", data, backup); err != nil {
		return r, err
	}
	return r, nil
}

// seedAccounts inserts the accounts with one statement (creating 100,000
// accounts through the store would cost as many fsyncs), each with a credit
// limit of 1,000 EUR so that every charge of the run succeeds.
func seedAccounts(path string, accounts int) error {
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer raw.Close()
	now := time.Now().UnixNano()
	_, err = raw.Exec(`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ? - 1)
		INSERT INTO accounts (api_key, currency, credit_limit, created_at, updated_at)
		SELECT CASE i WHEN 0 THEN ? ELSE printf('sc%06d', i) END, 'EUR', ?, ?, ? FROM s`,
		accounts, hotAccount, kassa.MustParseAmount("-1000"), now, now)
	return err
}

// accountKey is the i-th account's api key.
func accountKey(i int) string {
	if i == 0 {
		return hotAccount
	}
	return fmt.Sprintf("sc%06d", i)
}

// seedEntries appends n credits through the store, seedBatch a
// transaction: every tenth to the hot account, the others spread over the
// rest. It returns the other accounts' keys.
func seedEntries(ctx context.Context, db *sqlite.DB, n, accounts int) ([]string, error) {
	amount := kassa.MustParseAmount("1")
	for done := 0; done < n; {
		todo := min(seedBatch, n-done)
		err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			for j := range todo {
				i := done + j
				key := hotAccount
				if i%10 != 0 {
					key = accountKey(1 + i%(accounts-1))
				}
				if err := tx.Append(&kassa.Entry{Account: key, Kind: kassa.KindCredit, Amount: amount, Reason: "scale seed", Reference: "seed-" + strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		done += todo
	}
	keys := make([]string, 0, accounts-1)
	for i := 1; i < accounts; i++ {
		keys = append(keys, accountKey(i))
	}
	return keys, nil
}

// measureStore times the store operations on the built ledger.
func measureStore(ctx context.Context, db *sqlite.DB, keys []string, v map[string]float64) error {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return keys[rng.IntN(len(keys))] }
	var err error
	// Distinct accounts: each FindBalance misses the cache and reads the file.
	perm := rng.Perm(len(keys))
	i := 0
	if v["balance"], err = median(min(2000, len(keys)), time.Microsecond, func() error {
		_, err := db.FindBalance(ctx, keys[perm[i]])
		i++
		return err
	}); err != nil {
		return err
	}
	if v["account"], err = median(2000, time.Microsecond, func() error {
		_, err := db.FindAccount(ctx, pick())
		return err
	}); err != nil {
		return err
	}
	l := charging.New(db, charging.Options{})
	defer l.Close()
	rating := kassa.Rating{Country: "GB", NetworkCode: "23410", NetworkName: "O2", NetworkType: kassa.Mobile,
		UnitPrice: kassa.MustParseAmount("0.0333"), Currency: kassa.EUR}
	seq := 0
	if v["charge"], err = median(200, time.Millisecond, func() error {
		seq++
		_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: pick(), Type: kassa.SMS, To: "447700900123", Units: 1,
			Rating: rating, IdempotencyKey: "scale-" + strconv.Itoa(seq)})
		return err
	}); err != nil {
		return err
	}
	if v["first"], err = median(300, time.Millisecond, func() error {
		_, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: hotAccount, Limit: 50})
		return err
	}); err != nil {
		return err
	}
	// A query not seen before: every one counts (the Since bound differs
	// by a nanosecond and matches every entry).
	epoch := time.Unix(0, 1)
	if v["count"], err = median(20, time.Millisecond, func() error {
		epoch = epoch.Add(time.Nanosecond)
		_, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: hotAccount, Since: epoch, Limit: 50})
		return err
	}); err != nil {
		return err
	}
	oldest, total, err := oldestEntries(ctx, db, hotAccount)
	if err != nil {
		return err
	}
	if v["deep"], err = median(300, time.Millisecond, func() error {
		_, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: hotAccount, Before: oldest, Limit: 50})
		return err
	}); err != nil {
		return err
	}
	if v["offset"], err = median(20, time.Millisecond, func() error {
		_, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: hotAccount, Offset: max(0, total-50), Limit: 50})
		return err
	}); err != nil {
		return err
	}
	return nil
}

// oldestEntries returns the id of the account's 100th oldest entry (its
// first if it has fewer) and its number of entries.
func oldestEntries(ctx context.Context, db *sqlite.DB, account string) (int64, int, error) {
	_, total, err := db.ListEntries(ctx, kassa.EntryFilter{Account: account, Limit: 1})
	if err != nil {
		return 0, 0, err
	}
	page, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: account, Offset: max(0, total-100), Limit: 1})
	if err != nil || len(page) == 0 {
		return 0, 0, fmt.Errorf("oldest entries of %s: %v", account, err)
	}
	return page[0].ID, total, nil
}

// median runs fn count times and returns the median duration in unit.
func median(count int, unit time.Duration, fn func() error) (float64, error) {
	d := make([]time.Duration, 0, count)
	for range count {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	return float64(d[len(d)/2]) / float64(unit), nil
}

// child runs the kassa binary and returns its wall time in seconds and its
// peak resident memory in MiB.
func child(bin string, args ...string) (float64, float64, error) {
	cmd := exec.Command(bin, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("kassa %s: %v\n%s", args[0], err, out)
	}
	wall := time.Since(start).Seconds()
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss float64
	if ru != nil {
		rss = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	return wall, rss, nil
}

// dbBytes is the size of the database file and its WAL.
func dbBytes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// printTable writes the Markdown table: one column per size, each figure
// with its ratio to the smallest size.
func printTable(rows []row, accounts int) {
	fmt.Printf("%d accounts; one entry in ten to the hot account.\n\n", accounts)
	fmt.Print("| measure |")
	for _, r := range rows {
		fmt.Printf(" %s entries |", group(r.entries))
	}
	fmt.Print("\n| --- |")
	for range rows {
		fmt.Print(" ---: |")
	}
	fmt.Print("\n| load average before (1, 5, 15 min) |")
	for _, r := range rows {
		fmt.Printf(" %s |", r.load)
	}
	fmt.Println()
	for _, m := range metrics {
		fmt.Printf("| %s (%s) |", m.what, m.unit)
		base := rows[0].values[m.key]
		for i, r := range rows {
			val := r.values[m.key]
			if i == 0 || base == 0 {
				fmt.Printf(" %s |", num(val))
			} else {
				fmt.Printf(" %s (×%.2f) |", num(val), val/base)
			}
		}
		fmt.Println()
	}
}

// num formats a figure with three significant digits or so.
func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
