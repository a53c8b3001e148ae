package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
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
	// Spend is the account's spend controls; LowBalance and SpendError the
	// low-balance form's value and message when it was refused.
	Spend      *app.SpendView
	LowBalance string
	SpendError string
}

// check is the outcome of one callback URL's live check.
type check struct {
	OK      bool
	Message string
}

// settingsPage shows the callback settings and the low-balance alert.
func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderSettings(w, r, sess, http.StatusOK, "", "")
}

// renderSettings shows the settings page, with the low-balance form's
// refusal when spendErr is not "".
func (h *handler) renderSettings(w http.ResponseWriter, r *http.Request, sess *session, status int, spendErr, lowBalance string) {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	d := settingsData{
		Account: acct, MO: acct.Settings.MOCallbackURL, DR: acct.Settings.DRCallbackURL,
		Forward: acct.Settings.HTTPForwardMethod, Methods: forwardMethods, SpendError: spendErr, LowBalance: lowBalance,
	}
	if d.Spend, err = h.app.SpendControls(r.Context(), sess.apiKey); err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "load the spend controls", err))
		return
	}
	if spendErr == "" && d.Spend.LowBalanceThreshold != nil {
		d.LowBalance = d.Spend.LowBalanceThreshold.Decimal()
	}
	h.render(w, r, sess, status, "settings", "Settings", "settings", d)
}

var forwardMethods = app.ForwardMethods

// checkKeys names the page's check slots by the use case's fields.
var checkKeys = map[string]string{app.FieldMOCallbackURL: "mo", app.FieldDRCallbackURL: "dr", app.FieldHTTPForwardMethod: "forward"}

// saveSettings saves the form through app.Service.UpdateSettings, which
// checks each changed, non-empty callback URL live and saves only when
// every check passed; each check's result is shown next to its field.
func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request, sess *session) {
	d := settingsData{
		Methods: forwardMethods, Checks: map[string]*check{},
		MO:      strings.TrimSpace(r.PostFormValue("mo_callback_url")),
		DR:      strings.TrimSpace(r.PostFormValue("dr_callback_url")),
		Forward: r.PostFormValue("http_forward_method"),
	}
	res, err := h.app.UpdateSettings(r.Context(), accountActor(r, sess), sess.apiKey, app.SettingsChange{
		MOCallbackURL: &d.MO, DRCallbackURL: &d.DR, HTTPForwardMethod: &d.Forward,
	})
	if res == nil || (err != nil && checkKeys[kassa.ErrorField(err)] == "") {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "save the settings", err))
		return
	}
	d.Account = res.Account
	if d.Spend, _ = h.app.SpendControls(r.Context(), sess.apiKey); d.Spend != nil && d.Spend.LowBalanceThreshold != nil {
		d.LowBalance = d.Spend.LowBalanceThreshold.Decimal()
	}
	for _, c := range res.Checks {
		d.Checks[checkKeys[c.Field]] = h.checkMessage(c)
	}
	if err != nil {
		if kassa.ErrorField(err) == app.FieldHTTPForwardMethod {
			d.Checks["forward"] = &check{Message: "Choose one of the listed methods."}
		}
		d.Refused = true
		h.render(w, r, sess, statusOf(err), "settings", "Settings", "settings", d)
		return
	}
	d.Saved = true
	h.render(w, r, sess, http.StatusOK, "settings", "Settings", "settings", d)
}

// checkMessage is what the page says about one callback URL's check.
func (h *handler) checkMessage(c app.CallbackCheck) *check {
	switch {
	case c.Err == nil && c.Live:
		return &check{OK: true, Message: "Live check passed: the URL answered 200 OK at " + h.now().UTC().Format(time.TimeOnly) + " UTC."}
	case c.Err == nil:
		return &check{OK: true, Message: "Saved without a live check (none is configured)."}
	case errors.Is(c.Err, webhook.ErrCallbackTooLong):
		return &check{Message: "The URL is too long."}
	case errors.Is(c.Err, webhook.ErrCallbackSpaces):
		return &check{Message: "The URL must not contain spaces or control characters."}
	case !c.Live:
		return &check{Message: "Enter an absolute http:// or https:// URL."}
	}
	return &check{Message: "Live check failed: " + strings.TrimPrefix(kassa.ErrorMessage(errors.Unwrap(c.Err)), "callback URL check failed: ")}
}
