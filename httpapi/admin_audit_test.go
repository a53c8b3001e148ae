package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAdminAudit: secret creation and revocation and settings changes are
// listed newest first with who, when, from where and what, filtered by
// account and action and paged; the secret never appears; bad paging is a
// 400 problem and the token is required.
func TestAdminAudit(t *testing.T) {
	h := newHarness(t)
	base := "/accounts/" + testKey + "/secrets"
	created := h.secretsReq("POST", base, `{"secret":"Audited123"}`, [2]string{testKey, testSecret}).wantStatus(t, http.StatusCreated).json(t)
	h.secretsReq("DELETE", base+"/"+created["id"].(string), "", [2]string{testKey, testSecret}).wantStatus(t, http.StatusNoContent)
	h.post("/account/settings", "moCallBackUrl=https%3A%2F%2Fnew.example%2Fmo").wantStatus(t, http.StatusOK)

	all := h.admin("GET", "/admin/v1/audit?account="+testKey, "").wantStatus(t, http.StatusOK)
	if strings.Contains(string(all.body), "Audited123") || strings.Contains(string(all.body), testSecret) {
		t.Fatalf("the audit log shows a secret: %s", all.body)
	}
	b := all.json(t)
	events := b["events"].([]any)
	if fmt.Sprint(b["total"]) != "3" || len(events) != 3 {
		t.Fatalf("audit %s", all.body)
	}
	newest := events[0].(map[string]any)
	if newest["action"] != "settings.update" || newest["actor"] != "account:"+testKey || newest["account"] != testKey ||
		!strings.HasPrefix(newest["remote_addr"].(string), "127.0.0.1") || newest["at"] == "" || newest["id"] == nil {
		t.Errorf("newest event %v", newest)
	}
	detail, _ := newest["detail"].(map[string]any)
	if fmt.Sprint(detail["mo_callback_url"]) != "[ https://new.example/mo]" {
		t.Errorf("detail %v", newest["detail"])
	}
	if ev := events[2].(map[string]any); ev["action"] != "secret.create" || ev["detail"].(map[string]any)["secret_id"] != created["id"] {
		t.Errorf("oldest event %v", ev)
	}

	one := h.admin("GET", "/admin/v1/audit?account="+testKey+"&action=secret.revoke", "").wantStatus(t, http.StatusOK).json(t)
	if fmt.Sprint(one["total"]) != "1" {
		t.Errorf("filtered %v", one)
	}
	page := h.admin("GET", "/admin/v1/audit?account="+testKey+"&offset=1&limit=1", "").wantStatus(t, http.StatusOK).json(t)
	if evs := page["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["action"] != "secret.revoke" || fmt.Sprint(page["total"]) != "3" {
		t.Errorf("page %v", page)
	}
	for _, q := range []string{"limit=0", "limit=x", "offset=-1", "limit=100000"} {
		h.admin("GET", "/admin/v1/audit?"+q, "").wantProblem(t, http.StatusBadRequest, "invalid")
	}
	h.do(req{path: "/admin/v1/audit"}).wantStatus(t, http.StatusUnauthorized)
}
