package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/events"
)

// Bounds of a page of the event feed.
const (
	defaultEventPage = 100
	maxEventPage     = 1000
)

// eventPageJSON is an answer of the event feed.
type eventPageJSON struct {
	Events []events.Wire `json:"events"`
	// NextAfter is the after of the next request: the ID of the last event
	// of the page, or the request's after when the page is empty.
	NextAfter int64 `json:"next_after"`
	// LastID is the highest event ID written when the page was read.
	LastID int64 `json:"last_id"`
}

// adminListEvents answers GET /admin/v1/events?after=&limit=&type=&account=:
// the events with an ID above after, oldest first, at most limit (default
// 100, at most 1000), of the given types (comma-separated or repeated) and
// about the given account. IDs grow in commit order, so asking again with
// next_after never misses an event.
func (s *Server) adminListEvents(w http.ResponseWriter, r *http.Request) error {
	f, err := eventFilter(r.URL.Query())
	if err != nil {
		return err
	}
	// The last ID is read first: the page can only hold events up to it or
	// later ones, never fewer.
	last, err := s.cfg.Store.LastEventID(r.Context())
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.ListEvents(r.Context(), f)
	if err != nil {
		return err
	}
	page := eventPageJSON{Events: make([]events.Wire, 0, len(list)), NextAfter: f.After, LastID: last}
	for _, e := range list {
		page.Events = append(page.Events, events.ToWire(e))
		page.NextAfter = e.ID
		page.LastID = max(page.LastID, e.ID)
	}
	writeAdminJSON(w, http.StatusOK, page)
	return nil
}

// eventFilter reads the feed's query parameters.
func eventFilter(q url.Values) (kassa.EventFilter, error) {
	var f kassa.EventFilter
	if after := q.Get("after"); after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return f, kassa.FieldError("after", "after must be an event id (an integer, 0 or more)")
		}
		f.After = n
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultEventPage, 1, maxEventPage)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	types, err := eventTypes(q["type"])
	if err != nil {
		return f, err
	}
	f.Types = types
	if a := q.Get("account"); a != "" {
		if !kassa.ValidAPIKey(a) {
			return f, kassa.FieldError("account", "account must be an api key (4 to 64 letters, digits, '-' or '_')")
		}
		f.Account = a
	}
	return f, nil
}

// eventTypes reads event types given comma-separated, repeated, or both;
// an unknown type is EINVALID naming the known ones.
func eventTypes(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if !kassa.ValidEventType(t) {
				return nil, kassa.FieldError("type", "unknown event type %q; the types are %s", t, strings.Join(kassa.EventTypes, ", "))
			}
			out = append(out, t)
		}
	}
	return out, nil
}
