package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// wantsCSV reports whether the Accept header prefers text/csv to JSON
// (the highest q wins; the first listed on a tie).
func wantsCSV(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if !strings.Contains(accept, "csv") {
		return false
	}
	best, bestQ := "", -1
	for _, part := range strings.Split(accept, ",") {
		mt, ps, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1000
		if v, ok := ps["q"]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = int(f * 1000)
		}
		if q > bestQ && q > 0 {
			best, bestQ = mt, q
		}
	}
	return best == "text/csv"
}

// usageRequest reads a usage query.
func usageRequest(r *http.Request, account string) app.UsageRequest {
	q := r.URL.Query()
	return app.UsageRequest{Account: account, From: q.Get("from"), To: q.Get("to"), GroupBy: q.Get("group_by"),
		Currency: q.Get("currency"), Top: q.Get("top")}
}

// adminAccountUsage answers GET /admin/v1/accounts/{api_key}/usage.
func (s *Server) adminAccountUsage(w http.ResponseWriter, r *http.Request) error {
	return s.writeUsage(w, r, usageRequest(r, r.PathValue("api_key")))
}

// adminUsage answers GET /admin/v1/usage: usage across accounts.
func (s *Server) adminUsage(w http.ResponseWriter, r *http.Request) error {
	return s.writeUsage(w, r, usageRequest(r, ""))
}

// writeUsage answers a usage request as JSON, or CSV when asked.
func (s *Server) writeUsage(w http.ResponseWriter, r *http.Request, req app.UsageRequest) error {
	rep, err := s.app.Usage(r.Context(), req)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		writeBody(w, http.StatusOK, "text/csv; charset=utf-8", UsageCSV(rep))
		return nil
	}
	writeAdminJSON(w, http.StatusOK, toUsageJSON(rep))
	return nil
}

// usageJSON is a usage report on the admin API.
type usageJSON struct {
	Account  string         `json:"account,omitempty"`
	Currency string         `json:"currency"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	GroupBy  []string       `json:"group_by"`
	Top      int            `json:"top,omitempty"`
	Rows     []usageRowJSON `json:"rows"`
}

// usageRowJSON is one row: its keys (in group_by's order), then the sums.
type usageRowJSON struct {
	groups []kassa.UsageGroup
	row    kassa.UsageRow
}

// usageColumns are the columns after a row's keys.
var usageColumns = []string{"currency", "count", "units", "amount", "charged", "refunds", "refunded"}

// values are the row's sums in usageColumns' order.
func (u usageRowJSON) values() []string {
	r := u.row
	return []string{string(r.Currency), strconv.FormatInt(r.Count, 10), strconv.FormatInt(r.Units, 10),
		r.Amount().String(), r.Charged.String(), strconv.FormatInt(r.Refunds, 10), r.Refunded.String()}
}

// MarshalJSON writes the row's members in order: keys, currency, count,
// units, amount (charged less refunded), charged, refunds, refunded.
func (u usageRowJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	member := func(name string, value any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, _ := json.Marshal(value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	for _, g := range u.groups {
		member(string(g), u.row.Key(g))
	}
	vals := u.values()
	for i, c := range usageColumns {
		switch c {
		case "count", "units", "refunds":
			n, _ := strconv.ParseInt(vals[i], 10, 64)
			member(c, n)
		default:
			member(c, vals[i])
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func toUsageJSON(rep *app.UsageReport) usageJSON {
	out := usageJSON{Account: rep.Account, Currency: string(rep.Currency), From: rep.From.Format(kassa.DayLayout),
		To: rep.To.Format(kassa.DayLayout), GroupBy: []string{}, Top: rep.Top, Rows: make([]usageRowJSON, 0, len(rep.Rows))}
	for _, g := range rep.GroupBy {
		out.GroupBy = append(out.GroupBy, string(g))
	}
	for _, r := range rep.Rows {
		out.Rows = append(out.Rows, usageRowJSON{groups: rep.GroupBy, row: r})
	}
	return out
}

// UsageCSV writes a usage report as CSV: a header of the group_by keys and
// the sums, then one line per row.
func UsageCSV(rep *app.UsageReport) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	header := make([]string, 0, len(rep.GroupBy)+len(usageColumns))
	for _, g := range rep.GroupBy {
		header = append(header, string(g))
	}
	cw.Write(append(header, usageColumns...))
	for _, r := range rep.Rows {
		line := make([]string, 0, len(header)+len(usageColumns))
		for _, g := range rep.GroupBy {
			line = append(line, r.Key(g))
		}
		cw.Write(append(line, usageRowJSON{row: r}.values()...))
	}
	cw.Flush()
	return b.Bytes()
}

// statementJSON is a statement on the admin API.
type statementJSON struct {
	Account        string            `json:"account"`
	Month          string            `json:"month"`
	Currency       string            `json:"currency"`
	OpeningBalance string            `json:"opening_balance"`
	ClosingBalance string            `json:"closing_balance"`
	Totals         map[string]string `json:"totals"`
	Counts         map[string]int64  `json:"counts"`
}

func toStatementJSON(st *kassa.Statement) statementJSON {
	out := statementJSON{Account: st.Account, Month: st.Month.Format(kassa.MonthLayout), Currency: string(st.Currency),
		OpeningBalance: st.Opening.String(), ClosingBalance: st.Closing.String(),
		Totals: map[string]string{}, Counts: map[string]int64{}}
	for _, k := range kassa.EntryKinds {
		out.Totals[string(k)] = st.Totals[k].String()
		out.Counts[string(k)] = st.Counts[k]
	}
	return out
}

// StatementCSV writes a statement as CSV lines of line, count, amount:
// the opening balance, each entry kind, the closing balance.
func StatementCSV(st *kassa.Statement) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"account", "month", "currency", "line", "count", "amount"})
	head := []string{st.Account, st.Month.Format(kassa.MonthLayout), string(st.Currency)}
	cw.Write(append(head, "opening_balance", "", st.Opening.String()))
	for _, k := range kassa.EntryKinds {
		cw.Write(append(head, string(k), strconv.FormatInt(st.Counts[k], 10), st.Totals[k].String()))
	}
	cw.Write(append(head, "closing_balance", "", st.Closing.String()))
	cw.Flush()
	return b.Bytes()
}

// adminStatement answers GET /admin/v1/accounts/{api_key}/statements/{month}.
func (s *Server) adminStatement(w http.ResponseWriter, r *http.Request) error {
	st, err := s.app.Statement(r.Context(), r.PathValue("api_key"), r.PathValue("month"))
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		writeBody(w, http.StatusOK, "text/csv; charset=utf-8", StatementCSV(st))
		return nil
	}
	writeAdminJSON(w, http.StatusOK, toStatementJSON(st))
	return nil
}
