package emulator

import (
	"strings"
	"sync"
	"time"
)

// Request is one request the application sent, as the journal keeps it:
// credentials redacted (REDACTED in their place), everything else as sent.
type Request struct {
	ID     int64     `json:"id"`   // increasing; never reused until the emulator stops
	Time   time.Time `json:"time"` // when it arrived, on the emulator's clock
	Method string    `json:"method"`
	Path   string    `json:"path"`            // a secret in the path (/account/get-balance/KEY/SECRET) redacted
	Query  string    `json:"query,omitempty"` // the raw query, api_secret and other secrets redacted
	// Headers are the request's headers; the Authorization and Cookie
	// values are redacted (their scheme is kept: "Basic REDACTED").
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the request body as text (up to MaxJournalBody bytes), with
	// the values of secret fields (api_secret, secret, newSecret, password,
	// tokens) redacted in forms and JSON.
	Body          string `json:"body,omitempty"`
	BodyTruncated bool   `json:"body_truncated,omitempty"`
	// APIKey is the account the request named (Basic user, api_key
	// parameter or path), when it named one.
	APIKey string `json:"api_key,omitempty"`
	// Credentials is how the request carried its credentials: basic,
	// query, body, path (the legacy /KEY/SECRET form), bearer (the admin or
	// platform token), cookie (a dashboard session) or none.
	Credentials string `json:"credentials"`
	Status      int    `json:"status"` // 0 when the connection was dropped
	// ErrorBody is the answer's body when the status is 400 or more (up to
	// MaxJournalBody bytes).
	ErrorBody string `json:"error_body,omitempty"`
	// Fault is the id of the injected fault that answered or delayed the
	// request, 0 when none did.
	Fault      int64   `json:"fault,omitempty"`
	Dropped    bool    `json:"dropped,omitempty"` // the fault dropped the connection
	DurationMS float64 `json:"duration_ms"`

	size int // bytes held, for the journal's bound
}

// Bounds of the journal: the requests it keeps (the oldest go first), the
// bytes it holds, and the bytes of one body it records.
const (
	MaxJournalRequests = 1000
	MaxJournalBytes    = 16 << 20
	MaxJournalBody     = 64 << 10
)

// Journal keeps the last requests the application sent, in memory. It is
// safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	reqs    []*Request // oldest first
	bytes   int
	nextID  int64
	dropped int64 // requests evicted since the last Clear
}

// NewJournal returns an empty journal.
func NewJournal() *Journal { return &Journal{nextID: 1} }

// add records r, giving it its id, and evicts the oldest requests beyond
// the bounds.
func (j *Journal) add(r *Request) {
	r.size = len(r.Path) + len(r.Query) + len(r.Body) + len(r.ErrorBody) + 256
	for k, v := range r.Headers {
		r.size += len(k) + len(v)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	r.ID = j.nextID
	j.nextID++
	j.reqs = append(j.reqs, r)
	j.bytes += r.size
	evict := 0
	for len(j.reqs)-evict > MaxJournalRequests || j.bytes > MaxJournalBytes && len(j.reqs)-evict > 1 {
		j.bytes -= j.reqs[evict].size
		evict++
	}
	if evict > 0 {
		j.dropped += int64(evict)
		j.reqs = append(j.reqs[:0:0], j.reqs[evict:]...)
	}
}

// Filter selects requests of the journal; zero fields select all.
type Filter struct {
	Method string    // case-insensitive
	Path   string    // exact, or a prefix when it ends in '*'
	Since  time.Time // at or after, on the emulator's clock
}

// matches reports whether r passes f.
func (f Filter) matches(r *Request) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.Path != "" && !pathMatches(f.Path, r.Path) {
		return false
	}
	return f.Since.IsZero() || !r.Time.Before(f.Since)
}

// pathMatches matches a path against a pattern: exact, or a prefix when the
// pattern ends in '*'.
func pathMatches(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return pattern == path
}

// Requests returns the recorded requests that pass f, oldest first, and
// how many requests were evicted (by the bounds) since the last Clear.
func (j *Journal) Requests(f Filter) (reqs []Request, evicted int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Request, 0, len(j.reqs))
	for _, r := range j.reqs {
		if f.matches(r) {
			c := *r
			c.Headers = make(map[string]string, len(r.Headers))
			for k, v := range r.Headers {
				c.Headers[k] = v
			}
			out = append(out, c)
		}
	}
	return out, j.dropped
}

// Clear forgets every recorded request (ids keep increasing).
func (j *Journal) Clear() {
	j.mu.Lock()
	j.reqs, j.bytes, j.dropped = nil, 0, 0
	j.mu.Unlock()
}
