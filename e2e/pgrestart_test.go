package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestPostgresRestartUnderLoad cuts a kassa node off its database in the
// middle of a charging load and brings the database back, without touching
// the shared PostgreSQL server: the node reaches PostgreSQL through a TCP
// proxy of the test's own, which is closed (listener and every connection)
// for a few seconds and then reopened on the same port.
//
// While the database is away the node must answer 503, never 500, on
// /readyz and on API calls; it must recover by itself. Every client
// retries each charge with its idempotency key until it is acknowledged,
// so at the end every key was acknowledged, and the ledger must hold each
// exactly once with the acknowledged id; verify must be clean.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kassa on PostgreSQL through a proxy; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	proxy := mnStartProxy(t, mnHostPort(t, dbURL))
	storeURL := mnWithParam(t, mnWithHost(t, dbURL, proxy.addr), "pool_max_conns", "8")
	storeURL = mnWithParam(t, storeURL, "connect_timeout", "2")
	n := mnStartNode(t, "A", storeURL, mnPepperFile(t))
	const key = "mn-restart"
	mnCreateAccount(t, n, key, "")
	credit := kassa.MustParseAmount("100000")
	n.must(http.MethodPost, "/admin/v1/accounts/"+key+"/credits", mnAdminToken, "fund",
		fmt.Sprintf(`{"amount":%q,"reason":"restart test"}`, credit.String()), http.StatusCreated)

	load := mnStartChargeLoad(t, n, key, 16)
	probe := mnStartReadyProbe(n)
	load.waitAcked(t, 100)

	proxy.cut()
	cutAt := time.Now()
	// API calls while the database is away: 503 with a problem body.
	mnEventually(t, 30*time.Second, 50*time.Millisecond, "/readyz answers 503 while the database is away", func() bool {
		return probe.count(http.StatusServiceUnavailable) > 0
	})
	ans, err := mnDo(context.Background(), http.DefaultClient, http.MethodGet, n.base+"/admin/v1/accounts/"+key, mnAdminToken, "", "")
	if err != nil {
		t.Fatalf("admin GET while the database is away: %v", err)
	}
	if ans.status != http.StatusServiceUnavailable {
		t.Errorf("admin GET while the database is away: status %d, want 503: %s", ans.status, ans.raw)
	}
	time.Sleep(3*time.Second - time.Since(cutAt))
	ackedDuringCut := load.acked()
	proxy.restore(t)
	restored := time.Now()
	took := mnEventually(t, 60*time.Second, 50*time.Millisecond, "/readyz answers 200 again", func() bool {
		a, err := mnDo(context.Background(), http.DefaultClient, http.MethodGet, n.base+"/readyz", "", "", "")
		return err == nil && a.status == http.StatusOK
	})
	t.Logf("database away for %s; ready again %s after it came back", restored.Sub(cutAt).Round(time.Millisecond), took.Round(time.Millisecond))
	load.waitAcked(t, ackedDuringCut+100)
	acked := load.stop(t)
	probe.stop()

	t.Logf("%d charges acknowledged; clients saw %d answers 503 and %d transport errors; /readyz answered %v",
		len(acked), load.unavailable.Load(), load.transport.Load(), probe.summary())
	if load.unavailable.Load() == 0 {
		t.Errorf("no charge was answered 503 while the database was away")
	}
	if c := probe.count(http.StatusInternalServerError); c > 0 {
		t.Errorf("/readyz answered 500 %d times", c)
	}
	if t.Failed() {
		return
	}

	conn := mnConnect(t, dbURL)
	ledger := mnLedgerCharges(t, conn, key)
	for k, id := range acked {
		if e, ok := ledger[k]; !ok || fmt.Sprint(e.id) != id {
			t.Errorf("acknowledged charge %s (id %s) is not in the ledger with that id", k, id)
		}
	}
	if len(ledger) != len(acked) {
		t.Errorf("%d charge entries in the ledger, %d keys charged and acknowledged", len(ledger), len(acked))
	}
	var spent int64
	for _, e := range ledger {
		spent -= e.amount
	}
	if got, want := mnBalance(t, conn, key), int64(credit)-spent; got != want {
		t.Errorf("balance %s, want %s", kassa.Amount(got), kassa.Amount(want))
	}
	mnVerify(t, dbURL)
}

// TestPostgresRestartMissedActivation activates a price-book version on
// node A while node B is cut off the database (B reaches it through a
// proxy of the test's own), so that B's LISTEN session misses the
// notification. Once the database is back, B must answer the new price by
// itself (its listener reconnects and reloads, or its periodic check finds
// the version). The wait is a hang guard; how long it took is logged.
func TestPostgresRestartMissedActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	proxy := mnStartProxy(t, mnHostPort(t, dbURL))
	pepper := mnPepperFile(t)
	a := mnStartNode(t, "A", mnWithParam(t, dbURL, "pool_max_conns", "4"), pepper)
	viaProxy := mnWithParam(t, mnWithHost(t, dbURL, proxy.addr), "pool_max_conns", "4")
	b := mnStartNode(t, "B", mnWithParam(t, viaProxy, "connect_timeout", "2"), pepper)
	mnWaitListeners(t, dbURL, 2)
	const key, secret = "mn-missed", "MnSecret1234"
	mnCreateAccount(t, a, key, secret)
	before := mnGBPrice(b, key, secret)
	if before == mnNewGBPrice {
		t.Fatalf("node B answers %s before the activation", before)
	}

	proxy.cut()
	mnEventually(t, 30*time.Second, 50*time.Millisecond, "node B's /readyz answers 503 while it is cut off", func() bool {
		ans, err := mnDo(context.Background(), http.DefaultClient, http.MethodGet, b.base+"/readyz", "", "", "")
		return err == nil && ans.status == http.StatusServiceUnavailable
	})
	version := mnActivateGBPrice(a, mnNewGBPrice)
	mnWaitListeners(t, dbURL, 1) // B's listener is gone: the notification cannot reach it
	proxy.restore(t)
	took := mnEventually(t, 60*time.Second, 50*time.Millisecond, "node B answers the new price", func() bool {
		ans, err := mnDo(context.Background(), http.DefaultClient, http.MethodGet,
			b.base+"/account/get-pricing/outbound/sms?country=GB&api_key="+key+"&api_secret="+secret, "", "", "")
		return err == nil && ans.status == http.StatusOK && mnString(ans.body["defaultPrice"]) == mnNewGBPrice
	})
	t.Logf("node B answered version %s's price %s %s after the database came back (listener reconnected by then: %v)",
		version, mnNewGBPrice, took.Round(time.Millisecond), strings.Contains(b.logs.String(), "price book notifications restored"))
	mnWaitListeners(t, dbURL, 2) // and listens again
}

// mnChargeLoad is clients charging one account through a node, each key
// retried until it is acknowledged.
type mnChargeLoad struct {
	ctx         context.Context
	cancel      context.CancelFunc
	stopping    atomic.Bool
	wg          sync.WaitGroup
	mu          sync.Mutex
	keys        map[string]string // acknowledged key → charge id
	unavailable atomic.Int64      // 503 answers
	transport   atomic.Int64      // transport errors
}

// mnStartChargeLoad starts clients that charge account through n, each
// with a sequence of unique keys. A key answered 503 or cut off is retried
// (the same key, after 50 ms) until it is acknowledged; any other answer
// fails the test. After stop no new key is started.
func mnStartChargeLoad(t *testing.T, n *mnNode, account string, clients int) *mnChargeLoad {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	l := &mnChargeLoad{ctx: ctx, cancel: cancel, keys: map[string]string{}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	for c := range clients {
		l.wg.Go(func() {
			for i := 0; !l.stopping.Load(); i++ {
				key := fmt.Sprintf("restart-%d-%d", c, i)
				if !l.chargeUntilAcked(t, client, n, account, key) {
					return
				}
			}
		})
	}
	t.Cleanup(cancel)
	return l
}

// chargeUntilAcked charges one key until the node acknowledges it; false
// when the test must stop (an unexpected answer, or the guard timeout).
func (l *mnChargeLoad) chargeUntilAcked(t *testing.T, client *http.Client, n *mnNode, account, key string) bool {
	for {
		a, err := mnDo(l.ctx, client, http.MethodPost, n.base+"/platform/v1/charges", mnServiceToken, key, mnChargeBody(account))
		switch {
		case l.ctx.Err() != nil:
			t.Errorf("charge %s: still not acknowledged when the load's time ran out", key)
			return false
		case err != nil:
			l.transport.Add(1)
		case a.status == http.StatusCreated || a.status == http.StatusOK:
			l.mu.Lock()
			l.keys[key] = mnString(a.body["id"])
			l.mu.Unlock()
			return true
		case a.status == http.StatusServiceUnavailable:
			l.unavailable.Add(1)
			if a.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("charge %s: 503 with Content-Type %q: %s", key, a.header.Get("Content-Type"), a.raw)
				return false
			}
		default:
			t.Errorf("charge %s: status %d, want 201, 200 or 503: %s", key, a.status, a.raw)
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// acked is how many keys are acknowledged so far.
func (l *mnChargeLoad) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// waitAcked waits until at least n keys are acknowledged.
func (l *mnChargeLoad) waitAcked(t *testing.T, n int) {
	t.Helper()
	mnEventually(t, 60*time.Second, 20*time.Millisecond, fmt.Sprintf("%d charges acknowledged", n), func() bool {
		return l.acked() >= n || t.Failed()
	})
	if t.Failed() {
		t.FailNow()
	}
}

// stop lets every client finish its current key and returns the
// acknowledged keys.
func (l *mnChargeLoad) stop(t *testing.T) map[string]string {
	l.stopping.Store(true)
	l.wg.Wait()
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys
}

// mnReadyProbe polls /readyz every 50 ms and counts the statuses.
type mnReadyProbe struct {
	mu     sync.Mutex
	counts map[int]int
	done   chan struct{}
	wg     sync.WaitGroup
}

func mnStartReadyProbe(n *mnNode) *mnReadyProbe {
	p := &mnReadyProbe{counts: map[int]int{}, done: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	p.wg.Go(func() {
		for {
			select {
			case <-p.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			status := -1 // a transport error
			if a, err := mnDo(context.Background(), client, http.MethodGet, n.base+"/readyz", "", "", ""); err == nil {
				status = a.status
			}
			p.mu.Lock()
			p.counts[status]++
			p.mu.Unlock()
		}
	})
	return p
}

func (p *mnReadyProbe) count(status int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[status]
}

func (p *mnReadyProbe) summary() map[int]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[int]int{}
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

func (p *mnReadyProbe) stop() {
	close(p.done)
	p.wg.Wait()
}

// mnProxy forwards TCP connections from a loopback port to a target, and
// can be cut (listener and every connection closed) and restored on the
// same port: a database that goes away and comes back, for one client.
type mnProxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// mnStartProxy listens on a free loopback port; it is closed when the test
// ends.
func mnStartProxy(t *testing.T, target string) *mnProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &mnProxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(func() {
		p.cut()
		p.wg.Wait()
	})
	return p
}

// serve accepts on ln until it is closed.
func (p *mnProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.pipe(c) })
		}
	})
}

// pipe joins one client connection to a new connection to the target.
func (p *mnProxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		c.Close()
		up.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
	p.untrack(c, up)
}

// track registers the connections unless the proxy was cut meanwhile.
func (p *mnProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *mnProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

// cut closes the listener and every connection: new connections are
// refused and open ones break, as when the server goes down.
func (p *mnProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// restore listens again on the same port.
func (p *mnProxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
	}
	t.Fatalf("reopen the proxy on %s: %v", p.addr, err)
}
