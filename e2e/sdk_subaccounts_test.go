package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/openapi/openapitest"
)

// subaccountsSDKVersion is the pinned version of @vonage/subaccounts.
const subaccountsSDKVersion = "1.12.1"

// TestVonageSubaccountsSDK proves wire compatibility with the official
// Vonage Subaccounts SDK: it installs @vonage/subaccounts with npm, starts
// `kassa serve`, and runs sdk_subaccounts.js, which calls every method of
// the SDK (and some of them on purpose into the errors the reference
// documents) with only apiHost pointed at kassa. Skips without node and
// npm; an npm install failure skips too unless KASSA_TEST_SDK_REQUIRED=1
// (which CI sets where node exists).
func TestVonageSubaccountsSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end SDK test skipped in -short mode")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node and npm are needed for the Vonage Subaccounts SDK test; not found on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	dir := t.TempDir()
	installPackage(ctx, t, npm, dir, "@vonage/subaccounts@"+subaccountsSDKVersion)
	script, err := os.ReadFile("sdk_subaccounts.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sdk_subaccounts.js"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	url := startKassaServe(ctx, t, filepath.Join(dir, "kassa-data"))
	// Every answer the SDK (and the admin client) gets must match the
	// OpenAPI documents: the SDK's requests are the quirks they describe.
	url = openapitest.Proxy(t, url)
	admin := client.New(url, client.WithAdminToken(sdkAdminToken))
	// The demo account (10.00 EUR) gets credit to allocate.
	if _, err := admin.SetCreditLimit(ctx, sdkDemoKey, kassa.MustParseAmount("-20")); err != nil {
		t.Fatalf("set the primary's credit limit: %v", err)
	}

	cmd := exec.CommandContext(ctx, node, "sdk_subaccounts.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KASSA_URL="+url, "KASSA_API_KEY="+sdkDemoKey, "KASSA_API_SECRET="+sdkDemoSecret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node sdk_subaccounts.js: %v\n%s", err, stderr.String())
	}
	var report map[string]step
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, stdout.String())
	}
	t.Logf("SDK report:\n%s", stdout.String())
	checkSubaccountsReport(t, report)

	// What the SDK did is in the ledger, which verifies clean.
	v, err := admin.Verify(ctx)
	if err != nil || !v.OK {
		t.Errorf("verify: %+v, %v", v, err)
	}
	acct, err := admin.GetAccount(ctx, sdkDemoKey)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Balance != kassa.MustParseAmount("9") || acct.CreditLimit != kassa.MustParseAmount("-19.5") {
		t.Errorf("primary balance %s, credit limit %s; want 9 (10 − 1.25 + 0.25) and -19.5", acct.Balance, acct.CreditLimit)
	}
}

// subProblem is the part of a Subaccounts API error body the report
// checks.
type subProblem struct {
	Type              string `json:"type"`
	Title             string `json:"title"`
	Detail            string `json:"detail"`
	InvalidParameters []struct {
		Reason string `json:"reason"`
		Name   string `json:"name"`
	} `json:"invalid_parameters"`
}

// checkSubaccountsReport asserts what every SDK call returned.
func checkSubaccountsReport(t *testing.T, r map[string]step) {
	t.Helper()
	get := func(name string) step {
		s, ok := r[name]
		if !ok {
			t.Fatalf("the report has no step %q", name)
		}
		return s
	}
	for _, name := range []string{"page_empty", "primary", "create_shared", "create_own", "create_slashed_host", "list", "get",
		"suspend_and_rename", "resume", "transfer_credit", "transfer_balance", "transfer_balance_back", "list_credit",
		"list_credit_filtered", "list_balance", "page_after", "own_after"} {
		if s := get(name); !s.OK {
			t.Errorf("%s failed: %s (status %d) %s", name, s.Error, s.Status, s.Body)
		}
	}
	// The errors the SDK surfaces: status and the reference's body.
	wantError := func(name string, status int, typ, title, detail string) {
		t.Helper()
		s := get(name)
		if s.OK || s.Status != status {
			t.Errorf("%s: %+v, want a %d error", name, s, status)
			return
		}
		if ct, _ := s.Fields["contentType"].(string); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		var p subProblem
		if err := json.Unmarshal([]byte(s.Body), &p); err != nil {
			t.Errorf("%s: body is not JSON: %s", name, s.Body)
			return
		}
		if p.Type != typ || p.Title != title || !strings.Contains(p.Detail, detail) {
			t.Errorf("%s: %+v, want type %s, title %q, detail with %q", name, p, typ, title, detail)
		}
	}
	const nexmo = "https://developer.nexmo.com/api-errors"
	wantError("suspended_credentials", 401, nexmo+"#unauthorized", "Invalid credentials supplied", "You did not provide correct credentials")
	wantError("subaccount_as_primary", 403, nexmo+"#unprovisioned", "Authorisation error", "is not provisioned to access Subaccount Provisioning API")
	wantError("own_back_to_shared", 422, nexmo+"/account/subaccounts#validation", "Bad Request", "The request failed due to validation errors")
	wantError("transfer_credit_insufficient", 403, nexmo+"/account/subaccounts#valid-transfers", "Transfer amount is invalid", "Insufficient Credit")
	wantError("transfer_balance_between_subaccounts", 403, nexmo+"/account/subaccounts#valid-transfers", "Invalid Transfer",
		"Transfers are only allowed between a primary account and its subaccount")
	wantError("transfer_number", 403, nexmo+"/account/subaccounts#invalid-number-transfer", "Invalid Number Transfer",
		"ShortCode is not owned by from account")
	wantError("get_unknown", 404, nexmo+"#invalid-api-key", "Invalid API Key", "API key 'ffff0000' does not exist, or you do not have access")

	// Totals: the primary's 9.00 plus its own-balance subaccount's 1.00;
	// credit limits −19.50 and −0.50.
	if p := get("page_after"); p.Fields["totalBalance"] != 10.0 || p.Fields["totalCreditLimit"] != -20.0 || p.Fields["count"] != 3.0 {
		t.Errorf("page after = %v", p.Fields)
	}
	if o := get("own_after"); o.Fields["balance"] != 1.0 || o.Fields["creditLimit"] != -0.5 {
		t.Errorf("own-balance subaccount after = %v", o.Fields)
	}
	if s := get("page_empty"); s.Fields["totalBalance"] != 10.0 {
		t.Errorf("page before = %v", s.Fields)
	}
}
