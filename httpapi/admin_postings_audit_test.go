package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAdminPostingsAudited: an admin credit and an admin debit are each in
// the audit log once (a replay adds nothing), as ledger.credit and
// ledger.debit by admin from the caller's address.
func TestAdminPostingsAudited(t *testing.T) {
	h := newHarness(t)
	base := "/admin/v1/accounts/" + testKey
	h.admin("POST", base+"/credits", `{"amount":"5","reason":"goodwill"}`, "Idempotency-Key", "gw-1").wantStatus(t, http.StatusCreated)
	h.admin("POST", base+"/credits", `{"amount":"5","reason":"goodwill"}`, "Idempotency-Key", "gw-1").wantStatus(t, http.StatusOK)
	h.admin("POST", base+"/debits", `{"amount":"1","reference":"inv-7"}`).wantStatus(t, http.StatusCreated)
	for action, want := range map[string]string{"ledger.credit": `"reason":"goodwill"`, "ledger.debit": `"reference":"inv-7"`} {
		b := h.admin("GET", "/admin/v1/audit?account="+testKey+"&action="+action, "").wantStatus(t, http.StatusOK)
		events := b.json(t)["events"].([]any)
		if len(events) != 1 {
			t.Fatalf("%s: %d events, want 1: %s", action, len(events), b.body)
		}
		ev := events[0].(map[string]any)
		if ev["actor"] != "admin" || !strings.HasPrefix(fmt.Sprint(ev["remote_addr"]), "127.0.0.1:") || !strings.Contains(string(b.body), want) {
			t.Errorf("%s: %s", action, b.body)
		}
	}
}
