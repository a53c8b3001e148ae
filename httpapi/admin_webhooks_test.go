package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/events"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/webhook"
)

// webhookBody is an endpoint as the admin API answers it.
type webhookBody struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	Secret      string   `json:"secret"`
	CreatedAt   string   `json:"created_at"`
	Pending     *int     `json:"pending"`
	Failed      *int     `json:"failed"`
}

func decodeAs[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return v
}

// TestWebhookEndpointsCRUD: create (secret generated and shown once, or
// given and never shown), list, get, patch (rotation), delete; the audit
// log names each change without the secret or the URL's query.
func TestWebhookEndpointsCRUD(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{CallbackAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, RateLimitsOff: true, CheckCallback: acceptEveryCallback})

	r := h.admin(http.MethodPost, "/admin/v1/webhooks", `{"url":"https://hooks.example.com/kassa?token=tok-s3cr3t","events":["balance.low","spend_cap.reached","balance.low"],"description":"billing"}`)
	r.wantStatus(t, http.StatusCreated)
	gen := decodeAs[webhookBody](t, r)
	if !strings.HasPrefix(gen.ID, "wh_") || !strings.HasPrefix(gen.Secret, "whsec_") || len(gen.Secret) < 40 ||
		strings.Join(gen.Events, ",") != "balance.low,spend_cap.reached" || gen.Description != "billing" || gen.CreatedAt == "" {
		t.Fatalf("created = %+v", gen)
	}
	if r.header.Get("Location") != "/admin/v1/webhooks/"+gen.ID {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	r = h.admin(http.MethodPost, "/admin/v1/webhooks", `{"url":"http://127.0.0.1:9/hook","secret":"a-secret-of-my-own-1234"}`)
	r.wantStatus(t, http.StatusCreated)
	own := decodeAs[webhookBody](t, r)
	if own.Secret != "" || len(own.Events) != 0 || own.Events == nil {
		t.Errorf("an endpoint with its own secret and every type = %s", r.body)
	}

	list := decodeAs[struct{ Webhooks []webhookBody }](t, h.admin(http.MethodGet, "/admin/v1/webhooks", "").wantStatus(t, http.StatusOK))
	if len(list.Webhooks) != 2 || list.Webhooks[0].ID != gen.ID || list.Webhooks[0].Secret != "" || list.Webhooks[1].ID != own.ID {
		t.Errorf("list = %+v", list)
	}
	got := decodeAs[webhookBody](t, h.admin(http.MethodGet, "/admin/v1/webhooks/"+gen.ID, "").wantStatus(t, http.StatusOK))
	if got.Secret != "" || got.Pending == nil || *got.Pending != 0 || got.Failed == nil || *got.Failed != 0 {
		t.Errorf("get = %+v", got)
	}

	r = h.admin(http.MethodPatch, "/admin/v1/webhooks/"+gen.ID, `{"secret":"","events":[]}`)
	r.wantStatus(t, http.StatusOK)
	rotated := decodeAs[webhookBody](t, r)
	if !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == gen.Secret || len(rotated.Events) != 0 || rotated.URL != gen.URL {
		t.Errorf("patched = %+v", rotated)
	}
	ep, err := h.db.WebhookEndpoint(context.Background(), gen.ID)
	if err != nil || ep.Secret != rotated.Secret {
		t.Fatalf("stored secret after the rotation: %v %v", ep, err)
	}
	r = h.admin(http.MethodPatch, "/admin/v1/webhooks/"+own.ID, `{"description":"ops"}`).wantStatus(t, http.StatusOK)
	if b := decodeAs[webhookBody](t, r); b.Secret != "" || b.Description != "ops" {
		t.Errorf("a patch that keeps the secret showed it: %s", r.body)
	}

	h.admin(http.MethodDelete, "/admin/v1/webhooks/"+own.ID, "").wantStatus(t, http.StatusNoContent)
	wantProblem(t, h.admin(http.MethodDelete, "/admin/v1/webhooks/"+own.ID, ""), http.StatusNotFound, "not-found")
	wantProblem(t, h.admin(http.MethodGet, "/admin/v1/webhooks/"+own.ID, ""), http.StatusNotFound, "not-found")
	wantProblem(t, h.admin(http.MethodPatch, "/admin/v1/webhooks/wh_none", `{"description":"x"}`), http.StatusNotFound, "not-found")

	audit, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range audit {
		actions[a.Action]++
		if strings.Contains(a.Detail, "s3cr3t") || strings.Contains(a.Detail, "whsec_") || strings.Contains(a.Detail, "a-secret-of-my-own") {
			t.Errorf("audit %s holds a secret: %s", a.Action, a.Detail)
		}
	}
	if actions["webhook.create"] != 2 || actions["webhook.update"] != 2 || actions["webhook.delete"] != 1 {
		t.Errorf("audit actions %v", actions)
	}
}

// TestWebhookBadInput: every bad field is 400 naming it; nothing is stored.
func TestWebhookBadInput(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ body, field string }{
		{`{}`, "url"},
		{`{"url":"ftp://example.com/x"}`, "url"},
		{`{"url":"https://"}`, "url"},
		{`{"url":"http://127.0.0.1:8080/hook"}`, "url"},
		{`{"url":"http://169.254.169.254/latest"}`, "url"},
		{`{"url":"https://example.com/x","secret":"short"}`, "secret"},
		{`{"url":"https://example.com/x","secret":"with a tab\tinside it"}`, "secret"},
		{`{"url":"https://example.com/x","events":["balance.lo"]}`, "events"},
		{`{"url":"https://example.com/x","description":"bad\u001b[31m"}`, "description"},
		{`{"url":"https://example.com/x","extra":1}`, "extra"},
		{`{"url":"https://example.com/x","events":"balance.low"}`, "events"},
	} {
		b := wantProblem(t, h.admin(http.MethodPost, "/admin/v1/webhooks", c.body), http.StatusBadRequest, "invalid")
		params, _ := b["invalid_params"].([]any)
		if len(params) != 1 || params[0].(map[string]any)["name"] != c.field {
			t.Errorf("%s: invalid_params %v, want %s", c.body, b["invalid_params"], c.field)
		}
	}
	if list, _ := h.db.WebhookEndpoints(context.Background()); len(list) != 0 {
		t.Errorf("refused requests stored %d endpoints", len(list))
	}
	wantProblem(t, h.do(req{method: http.MethodGet, path: "/admin/v1/webhooks"}), http.StatusUnauthorized, "unauthorized")
}

// TestWebhookEndpointLimit: beyond MaxWebhookEndpoints a creation is 403
// limit-reached.
func TestWebhookEndpointLimit(t *testing.T) {
	h := newHarness(t)
	for i := range 50 {
		h.admin(http.MethodPost, "/admin/v1/webhooks", fmt.Sprintf(`{"url":"https://example.com/%d"}`, i)).wantStatus(t, http.StatusCreated)
	}
	wantProblem(t, h.admin(http.MethodPost, "/admin/v1/webhooks", `{"url":"https://example.com/51"}`), http.StatusForbidden, "limit-reached")
}

// TestDeliveryLogAndRedelivery: a real dispatcher delivers the events of
// a top-up to a receiver on loopback; the log shows each delivery, failed
// attempts with their status and error, and a redelivery on demand sends
// an event again.
func TestDeliveryLogAndRedelivery(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{CallbackAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, RateLimitsOff: true, CheckCallback: acceptEveryCallback})
	var mu sync.Mutex
	status := http.StatusInternalServerError
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := reload.Verify([]byte("receiver-secret-12345"), r.Header.Get(reload.SignatureHeader), r.Header.Get(reload.TimestampHeader), body, time.Now(), 0); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if status == http.StatusOK {
			got = append(got, r.Header.Get(events.EventIDHeader))
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(recv.Close)
	r := h.admin(http.MethodPost, "/admin/v1/webhooks", `{"url":"`+recv.URL+`/in","secret":"receiver-secret-12345","events":["reload.succeeded"]}`)
	r.wantStatus(t, http.StatusCreated)
	ep := decodeAs[webhookBody](t, r)

	h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusOK)
	d := events.New(h.db, events.Options{NodeID: "test", Guard: webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
	if s, err := d.RunOnce(context.Background()); err != nil || s.Failed != 1 {
		t.Fatalf("first round %+v %v, want a failed attempt (the receiver answers 500)", s, err)
	}
	log := decodeAs[struct {
		Deliveries []struct {
			EventID       int64   `json:"event_id"`
			EventType     string  `json:"event_type"`
			Account       string  `json:"account"`
			State         string  `json:"state"`
			Attempts      int     `json:"attempts"`
			NextAttemptAt *string `json:"next_attempt_at"`
			LastStatus    *int    `json:"last_status"`
			LastError     string  `json:"last_error"`
			DeliveredAt   *string `json:"delivered_at"`
			Event         struct {
				ID   int64           `json:"id"`
				Data json.RawMessage `json:"data"`
			} `json:"event"`
		}
		Total int
	}](t, h.admin(http.MethodGet, "/admin/v1/webhooks/"+ep.ID+"/deliveries", "").wantStatus(t, http.StatusOK))
	if log.Total != 1 || len(log.Deliveries) != 1 {
		t.Fatalf("log = %+v", log)
	}
	dl := log.Deliveries[0]
	if dl.EventType != kassa.EventReloadSucceeded || dl.Account != testKey || dl.State != "pending" || dl.Attempts != 1 ||
		dl.LastStatus == nil || *dl.LastStatus != 500 || !strings.Contains(dl.LastError, "500") || dl.NextAttemptAt == nil ||
		dl.DeliveredAt != nil || dl.Event.ID != dl.EventID || len(dl.Event.Data) == 0 {
		t.Errorf("failed delivery in the log = %+v", dl)
	}
	getBody := decodeAs[webhookBody](t, h.admin(http.MethodGet, "/admin/v1/webhooks/"+ep.ID, ""))
	if *getBody.Pending != 1 || *getBody.Failed != 0 {
		t.Errorf("counts %d pending %d failed", *getBody.Pending, *getBody.Failed)
	}

	// Redelivery on demand: due now, not after the back-off.
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	r = h.admin(http.MethodPost, fmt.Sprintf("/admin/v1/webhooks/%s/deliveries/%d/redeliver", ep.ID, dl.EventID), "")
	r.wantStatus(t, http.StatusOK)
	if b := r.json(t); b["state"] != "pending" || b["next_attempt_at"] == nil {
		t.Errorf("redeliver answer %s", r.body)
	}
	if s, err := d.RunOnce(context.Background()); err != nil || s.Delivered != 1 {
		t.Fatalf("after the redelivery: %+v %v", s, err)
	}
	mu.Lock()
	if len(got) != 1 || got[0] != fmt.Sprint(dl.EventID) {
		t.Errorf("receiver got %v, want event %d", got, dl.EventID)
	}
	mu.Unlock()
	delivered := h.admin(http.MethodGet, "/admin/v1/webhooks/"+ep.ID+"/deliveries?state=delivered", "").json(t)
	if fmt.Sprint(delivered["total"]) != "1" {
		t.Errorf("delivered filter: %v", delivered)
	}
	wantProblem(t, h.admin(http.MethodGet, "/admin/v1/webhooks/"+ep.ID+"/deliveries?state=lost", ""), http.StatusBadRequest, "invalid")
	wantProblem(t, h.admin(http.MethodGet, "/admin/v1/webhooks/wh_none/deliveries", ""), http.StatusNotFound, "not-found")
	wantProblem(t, h.admin(http.MethodPost, "/admin/v1/webhooks/"+ep.ID+"/deliveries/999999/redeliver", ""), http.StatusNotFound, "not-found")
	wantProblem(t, h.admin(http.MethodPost, "/admin/v1/webhooks/"+ep.ID+"/deliveries/x/redeliver", ""), http.StatusNotFound, "not-found")
	if audit, _, _ := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "webhook.redeliver"}); len(audit) != 1 || audit[0].Account != testKey {
		t.Errorf("redelivery audit %+v", audit)
	}
}
