package httpapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
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
// httpForwardMethod sets the forward method. The legacy newSecret parameter
// replaces the secret the caller authenticated with (rotateSecret). Every
// parameter is checked (syntax, complexity, the live callback checks)
// before anything is saved: a refusal changes nothing.
func (s *Server) postSettings(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	acct := c.account
	next, changed, err := settingsFromParams(acct.Settings, c.params)
	if err != nil {
		return err
	}
	newSecret, err := newSecretParam(acct.APIKey, c.params, s.cfg.Hasher, s.now())
	if err != nil {
		return err
	}
	if changed {
		if err := s.validateSettings(r.Context(), acct.Settings, next); err != nil {
			return err
		}
	}
	if newSecret != nil {
		if err := s.rotateSecret(r, c, newSecret); err != nil {
			return err
		}
	}
	if changed {
		acct, err = s.cfg.Store.UpdateAccount(r.Context(), acct.APIKey, kassa.AccountUpdate{Settings: &next})
		if err != nil {
			return err
		}
		s.audit(r, "account:"+acct.APIKey, acct.APIKey, "settings.update", settingsDetail(c.account.Settings, next))
	}
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

// settingsFromParams applies the request's settings parameters to cur and
// reports whether any was given.
func settingsFromParams(cur kassa.Settings, p params) (kassa.Settings, bool, error) {
	next, changed := cur, false
	if v, ok := p.lookupAny("moCallBackUrl", "moCallbackUrl"); ok {
		next.MOCallbackURL, changed = strings.TrimSpace(v), true
	}
	if v, ok := p.lookupAny("drCallBackUrl", "drCallbackUrl"); ok {
		next.DRCallbackURL, changed = strings.TrimSpace(v), true
	}
	if v, ok := p.lookup("httpForwardMethod"); ok {
		switch v {
		case kassa.ForwardGetQuery, kassa.ForwardPostQuery, kassa.ForwardPostJSON, "":
			next.HTTPForwardMethod, changed = v, true
		default:
			return cur, false, kassa.FieldError("httpForwardMethod", "invalid httpForwardMethod: must be GET_QUERY_PARAMS, POST_QUERY_PARAMS or POST_JSON")
		}
	}
	return next, changed, nil
}

// validateSettings checks new settings before they are saved: the syntax of
// each changed callback URL, then, when the server has a checker, the URL
// itself (a live request). Extend it here.
func (s *Server) validateSettings(ctx context.Context, old, next kassa.Settings) error {
	checks := []struct{ field, old, next string }{
		{"moCallBackUrl", old.MOCallbackURL, next.MOCallbackURL},
		{"drCallBackUrl", old.DRCallbackURL, next.DRCallbackURL},
	}
	for _, c := range checks {
		if c.next == c.old || c.next == "" {
			continue
		}
		if err := validateCallbackURL(c.field, c.next); err != nil {
			return err
		}
		if s.cfg.CheckCallback != nil {
			if err := s.cfg.CheckCallback(ctx, c.field, c.next); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateCallbackURL checks the syntax of a callback URL with
// webhook.CallbackSyntax: an absolute http or https URL with a host, at
// most MaxCallbackURLLength characters, without spaces or control
// characters.
func validateCallbackURL(field, raw string) error {
	if err := webhook.CallbackSyntax(raw); err != nil {
		return kassa.FieldError(field, "invalid %s: %v", field, err)
	}
	return nil
}

// settingsDetail is the audit detail of a settings change.
func settingsDetail(old, next kassa.Settings) string {
	b, _ := json.Marshal(old.Changes(next))
	return string(b)
}
