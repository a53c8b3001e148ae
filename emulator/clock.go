package emulator

import (
	"fmt"
	"sync"
	"time"
)

// Clock is the emulator's clock: the real time plus an offset that only
// grows. Every component of the server reads it (its Now method), so that
// moving it forward expires holds, starts a new reload day and refills rate
// limits without waiting. It is safe for concurrent use.
type Clock struct {
	real func() time.Time

	mu     sync.RWMutex
	offset time.Duration
}

// MaxAdvance bounds one move of the clock (ten years).
const MaxAdvance = 10 * 365 * 24 * time.Hour

// NewClock returns a clock at the real time; real is time.Now when nil.
func NewClock(real func() time.Time) *Clock {
	if real == nil {
		real = time.Now
	}
	return &Clock{real: real}
}

// Now returns the emulated time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	off := c.offset
	c.mu.RUnlock()
	return c.real().Add(off)
}

// Offset returns how far the clock is ahead of the real time.
func (c *Clock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset
}

// Advance moves the clock forward by d (positive, at most MaxAdvance in
// total) and returns the new time.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, fmt.Errorf("the clock only moves forward: %s is not a positive duration", d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offset+d > MaxAdvance || c.offset+d < c.offset {
		return time.Time{}, fmt.Errorf("the clock may run at most %s ahead of the real time", MaxAdvance)
	}
	c.offset += d
	return c.real().Add(c.offset), nil
}

// AdvanceTo moves the clock forward to t, which must not be before the
// emulated time now.
func (c *Clock) AdvanceTo(t time.Time) (time.Time, error) {
	d := t.Sub(c.Now())
	if d < 0 {
		return time.Time{}, fmt.Errorf("the clock only moves forward: %s is %s before the emulated time", t.UTC().Format(time.RFC3339Nano), -d)
	}
	if d == 0 {
		return c.Now(), nil
	}
	return c.Advance(d)
}

// Reset sets the clock back to the real time (a reset of the emulator
// restores the data of that time).
func (c *Clock) Reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}
