package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// transfersShown is how many of the latest transfers the subaccounts page
// lists.
const transfersShown = 50

// subaccountsData is the data of a primary's subaccounts page.
type subaccountsData struct {
	Account *kassa.Account // the signed-in account
	// Family is the primary with its subaccounts; nil when the account
	// may not have any (NotPrimary says why).
	Family         *app.Family
	NotPrimary     string
	Transfers      []*kassa.Transfer
	IdempotencyKey string // a fresh key for this rendering of the transfer form
	CreateError    string
	TransferError  string
	Form           url.Values // the values of a refused form
}

// subaccountsPage shows the signed-in primary's subaccounts, their
// balances and the transfers, with the forms to create, suspend and
// resume, and transfer.
func (h *handler) subaccountsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderSubaccounts(w, r, sess, http.StatusOK, nil, "", "")
}

func (h *handler) renderSubaccounts(w http.ResponseWriter, r *http.Request, sess *session, status int, form url.Values, createErr, transferErr string) {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	d := subaccountsData{Account: acct, IdempotencyKey: "ui-" + randomToken()[:32], CreateError: createErr, TransferError: transferErr, Form: form}
	if form == nil {
		d.Form = url.Values{}
	} else if transferErr != "" && form.Get("idempotency_key") != "" {
		d.IdempotencyKey = form.Get("idempotency_key") // the same submission, corrected, stays one transfer
	}
	d.Family, err = h.app.Family(r.Context(), sess.apiKey)
	switch {
	case errors.Is(err, app.ErrNotProvisioned) && acct.IsSubaccount():
		d.NotPrimary = "This account is a subaccount of " + acct.Primary + ": its primary account manages it."
	case errors.Is(err, app.ErrNotProvisioned):
		d.NotPrimary = "This account may not have subaccounts: ask the operator."
	case err != nil:
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the subaccounts", err))
		return
	default:
		list, err := h.app.Transfers(r.Context(), app.TransferQuery{Primary: sess.apiKey})
		if err != nil {
			h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the transfers", err))
			return
		}
		d.Transfers = list[:min(len(list), transfersShown)]
	}
	h.render(w, r, sess, status, "subaccounts", "Subaccounts", "subaccounts", d)
}

// createSubaccount creates a subaccount from the form and shows its
// secret once.
func (h *handler) createSubaccount(w http.ResponseWriter, r *http.Request, sess *session) {
	req := app.NewSubaccount{Name: strings.TrimSpace(r.PostFormValue("name")), Secret: r.PostFormValue("secret")}
	if r.PostFormValue("own_balance") == "on" {
		shared := false
		req.SharedBalance = &shared
	}
	c, err := h.app.CreateSubaccount(r.Context(), accountActor(r, sess), sess.apiKey, req)
	if err != nil {
		h.renderSubaccounts(w, r, sess, statusOf(err), r.PostForm, h.subaccountMessage(r, "create the subaccount", err), "")
		return
	}
	h.sessions.setFlash(sess, &flash{Kind: "ok", Secret: c.Secret,
		Message: "Subaccount " + c.Account.APIKey + " created. Copy its secret now: it will not be shown again."})
	redirect(w, r, "/ui/subaccounts")
}

// suspendSubaccount suspends or resumes one of the primary's subaccounts.
func (h *handler) suspendSubaccount(suspend bool) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		key := r.PathValue("key")
		_, err := h.app.ModifySubaccount(r.Context(), accountActor(r, sess), sess.apiKey, key, app.SubaccountChange{Suspended: &suspend})
		if err != nil {
			h.renderSubaccounts(w, r, sess, statusOf(err), nil, h.subaccountMessage(r, "change the subaccount", err), "")
			return
		}
		msg := "Subaccount " + key + " resumed."
		if suspend {
			msg = "Subaccount " + key + " suspended: its credentials and charges are refused until you resume it."
		}
		h.setFlash(sess, "ok", msg)
		redirect(w, r, "/ui/subaccounts")
	}
}

// transfer moves balance or credit between the primary and a subaccount.
// The form's idempotency key makes a double submit one transfer.
func (h *handler) transfer(w http.ResponseWriter, r *http.Request, sess *session) {
	req, err := transferFromForm(r, sess.apiKey)
	var t *kassa.Transfer
	replayed := false
	if err == nil {
		t, replayed, err = h.app.Transfer(r.Context(), accountActor(r, sess), req)
	}
	if err != nil {
		h.renderSubaccounts(w, r, sess, statusOf(err), r.PostForm, "", h.subaccountMessage(r, "transfer", err))
		return
	}
	msg := "Transferred " + t.Amount.Decimal() + " of " + string(t.Kind) + " from " + t.From + " to " + t.To + "."
	if replayed {
		msg = "This form was already submitted: transfer " + t.ID + " stands, nothing was moved twice."
	}
	h.setFlash(sess, "ok", msg)
	redirect(w, r, "/ui/subaccounts#transfers")
}

// transferFromForm reads the transfer form: kind, direction (to or from
// the subaccount), the subaccount, the amount and a reference.
func transferFromForm(r *http.Request, primary string) (app.TransferRequest, error) {
	req := app.TransferRequest{Primary: primary, Kind: kassa.TransferKind(r.PostFormValue("kind")),
		Reference: strings.TrimSpace(r.PostFormValue("reference")), IdempotencyKey: r.PostFormValue("idempotency_key")}
	if !req.Kind.Valid() {
		return req, kassa.FieldError("kind", "Choose balance or credit.")
	}
	sub := r.PostFormValue("subaccount")
	if sub == "" {
		return req, kassa.FieldError("subaccount", "Choose a subaccount.")
	}
	switch r.PostFormValue("direction") {
	case "to":
		req.From, req.To = primary, sub
	case "from":
		req.From, req.To = sub, primary
	default:
		return req, kassa.FieldError("direction", "Choose to or from the subaccount.")
	}
	amount, err := kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil || amount <= 0 {
		return req, kassa.FieldError("amount", "Enter a positive amount such as 10 or 2.50.")
	}
	req.Amount = amount
	return req, nil
}

// subaccountMessage is what the page says about a refused form.
func (h *handler) subaccountMessage(r *http.Request, what string, err error) string {
	switch kassa.ErrorCode(err) {
	case kassa.ELIMIT:
		return "This account has the most subaccounts it may have: ask the operator for more."
	case kassa.EINSUFFICIENT:
		return "Not enough to transfer: " + kassa.ErrorMessage(err)
	case kassa.EFORBIDDEN, kassa.ESUSPENDED, kassa.EINVALID:
		return kassa.ErrorMessage(err)
	}
	return h.userMessage(r, what, err)
}

// operatorSuspend suspends or resumes an account from its operator page.
func (h *handler) operatorSuspend(suspend bool) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		key := r.PathValue("key")
		call := h.app.Resume
		msg := "Account resumed."
		if suspend {
			call = h.app.Suspend
			msg = "Account suspended: its charges and holds (and its subaccounts') are refused until it is resumed."
		}
		if _, err := call(r.Context(), operatorActor(r), key); err != nil {
			h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "change the account", err))
			return
		}
		h.setFlash(sess, "ok", msg)
		redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key)+"#tree")
	}
}

// assignPlan gives the account its own price plan ("" for none)
// (app.Service.AssignPlan) from the operator's account page.
func (h *handler) assignPlan(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	plan, err := h.app.AssignPlan(r.Context(), operatorActor(r), key, r.PostFormValue("plan"))
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "assign the price plan", err))
		return
	}
	h.setFlash(sess, "ok", "Prices from plan "+plan+" from the account's next request on.")
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key)+"#plan")
}

// treeOf returns the family an account belongs to, as an operator sees it:
// its own, or its primary's for a subaccount.
func (h *handler) treeOf(r *http.Request, acct *kassa.Account) (*app.Family, error) {
	p := acct
	if acct.IsSubaccount() {
		var err error
		if p, err = h.cfg.Store.FindAccount(r.Context(), acct.Primary); err != nil {
			return nil, err
		}
	}
	subs, err := h.cfg.Store.Subaccounts(r.Context(), p.APIKey)
	if err != nil {
		return nil, err
	}
	return app.NewFamily(p, subs), nil
}
