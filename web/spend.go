package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// controlFromForm reads one spend control of a form: empty removes it, an
// amount sets it.
func controlFromForm(r *http.Request, field, label string) (*app.ControlChange, error) {
	text := strings.TrimSpace(r.PostFormValue(field))
	if text == "" {
		return &app.ControlChange{Remove: true}, nil
	}
	a, err := kassa.ParseAmount(text)
	if err != nil {
		return nil, kassa.FieldError(field, "%s must be an amount such as 5.00, or empty for none.", label)
	}
	return &app.ControlChange{Value: a}, nil
}

// saveSpendControls stores an account's low-balance threshold and spend
// caps (the operator's form on the account page): an empty field removes
// its control.
func (h *handler) saveSpendControls(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	var ch app.SpendControlsChange
	var err error
	if ch.LowBalanceThreshold, err = controlFromForm(r, "low_balance_threshold", "The low-balance threshold"); err == nil {
		if ch.DailyCap, err = controlFromForm(r, "daily_cap", "The daily cap"); err == nil {
			ch.MonthlyCap, err = controlFromForm(r, "monthly_cap", "The monthly cap")
		}
	}
	if err == nil {
		_, err = h.app.SetSpendControls(r.Context(), operatorActor(r), key, ch)
	}
	if err != nil {
		h.renderAccountPage(w, r, sess, statusOf(err), r.PostForm, accountErrors{spend: h.userMessage(r, "save the spend controls", err)})
		return
	}
	h.setFlash(sess, "ok", "Spend controls saved.")
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key)+"#spend")
}

// saveLowBalance stores the signed-in account holder's low-balance
// threshold (the settings page's form): empty removes it.
func (h *handler) saveLowBalance(w http.ResponseWriter, r *http.Request, sess *session) {
	ch, err := controlFromForm(r, "low_balance_threshold", "The low-balance threshold")
	if err == nil {
		_, err = h.app.SetLowBalanceThreshold(r.Context(), accountActor(r, sess), sess.apiKey, *ch)
	}
	if err != nil {
		h.renderSettings(w, r, sess, statusOf(err), h.userMessage(r, "save the low-balance alert", err), r.PostFormValue("low_balance_threshold"))
		return
	}
	h.setFlash(sess, "ok", "Low-balance alert saved.")
	redirect(w, r, "/ui/settings#low-balance")
}
