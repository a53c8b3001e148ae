package events

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestBody: the JSON of an event has every field, the account null for an
// event about no account, the time in UTC with microseconds, and {} for
// an empty payload.
func TestBody(t *testing.T) {
	at := time.Date(2026, 11, 26, 11, 0, 0, 123456789, time.FixedZone("CET", 3600))
	cases := []struct {
		e    kassa.Event
		want string
	}{
		{kassa.Event{ID: 7, Type: kassa.EventBalanceLow, Account: "abcd1234", CreatedAt: at, Data: []byte(`{"balance":"1.00000000"}`)},
			`{"id":7,"type":"balance.low","account":"abcd1234","created_at":"2026-11-26T10:00:00.123456Z","data":{"balance":"1.00000000"}}`},
		{kassa.Event{ID: 8, Type: kassa.EventPriceBookActivated, CreatedAt: at},
			`{"id":8,"type":"pricebook.activated","account":null,"created_at":"2026-11-26T10:00:00.123456Z","data":{}}`},
	}
	for _, c := range cases {
		got, err := Body(&c.e)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("Body = %s\nwant   %s", got, c.want)
		}
	}
}
