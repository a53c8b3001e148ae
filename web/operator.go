package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
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
	Form           url.Values // the values of a refused form
}

// accountPage shows one account with its forms.
func (h *handler) accountPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderAccount(w, r, sess, http.StatusOK, nil, "", "")
}

func (h *handler) renderAccount(w http.ResponseWriter, r *http.Request, sess *session, status int, form url.Values, postErr, reloadErr string) {
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
	d := accountPageData{overviewData: ov, Base: base, IdempotencyKey: "ui-" + randomToken()[:32], PostError: postErr, ReloadError: reloadErr, Form: form}
	if form != nil && postErr != "" && form.Get("idempotency_key") != "" {
		d.IdempotencyKey = form.Get("idempotency_key") // the same submission, corrected, stays one posting
	}
	if form == nil {
		d.Form = url.Values{}
	}
	h.render(w, r, sess, status, "account", "Account "+acct.APIKey, "accounts", d)
}

// post credits or debits the account through the ledger. The form's
// idempotency key makes a double submit one posting.
func (h *handler) post(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	amount, err := kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil || amount <= 0 {
		h.renderAccount(w, r, sess, http.StatusUnprocessableEntity, r.PostForm, "Enter a positive amount such as 10 or 2.50.", "")
		return
	}
	p := charging.Posting{
		Account:        key,
		Kind:           kassa.EntryKind(r.PostFormValue("kind")),
		Amount:         amount,
		Reason:         limitText(r.PostFormValue("reason"), 255),
		Reference:      limitText(r.PostFormValue("reference"), 255),
		IdempotencyKey: r.PostFormValue("idempotency_key"),
	}
	var entry *kassa.Entry
	var replayed bool
	switch r.PostFormValue("direction") {
	case "credit":
		if p.Kind == "" {
			p.Kind = kassa.KindCredit
		}
		entry, replayed, err = h.cfg.Ledger.Credit(r.Context(), p)
	case "debit":
		if p.Kind == "" {
			p.Kind = kassa.KindDebit
		}
		entry, replayed, err = h.cfg.Ledger.Debit(r.Context(), p)
	default:
		err = kassa.FieldError("direction", "Choose credit or debit.")
	}
	if err != nil {
		h.renderAccount(w, r, sess, statusOf(err), r.PostForm, h.userMessage(r, "post to the ledger", err), "")
		return
	}
	if !replayed {
		detail, _ := json.Marshal(map[string]any{"entry_id": entry.ID, "kind": entry.Kind, "amount": entry.Amount.String(), "surface": "dashboard"})
		h.audit(r, "admin", key, "ledger."+string(entry.Kind), string(detail))
	}
	msg := "Posted " + string(entry.Kind) + " of " + entry.Amount.Decimal() + "; balance now " + entry.BalanceAfter.Decimal() + "."
	if replayed {
		msg = "This form was already submitted: entry " + strconv.FormatInt(entry.ID, 10) + " stands, nothing was posted twice."
	}
	h.setFlash(sess, "ok", msg)
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key)+"#ledger")
}

// saveAutoReload stores the account's auto-reload settings.
func (h *handler) saveAutoReload(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	ar, err := autoReloadFromForm(r)
	if err != nil {
		h.renderAccount(w, r, sess, http.StatusUnprocessableEntity, r.PostForm, "", kassa.ErrorMessage(err))
		return
	}
	if _, err := h.cfg.Store.UpdateAccount(r.Context(), key, kassa.AccountUpdate{AutoReload: &ar}); err != nil {
		h.renderAccount(w, r, sess, statusOf(err), r.PostForm, "", h.userMessage(r, "save auto-reload", err))
		return
	}
	detail, _ := json.Marshal(map[string]any{"enabled": ar.Enabled, "amount": ar.Amount.String(), "threshold": ar.Threshold.String(), "daily_cap": ar.DailyCap, "surface": "dashboard"})
	h.audit(r, "admin", key, "auto_reload.update", string(detail))
	h.setFlash(sess, "ok", "Auto-reload saved.")
	redirect(w, r, "/ui/operator/accounts/"+url.PathEscape(key))
}

// autoReloadFromForm validates the auto-reload form like the admin API.
func autoReloadFromForm(r *http.Request) (kassa.AutoReload, error) {
	ar := kassa.AutoReload{Enabled: r.PostFormValue("enabled") == "on", Trx: strings.TrimSpace(r.PostFormValue("trx"))}
	if len(ar.Trx) > 255 {
		return ar, kassa.FieldError("trx", "The payment reference (trx) must be at most 255 characters.")
	}
	if ar.Enabled && ar.Trx == "" {
		return ar, kassa.FieldError("trx", "A payment reference (trx) is required to enable auto-reload.")
	}
	var err error
	if ar.Amount, err = kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("amount"))); err != nil || ar.Amount <= 0 {
		return ar, kassa.FieldError("amount", "The reload amount must be a positive number.")
	}
	if ar.Threshold, err = kassa.ParseAmount(strings.TrimSpace(r.PostFormValue("threshold"))); err != nil || ar.Threshold < 0 {
		return ar, kassa.FieldError("threshold", "The threshold must be zero or more.")
	}
	if ar.DailyCap, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("daily_cap"))); err != nil || ar.DailyCap < 0 || ar.DailyCap > 1000 {
		return ar, kassa.FieldError("daily_cap", "The daily cap must be a whole number from 0 to 1000.")
	}
	return ar, nil
}

// limitText cuts s to n bytes at a rune boundary.
func limitText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
