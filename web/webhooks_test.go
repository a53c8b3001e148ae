package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestWebhooksPages: an operator adds an endpoint (its generated secret
// shown once), reads its delivery log with a failed attempt in it,
// redelivers an event and deletes the endpoint; an account holder cannot
// reach the pages; a bad URL is refused with the form kept.
func TestWebhooksPages(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	p := b.get("/ui/operator/webhooks")
	if p.status != http.StatusOK || !strings.Contains(p.body, "No endpoints.") || !strings.Contains(p.body, `value="spend_cap.reached"`) {
		t.Fatalf("empty page: %d", p.status)
	}
	p = b.post("/ui/operator/webhooks", url.Values{"csrf": {token}, "url": {"ftp://bad.example"}, "description": {"keep me"}, "events": {"balance.low"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="webhook-error"`) || !strings.Contains(p.body, `value="keep me"`) ||
		!strings.Contains(p.body, `value="balance.low" checked`) {
		t.Fatalf("bad URL: status %d", p.status)
	}
	p = b.post("/ui/operator/webhooks", url.Values{"csrf": {token}, "url": {"https://hooks.example.com/in"}, "events": {"balance.low", "reload.failed"}, "description": {"billing"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add: status %d: %s", p.status, p.body)
	}
	p = b.get("/ui/operator/webhooks")
	m := newSecretPattern.FindStringSubmatch(p.body)
	if m == nil || !strings.HasPrefix(m[1], "whsec_") || !strings.Contains(p.body, "https://hooks.example.com/in") || !strings.Contains(p.body, "balance.low, reload.failed") {
		t.Fatalf("list after add: %s", p.body)
	}
	if again := b.get("/ui/operator/webhooks"); strings.Contains(again.body, m[1]) {
		t.Error("the secret is shown a second time")
	}
	list, err := e.db.WebhookEndpoints(context.Background())
	if err != nil || len(list) != 1 || list[0].Secret != m[1] {
		t.Fatalf("stored endpoints %v %v", list, err)
	}
	ep := list[0]

	// A delivery with a failed attempt, as the dispatcher records it.
	ev, _ := kassa.NewEvent(kassa.EventBalanceLow, testKey, map[string]string{"balance": "1.00000000"})
	if err := e.db.AppendEvents(context.Background(), nil, ev); err != nil {
		t.Fatal(err)
	}
	if err := e.db.FanOut(context.Background(), ep.ID, ep.Cursor, ev.ID, []*kassa.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.FinishAttempt(context.Background(), kassa.DeliveryOutcome{Endpoint: ep.ID, EventID: ev.ID, At: ev.CreatedAt,
		Status: 503, Error: "the endpoint answered 503 Service Unavailable", RetryAt: ev.CreatedAt.Add(30e9)}); err != nil {
		t.Fatal(err)
	}
	p = b.get("/ui/operator/webhooks/" + ep.ID)
	if p.status != http.StatusOK || !strings.Contains(p.body, "503 the endpoint answered 503") || !strings.Contains(p.body, "1 pending · 0 failed") ||
		!strings.Contains(p.body, fmt.Sprintf("Redeliver event %d", ev.ID)) {
		t.Fatalf("delivery log: status %d\n%s", p.status, p.body)
	}
	if p := b.get("/ui/operator/webhooks/" + ep.ID + "?state=delivered"); !strings.Contains(p.body, "No deliveries delivered.") {
		t.Errorf("state filter: %s", p.body)
	}
	p = b.post(fmt.Sprintf("/ui/operator/webhooks/%s/deliveries/%d/redeliver", ep.ID, ev.ID), url.Values{"csrf": {token}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", p.status)
	}
	if d, _, _ := e.db.ListDeliveries(context.Background(), kassa.DeliveryFilter{Endpoint: ep.ID}); len(d) != 1 || d[0].NextAttemptAt.After(ev.CreatedAt.Add(30e9)) {
		t.Errorf("after redeliver: %+v", d)
	}
	if p := b.post(fmt.Sprintf("/ui/operator/webhooks/%s/deliveries/999/redeliver", ep.ID), url.Values{"csrf": {token}}); p.status != http.StatusNotFound {
		t.Errorf("redeliver of a missing delivery: %d", p.status)
	}
	if p := b.post("/ui/operator/webhooks/"+ep.ID+"/delete", url.Values{"csrf": {"wrong"}}); p.status != http.StatusForbidden {
		t.Errorf("delete without the CSRF token: %d", p.status)
	}
	if p := b.post("/ui/operator/webhooks/"+ep.ID+"/delete", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Errorf("delete: %d", p.status)
	}
	if list, _ := e.db.WebhookEndpoints(context.Background()); len(list) != 0 {
		t.Errorf("endpoints after delete: %v", list)
	}
	if p := b.get("/ui/operator/webhooks/" + ep.ID); p.status != http.StatusNotFound {
		t.Errorf("log of a deleted endpoint: %d", p.status)
	}

	holder := e.browser()
	holder.signIn(testKey, testSecret)
	if p := holder.get("/ui/operator/webhooks"); p.status == http.StatusOK {
		t.Error("an account holder reached the webhooks page")
	}
}
