package web

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// usageDays is the span of the usage page without a month: the last 30
// days, today included.
const usageDays = 30

// usageTopCountries is how many countries the usage chart stacks by name;
// the others are stacked together as "other".
const usageTopCountries = 5

// usageData is the usage page's data.
type usageData struct {
	Account   string
	Currency  kassa.Currency
	Month     string // the month shown (YYYY-MM), "" for the last 30 days
	From, To  time.Time
	Chart     usageChart
	Total     kassa.Amount
	Count     int64
	Countries []usageTableRow // by country and network, largest amount first
	CSVURL    string
	MaxMonth  string // the month picker's upper bound: this month
}

// usageTableRow is a row of the table by country and network.
type usageTableRow struct {
	Country, Network string
	Count, Units     int64
	Amount           kassa.Amount
}

// usagePage shows the signed-in account's spend: per day as a chart
// stacked by its top countries, and a table by country and network.
func (h *handler) usagePage(w http.ResponseWriter, r *http.Request, sess *session) {
	d, status, msg := h.usageView(r, sess.apiKey)
	if msg != "" {
		h.renderError(w, r, sess, status, msg)
		return
	}
	h.render(w, r, sess, http.StatusOK, "usage", "Usage", "usage", d)
}

// usageSpan returns the days a usage view covers: the month of the month
// parameter (YYYY-MM), else the last usageDays days.
func (h *handler) usageSpan(r *http.Request) (month string, from, to time.Time, err error) {
	today := kassa.DayStart(h.now())
	month = r.URL.Query().Get("month")
	if month == "" {
		return "", today.AddDate(0, 0, 1-usageDays), today, nil
	}
	m, err := kassa.ParseMonth(month)
	if err != nil || m.Year() < 1970 || m.Year() > 2200 {
		return "", time.Time{}, time.Time{}, kassa.FieldError("month", "the month must be written YYYY-MM, such as 2026-11")
	}
	return month, m, m.AddDate(0, 1, -1), nil
}

// usageView loads the usage page of apiKey; on failure it returns the
// status and message of the error page.
func (h *handler) usageView(r *http.Request, apiKey string) (*usageData, int, string) {
	month, from, to, err := h.usageSpan(r)
	if err != nil {
		return nil, http.StatusBadRequest, h.userMessage(r, "read the month", err)
	}
	span := app.UsageRequest{Account: apiKey, From: from.Format(kassa.DayLayout), To: to.Format(kassa.DayLayout)}
	byDay, err := h.usage(r, span, "day,country")
	if err != nil {
		return nil, http.StatusServiceUnavailable, h.userMessage(r, "load usage", err)
	}
	byNetwork, err := h.usage(r, span, "country,network")
	if err != nil {
		return nil, http.StatusServiceUnavailable, h.userMessage(r, "load usage", err)
	}
	d := &usageData{Account: apiKey, Currency: byDay.Currency, Month: month, From: from, To: to,
		MaxMonth: h.now().UTC().Format(kassa.MonthLayout), CSVURL: "/ui/usage.csv"}
	if month != "" {
		d.CSVURL += "?month=" + month
	}
	d.Chart = newUsageChart(byDay.Rows, from, to, byDay.Currency)
	for _, row := range byNetwork.Rows {
		d.Total += row.Amount()
		d.Count += row.Count
		d.Countries = append(d.Countries, usageTableRow{Country: row.Country, Network: row.Network, Count: row.Count, Units: row.Units, Amount: row.Amount()})
	}
	slices.SortStableFunc(d.Countries, func(a, b usageTableRow) int {
		return cmp.Or(cmp.Compare(b.Amount, a.Amount), cmp.Compare(a.Country, b.Country), cmp.Compare(a.Network, b.Network))
	})
	return d, 0, ""
}

// usage runs a usage request with the given grouping.
func (h *handler) usage(r *http.Request, req app.UsageRequest, groupBy string) (*app.UsageReport, error) {
	req.GroupBy = groupBy
	return h.cfg.App.Usage(r.Context(), req)
}

// usageCSV downloads the usage page's figures by day, country and network.
func (h *handler) usageCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	month, from, to, err := h.usageSpan(r)
	if err != nil {
		h.renderError(w, r, sess, http.StatusBadRequest, h.userMessage(r, "read the month", err))
		return
	}
	rep, err := h.usage(r, app.UsageRequest{Account: sess.apiKey, From: from.Format(kassa.DayLayout), To: to.Format(kassa.DayLayout)}, "day,country,network")
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load usage", err))
		return
	}
	name := "usage-" + sess.apiKey + "-" + from.Format(kassa.DayLayout) + "-" + to.Format(kassa.DayLayout) + ".csv"
	if month != "" {
		name = "usage-" + sess.apiKey + "-" + month + ".csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"day", "country", "network", "count", "units", "amount", "currency"})
	for _, row := range rep.Rows {
		_ = cw.Write([]string{row.Day, csvSafe(row.Country), csvSafe(row.Network), strconv.FormatInt(row.Count, 10),
			strconv.FormatInt(row.Units, 10), row.Amount().Decimal(), string(rep.Currency)})
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
