package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWebhooksCLI: create (secret shown once), list, get, update with a
// rotation, deliveries, delete; bad flags are usage errors, a missing
// endpoint exit 4.
func TestWebhooksCLI(t *testing.T) {
	s := startCLIServer(t)
	env := s.adminEnv()
	r := runCLI(t, "", env, "webhooks", "create", s.CallbackURL+"/hook", "--event", "balance.low", "--description", "ops", "-o", "json")
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || !strings.HasPrefix(created.ID, "wh_") || !strings.HasPrefix(created.Secret, "whsec_") {
		t.Fatalf("create answer %q (%v)", r.stdout, err)
	}
	r = runCLI(t, "", env, "webhooks", "list")
	if r.code != 0 || !strings.Contains(r.stdout, created.ID) || !strings.Contains(r.stdout, "balance.low") || strings.Contains(r.stdout, "whsec_") {
		t.Errorf("list: exit %d:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", env, "webhooks", "get", created.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "PENDING") || strings.Contains(r.stdout, "whsec_") {
		t.Errorf("get: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "webhooks", "update", created.ID, "--rotate-secret", "--all-events", "-o", "json")
	var rotated struct {
		Secret string
		Events []string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rotated) != nil || rotated.Secret == created.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") || len(rotated.Events) != 0 {
		t.Errorf("update: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "webhooks", "deliveries", created.ID)
	if r.code != 0 || !strings.Contains(r.stdout, "(none)") {
		t.Errorf("deliveries: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", env, "webhooks", "redeliver", created.ID, "12345"); r.code != exitNotFound {
		t.Errorf("redeliver of an unknown event: exit %d (%s)", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "webhooks", "delete", created.ID); r.code != 0 || !strings.Contains(r.stdout, "deleted") {
		t.Errorf("delete: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "webhooks", "get", created.ID); r.code != exitNotFound {
		t.Errorf("get after delete: exit %d", r.code)
	}
	for _, args := range [][]string{
		{"webhooks", "create", "https://example.com/x", "--event", "nope"},
		{"webhooks", "update", "wh_x", "--rotate-secret", "--secret", "0123456789abcdef"},
		{"webhooks", "redeliver", "wh_x", "abc"},
		{"webhooks", "create"},
	} {
		if r := runCLI(t, "", env, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := runCLI(t, "", env, "webhooks", "create", "http://10.0.0.1/hook"); r.code != exitUsage || !strings.Contains(r.stderr, "allow-callback-net") {
		t.Errorf("private url: exit %d: %s", r.code, r.stderr)
	}
}
