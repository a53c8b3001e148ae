package web

import (
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// statementData is the printable statement's data.
type statementData struct {
	Account   *kassa.Account
	Month     string // YYYY-MM
	MonthName string // November 2026
	Statement *kassa.Statement
	Lines     []statementLine // one per entry kind, in the ledger's order
	Issued    time.Time
	Prev      string // the month before, YYYY-MM
	Next      string // the month after, "" when that is in the future
	Base      string // the page's path, for the month links
	MaxMonth  string // this month: the picker's upper bound
}

// statementLine is one entry kind's line of a statement.
type statementLine struct {
	Kind   kassa.EntryKind
	Count  int64
	Amount kassa.Amount
}

// statementPage shows the signed-in account's statement of a month.
func (h *handler) statementPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderStatement(w, r, sess, sess.apiKey, "/ui/statement", "account")
}

// operatorStatement shows any account's statement of a month to operators.
func (h *handler) operatorStatement(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	h.renderStatement(w, r, sess, key, "/ui/operator/accounts/"+key+"/statement", "accounts")
}

// renderStatement renders apiKey's statement of the month parameter
// (YYYY-MM; this month without one).
func (h *handler) renderStatement(w http.ResponseWriter, r *http.Request, sess *session, apiKey, base, active string) {
	now := h.now().UTC()
	month := r.URL.Query().Get("month")
	if month == "" {
		month = now.Format(kassa.MonthLayout)
	}
	st, err := h.cfg.App.Statement(r.Context(), apiKey, month)
	if err != nil {
		status := http.StatusServiceUnavailable
		switch kassa.ErrorCode(err) {
		case kassa.EINVALID:
			status = http.StatusBadRequest
		case kassa.ENOTFOUND:
			status = http.StatusNotFound
		}
		h.renderError(w, r, sess, status, h.userMessage(r, "load the statement", err))
		return
	}
	acct, err := h.cfg.Store.FindAccount(r.Context(), apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the account", err))
		return
	}
	d := statementData{Account: acct, Month: st.Month.Format(kassa.MonthLayout), MonthName: st.Month.Format("January 2006"),
		Statement: st, Issued: now, Base: base, MaxMonth: now.Format(kassa.MonthLayout),
		Prev: st.Month.AddDate(0, -1, 0).Format(kassa.MonthLayout)}
	if next := st.Month.AddDate(0, 1, 0); !next.After(now) {
		d.Next = next.Format(kassa.MonthLayout)
	}
	for _, k := range kassa.EntryKinds {
		if n := st.Counts[k]; n > 0 || st.Totals[k] != 0 {
			d.Lines = append(d.Lines, statementLine{Kind: k, Count: n, Amount: st.Totals[k]})
		}
	}
	h.render(w, r, sess, http.StatusOK, "statement", "Statement "+d.Month+" · "+apiKey, active, d)
}
