// Package serverconn is the server side of the main listener's connections:
// it makes the two things net/http does to a connection on every request
// cheaper, without changing what a client sees.
//
// Deadlines (deadline.go). An http.Server with timeouts moves a
// connection's deadlines up to four times per request (read header, read,
// write, idle), each a change of a runtime timer: about 1.6 µs of the 39 µs
// a get-pricing request cost on two cores. A connection here keeps a
// deadline that lies more than the listener's granularity ahead in an
// atomic word instead, and one sweeper goroutine per listener enforces it:
// never before it passes, at most one granularity after. Deadlines that
// have passed, that are nearer than the granularity, or that clear one go
// to the connection as they are, so that net/http's abort of a background
// read (a deadline in the past) takes effect at once. A deadline the
// sweeper enforces behaves as one the connection's own timer fired: pending
// and later reads (or writes) fail with an error whose Timeout method
// reports true, until the next deadline is set.
//
// Writes (coalesce.go). net/http writes an answer through a 4 KiB buffer:
// an answer of 4 to 8 KiB (a country's prices) leaves in two write system
// calls, the full buffer and then the rest. A connection here holds a
// write of exactly the buffer's size, the sign that more of the same answer
// follows, and sends it with the next write in one writev. It sends a held
// write at once when the server turns to reading (the next request, or the
// abort of a background read at the end of every answer), when it closes
// the connection, and otherwise within two sweeps.
package serverconn

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener is a net.Listener whose connections have soft deadlines and
// coalesced writes. Close it to stop its sweeper once its connections are
// closed too.
type Listener struct {
	net.Listener
	granularity time.Duration
	sweeps      atomic.Int64 // sweeps done, the clock of held writes

	mu     sync.Mutex
	conns  map[*Conn]struct{}
	closed bool
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the sweeper returns
}

// Wrap returns ln with its connections' soft deadlines enforced, and their
// held writes sent, every granularity. It starts the sweeper, which runs
// until the listener and every connection it accepted are closed.
func Wrap(ln net.Listener, granularity time.Duration) *Listener {
	if granularity <= 0 {
		panic("serverconn: the granularity must be positive")
	}
	l := &Listener{
		Listener:    ln,
		granularity: granularity,
		conns:       map[*Conn]struct{}{},
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	go l.sweep()
	return l
}

// Accept waits for the next connection and returns it wrapped.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &Conn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[sc] = struct{}{}
	l.mu.Unlock()
	return sc, nil
}

// Close closes the listener. Connections it accepted stay open, and their
// deadlines enforced, until they are closed.
func (l *Listener) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	l.mu.Unlock()
	return l.Listener.Close()
}

// Conns is the number of open connections the listener accepted.
func (l *Listener) Conns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// sweep enforces the connections' soft deadlines and sends their stale held
// writes every granularity, until the listener and all its connections are
// closed.
func (l *Listener) sweep() {
	defer close(l.done)
	tick := time.NewTicker(l.granularity)
	defer tick.Stop()
	stop := l.stop
	var batch []*Conn
	for {
		select {
		case <-tick.C:
		case <-stop:
			stop = nil // keep sweeping the connections still open
		}
		l.mu.Lock()
		if l.closed && len(l.conns) == 0 {
			l.mu.Unlock()
			return
		}
		batch = batch[:0]
		for c := range l.conns {
			batch = append(batch, c)
		}
		l.mu.Unlock()
		sweep := l.sweeps.Add(1)
		now := time.Now().UnixNano()
		for _, c := range batch {
			c.read.enforce(c, false, now)
			c.write.enforce(c, true, now)
			c.releaseStale(sweep)
		}
		clear(batch) // no references to closed connections until the next tick
	}
}

// forget removes c from the listener's connections.
func (l *Listener) forget(c *Conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// Conn is a connection with soft deadlines and coalesced writes.
type Conn struct {
	net.Conn
	l           *Listener
	read, write deadline
	out         writes
}

// Close sends a held write (see releaseBeforeClose), closes the connection
// and stops watching it.
func (c *Conn) Close() error {
	c.releaseBeforeClose()
	c.l.forget(c)
	return c.Conn.Close()
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.Conn }
