package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// overviewTop is how many accounts and destinations the overview ranks.
const overviewTop = 5

// overviewAttention is how many accounts needing attention it lists.
const overviewAttention = 20

// opOverviewData is the operator overview's data.
type opOverviewData struct {
	Now            time.Time
	Totals         []kassa.CurrencyTotal
	Activity       activityChart
	Revenue        []revenueLine
	TopAccounts    []kassa.UsageRow
	TopCountries   []kassa.UsageRow
	Attention      []attentionRow
	AttentionTotal int
	Webhooks       []webhookRow // endpoints with failed or pending deliveries
	PriceBooks     []*kassa.PriceBookVersion
	Month          string // this month, YYYY-MM
}

// revenueLine is one currency's revenue (charges less refunds).
type revenueLine struct {
	Currency         kassa.Currency
	Today, ThisMonth kassa.Amount
	LastMonthSoFar   kassa.Amount // last month up to today's day of the month
	LastMonth        kassa.Amount
	Trend            string // "up", "down" or "" against last month so far
}

// attentionRow is an account that needs attention, and why.
type attentionRow struct {
	Account    *kassa.Account
	LowBalance bool
}

// operatorOverview is the operators' landing page: the state of the
// business at a glance.
func (h *handler) operatorOverview(w http.ResponseWriter, r *http.Request, sess *session) {
	d, err := h.loadOverview(r)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "load the overview", err))
		return
	}
	h.render(w, r, sess, http.StatusOK, "opoverview", "Overview", "opoverview", d)
}

// loadOverview reads every figure of the overview.
func (h *handler) loadOverview(r *http.Request) (*opOverviewData, error) {
	ctx := r.Context()
	now := h.now().UTC()
	d := &opOverviewData{Now: now, Month: now.Format(kassa.MonthLayout), Activity: newActivityChart(h.cfg.Activity)}
	var err error
	if d.Totals, err = h.cfg.Store.AccountTotals(ctx); err != nil {
		return nil, fmt.Errorf("account totals: %w", err)
	}
	if d.Revenue, err = h.revenue(r, now); err != nil {
		return nil, err
	}
	month := app.UsageRequest{From: kassa.MonthStart(now).Format(kassa.DayLayout), To: now.Format(kassa.DayLayout), Top: fmt.Sprint(overviewTop)}
	if d.TopAccounts, err = h.usageRows(r, month, "account"); err != nil {
		return nil, err
	}
	if d.TopCountries, err = h.usageRows(r, month, "country"); err != nil {
		return nil, err
	}
	if d.Attention, d.AttentionTotal, err = h.attention(r); err != nil {
		return nil, err
	}
	if d.Webhooks, err = h.troubledWebhooks(r); err != nil {
		return nil, err
	}
	books, err := h.cfg.Store.PriceBooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("price books: %w", err)
	}
	d.PriceBooks = inUse(books, now)
	return d, nil
}

// inUse returns the version each plan uses at now: of its versions in
// effect, the one that took effect last (the higher version on a tie), by
// plan name.
func inUse(books []*kassa.PriceBookVersion, now time.Time) []*kassa.PriceBookVersion {
	byPlan := map[string]*kassa.PriceBookVersion{}
	for _, v := range books {
		if !v.Active(now) {
			continue
		}
		cur := byPlan[v.Plan]
		if cur == nil || v.EffectiveAt.After(cur.EffectiveAt) || v.EffectiveAt.Equal(cur.EffectiveAt) && v.Version > cur.Version {
			byPlan[v.Plan] = v
		}
	}
	out := make([]*kassa.PriceBookVersion, 0, len(byPlan))
	for _, v := range byPlan {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *kassa.PriceBookVersion) int { return strings.Compare(a.Plan, b.Plan) })
	return out
}

// usageRows runs a usage request across accounts.
func (h *handler) usageRows(r *http.Request, req app.UsageRequest, groupBy string) ([]kassa.UsageRow, error) {
	rep, err := h.usage(r, req, groupBy)
	if err != nil {
		return nil, fmt.Errorf("usage by %s: %w", groupBy, err)
	}
	return rep.Rows, nil
}

// revenue sums, per currency, what was charged less refunded today, this
// month, last month up to the same day, and the whole of last month, from
// the usage rollups (one read of two months by day).
func (h *handler) revenue(r *http.Request, now time.Time) ([]revenueLine, error) {
	today := kassa.DayStart(now)
	thisMonth := kassa.MonthStart(now)
	lastMonth := thisMonth.AddDate(0, -1, 0)
	rows, err := h.usageRows(r, app.UsageRequest{From: lastMonth.Format(kassa.DayLayout), To: today.Format(kassa.DayLayout)}, "day")
	if err != nil {
		return nil, err
	}
	byCur := map[kassa.Currency]*revenueLine{}
	sameDay := lastMonth.AddDate(0, 0, today.Day()-1) // the same day of last month (or past its end: all of it)
	for _, row := range rows {
		l := byCur[row.Currency]
		if l == nil {
			l = &revenueLine{Currency: row.Currency}
			byCur[row.Currency] = l
		}
		day, err := time.Parse(kassa.DayLayout, row.Day)
		if err != nil {
			continue
		}
		a := row.Amount()
		switch {
		case !day.Before(thisMonth):
			l.ThisMonth += a
			if day.Equal(today) {
				l.Today += a
			}
		default:
			l.LastMonth += a
			if !day.After(sameDay) {
				l.LastMonthSoFar += a
			}
		}
	}
	out := make([]revenueLine, 0, len(byCur))
	for _, l := range byCur {
		switch {
		case l.ThisMonth > l.LastMonthSoFar:
			l.Trend = "up"
		case l.ThisMonth < l.LastMonthSoFar:
			l.Trend = "down"
		}
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b revenueLine) int { return strings.Compare(string(a.Currency), string(b.Currency)) })
	return out, nil
}

// attention lists the accounts that are suspended or below their
// low-balance threshold.
func (h *handler) attention(r *http.Request) ([]attentionRow, int, error) {
	list, total, err := h.cfg.Store.ListAccounts(r.Context(), kassa.AccountFilter{Attention: true, Limit: overviewAttention})
	if err != nil {
		return nil, 0, fmt.Errorf("accounts needing attention: %w", err)
	}
	rows := make([]attentionRow, 0, len(list))
	for _, a := range list {
		sp, err := h.cfg.Store.Spend(r.Context(), a.APIKey)
		if err != nil {
			return nil, 0, fmt.Errorf("spend controls of %s: %w", a.APIKey, err)
		}
		rows = append(rows, attentionRow{Account: a, LowBalance: sp.LowBalanceAlerted})
	}
	return rows, total, nil
}

// troubledWebhooks returns the endpoints with failed or pending deliveries.
func (h *handler) troubledWebhooks(r *http.Request) ([]webhookRow, error) {
	list, err := h.cfg.Store.WebhookEndpoints(r.Context())
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	var out []webhookRow
	for _, ep := range list {
		row := webhookRow{WebhookEndpoint: ep}
		if row.Pending, row.Failed, err = h.deliveryCounts(r, ep.ID); err != nil {
			return nil, fmt.Errorf("deliveries of %s: %w", ep.ID, err)
		}
		if row.Failed > 0 || row.Pending > 0 {
			out = append(out, row)
		}
	}
	return out, nil
}

// activityChart is the overview's bar chart of charges per minute.
type activityChart struct {
	SVG     template.HTML
	Label   string
	Total   int64
	Minutes []int64 // oldest first
	Off     bool    // no Activity configured
}

// newActivityChart draws the last hour of a (nil: none configured).
func newActivityChart(a *Activity) activityChart {
	if a == nil {
		return activityChart{Off: true, Label: "Charges per minute are not counted on this node."}
	}
	c := activityChart{Minutes: a.LastHour()}
	var top int64
	for _, n := range c.Minutes {
		c.Total += n
		top = max(top, n)
	}
	c.Label = fmt.Sprintf("Charges committed by this node per minute over the last hour: %d in all, at most %d in a minute.", c.Total, top)
	if top == 0 {
		return c
	}
	const h = 120
	plotW, plotH := int64(chartW-padLeft-padRight), int64(h-padTop-padBottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart activity" viewBox="0 0 %d %d" role="img" aria-labelledby="activity-title">`, chartW, h)
	fmt.Fprintf(&b, `<title id="activity-title">%s</title>`, template.HTMLEscapeString(c.Label))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%d</text>`, padLeft-6, padTop+4, top)
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">0</text>`, padLeft-6, padTop+plotH+4)
	n := int64(len(c.Minutes))
	for i, v := range c.Minutes {
		if v == 0 {
			continue
		}
		x0, x1 := padLeft+scale(int64(i), n, plotW), padLeft+scale(int64(i+1), n, plotW)
		bh := max(1, scale(v, top, plotH))
		fmt.Fprintf(&b, `<rect class="s0" x="%d" y="%d" width="%d" height="%d"><title>%d minutes ago: %d</title></rect>`,
			x0, padTop+plotH-bh, max(1, x1-x0-1), bh, n-1-int64(i), v)
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">an hour ago</text>`, padLeft, h-8)
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">now</text>`, padLeft+plotW, h-8)
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String())
	return c
}
