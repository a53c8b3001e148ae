package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event is one event of the feed (and the body of a webhook delivery):
// something that happened to an account, or to the installation when
// Account is "". docs/events.md describes each type's Data.
type Event struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Account   string          `json:"-"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// eventWire is an event on the wire: the account is null for none.
type eventWire struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Account   *string         `json:"account"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// MarshalJSON writes the event as the feed does (account null for none).
func (e Event) MarshalJSON() ([]byte, error) {
	w := eventWire{ID: e.ID, Type: e.Type, CreatedAt: e.CreatedAt, Data: e.Data}
	if e.Account != "" {
		w.Account = &e.Account
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads an event as the feed writes it.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w eventWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{ID: w.ID, Type: w.Type, CreatedAt: w.CreatedAt, Data: w.Data}
	if w.Account != nil {
		e.Account = *w.Account
	}
	return nil
}

// EventQuery selects events of the feed: those with an ID above After,
// oldest first, at most Limit (0: the server's 100), of one of Types (any
// when empty), about Account (any when "").
type EventQuery struct {
	After   int64
	Limit   int
	Types   []string
	Account string
}

// EventPage is one page of the feed. Ask again with After set to
// NextAfter to go on: event IDs grow in commit order, so none is missed.
type EventPage struct {
	Events    []Event `json:"events"`
	NextAfter int64   `json:"next_after"` // the last event's ID, or the query's After when there is none
	LastID    int64   `json:"last_id"`    // the highest event ID written when the page was read
}

// Events reads a page of the event feed (GET /admin/v1/events).
func (c *Client) Events(ctx context.Context, q EventQuery) (*EventPage, error) {
	v := url.Values{}
	if q.After > 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if len(q.Types) > 0 {
		v.Set("type", strings.Join(q.Types, ","))
	}
	setNonEmpty(v, "account", q.Account)
	r := &request{method: http.MethodGet, path: "/admin/v1/events", query: v, auth: authAdmin}
	var p EventPage
	if err := c.getJSON(ctx, r, &p); err != nil {
		return nil, err
	}
	if p.Events == nil {
		p.Events = []Event{}
	}
	return &p, nil
}
