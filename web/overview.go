package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kassa-dev/kassa"
)

// entriesPerPage is the ledger table's page size.
const entriesPerPage = 20

// chartEntries is how many of the latest entries the balance chart plots.
const chartEntries = 200

// overviewData is the account overview's data.
type overviewData struct {
	Account *kassa.Account
	Chart   chart
	Ledger  ledgerPage
}

// ledgerPage is one page of the ledger table: entries newest first, read
// by keyset (the entries below an id), so that a deep page costs what the
// first does.
type ledgerPage struct {
	Entries []*kassa.Entry
	Kind    string
	Kinds   []kassa.EntryKind
	Total   int
	Before  int64  // the page's cursor: its entries have lower ids (0: the newest)
	PrevURL string // the newest page, when this is not it
	NextURL string // the older entries, when the page is full
}

// overview shows the signed-in account.
func (h *handler) overview(w http.ResponseWriter, r *http.Request, sess *session) {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	data, err := h.accountView(r, acct, "/ui/account")
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the ledger", err))
		return
	}
	h.render(w, r, sess, http.StatusOK, "overview", "Account "+acct.APIKey, "account", data)
}

// accountView loads what the overview and the operator's account page
// both show: the chart and a page of the ledger.
func (h *handler) accountView(r *http.Request, acct *kassa.Account, base string) (*overviewData, error) {
	recent, _, err := h.cfg.Store.ListEntries(r.Context(), kassa.EntryFilter{Account: acct.APIKey, Limit: chartEntries})
	if err != nil {
		return nil, err
	}
	lp, err := h.ledgerPage(r, acct.APIKey, base)
	if err != nil {
		return nil, err
	}
	return &overviewData{Account: acct, Chart: balanceChart(recent, acct.Currency), Ledger: lp}, nil
}

// ledgerPage reads the before and kind query parameters and loads that
// page.
func (h *handler) ledgerPage(r *http.Request, apiKey, base string) (ledgerPage, error) {
	q := r.URL.Query()
	lp := ledgerPage{Kinds: kassa.EntryKinds}
	f := kassa.EntryFilter{Account: apiKey, Limit: entriesPerPage}
	if k := kassa.EntryKind(q.Get("kind")); k.Valid() {
		lp.Kind = string(k)
		f.Kinds = []kassa.EntryKind{k}
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		lp.Before, f.Before = b, b
	}
	entries, total, err := h.cfg.Store.ListEntries(r.Context(), f)
	if err != nil {
		return lp, err
	}
	lp.Entries, lp.Total = entries, total
	link := func(before int64) string {
		v := url.Values{}
		if lp.Kind != "" {
			v.Set("kind", lp.Kind)
		}
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		if len(v) == 0 {
			return base + "#ledger"
		}
		return base + "?" + v.Encode() + "#ledger"
	}
	if lp.Before > 0 {
		lp.PrevURL = link(0)
	}
	if len(entries) == entriesPerPage {
		lp.NextURL = link(entries[len(entries)-1].ID)
	}
	return lp, nil
}
