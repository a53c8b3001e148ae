package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// accountsPerPage is the accounts list's page size.
const accountsPerPage = 50

// accountsData is the accounts list's data.
type accountsData struct {
	Accounts []*kassa.Account
	Search   string
	Total    int
	Page     int
	PrevURL  string
	NextURL  string
}

// accountsPage lists accounts, searched by api key prefix.
func (h *handler) accountsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	d := accountsData{Search: strings.TrimSpace(q.Get("q")), Page: 1}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p < 1_000_000 {
		d.Page = p
	}
	list, total, err := h.cfg.Store.ListAccounts(r.Context(), kassa.AccountFilter{Search: d.Search, Offset: (d.Page - 1) * accountsPerPage, Limit: accountsPerPage})
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list accounts", err))
		return
	}
	d.Accounts, d.Total = list, total
	link := func(page int) string {
		return "/ui/operator/accounts?" + url.Values{"q": {d.Search}, "page": {strconv.Itoa(page)}}.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page*accountsPerPage < total {
		d.NextURL = link(d.Page + 1)
	}
	h.render(w, r, sess, http.StatusOK, "accounts", "Accounts", "accounts", d)
}

// accountPageData is the operator's view of one account.
type accountPageData struct {
	*overviewData
	Base           string
	IdempotencyKey string // a fresh key for this rendering of the posting form
	PostError      string
	ReloadError    string
	SpendError     string
	Form           url.Values     // the values of a refused form
	Spend          *app.SpendView // the spend controls
	Tree           *app.Family    // the account tree the account belongs to
	Plan           string         // the price plan the account's prices come from
	OwnPlan        string         // its own plan; "" when it uses its primary's or the default
	Plans          []*kassa.Plan  // every plan, for the assign form
}

// accountErrors are the messages of the account page's refused forms.
type accountErrors struct {
	post, reload, spend string
}

// accountPage shows one account with its forms.
func (h *handler) accountPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderAccount(w, r, sess, http.StatusOK, nil, "", "")
}

func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, sess *session, status int, form url.Values, postErr, reloadErr string) {
	h.renderAccountPage(w, r, sess, status, form, accountErrors{post: postErr, reload: reloadErr})
}

// renderAccountPage shows the account page with the refused form's values
// and messages.
func (h *handler) renderAccountPage(w http.ResponseWriter, r *http.Request, sess *session, status int, form url.Values, errs accountErrors) {
	key := r.PathValue("key")
	acct, err := h.cfg.Store.FindAccount(r.Context(), key)
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "load the account", err))
		return
	}
	base := "/ui/operator/accounts/" + url.PathEscape(key)
	ov, err := h.accountView(r, acct, base)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the ledger", err))
		return
	}
	spend, err := h.app.SpendControls(r.Context(), key)
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "load the spend controls", err))
		return
	}
	tree, err := h.treeOf(r, acct)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account tree", err))
		return
	}
	d := accountPageData{overviewData: ov, Base: base, IdempotencyKey: "ui-" + randomToken()[:32],
		PostError: errs.post, ReloadError: errs.reload, SpendError: errs.spend, Form: form, Spend: spend, Tree: tree}
	if d.Plan, d.OwnPlan, err = h.cfg.Store.AccountPlan(r.Context(), key); err == nil {
		d.Plans, err = h.app.Plans(r.Context())
	}
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "load the price plans", err))
		return
	}
	if form != nil && errs.post != "" && form.Get("idempotency_key") != "" {
		d.IdempotencyKey = form.Get("idempotency_key") // the same submission, corrected, stays one posting
	}
	if form == nil {
		d.Form = url.Values{}
	}
	h.render(w, r, sess, status, "account", "Account "+acct.APIKey, "accounts", d)
}

// post credits or debits the account (app.Service.Credit or Debit). The
// form's idempotency key makes a double submit one posting.
func (h *handler) post(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	amount, err := kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil {
		h.refusePosting(w, r, sess, kassa.FieldError("amount", "not a number"))
		return
	}
	p := app.Posting{
		Account:        key,
		Kind:           kassa.EntryKind(r.PostFormValue("kind")),
		Amount:         amount,
		Reason:         strings.TrimSpace(r.PostFormValue("reason")),
		Reference:      strings.TrimSpace(r.PostFormValue("reference")),
		IdempotencyKey: r.PostFormValue("idempotency_key"),
	}
	var posted *app.Posted
	switch r.PostFormValue("direction") {
	case "credit":
		posted, err = h.app.Credit(r.Context(), operatorActor(r), p)
	case "debit":
		posted, err = h.app.Debit(r.Context(), operatorActor(r), p)
	default:
		err = kassa.FieldError("direction", "Choose credit or debit.")
	}
	if err != nil {
		h.refusePosting(w, r, sess, err)
		return
	}
	e := posted.Entry
	msg := "Posted " + string(e.Kind) + " of " + e.Amount.Decimal() + "; balance now " + e.BalanceAfter.Decimal() + "."
	if posted.Replayed {
		msg = "This form was already submitted: entry " + strconv.FormatInt(e.ID, 10) + " stands, nothing was posted twice."
	}
	h.setFlash(sess, "ok", msg)
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key)+"#ledger")
}

// refusePosting shows the account page again with the posting form as it
// was sent and why it was refused.
func (h *handler) refusePosting(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	msg := h.userMessage(r, "post to the ledger", err)
	if kassa.ErrorCode(err) == kassa.EINVALID && kassa.ErrorField(err) == "amount" {
		msg = "Enter a positive amount such as 10 or 2.50."
	}
	h.renderAccount(w, r, sess, statusOf(err), r.PostForm, msg, "")
}

// saveAutoReload stores the account's auto-reload settings
// (app.Service.SetAutoReload validates them as for the admin API).
func (h *handler) saveAutoReload(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	ch, err := autoReloadFromForm(r)
	if err == nil {
		_, err = h.app.SetAutoReload(r.Context(), operatorActor(r), key, ch)
	}
	if err != nil {
		h.renderAccount(w, r, sess, statusOf(err), r.PostForm, "", h.userMessage(r, "save auto-reload", err))
		return
	}
	h.setFlash(sess, "ok", "Auto-reload saved.")
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key))
}

// autoReloadFromForm reads the auto-reload form; every field is given.
func autoReloadFromForm(r *http.Request) (app.AutoReloadChange, error) {
	ch := app.AutoReloadChange{Enabled: r.PostFormValue("enabled") == "on", Trx: strings.TrimSpace(r.PostFormValue("trx"))}
	amount, err := kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil {
		return ch, kassa.FieldError("amount", "The reload amount must be a positive number.")
	}
	threshold, err := kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("threshold")))
	if err != nil {
		return ch, kassa.FieldError("threshold", "The threshold must be zero or more.")
	}
	dailyCap, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("daily_cap")))
	if err != nil {
		return ch, kassa.FieldError("daily_cap", "The daily cap must be a whole number from 0 to 1000.")
	}
	ch.Amount, ch.Threshold, ch.DailyCap = &amount, &threshold, &dailyCap
	return ch, nil
}
