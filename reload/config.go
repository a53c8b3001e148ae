package reload

import (
	"fmt"
	"net/http"

	"github.com/kassa-dev/kassa/webhook"
)

// Gateway kinds, the values of --reload-gateway (KASSA_RELOAD_GATEWAY).
const (
	GatewayNone       = ""
	GatewayWebhook    = "webhook"
	GatewayLedgerOnly = "ledger-only"
)

// NewGateway builds the gateway the serve command's flags name: kind is
// GatewayWebhook (url and secret required; client is the guarded
// webhook.Client), GatewayLedgerOnly, or GatewayNone (NotConfigured: every
// top-up and reload is declined).
func NewGateway(kind, url string, secret []byte, client *http.Client) (Gateway, error) {
	switch kind {
	case GatewayNone:
		return NotConfigured{}, nil
	case GatewayLedgerOnly:
		return LedgerOnly{}, nil
	case GatewayWebhook:
		if _, err := webhook.ValidateURL(url); err != nil {
			return nil, fmt.Errorf("--reload-webhook-url: %w", err)
		}
		if len(secret) < 16 {
			return nil, fmt.Errorf("KASSA_RELOAD_WEBHOOK_SECRET: must be at least 16 bytes")
		}
		return &WebhookGateway{URL: url, Secret: secret, Client: client}, nil
	}
	return nil, fmt.Errorf("--reload-gateway: %q is not webhook or ledger-only", kind)
}
