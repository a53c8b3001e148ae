package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

func (h *harness) secretCount(key string) int {
	h.t.Helper()
	s, err := h.db.Secrets(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(s)
}

func (h *harness) balanceStatus(key, secret string) int {
	h.t.Helper()
	return h.do(req{path: "/account/get-balance", basic: [2]string{key, secret}}).status
}

// TestSettingsNewSecretOneSecret: with one secret, newSecret replaces it:
// the old one stops at once (through the hour-long auth cache), the new
// one works, the account still has exactly one secret, the answer does not
// echo it, and the rotation is audited without either secret.
func TestSettingsNewSecretOneSecret(t *testing.T) {
	h := newHarness(t)
	h.balanceStatus(testKey, testSecret) // cached now
	resp := h.post("/account/settings", "newSecret=Rotated9876").wantStatus(t, http.StatusOK)
	if strings.Contains(string(resp.body), "Rotated9876") {
		t.Errorf("the answer echoes the secret: %s", resp.body)
	}
	if st := h.balanceStatus(testKey, testSecret); st != http.StatusUnauthorized {
		t.Errorf("old secret: %d", st)
	}
	if st := h.balanceStatus(testKey, "Rotated9876"); st != http.StatusOK {
		t.Errorf("new secret: %d", st)
	}
	if n := h.secretCount(testKey); n != 1 {
		t.Errorf("%d secrets", n)
	}
	events, _, _ := h.db.ListAudit(context.Background(), kassa.AuditFilter{Account: testKey, Action: "secret.rotate"})
	if len(events) != 1 || strings.Contains(events[0].Detail, "Rotated9876") || strings.Contains(events[0].Detail, testSecret) || !strings.Contains(events[0].Detail, "new_secret_id") {
		t.Errorf("audit %+v", events)
	}
}

// TestSettingsNewSecretReplacesTheCallersSecret: with two secrets, the one
// the caller authenticated with is replaced; the other keeps working.
func TestSettingsNewSecretReplacesTheCallersSecret(t *testing.T) {
	h := newHarness(t)
	h.secretsReq("POST", "/accounts/"+testKey+"/secrets", `{"secret":"Second1234"}`, [2]string{testKey, testSecret}).wantStatus(t, http.StatusCreated)
	h.do(req{method: "POST", path: "/account/settings", body: "newSecret=Rotated9876", basic: [2]string{testKey, "Second1234"},
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).wantStatus(t, http.StatusOK)
	for secret, want := range map[string]int{testSecret: 200, "Second1234": 401, "Rotated9876": 200} {
		if st := h.balanceStatus(testKey, secret); st != want {
			t.Errorf("%s: %d, want %d", secret, st, want)
		}
	}
	if n := h.secretCount(testKey); n != 2 {
		t.Errorf("%d secrets", n)
	}
}

// TestSettingsNewSecretRefused: a weak newSecret is a 400 naming it, and a
// newSecret in a request whose callback fails its check is not applied:
// nothing changes.
func TestSettingsNewSecretRefused(t *testing.T) {
	h := newHarness(t)
	for _, weak := range []string{"short1A", "nouppercase1", "NOLOWERCASE1", "NoDigitsHere", "", "Ümlaut12345"} {
		resp := h.post("/account/settings", "newSecret="+weak).wantStatus(t, http.StatusBadRequest)
		if b := resp.json(t); b["error-code"] != "400" || !strings.HasPrefix(b["error-code-label"].(string), "invalid newSecret: Does not meet complexity requirements") {
			t.Errorf("%q: %s", weak, resp.body)
		}
	}
	h.serve(Config{RateLimitsOff: true}) // the real check: loopback refused
	h.wantRefused(t, h.post("/account/settings", "newSecret=Rotated9876&moCallBackUrl=http%3A%2F%2F127.0.0.1%2Fmo"), kassa.Settings{}, "loopback")
	if st := h.balanceStatus(testKey, testSecret); st != http.StatusOK {
		t.Errorf("old secret after refused requests: %d", st)
	}
	if st := h.balanceStatus(testKey, "Rotated9876"); st != http.StatusUnauthorized {
		t.Errorf("refused new secret works: %d", st)
	}
}

// TestTwoSecretWindow: a client switches secrets without downtime: add a
// second secret, both work, move the client over, revoke the first; every
// request of the "client" succeeds throughout and the first stops at once.
func TestTwoSecretWindow(t *testing.T) {
	h := newHarness(t)
	base := "/accounts/" + testKey + "/secrets"
	current := testSecret
	ok := func() {
		t.Helper()
		if st := h.balanceStatus(testKey, current); st != http.StatusOK {
			t.Fatalf("the client's request with %s failed: %d", current, st)
		}
	}
	ok()
	created := h.secretsReq("POST", base, `{"secret":"Next12345"}`, [2]string{testKey, current}).wantStatus(t, http.StatusCreated).json(t)
	ok()
	if st := h.balanceStatus(testKey, "Next12345"); st != http.StatusOK {
		t.Fatalf("new secret during the window: %d", st)
	}
	list := h.secretsReq("GET", base, "", [2]string{testKey, current}).wantStatus(t, http.StatusOK).json(t)
	var oldID string
	for _, s := range list["_embedded"].(map[string]any)["secrets"].([]any) {
		if id := s.(map[string]any)["id"].(string); id != created["id"] {
			oldID = id
		}
	}
	current = "Next12345"
	ok()
	h.secretsReq("DELETE", base+"/"+oldID, "", [2]string{testKey, current}).wantStatus(t, http.StatusNoContent)
	ok()
	if st := h.balanceStatus(testKey, testSecret); st != http.StatusUnauthorized {
		t.Fatalf("revoked secret: %d", st)
	}
}

// TestSecretsUnauthorizedEveryOperation: every secrets operation answers a
// bad secret and an unknown key with the reference 401 body, identical for
// both (the key's existence does not leak).
func TestSecretsUnauthorizedEveryOperation(t *testing.T) {
	h := newHarness(t)
	base := "/accounts/" + testKey + "/secrets"
	for _, op := range []struct{ method, path, body string }{
		{"GET", base, ""}, {"POST", base, `{"secret":"NewSecret99"}`}, {"GET", base + "/x", ""}, {"DELETE", base + "/x", ""},
	} {
		var seen []string
		for _, creds := range [][2]string{{testKey, "Wrong12345"}, {"nosuch99", "Wrong12345"}} {
			resp := h.secretsReq(op.method, op.path, op.body, creds).wantStatus(t, http.StatusUnauthorized)
			b := resp.json(t)
			if b["type"] != "https://developer.nexmo.com/api-errors#unauthorized" || b["title"] != "Invalid credentials supplied" ||
				b["detail"] != "You did not provide correct credentials." || len(b["instance"].(string)) != 32 {
				t.Errorf("%s %s: %s", op.method, op.path, resp.body)
			}
			delete(b, "instance")
			seen = append(seen, b["type"].(string)+b["title"].(string)+b["detail"].(string))
		}
		if seen[0] != seen[1] {
			t.Errorf("%s %s: bodies differ", op.method, op.path)
		}
	}
	if n := h.secretCount(testKey); n != 1 {
		t.Errorf("%d secrets after unauthorized calls", n)
	}
}

// TestSettingsNewSecretConcurrent: concurrent rotations by the same caller
// never leave the account without a secret, never exceed two, and leave
// it reachable with one of the new secrets.
func TestSettingsNewSecretConcurrent(t *testing.T) {
	h := newHarness(t)
	secrets := make([]string, 8)
	var wg sync.WaitGroup
	for i := range secrets {
		secrets[i] = fmt.Sprintf("Rotated%d000", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := h.post("/account/settings", "newSecret="+secrets[i]).status
			if st >= 500 {
				t.Errorf("status %d", st)
			}
		}()
	}
	wg.Wait()
	n := h.secretCount(testKey)
	if n < kassa.MinSecrets || n > kassa.MaxSecrets {
		t.Fatalf("%d secrets after concurrent rotations", n)
	}
	working := 0
	for _, s := range append(secrets, testSecret) {
		if h.balanceStatus(testKey, s) == http.StatusOK {
			working++
		}
	}
	if working != n {
		t.Errorf("%d secrets stored, %d of the known ones work", n, working)
	}
}
