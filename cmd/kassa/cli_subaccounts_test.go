package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestCLISubaccounts drives `kassa subaccounts …` as a primary and
// `kassa admin suspend|resume|primary|tree` as the operator.
func TestCLISubaccounts(t *testing.T) {
	s := startCLIServer(t)
	env := s.accountEnv()
	if r := runCLI(t, "", s.adminEnv(), "admin", "credit-limit", "set", cliKey, "--", "-20"); r.code != 0 {
		t.Fatalf("credit limit: exit %d: %s", r.code, r.stderr)
	}
	r := runCLI(t, "", env, "subaccounts", "create", "shop 1", "-o", "json")
	var shared struct {
		APIKey  string `json:"api_key"`
		Secret  string `json:"secret"`
		Primary string `json:"primary_account_api_key"`
		Balance any    `json:"balance"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &shared) != nil || shared.Primary != cliKey || shared.Balance != nil {
		t.Fatalf("create: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "subaccounts", "create", "shop 2", "--own-balance", "--secret", "Shop2secret9")
	m := regexp.MustCompile(`(?m)^API_KEY\s+([0-9a-f]{8})$`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || !strings.Contains(r.stdout, "SECRET") || !strings.Contains(r.stdout, "0.00000000") {
		t.Fatalf("create own: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	own := m[1]
	// Money moves with a printed idempotency key; a repeat replays.
	r = runCLI(t, "", env, "subaccounts", "transfer", "balance", cliKey, own, "2.50", "--reference", "november", "-o", "json")
	key := regexp.MustCompile(`idempotency key: (\S+)\n`).FindStringSubmatch(r.stderr)
	if r.code != 0 || key == nil || !strings.Contains(r.stdout, `"amount": 2.5`) {
		t.Fatalf("transfer: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "subaccounts", "transfer", "balance", cliKey, own, "2.50", "--reference", "november", "--idempotency-key", key[1])
	if r.code != 0 || !strings.Contains(r.stderr, "replayed") {
		t.Fatalf("repeat: exit %d, stderr %q", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "credit", cliKey, own, "5"); r.code != 0 {
		t.Fatalf("credit transfer: exit %d: %s", r.code, r.stderr)
	}
	// Refusals: not enough credit, between subaccounts, bad arguments.
	if r = runCLI(t, "", env, "subaccounts", "transfer", "credit", cliKey, own, "500"); r.code != exitConflict || !strings.Contains(r.stderr, "Insufficient Credit") {
		t.Fatalf("too much credit: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "balance", own, shared.APIKey, "1"); r.code != exitConflict {
		t.Fatalf("between subaccounts: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "gift", cliKey, own, "1"); r.code != exitUsage {
		t.Fatalf("a bad kind: exit %d", r.code)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "balance", cliKey, own, "-1"); r.code != exitUsage {
		t.Fatalf("a negative amount: exit %d", r.code)
	}
	r = runCLI(t, "", env, "subaccounts", "list", "-o", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) == 5 && strings.HasPrefix(lines[2], "own,") {
		// The server's clock is frozen: equal creation times sort by key.
		lines[2], lines[3] = lines[3], lines[2]
	}
	if r.code != 0 || len(lines) != 5 || lines[0] != "role,api_key,name,balance,credit_limit,suspended,created_at" ||
		!strings.HasPrefix(lines[1], "primary,"+cliKey+",,7.50000000,-15.00000000,false,") ||
		!strings.HasPrefix(lines[2], "shared,"+shared.APIKey+",shop 1,,,false,") ||
		!strings.HasPrefix(lines[3], "own,"+own+",shop 2,2.50000000,-5.00000000,false,") ||
		lines[4] != "total,,,10.00000000,-20.00000000,," {
		t.Fatalf("list: exit %d:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", env, "subaccounts", "transfers", "balance", "--account", own, "-o", "csv")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, ",balance,"+cliKey+","+own+",2.50000000,november,") {
		t.Fatalf("transfers: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfers", "credit", "--since", "2999-01-01"); r.code != 0 || strings.TrimSpace(r.stdout) != "(none)" {
		t.Fatalf("no credit transfers then: exit %d:\n%s", r.code, r.stdout)
	}
	// Suspend, resume, rename, take an own balance.
	if r = runCLI(t, "", env, "subaccounts", "suspend", shared.APIKey); r.code != 0 || !regexp.MustCompile(`SUSPENDED\s+true`).MatchString(r.stdout) {
		t.Fatalf("suspend: exit %d:\n%s", r.code, r.stdout)
	}
	subEnv := map[string]string{"KASSA_URL": s.URL, "KASSA_API_KEY": shared.APIKey, "KASSA_API_SECRET": shared.Secret}
	if r = runCLI(t, "", subEnv, "balance"); r.code != exitAuth {
		t.Fatalf("a suspended subaccount's balance: exit %d", r.code)
	}
	if r = runCLI(t, "", env, "subaccounts", "resume", shared.APIKey); r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", subEnv, "balance", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"value": 7.5`) {
		t.Fatalf("a shared subaccount's balance is its primary's: exit %d: %s", r.code, r.stdout)
	}
	if r = runCLI(t, "", env, "subaccounts", "update", shared.APIKey, "--name", "shop 1 (north)", "--own-balance"); r.code != 0 ||
		!strings.Contains(r.stdout, "shop 1 (north)") || !regexp.MustCompile(`USE_PRIMARY_ACCOUNT_BALANCE\s+false`).MatchString(r.stdout) {
		t.Fatalf("update: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "update", shared.APIKey); r.code != exitUsage {
		t.Fatalf("an update without a change: exit %d", r.code)
	}
	if r = runCLI(t, "", env, "subaccounts", "get", "nobody12"); r.code != exitNotFound {
		t.Fatalf("get an unknown subaccount: exit %d", r.code)
	}
	// A subaccount's credentials are not a primary's.
	if r = runCLI(t, "", subEnv, "subaccounts", "list"); r.code != exitConflict || !strings.Contains(r.stderr, "not provisioned") {
		t.Fatalf("a subaccount as a primary: exit %d: %s", r.code, r.stderr)
	}

	// The operator's side.
	admin := s.adminEnv()
	if r = runCLI(t, "", admin, "admin", "primary", cliKey, "--max", "2"); r.code != 0 || !regexp.MustCompile(`MAX_SUBACCOUNTS\s+2`).MatchString(r.stdout) {
		t.Fatalf("primary: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "create", "shop 3"); r.code != exitConflict || !strings.Contains(r.stderr, "Maximum number of sub-accounts reached") {
		t.Fatalf("beyond the maximum: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", admin, "admin", "tree", own)
	if r.code != 0 || !strings.Contains(r.stdout, "primary") || !strings.Contains(r.stdout, "max 2 subaccounts") || strings.Count(r.stdout, "\n") != 5 {
		t.Fatalf("tree: exit %d:\n%s", r.code, r.stdout)
	}
	if r = runCLI(t, "", admin, "admin", "suspend", cliKey, "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"suspended": true`) {
		t.Fatalf("admin suspend: exit %d:\n%s", r.code, r.stdout)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "balance", cliKey, own, "1"); r.code != exitConflict || !strings.Contains(r.stderr, "suspended") {
		t.Fatalf("a transfer from a suspended primary: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "subaccounts", "transfer", "balance", own, cliKey, "1"); r.code != 0 {
		t.Fatalf("money back to a suspended primary: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", admin, "admin", "resume", cliKey); r.code != 0 || !regexp.MustCompile(`SUSPENDED\s+false`).MatchString(r.stdout) {
		t.Fatalf("admin resume: exit %d:\n%s", r.code, r.stdout)
	}
	if r = runCLI(t, "", admin, "admin", "suspend", "nobody12"); r.code != exitNotFound {
		t.Fatalf("suspend an unknown account: exit %d", r.code)
	}
}
