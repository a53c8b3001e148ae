package reload

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTransportErrorsHideURLSecrets: when the payment webhook cannot be
// reached, the error (which is logged) names the host and path but neither
// the password nor a query-string token (the events package has the same
// test for webhook deliveries).
func TestTransportErrorsHideURLSecrets(t *testing.T) {
	const target = "http://user:pw-s3cr3t@127.0.0.1:1/pay?token=tok-s3cr3t"
	client := &http.Client{Timeout: 5 * time.Second}
	gw := &WebhookGateway{URL: target, Secret: []byte("0123456789abcdef"), Client: client, Retries: 0}
	_, err := gw.post(context.Background(), "k", []byte("{}"))
	for what, e := range map[string]error{"gateway": err} {
		if e == nil {
			t.Fatalf("%s: no error for an unreachable URL", what)
		}
		if msg := e.Error(); strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, "127.0.0.1:1/pay") {
			t.Errorf("%s error %q", what, msg)
		}
	}
}
