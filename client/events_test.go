package client_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// TestEventsFeed: Events reads the feed oldest first, resumes from
// NextAfter, filters, and reads an event about no account as "".
func TestEventsFeed(t *testing.T) {
	ts := startPricedKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	var written []*kassa.Event
	for _, a := range []string{"evtacct1", "evtacct2", "evtacct1"} {
		e, err := kassa.NewEvent(kassa.EventBalanceLow, a, map[string]string{"balance": "1.00000000"})
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, e)
	}
	if err := ts.Store.AppendEvents(ctx, nil, written...); err != nil {
		t.Fatal(err)
	}

	all, err := c.Events(ctx, client.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// The demo price book's activation comes first.
	if len(all.Events) != 4 || all.Events[0].Type != kassa.EventPriceBookActivated || all.Events[0].Account != "" {
		t.Fatalf("feed = %+v", all)
	}
	e := all.Events[1]
	if e.ID != written[0].ID || e.Type != kassa.EventBalanceLow || e.Account != "evtacct1" ||
		!e.CreatedAt.Equal(written[0].CreatedAt.Truncate(time.Microsecond)) || string(e.Data) != `{"balance":"1.00000000"}` {
		t.Errorf("event = %+v (data %s), want %+v", e, e.Data, written[0])
	}
	if all.NextAfter != written[2].ID || all.LastID != written[2].ID {
		t.Errorf("NextAfter %d LastID %d", all.NextAfter, all.LastID)
	}

	page, err := c.Events(ctx, client.EventQuery{After: written[0].ID, Limit: 1})
	if err != nil || len(page.Events) != 1 || page.Events[0].ID != written[1].ID || page.NextAfter != written[1].ID {
		t.Fatalf("page after %d: %+v %v", written[0].ID, page, err)
	}
	page, err = c.Events(ctx, client.EventQuery{Account: "evtacct1", Types: []string{kassa.EventBalanceLow, kassa.EventBalanceRecovered}})
	if err != nil || len(page.Events) != 2 || page.Events[0].ID != written[0].ID || page.Events[1].ID != written[2].ID {
		t.Fatalf("filtered page: %+v %v", page, err)
	}
	empty, err := c.Events(ctx, client.EventQuery{After: written[2].ID})
	if err != nil || empty.Events == nil || len(empty.Events) != 0 || empty.NextAfter != written[2].ID {
		t.Fatalf("empty page: %+v %v", empty, err)
	}

	// An event written back as JSON has the feed's shape: account null
	// for none.
	raw, err := json.Marshal(all.Events[0])
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]any
	if err := json.Unmarshal(raw, &shape); err != nil || shape["account"] != nil {
		t.Errorf("marshalled event %s: account must be null", raw)
	}

	_, err = c.Events(ctx, client.EventQuery{Types: []string{"no.such"}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 400 {
		t.Errorf("unknown type: %v, want a 400", err)
	}
}
