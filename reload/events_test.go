package reload

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/webhook"
)

func TestEventsArePostedSigned(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("paid1", "1", enabled("trx-1"))
	e.mustAccount("nopay", "1", enabled("trx-decline"))
	b := newBilling(t, func(p payment, n int) answer {
		if p.Trx == "trx-decline" {
			return answer{status: 402, body: `{"reason":"card expired"}`}
		}
		return pays(p, n)
	})
	secret := []byte("events-secret")
	var mu sync.Mutex
	got := map[string]Event{}
	bad := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !referenceVerify(secret, r, body) {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev Event
		_ = json.Unmarshal(body, &ev)
		got[ev.Account] = ev
	}))
	defer srv.Close()
	guard := webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	notifier := &WebhookNotifier{URL: srv.URL, Secret: secret, Client: webhook.Client(guard, time.Second, 0)}
	r := New(e.store, e.ledger, b.gateway(time.Second, 0), Options{Now: e.clock.Now, NodeID: "n1", Events: notifier})
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Wait()
	mu.Lock()
	defer mu.Unlock()
	if bad != 0 || got["paid1"].Type != ActionReloaded || got["nopay"].Type != ActionDeclined {
		t.Fatalf("events %+v (bad signatures %d); want a credited and a declined event", got, bad)
	}
	var d eventDetail
	if err := json.Unmarshal(got["nopay"].Detail, &d); err != nil || d.Reason != "payment declined: card expired" {
		t.Fatalf("decline detail %s: %+v %v", got["nopay"].Detail, d, err)
	}
}
