package client

import (
	"context"
	"net/http"
	"time"
)

// Plan is a price plan as the admin API shows it (docs/admin-api.md,
// "Price plans"): one with price books of its own (Base empty, Markup
// nil), or a derived plan pricing at its base's prices with a markup.
type Plan struct {
	Name   string  `json:"name"`
	Base   string  `json:"base"`   // "" for a plan with price books of its own
	Markup *Markup `json:"markup"` // nil for a plan with price books of its own
	// ActiveVersion is the price-book version in effect (its base's for a
	// derived plan); 0 when none is.
	ActiveVersion int64     `json:"active_version"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
}

// Markup is a derived plan's markup, as decimal strings: Percent in
// percent ("10" is 10 %), Fixed added per unit and Min the lowest price,
// in the answer's currency. Empty fields are 0.
type Markup struct {
	Percent string `json:"percent,omitempty"`
	Fixed   string `json:"fixed,omitempty"`
	Min     string `json:"min,omitempty"`
}

// NewPlan describes a plan for CreatePlan: Base and Markup for a derived
// plan, neither for a plan with price books of its own.
type NewPlan struct {
	Name   string  `json:"name"`
	Base   string  `json:"base,omitempty"`
	Markup *Markup `json:"markup,omitempty"`
}

// AccountPlan is an account's price plan: the one it uses and its own
// ("" when it uses its primary's, or the default plan).
type AccountPlan struct {
	APIKey  string `json:"api_key"`
	Plan    string `json:"plan"`
	OwnPlan string `json:"own_plan"`
}

const plansPath = "/admin/v1/plans"

// Plans lists every price plan by name (GET /admin/v1/plans).
func (c *Client) Plans(ctx context.Context) ([]Plan, error) {
	var out struct {
		Plans []Plan `json:"plans"`
	}
	if err := c.getJSON(ctx, &request{method: http.MethodGet, path: plansPath, auth: authAdmin}, &out); err != nil {
		return nil, err
	}
	return out.Plans, nil
}

// Plan returns one price plan (GET /admin/v1/plans/{name}).
func (c *Client) Plan(ctx context.Context, name string) (*Plan, error) {
	var p Plan
	if err := c.getJSON(ctx, &request{method: http.MethodGet, path: plansPath + "/" + pathEscape(name), auth: authAdmin}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// CreatePlan creates a price plan (POST /admin/v1/plans).
func (c *Client) CreatePlan(ctx context.Context, p NewPlan) (*Plan, error) {
	r := &request{method: http.MethodPost, path: plansPath, auth: authAdmin}
	if err := r.jsonBody(p); err != nil {
		return nil, err
	}
	var out Plan
	if err := c.getJSON(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePlan deletes a price plan nothing uses, with its price-book
// versions (DELETE /admin/v1/plans/{name}); a plan in use is a 409
// conflict *Error.
func (c *Client) DeletePlan(ctx context.Context, name string) error {
	_, err := c.do(ctx, &request{method: http.MethodDelete, path: plansPath + "/" + pathEscape(name), auth: authAdmin})
	return err
}

// AssignPlan gives an account its own price plan ("" takes it away) (PUT
// /admin/v1/accounts/{api_key}/plan); it takes effect on the account's
// next request.
func (c *Client) AssignPlan(ctx context.Context, apiKey, plan string) (*AccountPlan, error) {
	r := &request{method: http.MethodPut, path: accountPath(apiKey) + "/plan", auth: authAdmin}
	if err := r.jsonBody(map[string]string{"plan": plan}); err != nil {
		return nil, err
	}
	var out AccountPlan
	if err := c.getJSON(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
