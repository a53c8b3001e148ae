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

// ledgerPage is one page of the ledger table.
type ledgerPage struct {
	Entries []*kassa.Entry
	Kind    string
	Kinds   []kassa.EntryKind
	Page    int
	Pages   int
	Total   int
	PrevURL string
	NextURL string
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

// ledgerPage reads the page and kind query parameters and loads that page.
func (h *handler) ledgerPage(r *http.Request, apiKey, base string) (ledgerPage, error) {
	q := r.URL.Query()
	lp := ledgerPage{Kinds: kassa.EntryKinds, Page: 1}
	f := kassa.EntryFilter{Account: apiKey, Limit: entriesPerPage}
	if k := kassa.EntryKind(q.Get("kind")); k.Valid() {
		lp.Kind = string(k)
		f.Kinds = []kassa.EntryKind{k}
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p < 1_000_000 {
		lp.Page = p
	}
	f.Offset = (lp.Page - 1) * entriesPerPage
	entries, total, err := h.cfg.Store.ListEntries(r.Context(), f)
	if err != nil {
		return lp, err
	}
	lp.Entries, lp.Total = entries, total
	lp.Pages = max(1, (total+entriesPerPage-1)/entriesPerPage)
	link := func(page int) string {
		v := url.Values{}
		if lp.Kind != "" {
			v.Set("kind", lp.Kind)
		}
		v.Set("page", strconv.Itoa(page))
		return base + "?" + v.Encode() + "#ledger"
	}
	if lp.Page > 1 {
		lp.PrevURL = link(lp.Page - 1)
	}
	if lp.Page < lp.Pages {
		lp.NextURL = link(lp.Page + 1)
	}
	return lp, nil
}
