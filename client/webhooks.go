package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook is a webhook endpoint (docs/events.md#webhooks).
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"` // the types it receives; empty: every type
	Description string    `json:"description"`
	Secret      string    `json:"secret,omitempty"` // only in the answer that generated it
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Pending and Failed count its deliveries in those states (Webhook
	// only, nil in lists).
	Pending *int `json:"pending,omitempty"`
	Failed  *int `json:"failed,omitempty"`
}

// NewWebhook asks for an endpoint; an empty Secret is generated (and
// returned once), empty Events means every type.
type NewWebhook struct {
	URL         string   `json:"url"`
	Secret      string   `json:"secret,omitempty"`
	Events      []string `json:"events,omitempty"`
	Description string   `json:"description,omitempty"`
}

// WebhookChange changes some of an endpoint's fields; nil fields stay. A
// Secret of "" generates a new one (returned in Webhook.Secret).
type WebhookChange struct {
	URL         *string   `json:"url,omitempty"`
	Secret      *string   `json:"secret,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Description *string   `json:"description,omitempty"`
}

// webhookPath is the path of an endpoint.
func webhookPath(id string) string { return "/admin/v1/webhooks/" + pathEscape(id) }

// CreateWebhook registers an endpoint (POST /admin/v1/webhooks). It is not
// retried after a lost answer (it would register two): list the endpoints
// to see whether it was.
func (c *Client) CreateWebhook(ctx context.Context, n NewWebhook) (*Webhook, error) {
	r := &request{method: http.MethodPost, path: "/admin/v1/webhooks", auth: authAdmin}
	var w Webhook
	if err := c.sendJSON(ctx, r, n, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// Webhooks lists the endpoints, oldest first (GET /admin/v1/webhooks).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	r := &request{method: http.MethodGet, path: "/admin/v1/webhooks", auth: authAdmin}
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	if err := c.getJSON(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Webhooks == nil {
		out.Webhooks = []Webhook{}
	}
	return out.Webhooks, nil
}

// Webhook returns one endpoint with its pending and failed deliveries
// counted (GET /admin/v1/webhooks/{id}).
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	r := &request{method: http.MethodGet, path: webhookPath(id), auth: authAdmin}
	var w Webhook
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// UpdateWebhook changes an endpoint (PATCH /admin/v1/webhooks/{id}).
func (c *Client) UpdateWebhook(ctx context.Context, id string, ch WebhookChange) (*Webhook, error) {
	r := &request{method: http.MethodPatch, path: webhookPath(id), auth: authAdmin}
	var w Webhook
	if err := c.sendJSON(ctx, r, ch, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// DeleteWebhook removes an endpoint and its delivery log (DELETE
// /admin/v1/webhooks/{id}).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := c.do(ctx, &request{method: http.MethodDelete, path: webhookPath(id), auth: authAdmin})
	return err
}

// Delivery is the delivery of one event to one endpoint.
type Delivery struct {
	EventID       int64      `json:"event_id"`
	EventType     string     `json:"event_type"`
	Account       *string    `json:"account"` // nil for an event about no account
	State         string     `json:"state"`   // pending, delivered or failed
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"` // nil while waiting behind an earlier event, or when done
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	LastStatus    *int       `json:"last_status"` // nil when the last attempt got no HTTP answer
	LastError     string     `json:"last_error"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Event         Event      `json:"event"`
}

// DeliveryQuery selects deliveries of the log: in State (any when ""),
// with an event ID below Before (0: from the newest), at most Limit (0:
// the server's 50).
type DeliveryQuery struct {
	State  string
	Before int64
	Limit  int
}

// DeliveryPage is one page of a delivery log, newest event first.
type DeliveryPage struct {
	Deliveries []Delivery `json:"deliveries"`
	Total      int        `json:"total"`
	NextBefore int64      `json:"next_before"` // 0 when the page is the last
}

// Deliveries reads an endpoint's delivery log (GET
// /admin/v1/webhooks/{id}/deliveries).
func (c *Client) Deliveries(ctx context.Context, id string, q DeliveryQuery) (*DeliveryPage, error) {
	v := url.Values{}
	setNonEmpty(v, "state", q.State)
	if q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	r := &request{method: http.MethodGet, path: webhookPath(id) + "/deliveries", query: v, auth: authAdmin}
	var p DeliveryPage
	if err := c.getJSON(ctx, r, &p); err != nil {
		return nil, err
	}
	if p.Deliveries == nil {
		p.Deliveries = []Delivery{}
	}
	return &p, nil
}

// Redeliver sends an event to an endpoint again, now (POST
// /admin/v1/webhooks/{id}/deliveries/{event_id}/redeliver).
func (c *Client) Redeliver(ctx context.Context, id string, eventID int64) (*Delivery, error) {
	r := &request{method: http.MethodPost, path: webhookPath(id) + "/deliveries/" + strconv.FormatInt(eventID, 10) + "/redeliver", auth: authAdmin}
	var d Delivery
	if err := c.sendJSON(ctx, r, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
