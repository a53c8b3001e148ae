package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/kassa-dev/kassa"
)

// feedPage is an answer of GET /admin/v1/events.
type feedPage struct {
	Events []struct {
		ID        int64           `json:"id"`
		Type      string          `json:"type"`
		Account   *string         `json:"account"`
		CreatedAt string          `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	} `json:"events"`
	NextAfter int64 `json:"next_after"`
	LastID    int64 `json:"last_id"`
}

// feed reads one page of the event feed.
func (h *harness) feed(t *testing.T, query string) feedPage {
	t.Helper()
	r := h.admin(http.MethodGet, "/admin/v1/events"+query, "").wantStatus(t, http.StatusOK)
	var p feedPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("feed: %v: %s", err, r.body)
	}
	return p
}

func (p feedPage) ids() []int64 {
	out := []int64{}
	for _, e := range p.Events {
		out = append(out, e.ID)
	}
	return out
}

// TestEventFeed: the feed lists events oldest first after a cursor, with
// the filters, next_after and last_id; a top-up's reload.succeeded shows in
// it.
func TestEventFeed(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	// The harness activated its price book: the first event, about no
	// account.
	first := h.feed(t, "")
	if len(first.Events) != 1 || first.Events[0].Type != kassa.EventPriceBookActivated || first.Events[0].Account != nil {
		t.Fatalf("first page = %+v, want the price book activation about no account (null)", first)
	}
	if first.NextAfter != first.Events[0].ID || first.LastID != first.Events[0].ID {
		t.Errorf("next_after %d, last_id %d, want %d", first.NextAfter, first.LastID, first.Events[0].ID)
	}

	h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusOK)
	other := []*kassa.Event{}
	for i := range 3 {
		e, err := kassa.NewEvent(kassa.EventBalanceLow, fmt.Sprintf("other%03d", i), map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		other = append(other, e)
	}
	if err := h.db.AppendEvents(ctx, nil, other...); err != nil {
		t.Fatal(err)
	}

	page := h.feed(t, fmt.Sprintf("?after=%d", first.NextAfter))
	if len(page.Events) != 4 {
		t.Fatalf("feed after %d = %v, want the top-up and three more", first.NextAfter, page.ids())
	}
	topUp := page.Events[0]
	if topUp.Type != kassa.EventReloadSucceeded || topUp.Account == nil || *topUp.Account != testKey {
		t.Fatalf("top-up event = %+v", topUp)
	}
	var data kassa.ReloadSucceededData
	if err := json.Unmarshal(topUp.Data, &data); err != nil || data.Source != kassa.ReloadSourceTopUp || data.Amount != "50.00000000" {
		t.Errorf("top-up event data = %s (%v)", topUp.Data, err)
	}
	if page.NextAfter != other[2].ID || page.LastID != other[2].ID {
		t.Errorf("next_after %d last_id %d, want %d", page.NextAfter, page.LastID, other[2].ID)
	}

	limited := h.feed(t, fmt.Sprintf("?after=%d&limit=2", first.NextAfter))
	if !slices.Equal(limited.ids(), []int64{topUp.ID, other[0].ID}) || limited.NextAfter != other[0].ID || limited.LastID != other[2].ID {
		t.Errorf("limit 2: %v next_after %d last_id %d", limited.ids(), limited.NextAfter, limited.LastID)
	}
	rest := h.feed(t, fmt.Sprintf("?after=%d&limit=2", limited.NextAfter))
	if !slices.Equal(rest.ids(), []int64{other[1].ID, other[2].ID}) {
		t.Errorf("resumed from next_after: %v", rest.ids())
	}
	empty := h.feed(t, fmt.Sprintf("?after=%d", other[2].ID))
	if len(empty.Events) != 0 || empty.NextAfter != other[2].ID {
		t.Errorf("empty page = %+v", empty)
	}
	if r := h.admin(http.MethodGet, fmt.Sprintf("/admin/v1/events?after=%d", other[2].ID), ""); !json.Valid(r.body) || !containsEmptyList(r.body) {
		t.Errorf("an empty page must list [] events: %s", r.body)
	}

	byType := h.feed(t, "?type=reload.succeeded,pricebook.activated")
	if !slices.Equal(byType.ids(), []int64{first.Events[0].ID, topUp.ID}) {
		t.Errorf("type filter (comma): %v", byType.ids())
	}
	repeated := h.feed(t, "?type=reload.succeeded&type=balance.low&after="+fmt.Sprint(topUp.ID))
	if !slices.Equal(repeated.ids(), []int64{other[0].ID, other[1].ID, other[2].ID}) {
		t.Errorf("type filter (repeated) after the top-up: %v", repeated.ids())
	}
	byAccount := h.feed(t, "?account=other001")
	if !slices.Equal(byAccount.ids(), []int64{other[1].ID}) {
		t.Errorf("account filter: %v", byAccount.ids())
	}
}

// containsEmptyList reports whether a feed body lists no events as [].
func containsEmptyList(body []byte) bool {
	var v struct {
		Events json.RawMessage `json:"events"`
	}
	return json.Unmarshal(body, &v) == nil && string(v.Events) == "[]"
}

// TestEventFeedBadInput: bad parameters are 400 naming the parameter, a
// missing token 401, another method 405.
func TestEventFeedBadInput(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ query, field string }{
		{"?after=-1", "after"},
		{"?after=x", "after"},
		{"?after=99999999999999999999", "after"},
		{"?limit=0", "limit"},
		{"?limit=1001", "limit"},
		{"?type=balance.lo", "type"},
		{"?type=balance.low,%1b[31m", "type"},
		{"?account=a", "account"},
		{"?account=no%20spaces", "account"},
	} {
		b := wantProblem(t, h.admin(http.MethodGet, "/admin/v1/events"+c.query, ""), http.StatusBadRequest, "invalid")
		params, _ := b["invalid_params"].([]any)
		if len(params) != 1 || params[0].(map[string]any)["name"] != c.field {
			t.Errorf("%s: invalid_params %v, want %s", c.query, b["invalid_params"], c.field)
		}
	}
	r := h.do(req{path: "/admin/v1/events"})
	wantProblem(t, r, http.StatusUnauthorized, "unauthorized")
	r = h.admin(http.MethodPost, "/admin/v1/events", "{}")
	r.wantStatus(t, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}
