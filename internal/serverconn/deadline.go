package serverconn

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// deadline is one direction's deadline.
type deadline struct {
	soft   atomic.Int64 // Unix nanoseconds of the deadline the sweeper enforces; 0 for none
	mu     sync.Mutex   // orders the sweeper's enforcement against changes
	onConn bool         // the connection holds a deadline set through this side
}

// expired is the deadline the sweeper gives a connection whose soft deadline
// has passed: any time in the past fails reads or writes at once.
var expired = time.Unix(1, 0)

// SetReadDeadline sets the read deadline (see the package documentation).
// The server sets one when it turns to reading, so a held write goes first.
func (c *Conn) SetReadDeadline(t time.Time) error {
	_ = c.release()
	return c.read.set(c, false, t)
}

// SetWriteDeadline sets the write deadline (see the package documentation).
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.write.set(c, true, t) }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	_ = c.release()
	return errors.Join(c.read.set(c, false, t), c.write.set(c, true, t))
}

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
