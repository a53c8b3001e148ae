package app

import (
	"context"
	"errors"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/webhook"
)

// The fields of a settings change, named as the public API's parameters.
const (
	FieldMOCallbackURL     = "moCallBackUrl"
	FieldDRCallbackURL     = "drCallBackUrl"
	FieldHTTPForwardMethod = "httpForwardMethod"
	FieldNewSecret         = "newSecret"
)

// ForwardMethods are the HTTP forward methods a setting may hold (or "").
var ForwardMethods = []string{kassa.ForwardGetQuery, kassa.ForwardPostQuery, kassa.ForwardPostJSON}

// SettingsChange asks to change some of an account's settings; nil fields
// keep their stored value. URLs are trimmed of surrounding spaces; an empty
// one clears the setting.
type SettingsChange struct {
	MOCallbackURL     *string
	DRCallbackURL     *string
	HTTPForwardMethod *string
	// NewSecret, when not nil, replaces CurrentSecret, the secret the
	// caller authenticated with (the legacy newSecret parameter).
	NewSecret     *string
	CurrentSecret string
}

// empty reports whether the change asks for nothing.
func (c SettingsChange) empty() bool {
	return c.MOCallbackURL == nil && c.DRCallbackURL == nil && c.HTTPForwardMethod == nil && c.NewSecret == nil
}

// CallbackCheck is the outcome of checking one new callback URL.
type CallbackCheck struct {
	Field string // FieldMOCallbackURL or FieldDRCallbackURL
	URL   string
	Live  bool  // a live check ran (false: no checker is configured, or the syntax failed)
	Err   error // nil when the URL passed; an EINVALID or ECALLBACKREJECTED *kassa.Error naming Field
}

// SettingsResult is what a settings change did: the account as it now is
// and the check of every new callback URL.
type SettingsResult struct {
	Account *kassa.Account
	Checks  []CallbackCheck
}

// UpdateSettings changes the account's settings and, with NewSecret,
// rotates the caller's secret. Every field is checked first (the forward
// method, the new secret's complexity, the syntax of each new non-empty
// callback URL and then the URL itself, live): a refusal changes nothing
// and returns the first error in that order, with the result still
// carrying every URL's check. Then the given fields (only those: a
// concurrent change of another field is kept) and the rotation are written
// in one transaction. A change without fields only reads the account.
// Audited as secret.rotate and settings.update (each changed field, old
// and new); the credential cache forgets the key after a rotation.
func (s *Service) UpdateSettings(ctx context.Context, actor Actor, apiKey string, c SettingsChange) (*SettingsResult, error) {
	cur, err := s.store.FindAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	res := &SettingsResult{Account: cur}
	if c.empty() {
		return res, nil
	}
	upd, err := s.checkSettings(ctx, apiKey, cur.Settings, &c, res)
	if err != nil {
		return res, err
	}
	if c.NewSecret != nil {
		if upd.ReplaceSecret, err = s.secretID(ctx, apiKey, c.CurrentSecret); err != nil {
			return res, err
		}
	}
	before, after, err := s.store.UpdateSettings(ctx, apiKey, upd)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND && upd.NewSecret != nil {
		err = auth.ErrUnauthorized // the secret was revoked since the caller authenticated
	}
	if err != nil {
		return res, err
	}
	res.Account = after
	if upd.NewSecret != nil {
		s.invalidate(apiKey)
		s.audit(ctx, actor, apiKey, ActionSecretRotate, map[string]any{
			"old_secret_id": upd.ReplaceSecret, "new_secret_id": upd.NewSecret.ID, "via": "settings.newSecret"})
	}
	if changes := before.Changes(after.Settings); len(changes) > 0 {
		detail := make(map[string]any, len(changes))
		for name, change := range changes {
			detail[name] = change
		}
		s.audit(ctx, actor, apiKey, ActionSettingsUpdate, detail)
	}
	return res, nil
}

// checkSettings validates every field of c against the current settings
// and builds the store update; the checks of new callback URLs go to res.
func (s *Service) checkSettings(ctx context.Context, apiKey string, cur kassa.Settings, c *SettingsChange, res *SettingsResult) (kassa.SettingsUpdate, error) {
	var errs []error
	upd := kassa.SettingsUpdate{HTTPForwardMethod: c.HTTPForwardMethod}
	if m := c.HTTPForwardMethod; m != nil && *m != "" && !contains(ForwardMethods, *m) {
		errs = append(errs, kassa.FieldError(FieldHTTPForwardMethod, "invalid httpForwardMethod: must be GET_QUERY_PARAMS, POST_QUERY_PARAMS or POST_JSON"))
	}
	if c.NewSecret != nil {
		sec, err := s.newSecret(apiKey, *c.NewSecret)
		errs = append(errs, err)
		upd.NewSecret = sec
	}
	for _, f := range []struct {
		field string
		next  **string
		old   string
		dst   **string
	}{
		{FieldMOCallbackURL, &c.MOCallbackURL, cur.MOCallbackURL, &upd.MOCallbackURL},
		{FieldDRCallbackURL, &c.DRCallbackURL, cur.DRCallbackURL, &upd.DRCallbackURL},
	} {
		if *f.next == nil {
			continue
		}
		url := strings.TrimSpace(**f.next)
		*f.dst = &url
		if url == "" || url == f.old {
			continue
		}
		check := s.checkCallback(ctx, f.field, url)
		res.Checks = append(res.Checks, check)
		errs = append(errs, check.Err)
	}
	for _, err := range errs {
		if err != nil {
			return upd, err
		}
	}
	return upd, nil
}

// newSecret validates and hashes the legacy newSecret.
func (s *Service) newSecret(apiKey, plain string) (*kassa.Secret, error) {
	if err := kassa.ValidateSecret(plain); err != nil {
		return nil, kassa.FieldError(FieldNewSecret, "invalid %s: %s", FieldNewSecret, kassa.ErrorMessage(err))
	}
	if s.hasher == nil {
		return nil, errNoHasher
	}
	return s.hasher.NewSecret(apiKey, plain, s.now())
}

// secretID returns the ID of the account's secret that plain is;
// unauthorized when none is (it was revoked since the caller
// authenticated).
func (s *Service) secretID(ctx context.Context, apiKey, plain string) (string, error) {
	secrets, err := s.store.Secrets(ctx, apiKey)
	if err != nil {
		return "", err
	}
	for _, sec := range secrets {
		if s.hasher.Verify(sec, plain) {
			return sec.ID, nil
		}
	}
	return "", auth.ErrUnauthorized
}

// checkCallback checks the syntax of a new callback URL
// (webhook.CallbackSyntax) and then, with a checker, the URL itself.
func (s *Service) checkCallback(ctx context.Context, field, url string) CallbackCheck {
	c := CallbackCheck{Field: field, URL: url}
	if err := webhook.CallbackSyntax(url); err != nil {
		c.Err = &kassa.Error{Code: kassa.EINVALID, Field: field, Message: "invalid " + field + ": " + err.Error(), Err: err}
		return c
	}
	if s.callbacks == nil {
		return c
	}
	c.Live = true
	err := s.callbacks.CheckCallback(ctx, url)
	var e *kassa.Error
	switch {
	case err == nil:
	case errors.As(err, &e):
		c.Err = &kassa.Error{Code: e.Code, Field: field, Message: "invalid " + field + ": " + e.Message, Err: err}
	default:
		c.Err = &kassa.Error{Code: kassa.ECALLBACKREJECTED, Field: field, Message: "invalid " + field + ": callback URL check failed", Err: err}
	}
	return c
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
