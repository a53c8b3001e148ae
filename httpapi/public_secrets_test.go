package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

var (
	uuidPattern   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	createdAtForm = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func (h *harness) secretsReq(method, path, body string, creds [2]string) response {
	h.t.Helper()
	r := req{method: method, path: path, body: body, basic: creds}
	if strings.HasPrefix(body, "{") {
		r.header = map[string]string{"Content-Type": "application/json"}
	}
	return h.do(r)
}

// TestSecretsLifecycle lists, creates (JSON and form), reads and revokes
// secrets, checking the HAL shape, the limits and that a revoked secret
// stops working at once.
func TestSecretsLifecycle(t *testing.T) {
	h := newHarness(t)
	me := [2]string{testKey, testSecret}
	base := "/accounts/" + testKey + "/secrets"

	list := h.secretsReq("GET", base+"?page_index=1", "", me).wantStatus(t, http.StatusOK)
	if ct := list.header.Get("Content-Type"); ct != contentJSON {
		t.Errorf("Content-Type %q", ct)
	}
	body := list.json(t)
	if body["_links"].(map[string]any)["self"].(map[string]any)["href"] != base {
		t.Errorf("list self link: %s", list.body)
	}
	secrets := body["_embedded"].(map[string]any)["secrets"].([]any)
	if len(secrets) != 1 {
		t.Fatalf("%d secrets, want 1", len(secrets))
	}
	first := secrets[0].(map[string]any)
	firstID := first["id"].(string)
	checkSecretJSON(t, first, base)

	// Create with JSON (NEXMO-NODE's trailing slash and bare ?).
	created := h.secretsReq("POST", base+"/?", `{"secret":"NewSecret99"}`, me).wantStatus(t, http.StatusCreated)
	newOne := created.json(t)
	checkSecretJSON(t, newOne, base)
	if strings.Contains(string(created.body), "NewSecret99") {
		t.Errorf("the answer echoes the secret: %s", created.body)
	}
	newID := newOne["id"].(string)
	// The new secret works at once.
	h.do(req{path: "/account/get-balance", basic: [2]string{testKey, "NewSecret99"}}).wantStatus(t, http.StatusOK)

	// A third is refused with the PY4 body; form-encoded (PY3).
	limit := h.secretsReq("POST", base, "secret=Another1234", me).wantStatus(t, http.StatusForbidden)
	lb := limit.json(t)
	if lb["type"] != "https://developer.nexmo.com/api-errors/account/secret-management#add-excess-secret" ||
		lb["title"] != "Secret Addition Forbidden" || lb["detail"] != "Account reached maximum number [2] of allowed secrets" {
		t.Errorf("limit body %s", limit.body)
	}

	// Read one.
	got := h.secretsReq("GET", base+"/"+newID, "", me).wantStatus(t, http.StatusOK).json(t)
	if got["id"] != newID {
		t.Errorf("get %v", got)
	}

	// Revoke the first, with the first itself: 204, and it stops working at once
	// although it was just verified (and cached for an hour).
	h.do(req{path: "/account/get-balance", basic: me}).wantStatus(t, http.StatusOK)
	del := h.secretsReq("DELETE", base+"/"+firstID+"?", "", me).wantStatus(t, http.StatusNoContent)
	if len(del.body) != 0 {
		t.Errorf("204 with a body: %s", del.body)
	}
	h.do(req{path: "/account/get-balance", basic: me}).wantStatus(t, http.StatusUnauthorized)
	now := [2]string{testKey, "NewSecret99"}

	// The last one cannot go.
	last := h.secretsReq("DELETE", base+"/"+newID, "", now).wantStatus(t, http.StatusForbidden)
	if lb := last.json(t); lb["type"] != "https://developer.nexmo.com/api-errors/account/secret-management#delete-last-secret" {
		t.Errorf("last-secret body %s", last.body)
	}
	// Unknown ids.
	for _, m := range []string{"GET", "DELETE"} {
		nf := h.secretsReq(m, base+"/"+firstID, "", now).wantStatus(t, http.StatusNotFound)
		if b := nf.json(t); b["type"] != "https://developer.nexmo.com/api-errors#invalid-id" || b["detail"] != "ID '"+firstID+"' could not be found" {
			t.Errorf("%s unknown id: %s", m, nf.body)
		}
	}

	// Audit: one create, one revoke, never the secret.
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Account: testKey})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range events {
		actions[e.Action]++
		if strings.Contains(e.Detail, "NewSecret99") || strings.Contains(e.Detail, testSecret) {
			t.Errorf("audit event holds a secret: %+v", e)
		}
	}
	if actions["secret.create"] != 1 || actions["secret.revoke"] != 1 {
		t.Errorf("audit actions %v", actions)
	}
}

func checkSecretJSON(t *testing.T, s map[string]any, base string) {
	t.Helper()
	id, _ := s["id"].(string)
	if !uuidPattern.MatchString(id) {
		t.Errorf("id %q is not a UUID", id)
	}
	if c, _ := s["created_at"].(string); !createdAtForm.MatchString(c) {
		t.Errorf("created_at %q", c)
	}
	if href := s["_links"].(map[string]any)["self"].(map[string]any)["href"]; href != base+"/"+id {
		t.Errorf("self href %v", href)
	}
}

// TestSecretsValidation refuses weak secrets with the reference 400 body.
func TestSecretsValidation(t *testing.T) {
	h := newHarness(t)
	me := [2]string{testKey, testSecret}
	base := "/accounts/" + testKey + "/secrets"
	for _, body := range []string{`{"secret":"short1A"}`, `{"secret":"alllowercase123"}`, `{"secret":"NoDigitsHere"}`, `{}`, `secret=`, `{"secret":"` + strings.Repeat("Ab1", 9) + `"}`, `{"secret":["Ab1Ab1Ab1"]}`} {
		resp := h.secretsReq("POST", base, body, me).wantStatus(t, http.StatusBadRequest)
		b := resp.json(t)
		if b["type"] != "https://developer.nexmo.com/api-errors/account/secret-management#validation" || b["title"] != "Bad Request" {
			t.Errorf("%s: body %s", body, resp.body)
		}
		params, _ := b["invalid_parameters"].([]any)
		if len(params) != 1 || params[0].(map[string]any)["name"] != "secret" {
			t.Errorf("%s: invalid_parameters %v", body, b["invalid_parameters"])
		}
		if inst, _ := b["instance"].(string); len(inst) != 32 {
			t.Errorf("instance %q", inst)
		}
	}
	secrets, _ := h.db.Secrets(context.Background(), testKey)
	if len(secrets) != 1 {
		t.Errorf("%d secrets after refused creates", len(secrets))
	}
}

// TestSecretsOtherKey: another account's key (existing or not) is a 404
// with the unknown-key body, so that keys do not leak.
func TestSecretsOtherKey(t *testing.T) {
	h := newHarness(t)
	h.createAccount("other123", testSecret, "0", kassa.EUR, noReload)
	me := [2]string{testKey, testSecret}
	var bodies []string
	for _, key := range []string{"other123", "nosuch99"} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/accounts/" + key + "/secrets", ""},
			{"POST", "/accounts/" + key + "/secrets", `{"secret":"NewSecret99"}`},
			{"DELETE", "/accounts/" + key + "/secrets/x", ""},
		} {
			resp := h.secretsReq(c.method, c.path, c.body, me).wantStatus(t, http.StatusNotFound)
			b := resp.json(t)
			if b["type"] != "https://developer.nexmo.com/api-errors#invalid-api-key" || b["title"] != "Invalid API Key" {
				t.Errorf("%s %s: %s", c.method, c.path, resp.body)
			}
			bodies = append(bodies, strings.ReplaceAll(b["detail"].(string), key, "KEY"))
		}
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("details differ: %q vs %q", b, bodies[0])
		}
	}
	if s, _ := h.db.Secrets(context.Background(), "other123"); len(s) != 1 {
		t.Errorf("other account has %d secrets", len(s))
	}
}

// TestSecretsMethod: PUT is a 405 problem with Allow.
func TestSecretsMethod(t *testing.T) {
	h := newHarness(t)
	resp := h.secretsReq("PUT", "/accounts/"+testKey+"/secrets", "", [2]string{testKey, testSecret}).wantStatus(t, http.StatusMethodNotAllowed)
	if resp.header.Get("Allow") != "GET, POST, HEAD" {
		t.Errorf("Allow %q", resp.header.Get("Allow"))
	}
}

// TestSecretsConcurrentCreate: many concurrent creates never exceed the
// limit of two secrets.
func TestSecretsConcurrentCreate(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	statuses := make(chan int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secret := "Concurrent" + string(rune('A'+i)) + "1"
			statuses <- h.secretsReq("POST", "/accounts/"+testKey+"/secrets", `{"secret":"`+secret+`"}`, [2]string{testKey, testSecret}).status
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusForbidden:
		default:
			t.Errorf("status %d", st)
		}
	}
	secrets, _ := h.db.Secrets(context.Background(), testKey)
	if created != 1 || len(secrets) != kassa.MaxSecrets {
		t.Errorf("created %d, stored %d secrets", created, len(secrets))
	}
}
