package httpapi

import (
	"encoding/xml"
	"net/http"

	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/webhook"
)

// MaxCallbackURLLength bounds a callback URL in settings.
const MaxCallbackURLLength = webhook.MaxURLLength

// settingsAnswer is the body of POST /account/settings: all five keys, always.
type settingsAnswer struct {
	XMLName            xml.Name `json:"-" xml:"account-settings"`
	MOCallbackURL      string   `json:"mo-callback-url" xml:"mo-callback-url"`
	DRCallbackURL      string   `json:"dr-callback-url" xml:"dr-callback-url"`
	MaxOutboundRequest int      `json:"max-outbound-request" xml:"max-outbound-request"`
	MaxInboundRequest  int      `json:"max-inbound-request" xml:"max-inbound-request"`
	MaxCallsPerSecond  int      `json:"max-calls-per-second" xml:"max-calls-per-second"`
}

// postSettings answers POST /account/settings. Without parameters it reads
// the settings; moCallBackUrl / drCallBackUrl (or the moCallbackUrl /
// drCallbackUrl spelling) set the callback URLs, an empty value clears one;
// httpForwardMethod sets the forward method; the legacy newSecret replaces
// the secret the caller authenticated with. app.Service.UpdateSettings
// checks everything before it saves anything.
func (s *Server) postSettings(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	res, err := s.app.UpdateSettings(r.Context(), c.actor(r), c.account.APIKey, settingsChange(c))
	if err != nil {
		return err
	}
	acct := res.Account
	body := settingsAnswer{
		MOCallbackURL:      acct.Settings.MOCallbackURL,
		DRCallbackURL:      acct.Settings.DRCallbackURL,
		MaxOutboundRequest: acct.Limits.MaxOutboundRequest,
		MaxInboundRequest:  acct.Limits.MaxInboundRequest,
		MaxCallsPerSecond:  acct.Limits.MaxCallsPerSecond,
	}
	if c.xml {
		writeXML(w, http.StatusOK, body)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// settingsChange reads the request's settings parameters: each one given
// (even empty) is a field to change.
func settingsChange(c *publicCall) app.SettingsChange {
	ch := app.SettingsChange{CurrentSecret: c.secret}
	if v, ok := c.params.lookupAny("moCallBackUrl", "moCallbackUrl"); ok {
		ch.MOCallbackURL = &v
	}
	if v, ok := c.params.lookupAny("drCallBackUrl", "drCallbackUrl"); ok {
		ch.DRCallbackURL = &v
	}
	if v, ok := c.params.lookup(app.FieldHTTPForwardMethod); ok {
		ch.HTTPForwardMethod = &v
	}
	if v, ok := c.params.lookup(app.FieldNewSecret); ok {
		ch.NewSecret = &v
	}
	return ch
}
