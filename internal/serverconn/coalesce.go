package serverconn

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// holdSize is the size of net/http's connection write buffer: a write of
// exactly this size is that buffer flushed because it was full, so more of
// the same answer follows. TestHoldSizeIsNetHTTPBuffer pins it.
const holdSize = 4 << 10

// holdPool recycles the copies of held writes.
var holdPool = sync.Pool{New: func() any { b := make([]byte, holdSize); return &b }}

// writes is a connection's outgoing side.
type writes struct {
	mu     sync.Mutex
	held   *[]byte     // a copy of a full buffer's write, waiting for the next one
	heldAt int64       // the listener's sweep count when it was held
	pair   [2][]byte   // the held write and the next, for one writev
	vec    net.Buffers // pair, consumed by the writev
	err    error       // the error of a write that failed: later ones fail with it
	calls  int         // writes made to the underlying connection (for tests)
}

// Write writes p. A write of exactly holdSize bytes is held and sent with
// the next one in one writev (see the package documentation); the error of
// a held write that fails is returned by the calls that follow.
func (c *Conn) Write(p []byte) (int, error) {
	o := &c.out
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	if o.held != nil {
		return c.writeAfterHeld(p)
	}
	if len(p) == holdSize {
		b := holdPool.Get().(*[]byte)
		copy(*b, p)
		o.held, o.heldAt = b, c.l.sweeps.Load()
		return len(p), nil
	}
	o.calls++
	n, err := c.Conn.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// writeAfterHeld sends the held write and p in one writev; o.mu is held.
func (c *Conn) writeAfterHeld(p []byte) (int, error) {
	o := &c.out
	h := *o.held
	o.pair = [2][]byte{h, p}
	o.vec = o.pair[:]
	n, err := o.vec.WriteTo(c.Conn)
	o.calls++
	o.pair = [2][]byte{}
	o.drop()
	if err != nil {
		o.err = err
		return max(0, int(n)-len(h)), err
	}
	return len(p), nil
}

// drop returns the held copy to the pool; o.mu is held.
func (o *writes) drop() {
	holdPool.Put(o.held)
	o.held = nil
}

// release sends a held write, and reports the error of the connection's
// writes, if one failed.
func (c *Conn) release() error {
	o := &c.out
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.held == nil {
		return o.err
	}
	_, err := c.Conn.Write(*o.held)
	o.calls++
	o.drop()
	if err != nil {
		o.err = err
	}
	return err
}

// releaseStale sends, without blocking the sweeper, a write held since
// before the previous sweep: one an answer did not follow within a sweep.
func (c *Conn) releaseStale(sweep int64) {
	o := &c.out
	if !o.mu.TryLock() {
		return // a write is under way: it sends the held one, or holds anew
	}
	stale := o.held != nil && o.heldAt <= sweep-2
	o.mu.Unlock()
	if stale {
		go func() { _ = c.release() }()
	}
}

// closeGrace bounds how long closing a connection waits to send its held
// write: a peer that does not read cannot hold up a close.
const closeGrace = time.Second

// releaseBeforeClose sends a held write within closeGrace, unless a write
// is under way: that one holds the lock while its peer is slow to read, and
// the close is what must end it (as closing a plain connection ends a
// blocked write at once).
func (c *Conn) releaseBeforeClose() {
	o := &c.out
	if !o.mu.TryLock() {
		return
	}
	defer o.mu.Unlock()
	if o.held == nil {
		return
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(closeGrace))
	_, _ = c.Conn.Write(*o.held)
	o.calls++
	o.drop()
}

// Read sends a held write (the server reads when an answer is done), then
// reads.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.release(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// CloseWrite sends a held write and shuts down the writing side of the
// connection, when the connection supports it (net/http uses it to close a
// connection cleanly).
func (c *Conn) CloseWrite() error {
	if err := c.release(); err != nil {
		return err
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// ReadFrom sends a held write, then lets the connection's own ReadFrom
// (sendfile, splice) serve io.Copy to the connection.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.release(); err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}
