package serverconn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// recordingListener records the size of every write made to its
// connections.
type recordingListener struct {
	net.Listener
	mu     sync.Mutex
	writes []int
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, l: l}, nil
}

type recordingConn struct {
	net.Conn
	l *recordingListener
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes = append(c.l.writes, len(p))
	c.l.mu.Unlock()
	return c.Conn.Write(p)
}

// answer is an http.Handler writing size bytes of a repeating pattern, with
// its Content-Length, in one Write.
func answer(size int) http.Handler {
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
	})
}

// TestHoldSizeIsNetHTTPBuffer pins holdSize to net/http's connection write
// buffer: an answer larger than the buffer leaves in a first write of
// exactly its size. If a Go release changes the buffer, this fails, and
// holdSize must follow (until then answers of 4–8 KiB take two write
// system calls again, as without this package).
func TestHoldSizeIsNetHTTPBuffer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingListener{Listener: ln}
	srv := &http.Server{Handler: answer(7000)}
	go srv.Serve(rec)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.writes) < 2 || rec.writes[0] != holdSize {
		t.Fatalf("net/http wrote a 7000-byte answer as %v; want a first write of holdSize (%d)", rec.writes, holdSize)
	}
}

// server runs an http.Server with handler over a Listener of granularity
// tick and returns the listener and a keep-alive client.
func server(t *testing.T, handler http.Handler, tick time.Duration) (*Listener, *http.Client, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Wrap(ln, tick)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: time.Minute, IdleTimeout: time.Minute}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	t.Cleanup(client.CloseIdleConnections)
	return l, client, "http://" + ln.Addr().String()
}

// onlyConn returns the listener's one connection.
func onlyConn(t *testing.T, l *Listener) *Conn {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(l.conns))
	}
	for c := range l.conns {
		return c
	}
	return nil
}

// TestAnswerInOneWrite: answers of every size from a few bytes to several
// buffers arrive whole and in order on one keep-alive connection, and an
// answer of 4–8 KiB leaves in one write to the connection, not two. The
// sweeper never runs (a granularity of an hour), so every held write was
// sent by the server's own next step, not by the sweeper's safety net:
// a hold that nothing released would hang the client.
func TestAnswerInOneWrite(t *testing.T) {
	mux := http.NewServeMux()
	sizes := []int{10, 3000, 4096 - 100, 4096, 5000, 7629, 8192, 10897, 3*4096 + 1, 200_000}
	for _, size := range sizes {
		mux.Handle(fmt.Sprintf("/%d", size), answer(size))
	}
	// Answers whose header and body end exactly on the buffer's size.
	probe := func(size int) int { // the header's length for a body of size
		h := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Mon, 07 Dec 2026 00:00:00 GMT\r\n\r\n", size)
		return len(h)
	}
	for _, total := range []int{holdSize, 2 * holdSize, 3 * holdSize} {
		size := total - probe(total-200)
		sizes = append(sizes, size)
		mux.Handle(fmt.Sprintf("/%d", size), answer(size))
	}
	l, client, base := server(t, mux, time.Hour)
	for round := range 3 {
		for _, size := range sizes {
			resp, err := client.Get(fmt.Sprintf("%s/%d", base, size))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
			if err != nil || !bytes.Equal(body, want) {
				t.Fatalf("round %d, %d bytes: got %d bytes, %v", round, size, len(body), err)
			}
		}
	}
	c := onlyConn(t, l)
	for _, size := range []int{5000, 7629} {
		c.out.mu.Lock()
		before := c.out.calls
		c.out.mu.Unlock()
		resp, err := client.Get(fmt.Sprintf("%s/%d", base, size))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		c.out.mu.Lock()
		calls := c.out.calls - before
		c.out.mu.Unlock()
		if calls != 1 {
			t.Errorf("a %d-byte answer took %d writes, want 1", size, calls)
		}
	}
}

// TestHeldWriteReleasedBySweeper: a full buffer's write that nothing
// follows (a handler that flushes and then waits) reaches the peer through
// the sweeper.
func TestHeldWriteReleasedBySweeper(t *testing.T) {
	_, c, client := pair(t)
	chunk := bytes.Repeat([]byte("x"), holdSize)
	if _, err := c.Write(chunk); err != nil {
		t.Fatal(err)
	}
	c.out.mu.Lock()
	held := c.out.held != nil
	c.out.mu.Unlock()
	if !held {
		t.Fatal("a write of holdSize bytes was not held")
	}
	got := make([]byte, holdSize)
	if _, err := io.ReadFull(client, got); err != nil || !bytes.Equal(got, chunk) {
		t.Fatalf("read %v", err) // hangs, and times out, if the sweeper never sends it
	}
}

// TestHeldWriteReleasedOnClose: a connection closed right after a full
// buffer's write sends it first.
func TestHeldWriteReleasedOnClose(t *testing.T) {
	_, nc, client := pairWith(t, time.Hour) // no sweeper: only the close can send it
	chunk := bytes.Repeat([]byte("y"), holdSize)
	nc.Write(chunk)
	nc.Close()
	got, err := io.ReadAll(client)
	if err != nil || !bytes.Equal(got, chunk) {
		t.Fatalf("read %d bytes, %v; want the held %d", len(got), err, holdSize)
	}
}

// TestHeldWriteErrorIsReported: when the held write cannot be sent, the
// calls that follow report the error instead of pretending.
func TestHeldWriteErrorIsReported(t *testing.T) {
	_, c, client := pair(t)
	client.(*net.TCPConn).SetLinger(0)
	client.Close() // the peer is gone: sending fails (at the latest on the second try)
	time.Sleep(10 * time.Millisecond)
	var err error
	for range 50 {
		if _, err = c.Write(bytes.Repeat([]byte("z"), holdSize)); err != nil {
			break
		}
		if _, err = c.Write([]byte("rest")); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("writing to a closed peer never failed")
	}
	if _, again := c.Write([]byte("more")); !errors.Is(again, err) {
		t.Errorf("after a failed write, the next one gave %v, want %v", again, err)
	}
}

// TestConcurrentReadWrite races reads, writes and deadlines on one
// connection (run with -race): every byte written arrives, in order.
func TestConcurrentReadWrite(t *testing.T) {
	_, c, client := pair(t)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the server's background read: the client sends a line at the end
		defer wg.Done()
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "bye\n" {
			t.Errorf("read %q, %v", line, err)
		}
	}()
	var sent bytes.Buffer
	go func() {
		defer wg.Done()
		for i := range 300 {
			size := []int{holdSize, 100, holdSize, holdSize, 5000}[i%5]
			p := bytes.Repeat([]byte{byte('a' + i%26)}, size)
			sent.Write(p)
			if _, err := c.Write(p); err != nil {
				t.Error(err)
				return
			}
			if i%7 == 0 {
				c.SetReadDeadline(time.Now().Add(time.Hour))
			}
		}
		c.SetReadDeadline(time.Time{}) // the server turns to reading: nothing stays held
	}()
	got := make([]byte, 0, 1<<20)
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(time.Minute)
	for {
		client.SetReadDeadline(deadline)
		n, err := client.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 300/5*(3*holdSize+100+5000) {
			break
		}
	}
	io.WriteString(client, "bye\n")
	wg.Wait()
	if !bytes.Equal(got, sent.Bytes()) {
		t.Fatal("the bytes arrived changed or out of order")
	}
}

// TestCloseEndsABlockedWrite: closing a connection whose peer has stopped
// reading ends a write blocked on it at once, as on a plain connection,
// instead of waiting for the write (and its lock) to time out.
func TestCloseEndsABlockedWrite(t *testing.T) {
	_, c, _ := pair(t) // the client never reads
	written := make(chan error, 1)
	go func() {
		chunk := make([]byte, 1<<20)
		for {
			if _, err := c.Write(chunk); err != nil {
				written <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // the socket buffers fill; the write blocks holding the lock
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	<-closed // hangs, and times out, if Close waits for the blocked write
	if err := <-written; err == nil {
		t.Fatal("the blocked write succeeded after the close")
	}
}
