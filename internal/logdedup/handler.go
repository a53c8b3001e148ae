// Package logdedup is a slog.Handler that writes a repeated warning or
// error once per interval with a count, so that a failure hit by every
// request (a full disk answering every charge with 503) cannot flood the
// log: the first occurrence is written, the repeats within the interval are
// counted, and the count is written as repeated=N with the first occurrence
// after the interval, or, when the repeats stop, as a summary record once
// the interval has passed and anything else is logged.
package logdedup

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// MaxTracked bounds the distinct messages tracked at once; past it, new
// ones are written without de-duplication.
const MaxTracked = 1000

// New returns h de-duplicating the records at Warn and above: two records
// are the same when they have the same level, message and "err" attribute
// (other attributes, such as the request id or the path, are not compared).
// Records below Warn (the access log) pass through untouched. now is the
// clock (time.Now when nil).
func New(h slog.Handler, interval time.Duration, now func() time.Time) slog.Handler {
	if now == nil {
		now = time.Now
	}
	return &handler{next: h, state: &state{interval: interval, now: now, seen: map[key]*window{}}}
}

// key identifies repeats of one message.
type key struct {
	level slog.Level
	msg   string
	err   string
}

// window is one message's current interval.
type window struct {
	start      time.Time
	suppressed int
	out        slog.Handler // where its summary goes: the handler that logged it
}

// state is shared by a handler and the ones derived from it (WithAttrs,
// WithGroup), so that repeats are counted across them.
type state struct {
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	seen    map[key]*window
	nextDue time.Time // the earliest end of a window with repeats to report
	// pending mirrors nextDue as Unix nanoseconds (0: nothing to report),
	// so that the records of every request (the access log) check it
	// without taking mu.
	pending atomic.Int64
}

type handler struct {
	next  slog.Handler
	state *state
}

// Enabled implements slog.Handler.
func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// WithAttrs implements slog.Handler.
func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(as), state: h.state}
}

// WithGroup implements slog.Handler.
func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), state: h.state}
}

// Handle implements slog.Handler.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	now := h.state.now()
	if r.Level < slog.LevelWarn {
		h.state.flushDue(ctx, now)
		return h.next.Handle(ctx, r)
	}
	repeated, write := h.state.admit(keyOf(r), now, h.next)
	h.state.flushDue(ctx, now)
	if !write {
		return nil
	}
	if repeated > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeated", repeated))
	}
	return h.next.Handle(ctx, r)
}

// keyOf is the record's identity for de-duplication.
func keyOf(r slog.Record) key {
	k := key{level: r.Level, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			k.err = a.Value.String()
			return false
		}
		return true
	})
	return k
}

// admit decides whether a record is written: the first of its window is,
// with the number of repeats suppressed in the window before; the others
// are counted.
func (s *state) admit(k key, now time.Time, out slog.Handler) (repeated int, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.seen[k]
	if ok && now.Sub(w.start) < s.interval {
		w.suppressed++
		if end := w.start.Add(s.interval); s.nextDue.IsZero() || end.Before(s.nextDue) {
			s.nextDue = end
			s.pending.Store(end.UnixNano())
		}
		return 0, false
	}
	if ok {
		repeated = w.suppressed
		w.start, w.suppressed, w.out = now, 0, out
		return repeated, true
	}
	if len(s.seen) >= MaxTracked {
		s.prune(now)
		if len(s.seen) >= MaxTracked {
			return 0, true
		}
	}
	s.seen[k] = &window{start: now, out: out}
	return 0, true
}

// flushDue writes a summary for each message whose window has ended with
// repeats that no later occurrence reported, and forgets ended windows.
func (s *state) flushDue(ctx context.Context, now time.Time) {
	if p := s.pending.Load(); p == 0 || now.UnixNano() < p {
		return
	}
	s.mu.Lock()
	if s.nextDue.IsZero() || now.Before(s.nextDue) {
		s.mu.Unlock()
		return
	}
	var due []key
	var counts []int
	var outs []slog.Handler
	s.nextDue = time.Time{}
	for k, w := range s.seen {
		end := w.start.Add(s.interval)
		switch {
		case now.Before(end):
			if w.suppressed > 0 && (s.nextDue.IsZero() || end.Before(s.nextDue)) {
				s.nextDue = end
			}
		case w.suppressed > 0:
			due, counts, outs = append(due, k), append(counts, w.suppressed), append(outs, w.out)
			delete(s.seen, k)
		default:
			delete(s.seen, k)
		}
	}
	if s.nextDue.IsZero() {
		s.pending.Store(0)
	} else {
		s.pending.Store(s.nextDue.UnixNano())
	}
	s.mu.Unlock()
	for i, k := range due {
		r := slog.NewRecord(now, k.level, k.msg, 0)
		if k.err != "" {
			r.AddAttrs(slog.String("err", k.err))
		}
		r.AddAttrs(slog.Int("repeated", counts[i]))
		_ = outs[i].Handle(ctx, r)
	}
}

// prune forgets the windows that have ended and have nothing to report.
func (s *state) prune(now time.Time) {
	for k, w := range s.seen {
		if w.suppressed == 0 && now.Sub(w.start) >= s.interval {
			delete(s.seen, k)
		}
	}
}
