package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/events"
	"github.com/kassa-dev/kassa/webhook"
)

// TestWebhooks: the client covers every webhook endpoint: create, list,
// get, update, the delivery log, redelivery and delete.
func TestWebhooks(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)

	w, err := c.CreateWebhook(ctx, client.NewWebhook{URL: recv.URL, Events: []string{kassa.EventBalanceLow}, Description: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.ID, "wh_") || !strings.HasPrefix(w.Secret, "whsec_") || w.Description != "ops" || w.CreatedAt.IsZero() {
		t.Fatalf("created %+v", w)
	}
	list, err := c.Webhooks(ctx)
	if err != nil || len(list) != 1 || list[0].ID != w.ID || list[0].Secret != "" {
		t.Fatalf("list %+v %v", list, err)
	}
	desc := "billing"
	u, err := c.UpdateWebhook(ctx, w.ID, client.WebhookChange{Description: &desc})
	if err != nil || u.Description != "billing" || u.Secret != "" {
		t.Fatalf("update %+v %v", u, err)
	}

	ev, err := kassa.NewEvent(kassa.EventBalanceLow, testKey, map[string]string{"balance": "1.00000000"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.AppendEvents(ctx, nil, ev); err != nil {
		t.Fatal(err)
	}
	d := events.New(ts.Store, events.Options{NodeID: "t", Guard: webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
	if s, err := d.RunOnce(ctx); err != nil || s.Delivered != 1 {
		t.Fatalf("dispatch %+v %v", s, err)
	}
	page, err := c.Deliveries(ctx, w.ID, client.DeliveryQuery{State: "delivered"})
	if err != nil || page.Total != 1 || len(page.Deliveries) != 1 {
		t.Fatalf("deliveries %+v %v", page, err)
	}
	dl := page.Deliveries[0]
	if dl.EventID != ev.ID || dl.State != "delivered" || dl.Attempts != 1 || dl.LastStatus == nil || *dl.LastStatus != 204 ||
		dl.DeliveredAt == nil || dl.Account == nil || *dl.Account != testKey || dl.Event.ID != ev.ID {
		t.Errorf("delivery %+v", dl)
	}
	got, err := c.Webhook(ctx, w.ID)
	if err != nil || got.Pending == nil || *got.Pending != 0 {
		t.Fatalf("get %+v %v", got, err)
	}
	re, err := c.Redeliver(ctx, w.ID, ev.ID)
	if err != nil || re.State != "pending" || re.NextAttemptAt == nil {
		t.Fatalf("redeliver %+v %v", re, err)
	}
	if s, err := d.RunOnce(ctx); err != nil || s.Delivered != 1 || hits.Load() != 2 {
		t.Fatalf("after the redelivery %+v %v, %d hits", s, err, hits.Load())
	}

	if err := c.DeleteWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	var ce *client.Error
	if _, err := c.Webhook(ctx, w.ID); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("after delete: %v", err)
	}
	if _, err := c.CreateWebhook(ctx, client.NewWebhook{URL: "ftp://x"}); !errors.As(err, &ce) || ce.Status != 400 {
		t.Errorf("bad url: %v", err)
	}
}
