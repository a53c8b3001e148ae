package web

import (
	"fmt"
	"html/template"
	"math/big"
	"slices"
	"strings"

	"github.com/kassa-dev/kassa"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 640, 220
	padLeft        = 70
	padRight       = 12
	padTop         = 12
	padBottom      = 28
)

// chart is an inline SVG of the balance over time, drawn on the server.
type chart struct {
	SVG   template.HTML // empty when there are no entries
	Label string        // text alternative
}

// balanceChart plots balance_after of entries (newest first, as the store
// returns them) as a step line, one step per entry (evenly spaced, so that
// a burst of entries in one second stays readable; the axis shows the
// first and last entry's time). Amounts are scaled with integer
// arithmetic: no float touches money.
func balanceChart(entries []*kassa.Entry, cur kassa.Currency) chart {
	if len(entries) == 0 {
		return chart{Label: "No ledger entries yet."}
	}
	pts := slices.Clone(entries)
	slices.Reverse(pts)
	lo, hi := pts[0].BalanceAfter, pts[0].BalanceAfter
	for _, e := range pts {
		lo, hi = min(lo, e.BalanceAfter), max(hi, e.BalanceAfter)
	}
	lo = min(lo, 0)
	if hi == lo {
		hi = lo + kassa.AmountScale
	}
	t0, t1 := pts[0].CreatedAt, pts[len(pts)-1].CreatedAt
	plotW, plotH := int64(chartW-padLeft-padRight), int64(chartH-padTop-padBottom)
	steps := int64(len(pts))
	x := func(i int) int64 {
		return padLeft + scale(int64(i), steps, plotW)
	}
	y := func(a kassa.Amount) int64 {
		return padTop + plotH - scale(int64(a-lo), int64(hi-lo), plotH)
	}
	var path strings.Builder
	for i, e := range pts {
		px, py := x(i), y(e.BalanceAfter)
		if i == 0 {
			fmt.Fprintf(&path, "M%d %d", px, py)
			continue
		}
		fmt.Fprintf(&path, "H%dV%d", px, py)
	}
	fmt.Fprintf(&path, "H%d", padLeft+plotW)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title">`, chartW, chartH)
	label := fmt.Sprintf("Balance over the last %d ledger entries, from %s to %s %s; now %s %s.",
		len(pts), lo.Decimal(), hi.Decimal(), cur, pts[len(pts)-1].BalanceAfter.Decimal(), cur)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, template.HTMLEscapeString(label))
	for _, a := range []kassa.Amount{lo, hi} {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padLeft, padLeft+plotW, y(a), y(a))
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft-6, y(a)+4, template.HTMLEscapeString(a.Decimal()))
	}
	if lo < 0 {
		fmt.Fprintf(&b, `<line class="zero" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padLeft, padLeft+plotW, y(0), y(0))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, padLeft, chartH-8, t0.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft+plotW, chartH-8, t1.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, `<path class="line" d="%s"/>`, path.String())
	b.WriteString(`</svg>`)
	return chart{SVG: template.HTML(b.String()), Label: label}
}

// scale returns v×span/total rounded down, exactly, for 0 ≤ v ≤ total.
func scale(v, total, span int64) int64 {
	if total <= 0 {
		return 0
	}
	q := new(big.Int).Mul(big.NewInt(v), big.NewInt(span))
	return q.Quo(q, big.NewInt(total)).Int64()
}
