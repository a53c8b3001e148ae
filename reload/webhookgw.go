package reload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

// Defaults of WebhookGateway.
const (
	DefaultRetries = 3
	DefaultBackoff = 500 * time.Millisecond
	maxBackoff     = 30 * time.Second
)

// WebhookGateway takes payments by POSTing a signed JSON request to the
// operator's billing service. See docs/auto-reload.md for the protocol.
type WebhookGateway struct {
	URL     string
	Secret  []byte
	Client  *http.Client     // a webhook.Client (guarded); one with the default guard when nil
	Retries int              // attempts after the first on an unknown outcome; DefaultRetries when 0, none when negative
	Backoff time.Duration    // wait before the first retry, doubled each time; DefaultBackoff when 0
	Now     func() time.Time // clock of the timestamp header; time.Now when nil
}

// paymentBody is the JSON the gateway POSTs.
type paymentBody struct {
	Account        string `json:"account"`
	Trx            string `json:"trx"`
	Amount         string `json:"amount"`
	Currency       string `json:"currency"`
	IdempotencyKey string `json:"idempotency_key"`
}

// paymentAnswer is what the billing service answers.
type paymentAnswer struct {
	PaymentReference string `json:"payment_reference"`
	Reason           string `json:"reason"`
}

// Charge implements Gateway: it POSTs the payment and retries, with
// exponential backoff and the same idempotency key, while the outcome is
// unknown.
func (g *WebhookGateway) Charge(ctx context.Context, req PaymentRequest) (PaymentResult, error) {
	body, err := json.Marshal(paymentBody{
		Account: req.Account, Trx: req.Trx, Amount: req.Amount.String(),
		Currency: string(req.Currency), IdempotencyKey: req.IdempotencyKey,
	})
	if err != nil {
		return PaymentResult{}, fmt.Errorf("encode payment request: %w", err)
	}
	wait := g.backoff()
	for attempt := 0; ; attempt++ {
		res, err := g.post(ctx, req.IdempotencyKey, body)
		if err == nil || !UnknownOutcome(err) || attempt >= g.retries() || ctx.Err() != nil {
			return res, err
		}
		if err := sleep(ctx, wait); err != nil {
			return PaymentResult{}, UnknownOutcomeError(err)
		}
		wait = min(2*wait, maxBackoff)
	}
}

// post makes one signed attempt.
func (g *WebhookGateway) post(ctx context.Context, key string, body []byte) (PaymentResult, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return PaymentResult{}, kassa.Errorf(kassa.EPAYMENTDECLINED, "auto-reload gateway misconfigured: bad webhook URL")
	}
	ts := strconv.FormatInt(g.now().Unix(), 10)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", key)
	r.Header.Set(TimestampHeader, ts)
	r.Header.Set(SignatureHeader, Sign(g.Secret, ts, body))
	r.Header.Set("User-Agent", "kassa-reload/1")
	resp, err := g.client().Do(r)
	if err != nil {
		return PaymentResult{}, classifyTransportError(withoutURLSecrets(err))
	}
	defer resp.Body.Close()
	return readAnswer(resp)
}

// classifyTransportError turns a failed request into a refusal when it was
// never sent (a refused address) and an unknown outcome otherwise.
func classifyTransportError(err error) error {
	var blocked *webhook.BlockedError
	if errors.As(err, &blocked) {
		return &kassa.Error{Code: kassa.EPAYMENTDECLINED, Message: "auto-reload gateway misconfigured: webhook " + blocked.Error() + " (see --allow-callback-net)", Err: err}
	}
	return UnknownOutcomeError(err)
}

// readAnswer interprets the billing service's response.
func readAnswer(resp *http.Response) (PaymentResult, error) {
	raw, readErr := io.ReadAll(resp.Body)
	switch code := resp.StatusCode; {
	case code >= 500 || code == http.StatusRequestTimeout || code == http.StatusConflict ||
		code == http.StatusTooEarly || code == http.StatusTooManyRequests:
		return PaymentResult{}, UnknownOutcomeError(fmt.Errorf("gateway answered status %d", code))
	case code >= 200 && code < 300:
		if readErr != nil {
			return PaymentResult{}, UnknownOutcomeError(fmt.Errorf("read gateway answer: %w", readErr))
		}
		var a paymentAnswer
		if err := json.Unmarshal(raw, &a); err != nil || strings.TrimSpace(a.PaymentReference) == "" {
			return PaymentResult{}, Declined("gateway answered without a payment_reference")
		}
		return PaymentResult{Reference: clean(a.PaymentReference, 200), Note: "paid via webhook gateway"}, nil
	default:
		var a paymentAnswer
		_ = json.Unmarshal(raw, &a)
		if reason := clean(a.Reason, 200); reason != "" {
			return PaymentResult{}, Declined(reason)
		}
		return PaymentResult{}, Declined(fmt.Sprintf("gateway answered status %d", code))
	}
}

// clean keeps printable ASCII of s, at most n bytes, so that a gateway's
// text cannot inject anything into logs or answers.
func clean(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if s[i] >= 0x20 && s[i] < 0x7f {
			b.WriteByte(s[i])
		}
	}
	return strings.TrimSpace(b.String())
}

func (g *WebhookGateway) client() *http.Client {
	if g.Client != nil {
		return g.Client
	}
	return defaultClient()
}

// defaultClient is the guarded client, with the default guard, of gateways
// and notifiers given none.
var defaultClient = sync.OnceValue(func() *http.Client { return webhook.Client(webhook.Guard{}, 0, 0) })

func (g *WebhookGateway) retries() int {
	switch {
	case g.Retries < 0:
		return 0
	case g.Retries == 0:
		return DefaultRetries
	}
	return g.Retries
}

func (g *WebhookGateway) backoff() time.Duration {
	if g.Backoff > 0 {
		return g.Backoff
	}
	return DefaultBackoff
}

func (g *WebhookGateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
