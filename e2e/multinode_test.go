package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/reload"
)

// mnTo is the number every multi-node test charges (a UK mobile number the
// demo tariff prices).
const mnTo = "447700900123"

// mnChargeBody is the platform API body of one unit to mnTo.
func mnChargeBody(account string) string {
	return fmt.Sprintf(`{"account":%q,"type":"sms","to":%q,"units":1}`, account, mnTo)
}

// mnRateBody is the platform API body rating mnTo.
func mnRateBody(account string) string {
	return fmt.Sprintf(`{"account":%q,"type":"sms","to":%q}`, account, mnTo)
}

// TestMultiNodeCharging runs `kassa migrate`, then two kassa nodes with
// --no-migrate on one PostgreSQL database, and 64 clients charging the same
// few accounts through both nodes alternately. Each account is funded for
// exactly perAccount charges and asked for twice as many. Some charges are
// replayed on the other node, and some keys are sent to both nodes at the
// same moment. Then: exactly perAccount charges succeed per account, every
// balance ends at exactly 0, the ledger holds one charge entry per
// acknowledged key (with the acknowledged id) and none for a refused one,
// every replay answers 200 with Idempotency-Replayed and the first body,
// and `kassa verify` is clean.
func TestMultiNodeCharging(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "8")
	pepper := mnPepperFile(t)
	// The explicit deployment: migrate once, then nodes that do not migrate.
	// (kassa migrate is given the URL without pool_max_conns: it connects
	// with pgx.Connect, which refuses that pool-only parameter.)
	mnMigrate(t, dbURL)
	a := mnStartNode(t, "A", storeURL, pepper, "--no-migrate")
	b := mnStartNode(t, "B", storeURL, pepper, "--no-migrate")
	run := &mnChargeRun{t: t, nodes: []*mnNode{a, b}, acked: map[string]string{}, refused: map[string]bool{}, perAcct: map[string]int{},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 60 * time.Second}}

	const accounts, perAccount, clients = 4, 100, 64
	keys := make([]string, accounts)
	for i := range keys {
		keys[i] = fmt.Sprintf("mn-charge-%d", i)
		mnCreateAccount(t, run.nodes[i%2], keys[i], "")
	}
	rate := b.must(http.MethodPost, "/platform/v1/rate", mnServiceToken, "", mnRateBody(keys[0]), http.StatusOK)
	price := kassa.MustParseAmount(mnString(rate.body["unit_price"]))
	fund, err := price.MulUnits(perAccount)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		// Funded through the node that did not create the account.
		run.nodes[(i+1)%2].must(http.MethodPost, "/admin/v1/accounts/"+k+"/credits", mnAdminToken, "fund-"+k,
			fmt.Sprintf(`{"amount":%q,"reason":"multi-node test"}`, fund.String()), http.StatusCreated)
	}

	// 2 × perAccount unique keys per account, round-robin over the nodes.
	jobs := make(chan mnChargeJob)
	go func() {
		defer close(jobs)
		for i := range 2 * perAccount * accounts {
			jobs <- mnChargeJob{account: keys[i%accounts], key: fmt.Sprintf("mn-%d", i), node: i % 2, twin: i%10 == 3, replay: i%4 == 1}
		}
	}()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for j := range jobs {
				run.do(j)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d charges acknowledged, %d refused (402), %d replays on the other node, %d keys sent to both nodes at once",
		len(run.acked), len(run.refused), run.replays, run.twins)

	conn := mnConnect(t, dbURL)
	for _, k := range keys {
		run.checkAccount(conn, k, perAccount, price)
	}
	check := b.must(http.MethodGet, "/admin/v1/verify", mnAdminToken, "", "", http.StatusOK)
	if check.body["ok"] != true {
		t.Errorf("admin verify on node B: %s", check.raw)
	}
	mnVerify(t, storeURL)
}

// mnChargeJob is one key to charge in TestMultiNodeCharging.
type mnChargeJob struct {
	account, key string
	node         int  // the node it goes to
	twin         bool // sent to both nodes at once instead
	replay       bool // replayed on the other node once acknowledged
}

// mnChargeRun is what the clients of TestMultiNodeCharging saw.
type mnChargeRun struct {
	t      *testing.T
	nodes  []*mnNode
	client *http.Client

	mu      sync.Mutex
	acked   map[string]string // key → charge id
	refused map[string]bool   // keys answered 402
	perAcct map[string]int    // acknowledged charges per account
	replays int
	twins   int
}

// charge sends the job's charge to node n.
func (r *mnChargeRun) charge(n int, j mnChargeJob) (*mnAnswer, error) {
	return mnDo(context.Background(), r.client, http.MethodPost, r.nodes[n].base+"/platform/v1/charges",
		mnServiceToken, j.key, mnChargeBody(j.account))
}

// do runs one job: the charge (to one node, or to both at once), then the
// replay on the other node if the job asks for one.
func (r *mnChargeRun) do(j mnChargeJob) {
	t := r.t
	if j.twin {
		if first, ok := r.twin(j); ok {
			r.record(j, first, func() { r.twins++ })
		}
		return
	}
	ans, err := r.charge(j.node, j)
	if err != nil {
		t.Errorf("charge %s on node %s: %v", j.key, r.nodes[j.node].name, err)
		return
	}
	if ans.status != http.StatusCreated && ans.status != http.StatusPaymentRequired {
		t.Errorf("charge %s on node %s: status %d: %s", j.key, r.nodes[j.node].name, ans.status, ans.raw)
		return
	}
	r.record(j, ans, nil)
	if ans.status != http.StatusCreated || !j.replay {
		return
	}
	// The client lost the answer and its retry landed on the other node.
	other := 1 - j.node
	again, err := r.charge(other, j)
	if err != nil {
		t.Errorf("replay %s on node %s: %v", j.key, r.nodes[other].name, err)
		return
	}
	mnCheckReplay(t, j.key, r.nodes[other].name, ans, again)
	r.record(j, nil, func() { r.replays++ })
}

// record notes the answer that counts for a key (when not nil) and runs
// count under the lock.
func (r *mnChargeRun) record(j mnChargeJob, first *mnAnswer, count func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if count != nil {
		count()
	}
	if first == nil {
		return
	}
	switch first.status {
	case http.StatusCreated:
		r.acked[j.key] = mnString(first.body["id"])
		r.perAcct[j.account]++
	case http.StatusPaymentRequired:
		r.refused[j.key] = true
	}
}

// twin sends one charge to both nodes at the same moment, as a client
// whose retry overtook its first attempt would. Exactly one may charge
// (201) and the other must replay it (200, same body); or, when the account
// is empty, both are refused. It returns the answer that counts.
func (r *mnChargeRun) twin(j mnChargeJob) (*mnAnswer, bool) {
	t := r.t
	var ans [2]*mnAnswer
	var errs [2]error
	var wg sync.WaitGroup
	for n := range 2 {
		wg.Go(func() { ans[n], errs[n] = r.charge(n, j) })
	}
	wg.Wait()
	for n := range 2 {
		if errs[n] != nil {
			t.Errorf("twin charge %s on node %s: %v", j.key, r.nodes[n].name, errs[n])
			return nil, false
		}
	}
	s0, s1 := ans[0].status, ans[1].status
	switch {
	case s0 == http.StatusPaymentRequired && s1 == http.StatusPaymentRequired:
		return ans[0], true
	case s0 == http.StatusCreated && s1 == http.StatusOK:
		mnCheckReplay(t, j.key, r.nodes[1].name, ans[0], ans[1])
		return ans[0], true
	case s0 == http.StatusOK && s1 == http.StatusCreated:
		mnCheckReplay(t, j.key, r.nodes[0].name, ans[1], ans[0])
		return ans[1], true
	}
	t.Errorf("twin charge %s: statuses %d and %d, want one 201 and one 200 replay (or two 402): %s / %s",
		j.key, s0, s1, ans[0].raw, ans[1].raw)
	return nil, false
}

// checkAccount checks one account after the load: exactly want charges
// acknowledged, balance 0, and the ledger's charges exactly the
// acknowledged ones, each of one unit price.
func (r *mnChargeRun) checkAccount(conn *pgx.Conn, account string, want int, price kassa.Amount) {
	t := r.t
	t.Helper()
	if r.perAcct[account] != want {
		t.Errorf("account %s: %d charges succeeded, want exactly %d (funded for %d)", account, r.perAcct[account], want, want)
	}
	if got := mnBalance(t, conn, account); got != 0 {
		t.Errorf("account %s: balance %s, want exactly 0", account, kassa.Amount(got))
	}
	ledger := mnLedgerCharges(t, conn, account)
	if len(ledger) != r.perAcct[account] {
		t.Errorf("account %s: %d charge entries in the ledger, %d acknowledged", account, len(ledger), r.perAcct[account])
	}
	for key, e := range ledger {
		if id, ok := r.acked[key]; !ok || id != fmt.Sprint(e.id) {
			t.Errorf("account %s: charge entry %d (key %s) was not acknowledged with that id (got %q)", account, e.id, key, id)
		}
		if r.refused[key] {
			t.Errorf("account %s: key %s was refused with 402 but is in the ledger", account, key)
		}
		if e.amount != -int64(price) {
			t.Errorf("account %s: charge %s of %s, want -%s", account, key, kassa.Amount(e.amount), price)
		}
	}
}

// mnCheckReplay checks that again replays first: 200, Idempotency-Replayed,
// the same body byte for byte.
func mnCheckReplay(t *testing.T, key, node string, first, again *mnAnswer) {
	t.Helper()
	if again.status != http.StatusOK || again.header.Get("Idempotency-Replayed") != "true" {
		t.Errorf("replay of %s on node %s: status %d, Idempotency-Replayed %q: %s",
			key, node, again.status, again.header.Get("Idempotency-Replayed"), again.raw)
		return
	}
	if !bytes.Equal(first.raw, again.raw) {
		t.Errorf("replay of %s on node %s: body differs\nfirst: %s\nagain: %s", key, node, first.raw, again.raw)
	}
}

// TestMultiNodeConcurrentStart starts three nodes at the same moment on an
// empty database, each migrating it itself (the default): every node must
// start and be ready, each migration must be applied exactly once, and all
// nodes must rate with the same active price book.
func TestMultiNodeConcurrentStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "3")
	pepper := mnPepperFile(t)
	kassaBinary(t) // build first, so that the three processes start together
	var nodes []*mnNode
	for _, name := range []string{"A", "B", "C"} {
		nodes = append(nodes, mnLaunchNode(t, name, storeURL, pepper))
	}
	for _, n := range nodes {
		n.waitListening()
		n.must(http.MethodGet, "/readyz", "", "", "", http.StatusOK)
	}

	conn := mnConnect(t, dbURL)
	rows, err := conn.Query(context.Background(), "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	// Migration numbers may have gaps (they are reserved per piece of
	// work); each applied one is recorded exactly once.
	last := 0
	for rows.Next() {
		var version, count int
		if err := rows.Scan(&version, &count); err != nil {
			t.Fatal(err)
		}
		if version <= last || count != 1 {
			t.Errorf("schema_migrations: version %d recorded %d times after version %d, want each once in order", version, count, last)
		}
		last = version
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if last == 0 {
		t.Fatal("schema_migrations is empty")
	}

	const key = "mn-start"
	mnCreateAccount(t, nodes[0], key, "")
	var first string
	for _, n := range nodes {
		ans := n.must(http.MethodPost, "/platform/v1/rate", mnServiceToken, "", mnRateBody(key), http.StatusOK)
		price := mnString(ans.body["unit_price"])
		if first == "" {
			first = price
		}
		if price != first {
			t.Errorf("node %s rates %s at %s, node A at %s: the nodes disagree on the active price book", n.name, mnTo, price, first)
		}
	}
	var books, accounts int
	if err := conn.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM price_books), (SELECT count(*) FROM accounts)").Scan(&books, &accounts); err != nil {
		t.Fatal(err)
	}
	// The first-start setup runs under a store lease: one demo price book
	// and one demo account between the three nodes, plus the test's account.
	if books != 1 || accounts != 2 {
		t.Errorf("three nodes started at once made %d price-book versions and %d accounts; want 1 and 2 (one demo setup, plus the test's account)", books, accounts)
	}
	mnVerify(t, dbURL)
}

// mnNewGBPrice is the price the activation test gives every UK line.
const mnNewGBPrice = "0.12345678"

// TestMultiNodePriceActivation imports and activates a new price-book
// version through node A's admin API and polls node B's public get-pricing
// (with a secret created on A) and platform rate until they answer the new
// price. The wait is bounded only as a hang guard; how long it took is
// logged.
func TestMultiNodePriceActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "4")
	pepper := mnPepperFile(t)
	a := mnStartNode(t, "A", storeURL, pepper)
	b := mnStartNode(t, "B", storeURL, pepper)
	mnWaitListeners(t, dbURL, 2)
	const key, secret = "mn-price", "MnSecret1234"
	mnCreateAccount(t, a, key, secret) // on A; B must accept the secret (shared pepper)
	gbPrice := func(n *mnNode) string { return mnGBPrice(n, key, secret) }
	ratePrice := func(n *mnNode) string {
		ans := n.must(http.MethodPost, "/platform/v1/rate", mnServiceToken, "", mnRateBody(key), http.StatusOK)
		return mnString(ans.body["unit_price"])
	}
	before := gbPrice(b)
	if before == "" || before == mnNewGBPrice || gbPrice(a) != before {
		t.Fatalf("before the activation: node A answers %q, node B %q; want the same demo price, not %s", gbPrice(a), before, mnNewGBPrice)
	}

	version := mnActivateGBPrice(a, mnNewGBPrice)
	activated := time.Now()
	if got := gbPrice(a); got != mnNewGBPrice {
		t.Errorf("node A answers %s right after activating version %s, want %s", got, version, mnNewGBPrice)
	}
	for _, n := range []*mnNode{b, a} {
		took := mnEventually(t, 30*time.Second, 20*time.Millisecond, "node "+n.name+" answers the new price", func() bool {
			return gbPrice(n) == mnNewGBPrice
		})
		t.Logf("node %s answered version %s's price %s after %s (since the activation was acknowledged: %s)",
			n.name, version, mnNewGBPrice, took.Round(time.Millisecond), time.Since(activated).Round(time.Millisecond))
		if got := ratePrice(n); got != mnNewGBPrice {
			t.Errorf("node %s: platform rate to %s is %s after get-pricing changed, want %s", n.name, mnTo, got, mnNewGBPrice)
		}
	}
}

// mnWaitListeners waits until n sessions in the test database LISTEN (for
// price-book activations: one per node).
func mnWaitListeners(t *testing.T, dbURL string, n int) {
	t.Helper()
	conn := mnConnect(t, dbURL)
	mnEventually(t, 30*time.Second, 50*time.Millisecond, fmt.Sprintf("%d nodes LISTEN for price-book activations", n), func() bool {
		var got int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&got)
		return err == nil && got == n
	})
}

// mnGBPrice is the UK SMS default price node n answers on the public
// get-pricing API.
func mnGBPrice(n *mnNode, key, secret string) string {
	n.tb.Helper()
	ans := n.must(http.MethodGet, "/account/get-pricing/outbound/sms?country=GB&api_key="+key+"&api_secret="+secret, "", "", "", http.StatusOK)
	return mnString(ans.body["defaultPrice"])
}

// mnActivateGBPrice imports, through n's admin API, a rate deck of one
// line (the SMS price to the UK; the other types are copied from the
// active version, base=active) and activates it now. It returns the
// version.
func mnActivateGBPrice(n *mnNode, price string) string {
	n.tb.Helper()
	imported := n.must(http.MethodPost, "/admin/v1/pricebooks?type=sms&format=csv&name=e2e+multi-node&base=active",
		mnAdminToken, "", "country,price\nGB,"+price+"\n", http.StatusCreated)
	version := mnString(imported.body["version"])
	n.must(http.MethodPost, "/admin/v1/pricebooks/"+version+"/activate", mnAdminToken, "", "{}", http.StatusOK)
	return version
}

// mnLeaseName is the auto-reload scheduler's lease.
const mnLeaseName = reload.LeaseName

// TestMultiNodeSchedulerLease runs the auto-reload scheduler (ledger-only
// gateway, a one-second interval) on two nodes of one database: one node
// holds the lease "reload-scheduler" and reloads an always-due account;
// killing it with SIGKILL moves the lease to the other node, which keeps
// reloading. No reload is written while the dead node's lease is still
// unexpired, and every reload key is used once, in sequence.
func TestMultiNodeSchedulerLease(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "4")
	pepper := mnPepperFile(t)
	for _, f := range []string{"--reload-gateway", "--reload-interval", "--reload-lease-ttl"} {
		if !mnServeHasFlag(t, f) {
			t.Fatalf("kassa serve has no %s flag: the auto-reload scheduler is not wired into serve", f)
		}
	}
	// The takeover waits for the dead node's lease to expire: a short lease
	// keeps the test short.
	ttl := 3 * time.Second
	flags := []string{"--reload-gateway", "ledger-only", "--reload-interval", "1s", "--reload-lease-ttl", ttl.String()}
	conn := mnConnect(t, dbURL)
	lease := func() (holder string, expires time.Time) {
		err := conn.QueryRow(context.Background(), "SELECT holder, expires_at FROM leases WHERE name = $1", mnLeaseName).Scan(&holder, &expires)
		if err != nil && err != pgx.ErrNoRows {
			t.Fatalf("read lease: %v", err)
		}
		return holder, expires
	}
	reloads := func() int {
		var n int
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM entries WHERE kind = 'reload'").Scan(&n); err != nil {
			t.Fatalf("count reloads: %v", err)
		}
		return n
	}

	// A starts first and takes the lease before B runs.
	a := mnStartNode(t, "A", storeURL, pepper, flags...)
	var holderA string
	mnEventually(t, 30*time.Second, 50*time.Millisecond, "node A takes the scheduler lease", func() bool {
		holderA, _ = lease()
		return holderA != ""
	})
	b := mnStartNode(t, "B", storeURL, pepper, flags...)
	const key = "mn-reload"
	mnCreateAccount(t, b, key, "")
	b.must(http.MethodPut, "/admin/v1/accounts/"+key+"/auto-reload", mnAdminToken, "",
		`{"enabled":true,"trx":"mn-trx","amount":"1.00","threshold":"1000000","daily_cap":1000}`, http.StatusOK)
	mnEventually(t, 30*time.Second, 50*time.Millisecond, "the lease holder reloads the due account", func() bool { return reloads() >= 2 })
	if h, _ := lease(); h != holderA {
		t.Fatalf("the lease moved from %s to %s while its holder was alive", holderA, h)
	}
	// kassa names a lease holder host-PID-random: the PID says which node
	// holds it (it must be A, which took it alone).
	if !mnHolds(holderA, a) || mnHolds(holderA, b) {
		t.Fatalf("lease holder %q: want node A (pid %d), not B (pid %d)", holderA, a.cmd.Process.Pid, b.cmd.Process.Pid)
	}

	a.kill()
	killed := time.Now()
	_, expiresA := lease()
	before := reloads()
	var holderB string
	took := mnEventually(t, ttl+30*time.Second, 50*time.Millisecond, "the lease moves to node B", func() bool {
		holderB, _ = lease()
		return holderB != "" && holderB != holderA
	})
	if !mnHolds(holderB, b) {
		t.Errorf("lease holder %q after the takeover: want node B (pid %d)", holderB, b.cmd.Process.Pid)
	}
	t.Logf("lease %s: A (%s) killed with %s left on its lease; B (%s) took over %s after the kill",
		mnLeaseName, holderA, expiresA.Sub(killed).Round(time.Millisecond), holderB, took.Round(time.Millisecond))
	mnEventually(t, 30*time.Second, 50*time.Millisecond, "node B keeps reloading", func() bool { return reloads() >= before+2 })
	if h, _ := lease(); h != holderB {
		t.Errorf("the lease is held by %q, want node B (%s)", h, holderB)
	}

	// Nothing was reloaded between the kill and the expiry of A's lease.
	var early int
	if err := conn.QueryRow(context.Background(),
		"SELECT count(*) FROM entries WHERE kind = 'reload' AND created_at > $1 AND created_at < $2", killed, expiresA).Scan(&early); err != nil {
		t.Fatal(err)
	}
	if early != 0 {
		t.Errorf("%d reloads were written after A died but before its lease expired", early)
	}
	mnCheckReloadKeys(t, conn, key)
	b.must(http.MethodGet, "/readyz", "", "", "", http.StatusOK)
	mnVerify(t, storeURL)
}

// mnHolds reports whether a lease holder name (host-PID-random, as kassa
// serve names its node) is node n's.
func mnHolds(holder string, n *mnNode) bool {
	return strings.Contains(holder, fmt.Sprintf("-%d-", n.cmd.Process.Pid))
}

// mnCheckReloadKeys checks that an account's reload entries carry the keys
// reload:<key>:<day>:1, 2, 3… with no gap and no repeat within each day,
// and that the balance is their sum.
func mnCheckReloadKeys(t *testing.T, conn *pgx.Conn, account string) {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT idempotency_key, amount FROM entries WHERE account = $1 AND kind = 'reload' ORDER BY id", account)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{} // day → next n
	var sum int64
	for rows.Next() {
		var k string
		var amount int64
		if err := rows.Scan(&k, &amount); err != nil {
			t.Fatal(err)
		}
		sum += amount
		var day string
		var n int
		prefix := "reload:" + account + ":"
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("reload key %q does not start with %q", k, prefix)
			continue
		}
		if _, err := fmt.Sscanf(strings.ReplaceAll(k[len(prefix):], ":", " "), "%s %d", &day, &n); err != nil {
			t.Errorf("reload key %q: %v", k, err)
			continue
		}
		if next[day] == 0 {
			next[day] = 1
		}
		if n != next[day] {
			t.Errorf("reload key %q: want n = %d (keys in sequence, each once)", k, next[day])
		}
		next[day] = n + 1
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := mnBalance(t, conn, account); got != sum {
		t.Errorf("balance %s, want the sum of the reloads %s", kassa.Amount(got), kassa.Amount(sum))
	}
}

// mnServeHasFlag reports whether `kassa serve --help` lists the flag.
func mnServeHasFlag(t *testing.T, flag string) bool {
	t.Helper()
	mnHelpOnce.Do(func() {
		cmd := exec.Command(kassaBinary(t), "serve", "--help")
		cmd.Env = mnCleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kassa serve --help: %v\n%s", err, out)
		}
		mnServeHelp = string(out)
	})
	return strings.Contains(mnServeHelp, flag+" ")
}

var (
	mnHelpOnce  sync.Once
	mnServeHelp string
)

// mnBenchAccounts is how many accounts the spread benchmarks charge.
const mnBenchAccounts = 1000

// BenchmarkPostgresPlatformCharges measures durable charges per second
// through the HTTP platform API of kassa nodes on one PostgreSQL database:
// 8 and 64 clients, over mnBenchAccounts accounts and over one hot
// account, through one node and through two nodes (clients alternate).
// Beside them, in the same run and on the same database, the baseline:
// hand-written pgx debit transactions (update the balance, insert the
// entry, commit) from 1 and 8 goroutines, as postgres.BenchmarkRawDebit.
// Report the HTTP rates as ratios to raw-pgx/goroutines=1.
func BenchmarkPostgresPlatformCharges(b *testing.B) {
	if testing.Short() {
		b.Skip("runs kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(b)
	pepper := mnPepperFile(b)
	nodes := []*mnNode{mnStartNode(b, "A", dbURL, pepper), mnStartNode(b, "B", dbURL, pepper)}
	mnBenchFund(b, dbURL)

	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("raw-pgx/goroutines=%d", workers), func(b *testing.B) {
			mnBenchRawDebit(b, dbURL, workers)
		})
	}
	for _, n := range []int{1, 2} {
		for _, spread := range []bool{true, false} {
			for _, clients := range []int{8, 64} {
				accounts := mnBenchAccounts
				if !spread {
					accounts = 1
				}
				b.Run(fmt.Sprintf("http/nodes=%d/accounts=%d/clients=%d", n, accounts, clients), func(b *testing.B) {
					mnBenchHTTPCharges(b, nodes[:n], accounts, clients)
				})
			}
		}
	}
	b.StopTimer()
	mnVerify(b, dbURL)
}

// mnBenchRun numbers benchmark runs so that idempotency keys stay unique
// across the repeated calls of one sub-benchmark.
var mnBenchRun atomic.Int64

// mnBenchHTTPCharges charges b.N times through the nodes' platform API
// from clients goroutines; account i%accounts, node i%len(nodes).
func mnBenchHTTPCharges(b *testing.B, nodes []*mnNode, accounts, clients int) {
	run := mnBenchRun.Add(1)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	bodies := make([]string, accounts)
	for i := range bodies {
		bodies[i] = mnChargeBody(fmt.Sprintf("bench%04d", i))
	}
	ctx := context.Background()
	testkit.RunConcurrent(b, clients, func(i int64) error {
		n := nodes[i%int64(len(nodes))]
		a, err := mnDo(ctx, client, http.MethodPost, n.base+"/platform/v1/charges", mnServiceToken,
			fmt.Sprintf("bench-%d-%d", run, i), bodies[i%int64(accounts)])
		if err != nil {
			return err
		}
		if a.status != http.StatusCreated {
			return fmt.Errorf("charge: status %d: %s", a.status, a.raw)
		}
		return nil
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "charges/s")
}

// mnBenchRawDebit is the baseline: one hand-written pgx transaction per
// debit over the raw accounts, with no locking read, no floor check, no
// idempotency and no HTTP.
func mnBenchRawDebit(b *testing.B, dbURL string, workers int) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	testkit.RunConcurrent(b, workers, func(i int64) error {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		key := fmt.Sprintf("raw%04d", i%mnBenchAccounts)
		var balance int64
		if err := tx.QueryRow(ctx, "UPDATE accounts SET balance = balance - 1 WHERE api_key = $1 RETURNING balance", key).Scan(&balance); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO entries (account, kind, amount, balance_after, created_at)
			VALUES ($1, 'debit', -1, $2, now())`, key, balance); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "debits/s")
}

// mnBenchFund creates mnBenchAccounts funded EUR accounts "bench0000"…
// for the HTTP charges and as many "raw0000"… for the baseline, in bulk,
// each with its opening credit entry and limits that never throttle.
func mnBenchFund(b *testing.B, dbURL string) {
	b.Helper()
	conn := mnConnect(b, dbURL)
	const fund = `
		WITH a AS (
			INSERT INTO accounts (api_key, currency, balance, max_outbound_request, max_inbound_request,
				max_calls_per_second, pricing_per_second, created_at, updated_at)
			SELECT $2 || lpad(i::text, 4, '0'), 'EUR', 1000000000000000, 1000000, 1000000, 1000000, 1000000, now(), now()
			FROM generate_series(0, $1 - 1) AS i
			RETURNING api_key, balance)
		INSERT INTO entries (account, kind, amount, balance_after, reason, created_at)
		SELECT api_key, 'credit', balance, balance, 'bench funding', now() FROM a`
	for _, prefix := range []string{"bench", "raw"} {
		if _, err := conn.Exec(context.Background(), fund, mnBenchAccounts, prefix); err != nil {
			b.Fatalf("fund %s accounts: %v", prefix, err)
		}
	}
}
