package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

// settingsData is the settings page's data.
type settingsData struct {
	Account *kassa.Account
	MO, DR  string // the values in the form
	Forward string
	Checks  map[string]*check // by field: the live check's outcome
	Methods []string
	Saved   bool
	Refused bool // the form was not saved
}

// check is the outcome of one callback URL's live check.
type check struct {
	OK      bool
	Message string
}

// settingsPage shows the callback settings.
func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	h.render(w, r, sess, http.StatusOK, "settings", "Settings", "settings", settingsData{
		Account: acct, MO: acct.Settings.MOCallbackURL, DR: acct.Settings.DRCallbackURL,
		Forward: acct.Settings.HTTPForwardMethod, Methods: forwardMethods,
	})
}

var forwardMethods = []string{kassa.ForwardGetQuery, kassa.ForwardPostQuery, kassa.ForwardPostJSON}

// saveSettings checks each changed, non-empty callback URL live and saves
// the settings only when every check passed; each check's result is shown
// next to its field.
func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request, sess *session) {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	d := settingsData{
		Account: acct, Methods: forwardMethods, Checks: map[string]*check{},
		MO:      strings.TrimSpace(r.PostFormValue("mo_callback_url")),
		DR:      strings.TrimSpace(r.PostFormValue("dr_callback_url")),
		Forward: r.PostFormValue("http_forward_method"),
	}
	ok := true
	if d.Forward != "" && !contains(forwardMethods, d.Forward) {
		d.Checks["forward"] = &check{Message: "Choose one of the listed methods."}
		ok = false
	}
	for _, f := range []struct{ name, old, next string }{{"mo", acct.Settings.MOCallbackURL, d.MO}, {"dr", acct.Settings.DRCallbackURL, d.DR}} {
		if f.next == "" {
			continue
		}
		c := h.checkCallback(r.Context(), f.next)
		d.Checks[f.name] = c
		if !c.OK && f.next != f.old {
			ok = false
		}
	}
	if !ok {
		d.Refused = true
		h.render(w, r, sess, http.StatusUnprocessableEntity, "settings", "Settings", "settings", d)
		return
	}
	next := kassa.Settings{MOCallbackURL: d.MO, DRCallbackURL: d.DR, HTTPForwardMethod: d.Forward}
	updated, err := h.cfg.Store.UpdateAccount(r.Context(), sess.apiKey, kassa.AccountUpdate{Settings: &next})
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "save the settings", err))
		return
	}
	h.audit(r, "account:"+sess.apiKey, sess.apiKey, "settings.update", settingsDetail(acct.Settings, next))
	d.Account, d.Saved = updated, true
	h.render(w, r, sess, http.StatusOK, "settings", "Settings", "settings", d)
}

// checkCallback checks the syntax of raw and then, with a checker, the URL
// itself.
func (h *handler) checkCallback(ctx context.Context, raw string) *check {
	if msg := callbackSyntax(raw); msg != "" {
		return &check{Message: msg}
	}
	if h.cfg.Checker == nil {
		return &check{OK: true, Message: "Saved without a live check (none is configured)."}
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultCheckTimeout)
	defer cancel()
	if err := h.cfg.Checker.CheckCallback(ctx, raw); err != nil {
		return &check{Message: "Live check failed: " + strings.TrimPrefix(kassa.ErrorMessage(err), "callback URL check failed: ")}
	}
	return &check{OK: true, Message: "Live check passed: the URL answered 200 OK at " + h.now().UTC().Format(time.TimeOnly) + " UTC."}
}

// callbackSyntax returns why raw is not an acceptable callback URL
// (webhook.CallbackSyntax, the API's check), or "".
func callbackSyntax(raw string) string {
	switch err := webhook.CallbackSyntax(raw); {
	case err == nil:
		return ""
	case errors.Is(err, webhook.ErrCallbackTooLong):
		return "The URL is too long."
	case errors.Is(err, webhook.ErrCallbackSpaces):
		return "The URL must not contain spaces or control characters."
	default:
		return "Enter an absolute http:// or https:// URL."
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// settingsDetail is the audit detail of a settings change.
func settingsDetail(old, next kassa.Settings) string {
	d := map[string]any{"surface": "dashboard"}
	for name, change := range old.Changes(next) {
		d[name] = change
	}
	b, _ := json.Marshal(d)
	return string(b)
}
