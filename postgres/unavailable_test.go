package postgres

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// proxy is a TCP forwarder in front of the real server: stopping it is the
// database going away, starting it again on the same address is the
// database coming back.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0"}
	p.start(t)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.accept(ln)
}

func (p *proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// stop closes the listener and cuts every connection.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// viaProxy rewrites the test URL to go through the proxy.
func viaProxy(t *testing.T, raw string, p *proxy) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		t.Fatalf("KASSA_TEST_POSTGRES_URL must be a postgres:// URL for this test")
	}
	u.Host = p.addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// When the database goes away every call fails with EUNAVAILABLE (which the
// HTTP layer answers with 503), and the pool recovers by itself when the
// database comes back.
func TestUnavailableAndRecovery(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	db := openSchema(t, viaProxy(t, base, p), schema, Options{})
	createAccount(t, db, "acc-u", 100)

	p.stop()
	wantCode(t, db.Ping(ctx), kassa.EUNAVAILABLE)
	_, err = db.FindAccount(ctx, "acc-u")
	wantCode(t, err, kassa.EUNAVAILABLE)
	wantCode(t, debit(ctx, db, "acc-u", 1, ""), kassa.EUNAVAILABLE)
	_, err = db.AcquireLease(ctx, "job", "me", time.Minute)
	wantCode(t, err, kassa.EUNAVAILABLE)

	p.start(t)
	var pingErr error
	for range 100 {
		if pingErr = db.Ping(ctx); pingErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pingErr != nil {
		t.Fatalf("the pool did not recover after the database came back: %v", pingErr)
	}
	if err := debit(ctx, db, "acc-u", 1, ""); err != nil {
		t.Fatalf("debit after recovery: %v", err)
	}
	verifyClean(t, db)
}

// Open against an address where nothing listens is EUNAVAILABLE and does
// not leak the password.
func TestOpenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Open(context.Background(), "postgres://kassa:s3cret-pw@"+addr+"/test?sslmode=disable&connect_timeout=2", Options{})
	wantCode(t, err, kassa.EUNAVAILABLE)
	_, err = Open(context.Background(), "postgres://kassa:s3cret-pw@%zz/test", Options{})
	wantCode(t, err, kassa.EINVALID)
	if err != nil && strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

// A closed DB answers EUNAVAILABLE.
func TestClosedIsUnavailable(t *testing.T) {
	db := openTestDB(t, nil)
	db.Close()
	db.Close()
	wantCode(t, db.Ping(context.Background()), kassa.EUNAVAILABLE)
	_, err := db.FindAccount(context.Background(), "x")
	wantCode(t, err, kassa.EUNAVAILABLE)
}

// Every session runs with synchronous_commit on, even when the connection
// string asks for off.
func TestSynchronousCommitForcedOn(t *testing.T) {
	u, err := url.Parse(testkit.PostgresURL(t))
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	u.RawQuery += "&options=-c%20synchronous_commit%3Doff"
	// Without the store's override the session would run with it off.
	raw, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	var plain string
	err = raw.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&plain)
	raw.Close(context.Background())
	if err != nil || plain != "off" {
		t.Fatalf("a plain session with the same URL has synchronous_commit = %q, %v; the test needs off", plain, err)
	}
	db := openSchema(t, u.String(), newSchema(t), Options{})
	var got string
	if err := db.pool.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "on" {
		t.Fatalf("synchronous_commit = %q, want on", got)
	}
}
