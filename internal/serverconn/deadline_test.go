package serverconn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// tick is the granularity of the tests' listeners.
const tick = 20 * time.Millisecond

// pair returns a server side (of a listener with granularity tick) and a
// plain client side of one loopback connection.
func pair(t *testing.T) (*Listener, *Conn, net.Conn) { return pairWith(t, tick) }

// pairWith is pair with a listener of the given granularity.
func pairWith(t *testing.T, granularity time.Duration) (*Listener, *Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Wrap(ln, granularity)
	t.Cleanup(func() { l.Close() })
	c, client := connect(t, l)
	return l, c, client
}

// connect dials l and returns the server side it accepts and the client
// side; both are closed when the test ends.
func connect(t *testing.T, l *Listener) (*Conn, net.Conn) {
	t.Helper()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn), client
}

// isTimeout reports whether err is a deadline's error.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout()
}

// TestSoftReadDeadlineFires: a read deadline far enough ahead to be soft
// fails a blocked read with a timeout, and not before it has passed.
func TestSoftReadDeadlineFires(t *testing.T) {
	_, c, _ := pair(t)
	d := 5 * tick
	start := time.Now()
	if err := c.SetReadDeadline(start.Add(d)); err != nil {
		t.Fatal(err)
	}
	if c.read.soft.Load() == 0 {
		t.Fatal("a deadline five ticks ahead was not kept as a soft one")
	}
	_, err := c.Read(make([]byte, 1))
	if !isTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if waited := time.Since(start); waited < d {
		t.Errorf("the deadline fired after %v, before the %v it was set to", waited, d)
	}
}

// TestSoftWriteDeadlineFires: a peer that never reads cannot hold a writer
// past its soft write deadline.
func TestSoftWriteDeadlineFires(t *testing.T) {
	_, c, _ := pair(t)
	if err := c.SetWriteDeadline(time.Now().Add(5 * tick)); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	var err error
	for err == nil { // fills both socket buffers, then blocks until the deadline
		_, err = c.Write(chunk)
	}
	if !isTimeout(err) {
		t.Fatalf("write: %v, want a timeout", err)
	}
}

// TestMovedDeadlineDoesNotFire: a soft deadline moved later (as net/http
// does between requests) or cleared before it passes never fires.
func TestMovedDeadlineDoesNotFire(t *testing.T) {
	for _, later := range []time.Time{time.Now().Add(time.Hour), {}} {
		_, c, client := pair(t)
		if err := c.SetReadDeadline(time.Now().Add(3 * tick)); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadDeadline(later); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * tick) // several sweeps past the first deadline
		if _, err := client.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(make([]byte, 1)); err != nil {
			t.Fatalf("moved to %v: read: %v", later, err)
		}
	}
}

// TestPastDeadlineIsImmediate: a deadline in the past (net/http's abort of
// a background read) fails a blocked read at once, and clearing it lets the
// next read through, on the connection itself.
func TestPastDeadlineIsImmediate(t *testing.T) {
	_, c, client := pair(t)
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	time.Sleep(tick) // let the read block
	if err := c.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; !isTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatalf("read after clearing: %v", err)
	}
}

// TestNewDeadlineLiftsEnforcedOne: once the sweeper has enforced a passed
// deadline, setting a new one makes the connection usable again, as with
// the connection's own timers.
func TestNewDeadlineLiftsEnforcedOne(t *testing.T) {
	_, c, client := pair(t)
	if err := c.SetReadDeadline(time.Now().Add(2 * tick)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if err := c.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatalf("read under the new deadline: %v", err)
	}
}

// TestNearDeadlineGoesToTheConn: a deadline nearer than the granularity is
// the connection's own, exact one.
func TestNearDeadlineGoesToTheConn(t *testing.T) {
	_, c, _ := pair(t)
	if err := c.SetReadDeadline(time.Now().Add(tick / 4)); err != nil {
		t.Fatal(err)
	}
	if c.read.soft.Load() != 0 || !c.read.onConn {
		t.Fatal("a deadline nearer than the granularity was kept soft")
	}
	if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
}

// TestCloseForgetsAndSweeperStops: closed connections leave the listener,
// and the sweeper ends once the listener and its connections are closed.
func TestCloseForgetsAndSweeperStops(t *testing.T) {
	l, c, _ := pair(t)
	if n := l.Conns(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	l.Close()
	select {
	case <-l.done:
		t.Fatal("the sweeper stopped while a connection was open")
	case <-time.After(3 * tick):
	}
	c.Close()
	c.Close() // twice is harmless
	if n := l.Conns(); n != 0 {
		t.Fatalf("%d connections after close, want 0", n)
	}
	<-l.done // hangs (and the test times out) if the sweeper never stops
}

// TestConcurrentDeadlines races deadline changes against the sweeper on many
// connections (run with -race): whatever the interleaving, a connection
// whose last deadline is an hour away reads what its peer sends.
func TestConcurrentDeadlines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Wrap(ln, time.Millisecond)
	defer l.Close()
	const conns = 16
	var wg sync.WaitGroup
	for i := range conns {
		c, client := connect(t, l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 2000 {
				near := time.Now().Add(time.Duration(j%5) * time.Millisecond)
				_ = c.SetDeadline(near)
			}
			if err := c.SetDeadline(time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
			}
			time.Sleep(5 * time.Millisecond) // several sweeps
			msg := fmt.Sprintf("conn %d\n", i)
			go func() { _, _ = io.WriteString(client, msg) }()
			got, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || got != msg {
				t.Errorf("conn %d read %q, %v", i, got, err)
			}
			if _, err := c.Write([]byte("ok")); err != nil {
				t.Errorf("conn %d write: %v", i, err)
			}
		}()
	}
	wg.Wait()
}

// TestHTTPServerTimeouts drives a real http.Server over a soft-deadline
// listener: keep-alive requests (each aborts a background read with a past
// deadline) all succeed, and a client that sends half a header is cut off
// once the read-header timeout has passed.
func TestHTTPServerTimeouts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Wrap(ln, tick)
	const headerTimeout = 10 * tick
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello "+r.URL.Path)
		}),
		ReadHeaderTimeout: headerTimeout, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: time.Minute,
	}
	go srv.Serve(l)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for i := range 200 {
		resp, err := client.Get(fmt.Sprintf("http://%s/%d", ln.Addr(), i))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("hello /%d", i); string(body) != want {
			t.Fatalf("request %d: %q, want %q", i, body, want)
		}
	}
	if n := l.Conns(); n != 1 {
		t.Errorf("%d connections for 200 keep-alive requests, want 1", n)
	}

	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	if _, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(slow) // the server closes the connection (it may answer 408 first)
	if err != nil {
		t.Fatalf("slow client: %v", err)
	}
	if len(rest) > 0 && !strings.HasPrefix(string(rest), "HTTP/1.1 408") {
		t.Errorf("slow client got %q", rest)
	}
	if waited := time.Since(start); waited < headerTimeout {
		t.Errorf("cut off after %v, before the %v read-header timeout", waited, headerTimeout)
	}
}
