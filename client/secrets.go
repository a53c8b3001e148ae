package client

import (
	"context"
	"net/http"
	"time"
)

// Secret is the metadata of one API secret of an account; kassa never
// shows a secret's value.
type Secret struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Self      string    `json:"-"` // the secret's relative URL (_links.self.href)
}

type secretWire struct {
	Links struct {
		Self struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"_links"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
}

func (w secretWire) secret() Secret {
	return Secret{ID: w.ID, CreatedAt: w.CreatedAt, Self: w.Links.Self.Href}
}

type secretListWire struct {
	Embedded struct {
		Secrets []secretWire `json:"secrets"`
	} `json:"_embedded"`
}

// secretsPath is the collection of the authenticated account's secrets.
func (c *Client) secretsPath() string {
	return "/accounts/" + pathEscape(c.apiKey) + "/secrets"
}

// ListSecrets lists the account's secrets (GET /accounts/{api_key}/secrets).
func (c *Client) ListSecrets(ctx context.Context) ([]Secret, error) {
	r := &request{method: http.MethodGet, path: c.secretsPath(), auth: authBasic}
	var w secretListWire
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	out := make([]Secret, 0, len(w.Embedded.Secrets))
	for _, s := range w.Embedded.Secrets {
		out = append(out, s.secret())
	}
	return out, nil
}

// CreateSecret adds a secret to the account (POST /accounts/{api_key}/secrets).
// It must have 8 to 25 characters with a lower-case letter, an upper-case
// letter and a digit; an account holds at most two secrets (a third is
// refused with KassaCode limit_reached).
func (c *Client) CreateSecret(ctx context.Context, secret string) (*Secret, error) {
	r := &request{method: http.MethodPost, path: c.secretsPath(), auth: authBasic}
	if err := r.jsonBody(map[string]string{"secret": secret}); err != nil {
		return nil, err
	}
	var w secretWire
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	s := w.secret()
	return &s, nil
}

// GetSecret returns one secret's metadata (GET /accounts/{api_key}/secrets/{id}).
func (c *Client) GetSecret(ctx context.Context, id string) (*Secret, error) {
	r := &request{method: http.MethodGet, path: c.secretsPath() + "/" + pathEscape(id), auth: authBasic}
	var w secretWire
	if err := c.getJSON(ctx, r, &w); err != nil {
		return nil, err
	}
	s := w.secret()
	return &s, nil
}

// RevokeSecret deletes a secret (DELETE /accounts/{api_key}/secrets/{id}).
// The last secret cannot be revoked (KassaCode forbidden).
func (c *Client) RevokeSecret(ctx context.Context, id string) error {
	r := &request{method: http.MethodDelete, path: c.secretsPath() + "/" + pathEscape(id), auth: authBasic}
	_, err := c.do(ctx, r)
	return err
}
