package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// AuditEvent is one entry of the audit log: who changed what.
type AuditEvent struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"` // "admin", "account:KEY", "system", "platform"
	Account    string          `json:"account"`
	Action     string          `json:"action"` // "secret.create", "settings.update", …
	RemoteAddr string          `json:"remote_addr"`
	Detail     json.RawMessage `json:"detail"` // a JSON object with what changed
}

// AuditQuery selects audit events: Account and Action match exactly; Limit
// 0 lets the server choose (50).
type AuditQuery struct {
	Account string
	Action  string
	Offset  int
	Limit   int
}

// AuditPage is one page of audit events, newest first.
type AuditPage struct {
	Events []AuditEvent `json:"events"`
	Total  int          `json:"total"`
	Offset int          `json:"offset"`
	Limit  int          `json:"limit"`
}

// Audit lists audit events, newest first (GET /admin/v1/audit).
func (c *Client) Audit(ctx context.Context, q AuditQuery) (*AuditPage, error) {
	v := url.Values{}
	setNonEmpty(v, "account", q.Account)
	setNonEmpty(v, "action", q.Action)
	setPage(v, q.Offset, q.Limit)
	r := &request{method: http.MethodGet, path: "/admin/v1/audit", query: v, auth: authAdmin}
	var p AuditPage
	if err := c.getJSON(ctx, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
