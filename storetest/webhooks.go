package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testWebhooks(t *testing.T) {
	t.Run("Endpoints", h.testWebhookEndpoints)
	t.Run("Deliveries", h.testDeliveries)
	t.Run("Redeliver", h.testRedeliver)
}

func (h harness) testWebhookEndpoints(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	before := mustEvent(t, kassa.EventBalanceLow, "whe00001", struct{}{})
	noErr(t, s.AppendEvents(ctx, nil, before), "append an event")

	w := &kassa.WebhookEndpoint{ID: "wh_one", URL: "https://example.com/hook", Secret: "s3cret-s3cret-s3cret",
		Types: []string{kassa.EventBalanceLow, kassa.EventReloadFailed}, Description: "billing"}
	noErr(t, s.CreateWebhookEndpoint(ctx, w), "create endpoint")
	if w.Cursor != before.ID {
		t.Errorf("a new endpoint's cursor = %d, want the last event %d (it receives only later events)", w.Cursor, before.ID)
	}
	sameTime(t, "CreatedAt", w.CreatedAt, Epoch)
	wantCode(t, s.CreateWebhookEndpoint(ctx, &kassa.WebhookEndpoint{ID: "wh_one", URL: "https://x.example", Secret: "x"}), kassa.ECONFLICT)

	clock.Advance(time.Second)
	all := &kassa.WebhookEndpoint{ID: "wh_all", URL: "https://example.net/all", Secret: "another-secret-1234"}
	noErr(t, s.CreateWebhookEndpoint(ctx, all), "create endpoint for every type")

	got, err := s.WebhookEndpoint(ctx, "wh_one")
	noErr(t, err, "get endpoint")
	if got.URL != w.URL || got.Secret != w.Secret || !slices.Equal(got.Types, w.Types) || got.Description != "billing" || got.Cursor != before.ID {
		t.Errorf("endpoint read back = %+v, want %+v", got, w)
	}
	if !got.Wants(kassa.EventBalanceLow) || got.Wants(kassa.EventBalanceRecovered) {
		t.Error("an endpoint with types wants exactly those types")
	}
	if g, _ := s.WebhookEndpoint(ctx, "wh_all"); g == nil || len(g.Types) != 0 || !g.Wants(kassa.EventTransferCreated) {
		t.Errorf("an endpoint without types wants every type: %+v", g)
	}
	_, err = s.WebhookEndpoint(ctx, "wh_none")
	wantCode(t, err, kassa.ENOTFOUND)

	list, err := s.WebhookEndpoints(ctx)
	noErr(t, err, "list endpoints")
	if len(list) != 2 || list[0].ID != "wh_one" || list[1].ID != "wh_all" {
		t.Errorf("WebhookEndpoints = %v, want wh_one then wh_all", list)
	}

	clock.Advance(time.Second)
	upd := &kassa.WebhookEndpoint{ID: "wh_one", URL: "https://example.com/v2", Secret: "rotated-secret-5678", Types: nil, Description: ""}
	noErr(t, s.UpdateWebhookEndpoint(ctx, upd), "update endpoint")
	if upd.URL != "https://example.com/v2" || len(upd.Types) != 0 || upd.Cursor != before.ID {
		t.Errorf("updated endpoint = %+v", upd)
	}
	sameTime(t, "UpdatedAt", upd.UpdatedAt, Epoch.Add(2*time.Second))
	sameTime(t, "CreatedAt kept", upd.CreatedAt, Epoch)
	wantCode(t, s.UpdateWebhookEndpoint(ctx, &kassa.WebhookEndpoint{ID: "wh_none", URL: "https://x.example"}), kassa.ENOTFOUND)

	noErr(t, s.DeleteWebhookEndpoint(ctx, "wh_one"), "delete endpoint")
	wantCode(t, s.DeleteWebhookEndpoint(ctx, "wh_one"), kassa.ENOTFOUND)
	if list, _ := s.WebhookEndpoints(ctx); len(list) != 1 || list[0].ID != "wh_all" {
		t.Errorf("endpoints after a delete = %v", list)
	}
}

// appendEvents writes one event per account, in order, and returns them.
func appendEvents(t testing.TB, s kassa.Store, accounts ...string) []*kassa.Event {
	t.Helper()
	var out []*kassa.Event
	for _, a := range accounts {
		e := mustEvent(t, kassa.EventBalanceLow, a, map[string]string{"account": a})
		noErr(t, s.AppendEvents(t.Context(), nil, e), "append event")
		out = append(out, e)
	}
	return out
}

// deliveryKeys returns the event IDs of deliveries.
func deliveryKeys(list []*kassa.Delivery) []int64 {
	out := []int64{}
	for _, d := range list {
		out = append(out, d.Event.ID)
	}
	return out
}

// mustEndpoint creates an endpoint for every event type.
func mustEndpoint(t testing.TB, s kassa.Store, id string) *kassa.WebhookEndpoint {
	t.Helper()
	w := &kassa.WebhookEndpoint{ID: id, URL: "https://example.com/" + id, Secret: "secret-of-" + id}
	noErr(t, s.CreateWebhookEndpoint(t.Context(), w), "create endpoint %s", id)
	return w
}

func (h harness) testDeliveries(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	w := mustEndpoint(t, s, "wh_d")
	other := mustEndpoint(t, s, "wh_other")
	ev := appendEvents(t, s, "dla00001", "dlb00001", "dla00001", "dla00001", "")

	due := func(at time.Time) []int64 {
		t.Helper()
		list, err := s.DueDeliveries(ctx, at, 100)
		noErr(t, err, "due deliveries")
		return deliveryKeys(list)
	}
	if got := due(clock.Now()); len(got) != 0 {
		t.Fatalf("due before any fan-out: %v", got)
	}

	// Fan the first three events out, then the rest.
	noErr(t, s.FanOut(ctx, w.ID, w.Cursor, ev[2].ID, ev[:3]), "fan out")
	wantCode(t, s.FanOut(ctx, w.ID, w.Cursor, ev[4].ID, ev[3:]), kassa.ECONFLICT)
	wantCode(t, s.FanOut(ctx, "wh_none", 0, ev[4].ID, nil), kassa.ENOTFOUND)
	noErr(t, s.FanOut(ctx, w.ID, ev[2].ID, ev[4].ID, ev[3:]), "fan out the rest")
	if got, _ := s.WebhookEndpoint(ctx, w.ID); got.Cursor != ev[4].ID {
		t.Errorf("cursor after fan-out = %d, want %d", got.Cursor, ev[4].ID)
	}
	// The other endpoint moves its cursor without deliveries (a filter
	// that matched nothing).
	noErr(t, s.FanOut(ctx, other.ID, other.Cursor, ev[4].ID, nil), "fan out nothing")

	// One due delivery per endpoint and account: the first of each.
	if got, want := due(clock.Now()), []int64{ev[0].ID, ev[1].ID, ev[4].ID}; !slices.Equal(got, want) {
		t.Fatalf("due = %v, want the first of each account %v", got, want)
	}
	list, err := s.DueDeliveries(ctx, clock.Now(), 1)
	noErr(t, err, "due deliveries, limit 1")
	if len(list) != 1 {
		t.Fatalf("limit 1 gave %d", len(list))
	}
	d := list[0]
	if d.Endpoint != w.ID || d.Event.ID != ev[0].ID || d.Event.Type != kassa.EventBalanceLow || d.Event.Account != "dla00001" ||
		string(d.Event.Data) != `{"account":"dla00001"}` || d.State != kassa.DeliveryPending || d.Attempts != 0 {
		t.Errorf("due delivery = %+v", d)
	}
	sameTime(t, "event time of a delivery", d.Event.CreatedAt, ev[0].CreatedAt)
	sameTime(t, "next attempt", d.NextAttemptAt, Epoch)

	// A failed attempt of the first is retried later; the account's later
	// events keep waiting behind it.
	clock.Advance(time.Second)
	retry := Epoch.Add(time.Minute)
	noErr(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[0].ID, At: clock.Now(),
		Status: 503, Error: "status 503", RetryAt: retry}), "failed attempt")
	if got, want := due(clock.Now()), []int64{ev[1].ID, ev[4].ID}; !slices.Equal(got, want) {
		t.Fatalf("due after a failed attempt = %v, want %v", got, want)
	}
	if got, want := due(retry), []int64{ev[1].ID, ev[4].ID, ev[0].ID}; !slices.Equal(got, want) {
		t.Fatalf("due at the retry time = %v, want %v (earliest due first)", got, want)
	}

	// Delivered: the account's next event becomes due.
	clock.Set(retry)
	noErr(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[0].ID, At: retry, Delivered: true, Status: 200}), "delivered")
	wantCode(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[0].ID, At: retry, Delivered: true}), kassa.ECONFLICT)
	wantCode(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[4].ID + 100, At: retry}), kassa.ENOTFOUND)
	if got, want := due(retry), []int64{ev[1].ID, ev[4].ID, ev[2].ID}; !slices.Equal(got, want) {
		t.Fatalf("due after a delivery = %v, want %v", got, want)
	}

	// Given up (no retry time): failed, and the next one becomes due.
	noErr(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[2].ID, At: retry, Error: "connection refused"}), "give up")
	if got, want := due(retry), []int64{ev[1].ID, ev[4].ID, ev[3].ID}; !slices.Equal(got, want) {
		t.Fatalf("due after giving up = %v, want %v", got, want)
	}

	// The log: newest event first, with each delivery's state.
	log, total, err := s.ListDeliveries(ctx, kassa.DeliveryFilter{Endpoint: w.ID})
	noErr(t, err, "list deliveries")
	if total != 5 || !slices.Equal(deliveryKeys(log), []int64{ev[4].ID, ev[3].ID, ev[2].ID, ev[1].ID, ev[0].ID}) {
		t.Fatalf("ListDeliveries = %v total %d", deliveryKeys(log), total)
	}
	first, failed := log[4], log[2]
	if first.State != kassa.DeliveryDelivered || first.Attempts != 2 || first.LastStatus != 200 || first.LastError != "" || !first.NextAttemptAt.IsZero() {
		t.Errorf("delivered delivery = %+v", first)
	}
	sameTime(t, "DeliveredAt", first.DeliveredAt, retry)
	sameTime(t, "LastAttemptAt", first.LastAttemptAt, retry)
	if failed.State != kassa.DeliveryFailed || failed.Attempts != 1 || failed.LastError != "connection refused" || !failed.DeliveredAt.IsZero() {
		t.Errorf("failed delivery = %+v", failed)
	}
	if log[1].State != kassa.DeliveryPending || !log[1].NextAttemptAt.Equal(retry) {
		t.Errorf("promoted delivery = %+v, want pending and due at %v", log[1], retry)
	}
	pending, total, err := s.ListDeliveries(ctx, kassa.DeliveryFilter{Endpoint: w.ID, State: kassa.DeliveryPending, Limit: 2})
	noErr(t, err, "list pending deliveries")
	if total != 3 || !slices.Equal(deliveryKeys(pending), []int64{ev[4].ID, ev[3].ID}) {
		t.Errorf("pending page = %v total %d, want %v total 3", deliveryKeys(pending), total, []int64{ev[4].ID, ev[3].ID})
	}
	page, total, err := s.ListDeliveries(ctx, kassa.DeliveryFilter{Endpoint: w.ID, Before: ev[3].ID})
	noErr(t, err, "list deliveries before")
	if total != 5 || !slices.Equal(deliveryKeys(page), []int64{ev[2].ID, ev[1].ID, ev[0].ID}) {
		t.Errorf("page before %d = %v total %d", ev[3].ID, deliveryKeys(page), total)
	}
	if none, total, err := s.ListDeliveries(ctx, kassa.DeliveryFilter{Endpoint: other.ID}); err != nil || total != 0 || len(none) != 0 {
		t.Errorf("deliveries of an endpoint that matched nothing: %v %d %v", none, total, err)
	}

	n, oldest, err := s.DeliveryBacklog(ctx)
	noErr(t, err, "backlog")
	if n != 3 {
		t.Errorf("backlog = %d, want 3", n)
	}
	sameTime(t, "oldest pending", oldest, Epoch)

	// Deleting the endpoint deletes its deliveries.
	noErr(t, s.DeleteWebhookEndpoint(ctx, w.ID), "delete endpoint")
	if n, oldest, err := s.DeliveryBacklog(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Errorf("backlog after the delete = %d, %v, %v", n, oldest, err)
	}
	if got := due(retry.Add(time.Hour)); len(got) != 0 {
		t.Errorf("due after the delete: %v", got)
	}
}

func (h harness) testRedeliver(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	w := mustEndpoint(t, s, "wh_r")
	ev := appendEvents(t, s, "rda00001", "rda00001", "rda00001")
	noErr(t, s.FanOut(ctx, w.ID, w.Cursor, ev[2].ID, ev), "fan out")
	deliver := func(i int) {
		t.Helper()
		noErr(t, s.FinishAttempt(ctx, kassa.DeliveryOutcome{Endpoint: w.ID, EventID: ev[i].ID, At: clock.Now(), Delivered: true, Status: 204}), "deliver %d", i)
	}
	due := func() []int64 {
		t.Helper()
		list, err := s.DueDeliveries(ctx, clock.Now(), 100)
		noErr(t, err, "due")
		return deliveryKeys(list)
	}
	deliver(0)
	if got := due(); !slices.Equal(got, []int64{ev[1].ID}) {
		t.Fatalf("due = %v, want %d", got, ev[1].ID)
	}
	// Redelivering the first, delivered, event puts it back at the head
	// of the account's queue: the second waits for it again.
	clock.Advance(time.Minute)
	d, err := s.Redeliver(ctx, w.ID, ev[0].ID)
	noErr(t, err, "redeliver")
	if d.State != kassa.DeliveryPending || d.Attempts != 1 || !d.NextAttemptAt.Equal(clock.Now()) || !d.DeliveredAt.IsZero() {
		t.Errorf("redelivered = %+v", d)
	}
	if got := due(); !slices.Equal(got, []int64{ev[0].ID}) {
		t.Fatalf("due after a redelivery = %v, want only %d", got, ev[0].ID)
	}
	deliver(0)
	if got := due(); !slices.Equal(got, []int64{ev[1].ID}) {
		t.Fatalf("due after the redelivery = %v, want %d", got, ev[1].ID)
	}
	deliver(1)
	// Redelivering the second while the third is due: the second goes
	// first.
	if _, err := s.Redeliver(ctx, w.ID, ev[1].ID); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []int64{ev[1].ID}) {
		t.Fatalf("due = %v, want %d ahead of %d", got, ev[1].ID, ev[2].ID)
	}
	// Redelivering a pending delivery that waits behind an earlier one
	// keeps it waiting.
	if _, err := s.Redeliver(ctx, w.ID, ev[2].ID); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []int64{ev[1].ID}) {
		t.Fatalf("due = %v, want still only %d", got, ev[1].ID)
	}
	_, err = s.Redeliver(ctx, w.ID, ev[2].ID+100)
	wantCode(t, err, kassa.ENOTFOUND)
	_, err = s.Redeliver(ctx, "wh_none", ev[0].ID)
	wantCode(t, err, kassa.ENOTFOUND)
}
