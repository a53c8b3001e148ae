package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// exampleKassa starts a real kassa on loopback for an example, with the
// account abcd1234 / Secret123 holding 10.00 EUR. stop shuts it down.
func exampleKassa() (url string, stop func()) {
	url, _, stop = startExampleKassa(false)
	return url, stop
}

// examplePricedKassa is exampleKassa with the demo price book active.
func examplePricedKassa() (url string, stop func()) {
	url, _, stop = startExampleKassa(true)
	return url, stop
}

// startExampleKassa also returns the URL of a webhook receiver that the
// server's live callback check accepts.
func startExampleKassa(prices bool) (url, callbackURL string, stop func()) {
	dir, err := os.MkdirTemp("", "kassa-example")
	if err != nil {
		log.Fatal(err)
	}
	ts, closeFn, err := buildKassa(dir, prices)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(ts.Handler)
	credit := kassa.MustParseAmount("10.00")
	admin := client.New(srv.URL, client.WithAdminToken(testAdminToken))
	if _, err := admin.CreateAccount(context.Background(), client.NewAccount{APIKey: testKey, APISecret: testSecret, Credit: &credit}); err != nil {
		log.Fatal(err)
	}
	return srv.URL, ts.CallbackURL, func() {
		srv.Close()
		closeFn()
		os.RemoveAll(dir)
	}
}

func ExampleClient_Balance() {
	url, stop := exampleKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	b, err := c.Balance(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(b.Value, b.AutoReload)
	// Output: 10.00000000 false
}

func ExampleClient_TopUp() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	_, err := c.TopUp(ctx, "8ef2447e69604f642ae59363aa5f781b")
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Label, e.KassaCode())
	}

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	_, err = admin.SetAutoReload(ctx, "abcd1234", client.AutoReload{
		Enabled: true, Trx: "8ef2447e69604f642ae59363aa5f781b",
		Amount: kassa.MustParseAmount("50"), Threshold: kassa.MustParseAmount("5"), DailyCap: 5,
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	res, err := c.TopUp(ctx, "8ef2447e69604f642ae59363aa5f781b")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	b, _ := c.Balance(ctx)
	fmt.Println(res.Code, res.Label, b.Value)
	// Output:
	// 401 not auto-reload enabled conflict
	// 200 success 60.00000000
}

func ExampleClient_Settings() {
	url, stop := exampleKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	s, err := c.Settings(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Printf("mo=%q dr=%q outbound=%d/s\n", s.MOCallbackURL, s.DRCallbackURL, s.MaxOutboundRequest)
	// Output: mo="" dr="" outbound=30/s
}

func ExampleClient_UpdateSettings() {
	url, webhooks, stop := startExampleKassa(false)
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	// kassa requests a new callback URL and saves it only if it answers 200.
	mo := webhooks + "/webhooks/inbound-sms"
	s, err := c.UpdateSettings(context.Background(), client.SettingsUpdate{MOCallbackURL: &mo})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(s.MOCallbackURL == mo)
	// An empty string unsets it.
	none := ""
	s, _ = c.UpdateSettings(context.Background(), client.SettingsUpdate{MOCallbackURL: &none})
	fmt.Printf("%q\n", s.MOCallbackURL)
	// Output:
	// true
	// ""
}

func ExampleClient_CountryPricing() {
	url, stop := examplePricedKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	cp, err := c.CountryPricing(context.Background(), kassa.SMS, "GB")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(cp.CountryCode, cp.DialingPrefix, cp.Currency, len(cp.Networks) > 0)
	// Output: GB 44 EUR true
}

func ExampleClient_FullPricing() {
	url, stop := examplePricedKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	l, err := c.FullPricing(context.Background(), kassa.Voice)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(l.Count == len(l.Countries), l.Count > 200)
	// Output: true true
}

func ExampleClient_PrefixPricing() {
	url, stop := examplePricedKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	l, err := c.PrefixPricing(context.Background(), kassa.SMS, "44")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, cp := range l.Countries {
		if cp.CountryCode == "GB" {
			fmt.Println(cp.CountryDisplayName, cp.DialingPrefix)
		}
	}
	// Output: United Kingdom 44
}

func ExampleClient_ListSecrets() {
	url, stop := exampleKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	list, err := c.ListSecrets(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(len(list))
	// Output: 1
}

func ExampleClient_CreateSecret() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	s, err := c.CreateSecret(ctx, "Rotated2026")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	// The new secret authenticates at once.
	rotated := client.New(url, client.WithCredentials("abcd1234", "Rotated2026"))
	got, err := rotated.GetSecret(ctx, s.ID)
	fmt.Println(err == nil && got.ID == s.ID)

	// A third secret is over the limit of two.
	_, err = c.CreateSecret(ctx, "Third2026x")
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.KassaCode())
	}
	// Output:
	// true
	// 403 limit_reached
}

func ExampleClient_RevokeSecret() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	list, _ := c.ListSecrets(ctx)
	err := c.RevokeSecret(ctx, list[0].ID)
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.KassaCode(), e.Title)
	}
	// Output: 403 forbidden Secret Deletion Forbidden
}

func ExampleClient_GetSecret() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithCredentials("abcd1234", "Secret123"))
	_, err := c.GetSecret(ctx, "01234567-aaaa-bbbb-cccc-defdefdefdef")
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.KassaCode())
	}
	// Output: 404 not_found
}

func ExampleClient_CreateAccount() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	credit := kassa.MustParseAmount("25")
	a, err := admin.CreateAccount(context.Background(), client.NewAccount{APIKey: "shop0001", Currency: "USD", Credit: &credit})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a.APIKey, a.Currency, a.Balance, a.APISecret != "")
	// Output: shop0001 USD 25.00000000 true
}

func ExampleClient_GetAccount() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	a, err := admin.GetAccount(context.Background(), "abcd1234")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a.APIKey, a.Balance, a.CreditLimit, a.Limits.MaxCallsPerSecond)
	// Output: abcd1234 10.00000000 0.00000000 30
}

func ExampleClient_ListAccounts() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	p, err := admin.ListAccounts(context.Background(), client.AccountQuery{Search: "abcd"})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(p.Total, p.Accounts[0].APIKey)
	// Output: 1 abcd1234
}

func ExampleClient_Credit() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	credit := client.Adjustment{Amount: kassa.MustParseAmount("5"), Reason: "goodwill", IdempotencyKey: "ticket-42"}
	e, err := admin.Credit(ctx, "abcd1234", credit)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(e.Kind, e.Amount, e.BalanceAfter, e.Replayed)
	// The same key again changes nothing and answers with the same entry.
	again, _ := admin.Credit(ctx, "abcd1234", credit)
	fmt.Println(again.ID == e.ID, again.BalanceAfter, again.Replayed)
	// Output:
	// credit 5.00000000 15.00000000 false
	// true 15.00000000 true
}

func ExampleClient_Debit() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	_, err := admin.Debit(context.Background(), "abcd1234", client.Adjustment{Amount: kassa.MustParseAmount("12"), Reason: "correction"})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.KassaCode())
	}
	// Output: 402 insufficient_funds
}

func ExampleClient_SetAutoReload() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	a, err := admin.SetAutoReload(context.Background(), "abcd1234", client.AutoReload{
		Enabled: true, Trx: "trx-1", Amount: kassa.MustParseAmount("50"), Threshold: kassa.MustParseAmount("20"), DailyCap: 5,
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a.AutoReload.Enabled, a.AutoReload.Amount, a.AutoReload.Threshold)
	// Output: true 50.00000000 20.00000000
}

func ExampleClient_SetLimits() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	a, err := admin.SetLimits(context.Background(), "abcd1234", client.Limits{MaxOutboundRequest: 50, MaxInboundRequest: 50, MaxCallsPerSecond: 100, PricingPerSecond: 2})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a.Limits.MaxOutboundRequest, a.Limits.MaxCallsPerSecond)
	// Output: 50 100
}

func ExampleClient_SetCreditLimit() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	a, err := admin.SetCreditLimit(context.Background(), "abcd1234", kassa.MustParseAmount("-5"))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a.CreditLimit)
	// Output: -5.00000000
}

func ExampleClient_Entries() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	admin.Debit(ctx, "abcd1234", client.Adjustment{Amount: kassa.MustParseAmount("1.5"), Reason: "fee"})
	p, err := admin.Entries(ctx, "abcd1234", client.EntryQuery{})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, e := range p.Entries {
		fmt.Println(e.Kind, e.Amount, e.BalanceAfter)
	}
	// Output:
	// debit -1.50000000 8.50000000
	// credit 10.00000000 10.00000000
}

func ExampleClient_Verify() {
	url, stop := exampleKassa()
	defer stop()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	v, err := admin.Verify(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(v.OK, v.AccountsChecked, len(v.Discrepancies))
	// Output: true 1 0
}

func ExampleClient_Audit() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	admin := client.New(url, client.WithAdminToken(testAdminToken))
	admin.SetCreditLimit(ctx, "abcd1234", kassa.MustParseAmount("-5"))
	p, err := admin.Audit(ctx, client.AuditQuery{Account: "abcd1234", Limit: 1})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(p.Events[0].Actor, p.Events[0].Account)
	// Output: admin abcd1234
}

func ExampleClient_Rate() {
	url, stop := examplePricedKassa()
	defer stop()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	r, err := c.Rate(context.Background(), client.RateRequest{Account: "abcd1234", Type: kassa.SMS, To: "447700900123"})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(r.Country, r.Currency, r.UnitPrice > 0)
	// Output: GB EUR true
}

func ExampleClient_Charge() {
	url, stop := examplePricedKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	req := client.ChargeRequest{
		Account: "abcd1234", Type: kassa.SMS, To: "447700900123", Units: 2,
		Reference: "msg-0001", IdempotencyKey: "msg-0001",
	}
	ch, err := c.Charge(ctx, req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	twice, _ := ch.UnitPrice.MulUnits(2)
	fmt.Println(ch.Country, ch.Units, ch.Amount == twice, ch.Replayed)
	// Sending the same message again (a retry) charges nothing more.
	again, _ := c.Charge(ctx, req)
	fmt.Println(again.ID == ch.ID, again.BalanceAfter == ch.BalanceAfter, again.Replayed)
	// Output:
	// GB 2 true false
	// true true true
}

func ExampleClient_Refund() {
	url, stop := examplePricedKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	ch, err := c.Charge(ctx, client.ChargeRequest{Account: "abcd1234", Type: kassa.SMS, To: "447700900123", Units: 1})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rf, err := c.Refund(ctx, ch.ID, client.RefundRequest{}) // the whole charge
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(rf.ChargeID == ch.ID, rf.Amount == ch.Amount, rf.BalanceAfter)
	// Output: true true 10.00000000
}

func ExampleClient_Hold() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	reserve := kassa.MustParseAmount("2.00")
	h, err := c.Hold(ctx, client.HoldRequest{Account: "abcd1234", Amount: &reserve, TTL: time.Hour})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(h.State, h.Amount, h.BalanceAfter)
	// Output: open 2.00000000 8.00000000
}

func ExampleClient_Capture() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	reserve := kassa.MustParseAmount("2.00")
	h, err := c.Hold(ctx, client.HoldRequest{Account: "abcd1234", Amount: &reserve})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	// The call lasted less than reserved: charge 0.30, return the rest.
	done, err := c.Capture(ctx, h.ID, kassa.MustParseAmount("0.30"))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(done.State, done.Captured, done.BalanceAfter)
	// Output: captured 0.30000000 9.70000000
}

func ExampleClient_Release() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	reserve := kassa.MustParseAmount("2.00")
	h, err := c.Hold(ctx, client.HoldRequest{Account: "abcd1234", Amount: &reserve})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	done, err := c.Release(ctx, h.ID)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(done.State, done.BalanceAfter)
	// Output: released 10.00000000
}

func ExampleClient_GetHold() {
	url, stop := exampleKassa()
	defer stop()
	ctx := context.Background()

	c := client.New(url, client.WithServiceToken(testServiceToken))
	reserve := kassa.MustParseAmount("1.50")
	h, _ := c.Hold(ctx, client.HoldRequest{Account: "abcd1234", Amount: &reserve})
	got, err := c.GetHold(ctx, h.ID)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(got.ID == h.ID, got.State, got.Amount)
	// Output: true open 1.50000000
}

func ExampleNew() {
	c := client.New("http://localhost:8080",
		client.WithCredentials("abcd1234", "Secret123"),
		client.WithRetries(5),
	)
	fmt.Println(c.APIKey())
	// Output: abcd1234
}

func ExampleError() {
	url, stop := exampleKassa()
	defer stop()

	c := client.New(url, client.WithCredentials("abcd1234", "wrong-secret"))
	_, err := c.Balance(context.Background())
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Label, e.KassaCode())
	}
	// Output: 401 401 authentication failed unauthorized
}
