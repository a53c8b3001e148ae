package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// controlRoot is the path of the control API.
const controlRoot = "/_emulator"

// maxControlBody bounds a control request's body (a fixture document).
const maxControlBody = MaxFixtureBytes

// controlHandler serves the control API (docs/emulator.md):
//
//	GET    /_emulator                 what the emulator holds now
//	POST   /_emulator/fixtures        load fixtures (JSON or YAML); ?add=true keeps the loaded ones
//	GET    /_emulator/fixtures        the fixtures loaded now
//	POST   /_emulator/reset           back to the loaded fixtures
//	GET    /_emulator/requests        the journal (?path=, ?method=, ?since=)
//	DELETE /_emulator/requests        clear it
//	POST   /_emulator/faults          add a fault
//	GET    /_emulator/faults          list them
//	DELETE /_emulator/faults          clear them; DELETE /_emulator/faults/{id} removes one
//	GET    /_emulator/clock           the emulated time
//	POST   /_emulator/clock           {"advance":"25h"} or {"to":"2027-01-01T00:00:00Z"}; then runs the timed jobs ("0s": only them)
func (e *Emulator) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+controlRoot, e.getIndex)
	mux.HandleFunc("GET "+controlRoot+"/{$}", e.getIndex)
	mux.HandleFunc("POST "+controlRoot+"/fixtures", e.postFixtures)
	mux.HandleFunc("GET "+controlRoot+"/fixtures", e.getFixtures)
	mux.HandleFunc("POST "+controlRoot+"/reset", e.postReset)
	mux.HandleFunc("GET "+controlRoot+"/requests", e.getRequests)
	mux.HandleFunc("DELETE "+controlRoot+"/requests", e.deleteRequests)
	mux.HandleFunc("POST "+controlRoot+"/faults", e.postFault)
	mux.HandleFunc("GET "+controlRoot+"/faults", e.getFaults)
	mux.HandleFunc("DELETE "+controlRoot+"/faults", e.deleteFaults)
	mux.HandleFunc("DELETE "+controlRoot+"/faults/{id}", e.deleteFault)
	mux.HandleFunc("GET "+controlRoot+"/clock", e.getClock)
	mux.HandleFunc("POST "+controlRoot+"/clock", e.postClock)
	return mux
}

// controlProblem is the body of a refused control request.
type controlProblem struct {
	Title    string    `json:"title"`
	Status   int       `json:"status"`
	Detail   string    `json:"detail"`
	Problems []Problem `json:"problems,omitempty"` // a fixture document's, each with its line
}

// writeProblem writes a refusal as application/problem+json.
func writeProblem(w http.ResponseWriter, status int, detail string, problems []Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(controlProblem{Title: http.StatusText(status), Status: status, Detail: detail, Problems: problems})
}

// writeJSON writes v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError writes err: a fixture refusal with its problems (400),
// anything else as a 500 (logged).
func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *ParseError
	if errors.As(err, &pe) {
		writeProblem(w, http.StatusBadRequest, pe.Error(), pe.Problems)
		return
	}
	e.log.Error("emulator control request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeProblem(w, http.StatusInternalServerError, err.Error(), nil)
}

// index is what GET /_emulator answers.
type index struct {
	Endpoints []string      `json:"endpoints"`
	Clock     clockAnswer   `json:"clock"`
	Accounts  []string      `json:"fixture_accounts"`
	Prices    int           `json:"fixture_prices"`
	Journal   journalCounts `json:"journal"`
	Faults    int           `json:"faults"`
}

// journalCounts summarises the journal.
type journalCounts struct {
	Requests int   `json:"requests"`
	Evicted  int64 `json:"evicted"`
}

func (e *Emulator) getIndex(w http.ResponseWriter, r *http.Request) {
	out := index{
		Endpoints: []string{
			"POST /_emulator/fixtures", "GET /_emulator/fixtures", "POST /_emulator/reset",
			"GET /_emulator/requests", "DELETE /_emulator/requests",
			"POST /_emulator/faults", "GET /_emulator/faults", "DELETE /_emulator/faults", "DELETE /_emulator/faults/{id}",
			"GET /_emulator/clock", "POST /_emulator/clock",
		},
		Clock:    e.clockAnswer(),
		Accounts: []string{},
	}
	if fx := e.Fixtures(); fx != nil {
		for _, a := range fx.Accounts {
			out.Accounts = append(out.Accounts, a.APIKey)
		}
		out.Prices = len(fx.Prices)
	}
	reqs, evicted := e.journal.Requests(Filter{})
	out.Journal = journalCounts{Requests: len(reqs), Evicted: evicted}
	out.Faults = len(e.faults.List())
	writeJSON(w, http.StatusOK, out)
}

// readBody reads a control request's body, up to the limit.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d MiB", maxControlBody>>20), nil)
		} else {
			writeProblem(w, http.StatusBadRequest, "could not read the body", nil)
		}
		return nil, false
	}
	return data, true
}

// fixturesAnswer is what a fixture load answers.
type fixturesAnswer struct {
	Fixtures *Fixtures `json:"fixtures"`
	TookMS   float64   `json:"took_ms"`
}

func (e *Emulator) postFixtures(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	add, err := boolParam(r, "add")
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	fx, err := ParseFixtures(data)
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	start := time.Now()
	if err := e.LoadFixtures(r.Context(), fx, add); err != nil {
		e.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fixturesAnswer{Fixtures: e.Fixtures(), TookMS: millis(time.Since(start))})
}

func (e *Emulator) getFixtures(w http.ResponseWriter, r *http.Request) {
	fx := e.Fixtures()
	if fx == nil {
		fx = &Fixtures{}
	}
	writeJSON(w, http.StatusOK, fixturesAnswer{Fixtures: fx})
}

// resetAnswer is what a reset answers.
type resetAnswer struct {
	TookMS float64 `json:"took_ms"`
}

func (e *Emulator) postReset(w http.ResponseWriter, r *http.Request) {
	took, err := e.Reset(r.Context())
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resetAnswer{TookMS: millis(took)})
}

// requestsAnswer is the journal as GET /_emulator/requests answers it.
type requestsAnswer struct {
	Count    int       `json:"count"`
	Evicted  int64     `json:"evicted"` // requests the journal's bounds dropped since it was last cleared
	Requests []Request `json:"requests"`
}

func (e *Emulator) getRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Method: q.Get("method"), Path: q.Get("path")}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("since %q is not an RFC 3339 time such as 2026-12-06T10:00:00Z", truncate(s, 40)), nil)
			return
		}
		f.Since = t
	}
	reqs, evicted := e.journal.Requests(f)
	writeJSON(w, http.StatusOK, requestsAnswer{Count: len(reqs), Evicted: evicted, Requests: reqs})
}

func (e *Emulator) deleteRequests(w http.ResponseWriter, r *http.Request) {
	e.journal.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// faultsAnswer lists the faults.
type faultsAnswer struct {
	Faults []Fault `json:"faults"`
}

func (e *Emulator) postFault(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var f Fault
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		writeProblem(w, http.StatusBadRequest, "a fault is a JSON object: "+err.Error(), nil)
		return
	}
	stored, err := e.faults.Add(f)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "fault refused: "+err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusCreated, stored)
}

func (e *Emulator) getFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, faultsAnswer{Faults: e.faults.List()})
}

func (e *Emulator) deleteFaults(w http.ResponseWriter, r *http.Request) {
	e.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) deleteFault(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !e.faults.Remove(id) {
		writeProblem(w, http.StatusNotFound, "no fault "+truncate(r.PathValue("id"), 20), nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// clockAnswer shows the emulated time.
type clockAnswer struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"` // how far ahead of the real time ("25h0m0s")
	// Jobs says what the time-driven jobs did after an advance.
	Jobs *jobsAnswer `json:"jobs,omitempty"`
}

// jobsAnswer says what the jobs run after an advance did.
type jobsAnswer struct {
	HoldsExpired   int `json:"holds_expired"`
	AccountsDue    int `json:"reload_due"`
	Reloaded       int `json:"reloaded"`
	ReloadDeclined int `json:"reload_declined"`
	ReloadCapped   int `json:"reload_capped"`
}

func (e *Emulator) clockAnswer() clockAnswer {
	return clockAnswer{Now: e.clock.Now().UTC(), Offset: e.clock.Offset().String()}
}

func (e *Emulator) getClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, e.clockAnswer())
}

// clockRequest moves the clock: by a duration, or to a time.
type clockRequest struct {
	Advance string `json:"advance"` // a Go duration: "90s", "25h", "1h30m"
	To      string `json:"to"`      // an RFC 3339 time, not before the emulated now
}

func (e *Emulator) postClock(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	var req clockRequest
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, http.StatusBadRequest, `the body is {"advance":"25h"} or {"to":"2027-01-01T00:00:00Z"}: `+err.Error(), nil)
		return
	}
	d, err := req.duration(e.clock)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	_, jobs, err := e.Advance(r.Context(), d)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	out := e.clockAnswer()
	out.Jobs = &jobsAnswer{
		HoldsExpired: jobs.HoldsExpired, AccountsDue: jobs.Reload.Due, Reloaded: jobs.Reload.Reloaded,
		ReloadDeclined: jobs.Reload.Declined, ReloadCapped: jobs.Reload.Capped,
	}
	writeJSON(w, http.StatusOK, out)
}

// duration is how far the request moves the clock.
func (req clockRequest) duration(c *Clock) (time.Duration, error) {
	switch {
	case req.Advance != "" && req.To != "":
		return 0, errors.New("give advance or to, not both")
	case req.Advance != "":
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			return 0, fmt.Errorf("advance %q is not a duration such as 90s, 25h or 1h30m", truncate(req.Advance, 40))
		}
		if d < 0 {
			return 0, fmt.Errorf("the clock only moves forward: advance %s is negative", req.Advance)
		}
		return d, nil
	case req.To != "":
		t, err := time.Parse(time.RFC3339Nano, req.To)
		if err != nil {
			return 0, fmt.Errorf("to %q is not an RFC 3339 time such as 2027-01-01T00:00:00Z", truncate(req.To, 40))
		}
		d := t.Sub(c.Now())
		if d <= 0 {
			return 0, fmt.Errorf("the clock only moves forward: %s is not after the emulated time %s", req.To, c.Now().UTC().Format(time.RFC3339))
		}
		return d, nil
	}
	return 0, errors.New(`say how far: {"advance":"25h"} or {"to":"2027-01-01T00:00:00Z"}`)
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: use true or false", name, truncate(v, 20))
	}
	return b, nil
}

// millis is d in milliseconds with microsecond precision.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// bytesReader reads data.
func bytesReader(data []byte) io.Reader { return bytes.NewReader(data) }
