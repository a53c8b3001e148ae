package web

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// usageOther names the stack of the countries after the top ones;
// otherKey is its key, which no country code is.
const (
	usageOther = "other"
	otherKey   = "\x00other"
)

// usageChart is the usage page's chart: spend per day as stacked bars, one
// stack per top country, drawn on the server; the same figures as a table
// (Days) for screen readers and for anyone who prefers numbers.
type usageChart struct {
	SVG      template.HTML // empty when nothing was spent
	Label    string        // text alternative
	Series   []usageSeries // the stacks, bottom first, with their legend classes
	Days     []usageDay
	Currency kassa.Currency
}

// usageSeries is one stack of the chart: a country (or usageOther).
type usageSeries struct {
	key   string // the country code ("" unknown), or otherKey
	Name  string
	Class string // s0…s5: the colour, from the stylesheet (no inline styles under the CSP)
	Total kassa.Amount
}

// usageDay is a day of the chart: its amount per series (in Series order)
// and its total.
type usageDay struct {
	Day     time.Time
	Amounts []kassa.Amount
	Total   kassa.Amount
}

// newUsageChart stacks rows (grouped by day and country) per day from
// from to to, the top usageTopCountries countries by amount each in their
// own colour and the rest together. Amounts are scaled with integer
// arithmetic; a day whose refunds exceed its charges draws no bar (the
// table shows its figure).
func newUsageChart(rows []kassa.UsageRow, from, to time.Time, cur kassa.Currency) usageChart {
	c := usageChart{Currency: cur}
	series := topCountries(rows)
	index := map[string]int{}
	for i, s := range series {
		index[s.key] = i
	}
	days := map[string]int{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days[d.Format(kassa.DayLayout)] = len(c.Days)
		c.Days = append(c.Days, usageDay{Day: d, Amounts: make([]kassa.Amount, len(series))})
	}
	for _, r := range rows {
		di, ok := days[r.Day]
		if !ok {
			continue
		}
		si, ok := index[r.Country]
		if !ok {
			si = index[otherKey] // there is an other series whenever a country is not on top
		}
		c.Days[di].Amounts[si] += r.Amount()
		c.Days[di].Total += r.Amount()
		series[si].Total += r.Amount()
	}
	c.Series = series
	var top kassa.Amount // the highest stack: a day's positive amounts
	for _, d := range c.Days {
		var stack kassa.Amount
		for _, a := range d.Amounts {
			stack += max(a, 0)
		}
		top = max(top, stack)
	}
	if top <= 0 {
		c.Label = "Nothing was spent from " + from.Format(kassa.DayLayout) + " to " + to.Format(kassa.DayLayout) + "."
		return c
	}
	c.Label = fmt.Sprintf("Spend per day from %s to %s, stacked by country; the highest bar is %s %s.",
		from.Format(kassa.DayLayout), to.Format(kassa.DayLayout), top.Decimal(), cur)
	c.SVG = template.HTML(c.draw(top))
	return c
}

// topCountries returns the series: the usageTopCountries countries with
// the largest amounts, then usageOther when more countries spent.
func topCountries(rows []kassa.UsageRow) []usageSeries {
	sums := map[string]kassa.Amount{}
	for _, r := range rows {
		sums[r.Country] += r.Amount()
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(sums[b], sums[a]), cmp.Compare(a, b)) })
	var out []usageSeries
	for i, n := range names {
		if i == usageTopCountries {
			out = append(out, usageSeries{key: otherKey, Name: usageOther})
			break
		}
		name := n
		if name == "" {
			name = "unknown"
		}
		out = append(out, usageSeries{key: n, Name: name})
	}
	for i := range out {
		out[i].Class = fmt.Sprintf("s%d", i)
	}
	return out
}

// cur is a currency code for an SVG text.
func cur(c kassa.Currency) string { return template.HTMLEscapeString(string(c)) }

// draw renders the bars: one column per day, its series stacked bottom up.
func (c *usageChart) draw(top kassa.Amount) string {
	plotW, plotH := int64(chartW-padLeft-padRight), int64(chartH-padTop-padBottom)
	n := int64(len(c.Days))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart usage" viewBox="0 0 %d %d" role="img" aria-labelledby="usage-title">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="usage-title">%s</title>`, template.HTMLEscapeString(c.Label))
	y := func(a kassa.Amount) int64 { return padTop + plotH - scale(int64(a), int64(top), plotH) }
	// The labels sit inside the plot, above their lines: an amount of 8
	// decimals is wider than the left margin.
	for _, a := range []kassa.Amount{0, top} {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padLeft, padLeft+plotW, y(a), y(a))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s %s</text>`, padLeft+4, y(top)+16, template.HTMLEscapeString(top.Decimal()), cur(c.Currency))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">0</text>`, padLeft-6, y(0)+4)
	for i, d := range c.Days {
		x0, x1 := padLeft+scale(int64(i), n, plotW), padLeft+scale(int64(i+1), n, plotW)
		w := max(1, x1-x0-max(1, (x1-x0)/5))
		var base kassa.Amount
		for si, a := range d.Amounts {
			if a <= 0 {
				continue
			}
			y0, y1 := y(base+a), y(base)
			fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%d" height="%d"><title>%s %s: %s %s</title></rect>`,
				c.Series[si].Class, x0, y0, w, max(1, y1-y0), d.Day.Format(kassa.DayLayout),
				template.HTMLEscapeString(c.Series[si].Name), a.Decimal(), c.Currency)
			base += a
		}
	}
	first, last := c.Days[0].Day, c.Days[len(c.Days)-1].Day
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d">%s</text>`, padLeft, chartH-8, first.Format(kassa.DayLayout))
	fmt.Fprintf(&b, `<text class="axis" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft+plotW, chartH-8, last.Format(kassa.DayLayout))
	b.WriteString(`</svg>`)
	return b.String()
}
