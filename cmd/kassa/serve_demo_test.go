package main

import (
	"strings"
	"testing"
)

// TestServeDemoOff: with --demo off the first start creates no account.
func TestServeDemoOff(t *testing.T) {
	base, stdout, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--demo", "off", "--admin-token", "demo-off-admin-token")
	defer stop()
	resp, body := do(t, "GET", base+"/admin/v1/accounts", map[string]string{"Authorization": "Bearer demo-off-admin-token"}, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"total":0`) {
		t.Errorf("accounts with --demo off: %d %s; want none", resp.StatusCode, body)
	}
	if strings.Contains(stdout.String(), "demo account") {
		t.Errorf("the banner announces a demo account with --demo off:\n%s", stdout.String())
	}
}
