package reload

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

var testPayment = PaymentRequest{Account: "acct1", Trx: "trx-1", Amount: kassa.MustParseAmount("50"), Currency: kassa.EUR, IdempotencyKey: "reload:acct1:20261126:1"}

func TestWebhookGatewayPaid(t *testing.T) {
	var got payment
	b := newBilling(t, func(p payment, _ int) answer {
		got = p
		return answer{status: 201, body: `{"payment_reference":"ch_123"}`}
	})
	res, err := b.gateway(time.Second, 0).Charge(context.Background(), testPayment)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reference != "ch_123" {
		t.Errorf("reference = %q, want ch_123", res.Reference)
	}
	want := payment{Account: "acct1", Trx: "trx-1", Amount: "50.00000000", Currency: "EUR", IdempotencyKey: testPayment.IdempotencyKey}
	if got != want {
		t.Errorf("billing received %+v, want %+v", got, want)
	}
}

func TestWebhookGatewayDeclined(t *testing.T) {
	cases := map[string]answer{
		"card expired":                                 {status: 402, body: `{"reason":"card expired"}`},
		"gateway answered status 404":                  {status: 404, body: `not json`},
		"gateway answered without a payment_reference": {status: 200, body: `{}`},
		"insufficient funds at bank":                   {status: 422, body: "{\"reason\":\"insufficient funds\\u0007 at bank\"}"},
	}
	for want, a := range cases {
		b := newBilling(t, func(payment, int) answer { return a })
		_, err := b.gateway(time.Second, 3).Charge(context.Background(), testPayment)
		wantCode(t, err, kassa.EPAYMENTDECLINED, want)
		if UnknownOutcome(err) {
			t.Errorf("%s: a decline reported as unknown outcome", want)
		}
		if n := b.attemptsFor(testPayment.IdempotencyKey); n != 1 {
			t.Errorf("%s: %d attempts, want 1 (declines are not retried)", want, n)
		}
	}
}

func TestWebhookGatewayRetriesUnknownOutcomeWithSameKey(t *testing.T) {
	b := newBilling(t, func(p payment, attempt int) answer {
		if attempt <= 2 {
			return answer{status: 503, body: `{"reason":"busy"}`}
		}
		return pays(p, attempt)
	})
	res, err := b.gateway(time.Second, 3).Charge(context.Background(), testPayment)
	if err != nil {
		t.Fatalf("Charge = %v, want paid on the third attempt", err)
	}
	if res.Reference != "pay-"+testPayment.IdempotencyKey {
		t.Errorf("reference = %q", res.Reference)
	}
	keys := b.allKeys()
	if len(keys) != 3 {
		t.Fatalf("%d attempts, want 3", len(keys))
	}
	for _, k := range keys {
		if k != testPayment.IdempotencyKey {
			t.Fatalf("attempt with key %q, want every attempt with %q", k, testPayment.IdempotencyKey)
		}
	}
}

func TestWebhookGatewayGivesUpAfterBoundedRetries(t *testing.T) {
	b := newBilling(t, func(payment, int) answer { return answer{status: 500} })
	_, err := b.gateway(time.Second, 2).Charge(context.Background(), testPayment)
	if !UnknownOutcome(err) {
		t.Fatalf("Charge = %v, want an unknown outcome", err)
	}
	if n := b.attemptsFor(testPayment.IdempotencyKey); n != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", n)
	}
}

func TestWebhookGatewaySlowIsUnknownOutcome(t *testing.T) {
	b := newBilling(t, func(payment, int) answer { return answer{block: true} })
	_, err := b.gateway(100*time.Millisecond, 1).Charge(context.Background(), testPayment)
	if !UnknownOutcome(err) {
		t.Fatalf("Charge = %v, want an unknown outcome after the timeout", err)
	}
	if n := b.attemptsFor(testPayment.IdempotencyKey); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestWebhookGatewayWrongSecretIsRejectedByReceiver(t *testing.T) {
	b := newBilling(t, pays)
	gw := b.gateway(time.Second, 0)
	gw.Secret = []byte("not-the-shared-secret")
	_, err := gw.Charge(context.Background(), testPayment)
	wantCode(t, err, kassa.EPAYMENTDECLINED, "bad signature")
	if b.payments() != 0 || b.badSignatures() != 1 {
		t.Fatalf("payments %d, bad signatures %d; want 0 and 1", b.payments(), b.badSignatures())
	}
}

func TestWebhookGatewayRefusesPrivateAddressWithoutSending(t *testing.T) {
	b := newBilling(t, pays)
	gw := b.gateway(time.Second, 3)
	gw.Client = webhook.Client(webhook.Guard{}, time.Second, 0)
	_, err := gw.Charge(context.Background(), testPayment)
	wantCode(t, err, kassa.EPAYMENTDECLINED, "address 127.0.0.1 is not allowed (loopback)")
	if len(b.allKeys()) != 0 {
		t.Fatal("the billing server was reached through a refused address")
	}
}

func TestSignMatchesReferenceAndVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"account":"a"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := "1800000000"
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("1800000000.{\"account\":\"a\"}"))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	sig := Sign(secret, ts, body)
	if sig != want {
		t.Fatalf("Sign = %s, want %s", sig, want)
	}
	if err := Verify(secret, sig, ts, body, now, 0); err != nil {
		t.Fatalf("Verify of a good signature: %v", err)
	}
	bad := map[string]error{
		"tampered body":  Verify(secret, sig, ts, []byte(`{"account":"b"}`), now, 0),
		"other secret":   Verify([]byte("other"), sig, ts, body, now, 0),
		"old timestamp":  Verify(secret, sig, ts, body, now.Add(10*time.Minute), 0),
		"bad timestamp":  Verify(secret, sig, "x", body, now, 0),
		"no prefix":      Verify(secret, strings.TrimPrefix(sig, "sha256="), ts, body, now, 0),
		"timestamp swap": Verify(secret, sig, "1800000001", body, now, 0),
	}
	for name, err := range bad {
		if err == nil {
			t.Errorf("%s: Verify = nil", name)
		}
	}
}

func TestNotConfiguredAndLedgerOnly(t *testing.T) {
	_, err := NotConfigured{}.Charge(context.Background(), testPayment)
	wantCode(t, err, kassa.EPAYMENTDECLINED, NotConfiguredMessage)
	res, err := LedgerOnly{}.Charge(context.Background(), testPayment)
	if err != nil || !strings.HasPrefix(res.Reference, "ledger-only") {
		t.Fatalf("LedgerOnly = %+v, %v", res, err)
	}
}

func TestNewGateway(t *testing.T) {
	secret := []byte("0123456789abcdef")
	for kind, want := range map[string]string{"": "reload.NotConfigured", "ledger-only": "reload.LedgerOnly", "webhook": "*reload.WebhookGateway"} {
		gw, err := NewGateway(kind, "https://billing.example/pay", secret, nil)
		if err != nil || fmt.Sprintf("%T", gw) != want {
			t.Errorf("NewGateway(%q) = %T, %v; want %s", kind, gw, err, want)
		}
	}
	bad := []struct{ kind, url, secret string }{
		{"paypal", "https://billing.example/pay", string(secret)},
		{"webhook", "", string(secret)},
		{"webhook", "ftp://billing.example/", string(secret)},
		{"webhook", "https://billing.example/pay", "short"},
	}
	for _, c := range bad {
		if _, err := NewGateway(c.kind, c.url, []byte(c.secret), nil); err == nil {
			t.Errorf("NewGateway(%q, %q, secret of %d bytes) = nil error", c.kind, c.url, len(c.secret))
		}
	}
}
