package web

import (
	"fmt"
	"html/template"
	"math/big"
	"slices"
	"strings"
	"time"

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
	p := newPlot(pts)
	label := fmt.Sprintf("Balance over the last %d ledger entries, from %s to %s %s; now %s %s.",
		len(pts), p.lo.Decimal(), p.hi.Decimal(), cur, pts[len(pts)-1].BalanceAfter.Decimal(), cur)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, template.HTMLEscapeString(label))
	p.axes(&b, pts[0].CreatedAt, pts[len(pts)-1].CreatedAt)
	fmt.Fprintf(&b, `<path class="line" d="%s"/>`, p.line(pts))
	b.WriteString(`</svg>`)
	return chart{SVG: template.HTML(b.String()), Label: label}
}

// plot maps entry positions and balances to chart coordinates.
type plot struct {
	lo, hi       kassa.Amount // the balance range shown; lo ≤ 0
	steps        int64
	plotW, plotH int64
}

// newPlot fits the range of balances (and zero) of pts.
func newPlot(pts []*kassa.Entry) plot {
	lo, hi := pts[0].BalanceAfter, pts[0].BalanceAfter
	for _, e := range pts {
		lo, hi = min(lo, e.BalanceAfter), max(hi, e.BalanceAfter)
	}
	lo = min(lo, 0)
	if hi == lo {
		hi = lo + kassa.AmountScale
	}
	return plot{lo: lo, hi: hi, steps: int64(len(pts)), plotW: chartW - padLeft - padRight, plotH: chartH - padTop - padBottom}
}

func (p plot) x(i int) int64 { return padLeft + scale(int64(i), p.steps, p.plotW) }

func (p plot) y(a kassa.Amount) int64 {
	return padTop + p.plotH - scale(int64(a-p.lo), int64(p.hi-p.lo), p.plotH)
}

// line is the step path through every entry's balance_after.
func (p plot) line(pts []*kassa.Entry) string {
	var path strings.Builder
	for i, e := range pts {
		if i == 0 {
			fmt.Fprintf(&path, "M%d %d", p.x(i), p.y(e.BalanceAfter))
			continue
		}
		fmt.Fprintf(&path, "H%dV%d", p.x(i), p.y(e.BalanceAfter))
	}
	fmt.Fprintf(&path, "H%d", padLeft+p.plotW)
	return path.String()
}

// axes draws the range's grid lines and labels, the zero line when the
// balance went negative, and the first and last entry's time.
func (p plot) axes(b *strings.Builder, t0, t1 time.Time) {
	for _, a := range []kassa.Amount{p.lo, p.hi} {
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padLeft, padLeft+p.plotW, p.y(a), p.y(a))
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft-6, p.y(a)+4, template.HTMLEscapeString(a.Decimal()))
	}
	if p.lo < 0 {
		fmt.Fprintf(b, `<line class="zero" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padLeft, padLeft+p.plotW, p.y(0), p.y(0))
	}
	fmt.Fprintf(b, `<text class="axis" x="%d" y="%d">%s</text>`, padLeft, chartH-8, t0.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft+p.plotW, chartH-8, t1.UTC().Format("2006-01-02 15:04"))
}

// scale returns v×span/total rounded down, exactly, for 0 ≤ v ≤ total.
func scale(v, total, span int64) int64 {
	if total <= 0 {
		return 0
	}
	q := new(big.Int).Mul(big.NewInt(v), big.NewInt(span))
	return q.Quo(q, big.NewInt(total)).Int64()
}
