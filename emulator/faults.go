package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// Fault makes the next matching requests fail or slow down. Exactly one of
// Status, Error and Drop says how the request is answered; with none of
// them (only DelayMS) the request is served normally after the delay.
type Fault struct {
	ID     int64  `json:"id"`
	Method string `json:"method,omitempty"` // any method when empty; case-insensitive
	Path   string `json:"path"`             // exact, or a prefix when it ends in '*'
	// Status answers with this HTTP status, Body and Headers, the request
	// never reaching kassa. A Body that is a JSON string is written as
	// text; any other JSON value is written as JSON.
	Status  int               `json:"status,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Error answers with kassa's own answer for this error code on the
	// surface the path belongs to: rate_limited is the real 429 (with
	// Retry-After), payment_declined the top-up's 420, callback_rejected
	// the settings' 420, unavailable a 503, internal a 500 and so on,
	// each in the legacy error-code shape, the secrets API's or the
	// problem+json of the admin and platform APIs. Message replaces the
	// default text.
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// DelayMS waits this long (real time) before answering.
	DelayMS int `json:"delay_ms,omitempty"`
	// Times is how many requests the fault applies to (1 when not given);
	// Fired how many it has applied to so far. A fault whose Fired
	// reached Times is spent: listed, but no longer applied.
	Times int `json:"times"`
	Fired int `json:"fired"`
}

// Bounds of faults.
const (
	MaxFaults     = 1000
	MaxFaultDelay = 60 * time.Second
	MaxFaultTimes = 1_000_000
	maxFaultBody  = 64 << 10
)

// faultErrors are the error codes a fault may name, with the default
// message of each.
var faultErrors = map[string]string{
	kassa.ERATELIMITED:      "too many requests",
	kassa.EPAYMENTDECLINED:  "declined by the emulator",
	kassa.ECALLBACKREJECTED: "callback URL rejected by the emulator",
	kassa.EUNAVAILABLE:      "unavailable (injected by the emulator)",
	kassa.EINTERNAL:         "internal error (injected by the emulator)",
	kassa.EUNAUTHORIZED:     "authentication failed",
	kassa.EFORBIDDEN:        "forbidden (injected by the emulator)",
	kassa.EINVALID:          "invalid request (injected by the emulator)",
	kassa.ENOTFOUND:         "not found (injected by the emulator)",
	kassa.ECONFLICT:         "conflict (injected by the emulator)",
	kassa.EINSUFFICIENT:     "insufficient funds (injected by the emulator)",
	kassa.ELIMIT:            "limit reached (injected by the emulator)",
}

// apiPrefixes are the paths whose answers kassa's API shapes: an Error
// fault applies only under them.
var apiPrefixes = []string{"/account/", "/accounts/", "/admin/", "/platform/"}

// check validates a fault and fills its defaults.
func (f *Fault) check() error {
	f.Method = strings.ToUpper(strings.TrimSpace(f.Method))
	switch {
	case f.Path == "" || f.Path[0] != '/':
		return fmt.Errorf("path must start with '/' (a prefix ends in '*')")
	case strings.HasPrefix(f.Path, "/_emulator"):
		return fmt.Errorf("the control API (/_emulator/) cannot be given faults")
	case strings.Contains(strings.TrimSuffix(f.Path, "*"), "*"):
		return fmt.Errorf("path: '*' is allowed only at the end (a prefix)")
	case len(f.Method) > 16 || strings.ContainsAny(f.Method, " \t/"):
		return fmt.Errorf("method %q is not an HTTP method", truncate(f.Method, 20))
	}
	kinds := 0
	for _, set := range []bool{f.Status != 0, f.Error != "", f.Drop} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return fmt.Errorf("give one of status, error and drop")
	case kinds == 0 && f.DelayMS == 0:
		return fmt.Errorf("a fault needs status, error, drop or delay_ms")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status must be from 100 to 599")
	case f.Status == 0 && (len(f.Body) > 0 || len(f.Headers) > 0):
		return fmt.Errorf("body and headers go with status")
	case f.Status == 0 && f.Message != "" && f.Error == "":
		return fmt.Errorf("message goes with error")
	case len(f.Body) > maxFaultBody:
		return fmt.Errorf("body must be at most %d KiB", maxFaultBody>>10)
	case f.DelayMS < 0 || time.Duration(f.DelayMS)*time.Millisecond > MaxFaultDelay:
		return fmt.Errorf("delay_ms must be from 0 to %d", MaxFaultDelay.Milliseconds())
	case f.Times < 0 || f.Times > MaxFaultTimes:
		return fmt.Errorf("times must be from 1 to %d", MaxFaultTimes)
	}
	if f.Error != "" {
		if _, ok := faultErrors[f.Error]; !ok {
			return fmt.Errorf("error %q: use one of %s", truncate(f.Error, 40), strings.Join(faultErrorNames(), ", "))
		}
		if !slices.ContainsFunc(apiPrefixes, func(p string) bool { return strings.HasPrefix(f.Path, p) }) {
			return fmt.Errorf("an error fault needs a path of the APIs (%s…); use status for other paths", strings.Join(apiPrefixes, "…, "))
		}
	}
	for k, v := range f.Headers {
		if k == "" || strings.ContainsAny(k+v, "\r\n") || strings.ContainsAny(k, " :") {
			return fmt.Errorf("header %q is not a valid header", truncate(k, 40))
		}
	}
	if f.Times == 0 {
		f.Times = 1
	}
	f.Fired = 0
	return nil
}

// faultErrorNames lists the error codes a fault may name, sorted.
func faultErrorNames() []string {
	names := make([]string, 0, len(faultErrors))
	for name := range faultErrors {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// matches reports whether the fault applies to a request.
func (f *Fault) matches(method, path string) bool {
	if f.Fired >= f.Times {
		return false
	}
	if f.Method != "" && f.Method != method && !(f.Method == http.MethodGet && method == http.MethodHead) {
		return false
	}
	return pathMatches(f.Path, path)
}

// injectedError is the error an Error fault answers with.
func (f *Fault) injectedError() error {
	msg := f.Message
	if msg == "" {
		msg = faultErrors[f.Error]
	}
	return &kassa.Error{Code: f.Error, Message: msg}
}

// writeStatus writes a Status fault's answer.
func (f *Fault) writeStatus(w http.ResponseWriter) {
	h := w.Header()
	var body []byte
	if len(f.Body) > 0 {
		var text string
		if err := json.Unmarshal(f.Body, &text); err == nil {
			body = []byte(text)
			h.Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			body = bytes.TrimSpace(f.Body)
			h.Set("Content-Type", "application/json")
		}
	}
	for k, v := range f.Headers {
		h.Set(k, v)
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
}

// Faults holds the injected faults, in the order they were added: the
// first unspent one that matches a request applies to it. It is safe for
// concurrent use.
type Faults struct {
	mu     sync.Mutex
	list   []*Fault
	nextID int64
}

// NewFaults returns an empty set of faults.
func NewFaults() *Faults { return &Faults{nextID: 1} }

// Add checks f and adds it; it returns the fault as stored (with its id).
func (fs *Faults) Add(f Fault) (Fault, error) {
	if err := f.check(); err != nil {
		return Fault{}, err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	live := 0
	for _, g := range fs.list {
		if g.Fired < g.Times {
			live++
		}
	}
	if live >= MaxFaults {
		return Fault{}, fmt.Errorf("at most %d faults may wait at once; clear them first", MaxFaults)
	}
	if len(fs.list) >= MaxFaults { // forget spent faults before growing further
		fs.list = slices.DeleteFunc(fs.list, func(g *Fault) bool { return g.Fired >= g.Times })
	}
	f.ID = fs.nextID
	fs.nextID++
	fs.list = append(fs.list, &f)
	return f, nil
}

// take returns the first unspent fault that matches the request, counting
// it as fired; ok is false when none does.
func (fs *Faults) take(method, path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.list {
		if f.matches(method, path) {
			f.Fired++
			return *f, true
		}
	}
	return Fault{}, false
}

// List returns every fault, spent ones included, in the order added.
func (fs *Faults) List() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, len(fs.list))
	for i, f := range fs.list {
		out[i] = *f
	}
	return out
}

// Remove deletes the fault with id; false when there is none.
func (fs *Faults) Remove(id int64) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := len(fs.list)
	fs.list = slices.DeleteFunc(fs.list, func(f *Fault) bool { return f.ID == id })
	return len(fs.list) < n
}

// Clear deletes every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	fs.list = nil
	fs.mu.Unlock()
}
