// Package usagesql builds the SQL both stores read usage rollups with: the
// table and its columns are the same in SQLite and PostgreSQL, only the
// placeholders and the casts of sums differ.
package usagesql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// Dialect says how a store writes what differs.
type Dialect struct {
	// Placeholder returns the n-th (1-based) parameter: ?1, $1.
	Placeholder func(n int) string
	// Sum wraps an expression summed over integers so that it scans into
	// an int64 (PostgreSQL's sum of bigint is numeric).
	Sum func(expr string) string
}

// groupExpr is the column expression of a dimension.
func groupExpr(g kassa.UsageGroup) string {
	switch g {
	case kassa.GroupMonth:
		return "substr(day, 1, 7)"
	default:
		return string(g)
	}
}

// Check refuses a filter no store can answer.
func Check(f kassa.UsageFilter) error {
	switch {
	case f.From.IsZero() || f.To.IsZero():
		return kassa.FieldError("from", "from and to are required")
	case f.To.Before(f.From):
		return kassa.FieldError("to", "to must not be before from")
	case f.Top < 0:
		return kassa.FieldError("top", "top must not be negative")
	}
	for _, g := range f.GroupBy {
		if !g.Valid() {
			return kassa.FieldError("group_by", "unknown dimension %q", string(g))
		}
	}
	return nil
}

// Query returns the statement and arguments that read f's usage: the
// selected dimensions in kassa.UsageGroups order, then currency, count,
// units, charged, refunds, refunded.
func Query(f kassa.UsageFilter, d Dialect) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return d.Placeholder(len(args))
	}
	var keys []string
	for _, g := range kassa.UsageGroups {
		if f.Has(g) {
			keys = append(keys, groupExpr(g))
		}
	}
	keys = append(keys, "currency")
	conds := []string{
		"day >= " + arg(f.From.UTC().Format(kassa.DayLayout)),
		"day <= " + arg(f.To.UTC().Format(kassa.DayLayout)),
	}
	if f.Account != "" {
		p := arg(f.Account)
		conds = append(conds, fmt.Sprintf("(account = %s OR (subaccount = %s AND subaccount <> ''))", p, p))
	}
	if f.Currency != "" {
		conds = append(conds, "currency = "+arg(string(f.Currency)))
	}
	var q strings.Builder
	q.WriteString("SELECT " + strings.Join(keys, ", "))
	for _, c := range []string{"count", "units", "charged", "refunds", "refunded"} {
		q.WriteString(", " + d.Sum("SUM("+c+")"))
	}
	q.WriteString(" FROM usage_rollups WHERE " + strings.Join(conds, " AND "))
	q.WriteString(" GROUP BY " + strings.Join(keys, ", "))
	order := strings.Join(keys, ", ")
	if f.Top > 0 {
		order = d.Sum("SUM(charged) - SUM(refunded)") + " DESC, " + order
	}
	q.WriteString(" ORDER BY " + order)
	if f.Top > 0 {
		q.WriteString(" LIMIT " + strconv.Itoa(f.Top))
	}
	return q.String(), args
}

// Dest returns the scan destinations of one row of Query's answer into r.
func Dest(f kassa.UsageFilter, r *kassa.UsageRow) []any {
	var dest []any
	for _, g := range kassa.UsageGroups {
		if !f.Has(g) {
			continue
		}
		switch g {
		case kassa.GroupAccount:
			dest = append(dest, &r.Account)
		case kassa.GroupMonth:
			dest = append(dest, &r.Month)
		case kassa.GroupDay:
			dest = append(dest, &r.Day)
		case kassa.GroupType:
			dest = append(dest, &r.Type)
		case kassa.GroupCountry:
			dest = append(dest, &r.Country)
		case kassa.GroupNetwork:
			dest = append(dest, &r.Network)
		}
	}
	return append(dest, &r.Currency, &r.Count, &r.Units, &r.Charged, &r.Refunds, &r.Refunded)
}
