package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/kassa-dev/kassa"
)

// Balance is the answer of GET /account/get-balance.
type Balance struct {
	Value      kassa.Amount // exact: read from the JSON number's text
	AutoReload bool
}

// balanceWire is the balance on the wire: value is a JSON number.
type balanceWire struct {
	Value      json.RawMessage `json:"value"`
	AutoReload bool            `json:"autoReload"`
}

// MarshalJSON writes the wire shape, with value as a JSON number.
func (b Balance) MarshalJSON() ([]byte, error) {
	return json.Marshal(balanceWire{Value: json.RawMessage(b.Value.Decimal()), AutoReload: b.AutoReload})
}

// UnmarshalJSON reads the wire shape; value is parsed from its text exactly.
func (b *Balance) UnmarshalJSON(data []byte) error {
	var w balanceWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var m money
	if len(w.Value) > 0 {
		if err := m.UnmarshalJSON(w.Value); err != nil {
			return err
		}
	}
	b.Value, b.AutoReload = kassa.Amount(m), w.AutoReload
	return nil
}

// Balance returns the account's balance (GET /account/get-balance).
func (c *Client) Balance(ctx context.Context) (*Balance, error) {
	r := &request{method: http.MethodGet, path: "/account/get-balance", auth: authBasic}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var b Balance
	if err := resp.decode(r, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// TopUpResult is the answer of a successful top-up: code "200", label
// "success".
type TopUpResult struct {
	Code  string `json:"error-code"`
	Label string `json:"error-code-label"`
}

// TopUp credits the account with the amount of the auto-reload payment trx
// (POST /account/top-up). An account without auto-reload is refused with a
// 401 *Error whose Label is "not auto-reload enabled" (KassaCode conflict);
// a declined payment with a 420 (KassaCode payment_declined).
func (c *Client) TopUp(ctx context.Context, trx string) (*TopUpResult, error) {
	r := &request{method: http.MethodPost, path: "/account/top-up", auth: authBasic}
	r.formBody(url.Values{"trx": {trx}})
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var res TopUpResult
	if len(resp.body) > 0 {
		if err := resp.decode(r, &res); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// Settings are the account settings as POST /account/settings returns them.
type Settings struct {
	MOCallbackURL      string `json:"mo-callback-url"`
	DRCallbackURL      string `json:"dr-callback-url"`
	MaxOutboundRequest int    `json:"max-outbound-request"`
	MaxInboundRequest  int    `json:"max-inbound-request"`
	MaxCallsPerSecond  int    `json:"max-calls-per-second"`
}

// SettingsUpdate changes some settings; nil fields are left as they are and
// an empty string unsets a callback URL. HTTPForwardMethod is one of
// GET_QUERY_PARAMS, POST_QUERY_PARAMS and POST_JSON.
type SettingsUpdate struct {
	MOCallbackURL     *string
	DRCallbackURL     *string
	HTTPForwardMethod *string
}

// Settings returns the account's settings (an empty POST /account/settings,
// which changes nothing).
func (c *Client) Settings(ctx context.Context) (*Settings, error) {
	return c.UpdateSettings(ctx, SettingsUpdate{})
}

// UpdateSettings changes the account's settings and returns them
// (POST /account/settings). kassa checks a new callback URL with a live
// request before saving it.
func (c *Client) UpdateSettings(ctx context.Context, u SettingsUpdate) (*Settings, error) {
	form := url.Values{}
	if u.MOCallbackURL != nil {
		form.Set("moCallBackUrl", *u.MOCallbackURL)
	}
	if u.DRCallbackURL != nil {
		form.Set("drCallBackUrl", *u.DRCallbackURL)
	}
	if u.HTTPForwardMethod != nil {
		form.Set("httpForwardMethod", *u.HTTPForwardMethod)
	}
	r := &request{method: http.MethodPost, path: "/account/settings", auth: authBasic}
	r.formBody(form)
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var s Settings
	if err := resp.decode(r, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
