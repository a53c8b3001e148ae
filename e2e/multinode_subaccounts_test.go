package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMultiNodeSubaccounts runs two kassa nodes on one PostgreSQL database:
// 64 callers, alternating between the nodes, move balance between a
// primary and its own-balance subaccount through the Subaccounts API while
// the platform API charges the primary and both of its subaccounts (one
// sharing its balance). Then `kassa verify` is clean, no balance is below
// its credit limit, and the family holds exactly its funding minus what the
// acknowledged charges took. Concurrent creations on both nodes never
// exceed the primary's maximum, and a suspension made on one node refuses
// the subaccount's charges and credentials on the other at once.
func TestMultiNodeSubaccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "8")
	pepper := mnPepperFile(t)
	mnMigrate(t, dbURL)
	a := mnStartNode(t, "A", storeURL, pepper, "--no-migrate")
	b := mnStartNode(t, "B", storeURL, pepper, "--no-migrate")
	nodes := []*mnNode{a, b}

	const primary, secret = "fam00001", "Primary1234"
	mnCreateAccount(t, a, primary, secret)
	a.must(http.MethodPost, "/admin/v1/accounts/"+primary+"/credits", mnAdminToken, "fund", `{"amount":"30","reason":"funding"}`, http.StatusCreated)
	b.must(http.MethodPut, "/admin/v1/accounts/"+primary+"/credit-limit", mnAdminToken, "", `{"credit_limit":"-5"}`, http.StatusOK)
	own := subCreate(t, a, primary, secret, `{"name":"own","use_primary_account_balance":false}`)
	shared := subCreate(t, b, primary, secret, `{"name":"shared"}`)
	for _, k := range []string{own, shared} {
		a.must(http.MethodPut, "/admin/v1/accounts/"+k+"/limits", mnAdminToken, "", mnLimits, http.StatusOK)
	}
	a.must(http.MethodPut, "/admin/v1/accounts/"+primary+"/limits", mnAdminToken, "", mnLimits, http.StatusOK)

	var charged atomic.Int64 // in 10^-8 EUR, from the acknowledged charges' amounts
	var acks, refusals atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 64))
			n := nodes[g%2]
			for i := range 6 {
				key := fmt.Sprintf("g%d-%d", g, i)
				if rng.IntN(2) == 0 {
					from, to := primary, own
					if rng.IntN(2) == 0 {
						from, to = own, primary
					}
					body := fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d.%02d}`, from, to, rng.IntN(3), rng.IntN(100)+1)
					status, raw := subDo(t, n, http.MethodPost, "/accounts/"+primary+"/balance-transfers", primary, secret, key, body)
					switch {
					case status == http.StatusOK:
						acks.Add(1)
					case status == http.StatusForbidden && strings.Contains(raw, "Insufficient Balance"):
						refusals.Add(1)
					default:
						t.Errorf("transfer %s: %d %s", key, status, raw)
					}
					continue
				}
				account := []string{primary, own, shared}[rng.IntN(3)]
				ans, err := mnDo(context.Background(), http.DefaultClient, http.MethodPost, n.base+"/platform/v1/charges", mnServiceToken, key, mnChargeBody(account))
				switch {
				case err != nil:
					t.Errorf("charge %s: %v", key, err)
				case ans.status == http.StatusCreated:
					acks.Add(1)
					charged.Add(mnAmount(t, mnString(ans.body["amount"])))
				case ans.status == http.StatusPaymentRequired:
					refusals.Add(1)
				default:
					t.Errorf("charge %s: %d %s", key, ans.status, ans.raw)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d operations acknowledged, %d refused for want of funds", acks.Load(), refusals.Load())
	if acks.Load() == 0 {
		t.Fatal("nothing succeeded")
	}
	mnVerify(t, storeURL)
	conn := mnConnect(t, dbURL)
	var total, limits int64
	for _, k := range []string{primary, own, shared} {
		var bal, lim int64
		if err := conn.QueryRow(context.Background(), "SELECT balance, credit_limit FROM accounts WHERE api_key = $1", k).Scan(&bal, &lim); err != nil {
			t.Fatal(err)
		}
		if bal < lim {
			t.Errorf("%s: balance %d below its credit limit %d", k, bal, lim)
		}
		total, limits = total+bal, limits+lim
	}
	if want := 30*100_000_000 - charged.Load(); total != want {
		t.Errorf("the family holds %d, want %d (30 EUR minus %d charged)", total, want, charged.Load())
	}
	if limits != -5*100_000_000 {
		t.Errorf("credit limits add up to %d", limits)
	}

	// The limit holds across nodes: 2 exist, at most 5 in all.
	a.must(http.MethodPut, "/admin/v1/accounts/"+primary+"/primary", mnAdminToken, "", `{"enabled":true,"max_subaccounts":5}`, http.StatusOK)
	var created, limited atomic.Int64
	for i := range 12 {
		wg.Go(func() {
			status, raw := subDo(t, nodes[i%2], http.MethodPost, "/accounts/"+primary+"/subaccounts", primary, secret, "", fmt.Sprintf(`{"name":"c%d"}`, i))
			switch {
			case status == http.StatusOK:
				created.Add(1)
			case status == http.StatusForbidden && strings.Contains(raw, "Maximum number of sub-accounts reached"):
				limited.Add(1)
			default:
				t.Errorf("create %d: %d %s", i, status, raw)
			}
		})
	}
	wg.Wait()
	var count int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM accounts WHERE primary_account = $1", primary).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if created.Load() != 3 || count != 5 {
		t.Errorf("%d creations succeeded and %d subaccounts exist, want 3 and 5", created.Load(), count)
	}

	// A suspension on node A is seen by node B's next charge and its first
	// authentication of the subaccount.
	subDo(t, a, http.MethodPatch, "/accounts/"+primary+"/subaccounts/"+shared, primary, secret, "", `{"suspended":true}`)
	ans := b.must(http.MethodPost, "/platform/v1/charges", mnServiceToken, "after-suspend", mnChargeBody(shared), http.StatusForbidden)
	if typ := mnString(ans.body["type"]); !strings.HasSuffix(typ, "account-suspended") {
		t.Errorf("charge of a suspended subaccount on the other node: %s", ans.raw)
	}
	status, _ := subDo(t, b, http.MethodGet, "/accounts/"+primary+"/subaccounts/"+shared, primary, secret, "", "")
	if status != http.StatusOK {
		t.Errorf("the primary reads its suspended subaccount: %d", status)
	}
}

// subCreate creates a subaccount through the Subaccounts API of n and
// returns its key.
func subCreate(t *testing.T, n *mnNode, primary, secret, body string) string {
	t.Helper()
	status, raw := subDo(t, n, http.MethodPost, "/accounts/"+primary+"/subaccounts", primary, secret, "", body)
	if status != http.StatusOK {
		t.Fatalf("create subaccount on %s: %d %s", n.name, status, raw)
	}
	const k = `"api_key":"`
	i := strings.Index(raw, k)
	if i < 0 {
		t.Fatalf("no api_key: %s", raw)
	}
	return raw[i+len(k) : i+len(k)+8]
}

// subDo sends a Subaccounts API request with Basic credentials and returns
// the status and the body.
func subDo(t *testing.T, n *mnNode, method, path, key, secret, idemKey, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("node %s: %s %s: %v", n.name, method, path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// mnAmount reads an 8-decimal amount as a count of 10^-8.
func mnAmount(t *testing.T, text string) int64 {
	t.Helper()
	var units, frac int64
	if _, err := fmt.Sscanf(strings.Replace(text, ".", " ", 1), "%d %d", &units, &frac); err != nil || len(text) != strings.Index(text, ".")+9 {
		t.Errorf("amount %q is not 8-decimal text", text)
	}
	return units*100_000_000 + frac
}
