package ratelimit

import (
	"sync"
	"time"
)

// Decision is the outcome of one Allow: whether the request may proceed and
// what the X-RateLimit headers say.
type Decision struct {
	Allowed    bool
	Limit      int           // requests per second (and the bucket's capacity)
	Remaining  int           // requests that could still be made at once
	Reset      time.Time     // when the bucket is full again
	RetryAfter time.Duration // when not Allowed: how long until one request is allowed
}

// Limiter holds one bucket per key. Its zero value is not usable; call New.
type Limiter struct {
	now     func() time.Time
	buckets sync.Map // key string → *bucket
}

// bucket is one key's state: the theoretical arrival time, in nanoseconds
// since the Unix epoch, of the next request if requests came exactly at the
// allowed rate (the bucket is full when tat ≤ now), and the rate it was
// computed at. The mutex is the bucket's own: keys never contend.
type bucket struct {
	mu   sync.Mutex
	tat  int64
	rate int
}

// New returns a Limiter reading the time from now (time.Now when nil).
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now}
}

// Allow takes one request from key's bucket at perSecond requests per
// second with a burst of perSecond. A perSecond of 0 or less means no
// limit. The rate is passed on every call, so a changed limit takes effect
// at the next request: the part of the bucket already used is carried over
// as a number of requests.
func (l *Limiter) Allow(key string, perSecond int) Decision {
	now := l.now()
	if perSecond <= 0 {
		return Decision{Allowed: true, Reset: now}
	}
	b := l.bucket(key)
	interval := max(int64(time.Second)/int64(perSecond), 1)
	burst := interval * int64(perSecond) // one second, give or take rounding
	t := now.UnixNano()

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate != perSecond {
		b.rescale(t, perSecond, interval)
	}
	next := max(b.tat, t) + interval
	if next-t > burst {
		return Decision{Limit: perSecond, Reset: time.Unix(0, b.tat), RetryAfter: time.Duration(next - t - burst)}
	}
	b.tat = next
	return Decision{Allowed: true, Limit: perSecond, Remaining: int((burst - (next - t)) / interval), Reset: time.Unix(0, next)}
}

// rescale converts the used part of the bucket from the old rate to the new
// one: u requests used at the old rate are u requests used at the new rate.
func (b *bucket) rescale(t int64, perSecond int, interval int64) {
	if b.rate > 0 && b.tat > t {
		oldInterval := max(int64(time.Second)/int64(b.rate), 1)
		used := (b.tat - t + oldInterval - 1) / oldInterval
		b.tat = t + used*interval
	}
	b.rate = perSecond
}

// bucket returns key's bucket, creating it on first use.
func (l *Limiter) bucket(key string) *bucket {
	if b, ok := l.buckets.Load(key); ok {
		return b.(*bucket)
	}
	b, _ := l.buckets.LoadOrStore(key, new(bucket))
	return b.(*bucket)
}

// Forget drops key's bucket (e.g. when an account is deleted); its next
// request starts with a full bucket.
func (l *Limiter) Forget(key string) { l.buckets.Delete(key) }
