// Package softdeadline makes connection deadlines cheap for a server that
// moves them on every request.
//
// An http.Server with timeouts sets up to four deadlines per request (read
// header, read, write, idle), and each is a change of a runtime timer: about
// 1.6 µs of the 39 µs a get-pricing request costs on two cores. A Listener's
// connections keep a deadline that lies more than the listener's granularity
// ahead in an atomic word instead, and one sweeper goroutine per listener
// enforces it: never before it passes, at most one granularity after.
// Deadlines that have passed, that are nearer than the granularity, or that
// clear a deadline go to the connection as they are, so that net/http's
// abort of a background read (a deadline in the past) takes effect at once.
//
// A deadline that the sweeper enforces behaves as one the connection's own
// timer fired: pending and later reads (or writes) fail with an error whose
// Timeout method reports true, until the next deadline is set.
package softdeadline

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener is a net.Listener whose connections have soft deadlines. Close
// it to stop its sweeper once its connections are closed too.
type Listener struct {
	net.Listener
	granularity time.Duration

	mu     sync.Mutex
	conns  map[*Conn]struct{}
	closed bool
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the sweeper returns
}

// Wrap returns ln with soft deadlines enforced every granularity. It starts
// the sweeper, which runs until the listener and every connection it
// accepted are closed.
func Wrap(ln net.Listener, granularity time.Duration) *Listener {
	if granularity <= 0 {
		panic("softdeadline: the granularity must be positive")
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

// Accept waits for the next connection and returns it with soft deadlines.
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

// sweep enforces the connections' soft deadlines every granularity until
// the listener and all its connections are closed.
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
		now := time.Now().UnixNano()
		for _, c := range batch {
			c.read.enforce(c, false, now)
			c.write.enforce(c, true, now)
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

// Conn is a connection with soft deadlines.
type Conn struct {
	net.Conn
	l           *Listener
	read, write deadline
}

// deadline is one direction's deadline.
type deadline struct {
	soft   atomic.Int64 // Unix nanoseconds of the deadline the sweeper enforces; 0 for none
	mu     sync.Mutex   // orders the sweeper's enforcement against changes
	onConn bool         // the connection holds a deadline set through this side
}

// expired is the deadline the sweeper gives a connection whose soft deadline
// has passed: any time in the past fails reads or writes at once.
var expired = time.Unix(1, 0)

// SetReadDeadline sets the read deadline: see the package documentation.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.read.set(c, false, t) }

// SetWriteDeadline sets the write deadline: see the package documentation.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.write.set(c, true, t) }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	return errors.Join(c.read.set(c, false, t), c.write.set(c, true, t))
}

// Close closes the connection and stops watching its deadlines.
func (c *Conn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

// CloseWrite shuts down the writing side of the connection, when the
// connection supports it (net/http uses it to close a connection cleanly).
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// ReadFrom lets the connection's own ReadFrom (sendfile, splice) serve
// io.Copy to the connection.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// setOn sets a deadline on the underlying connection.
func (c *Conn) setOn(write bool, t time.Time) error {
	if write {
		return c.Conn.SetWriteDeadline(t)
	}
	return c.Conn.SetReadDeadline(t)
}

// set records t: a deadline far enough ahead is left to the sweeper, any
// other goes to the connection.
func (d *deadline) set(c *Conn, write bool, t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !t.IsZero() && time.Until(t) > c.l.granularity {
		d.soft.Store(t.UnixNano())
		if d.onConn { // lift what the connection holds: the soft deadline replaces it
			d.onConn = false
			return c.setOn(write, time.Time{})
		}
		return nil
	}
	d.soft.Store(0)
	if t.IsZero() && !d.onConn {
		return nil // nothing to clear
	}
	d.onConn = !t.IsZero()
	return c.setOn(write, t)
}

// enforce gives the connection an expired deadline if the soft one has
// passed by now (Unix nanoseconds).
func (d *deadline) enforce(c *Conn, write bool, now int64) {
	if s := d.soft.Load(); s == 0 || s > now {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.soft.Load(); s == 0 || s > now {
		return // moved while the sweeper looked
	}
	d.soft.Store(0)
	d.onConn = true
	_ = c.setOn(write, expired) // a closed connection has nothing left to fail
}
