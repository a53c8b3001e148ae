package events

import (
	"encoding/json"

	"github.com/kassa-dev/kassa"
)

// Wire is an event as the feed lists it and a webhook delivery posts it.
type Wire struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Account   *string         `json:"account"` // null for an event about no account
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// TimeFormat is how event times are written: RFC 3339 in UTC with the
// fraction of the second, which orders events of one second.
const TimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// ToWire returns e in its wire shape.
func ToWire(e *kassa.Event) Wire {
	w := Wire{ID: e.ID, Type: e.Type, CreatedAt: e.CreatedAt.UTC().Format(TimeFormat), Data: e.Data}
	if e.Account != "" {
		account := e.Account
		w.Account = &account
	}
	if len(w.Data) == 0 {
		w.Data = json.RawMessage(`{}`)
	}
	return w
}

// Body is the JSON body of a webhook delivery of e.
func Body(e *kassa.Event) ([]byte, error) {
	return json.Marshal(ToWire(e))
}
