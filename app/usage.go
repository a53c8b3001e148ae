package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// MaxUsageTop bounds the top of a usage request.
const MaxUsageTop = 1000

// MaxUsageDays bounds the days a usage request spans (a little over ten
// years: the rollups have a row per day, and a request reads no more).
const MaxUsageDays = 3700

// UsageRequest asks for usage as the surfaces send it (query parameters,
// CLI flags): the text is read here, once, for every transport.
type UsageRequest struct {
	// Account is the account ("" across all accounts).
	Account string
	// From and To are UTC days (YYYY-MM-DD), both included. Without From,
	// the first day of To's month; without To, today (or, with From only,
	// the last day of From's month).
	From, To string
	// GroupBy is a comma-separated list of day, month, type, country,
	// network (and, across accounts, account).
	GroupBy string
	// Currency keeps only usage in that currency.
	Currency string
	// Top, when not "", keeps the N rows with the largest amount (1 to
	// MaxUsageTop).
	Top string
}

// UsageReport is the answer to a usage request: the currency (the
// account's, or the one filtered; "" across accounts in several
// currencies), the days, the dimensions and the rows.
type UsageReport struct {
	Account  string
	Currency kassa.Currency
	From, To time.Time
	GroupBy  []kassa.UsageGroup
	Top      int
	Rows     []kassa.UsageRow
}

// Usage answers a usage request from the rollups. EINVALID names the bad
// parameter; ENOTFOUND for an unknown account.
func (s *Service) Usage(ctx context.Context, req UsageRequest) (*UsageReport, error) {
	f, err := s.usageFilter(req)
	if err != nil {
		return nil, err
	}
	rep := &UsageReport{Account: req.Account, Currency: f.Currency, From: f.From, To: f.To, GroupBy: f.GroupBy, Top: f.Top}
	if req.Account != "" {
		if f.Has(kassa.GroupAccount) {
			return nil, kassa.FieldError("group_by", "group_by=account is for usage across accounts")
		}
		acct, err := s.findAccount(ctx, req.Account)
		if err != nil {
			return nil, err
		}
		rep.Currency = acct.Currency
	}
	if rep.Rows, err = s.store.Usage(ctx, f); err != nil {
		return nil, err
	}
	if rep.Currency == "" {
		rep.Currency = oneCurrency(rep.Rows)
	}
	return rep, nil
}

// oneCurrency is the currency of every row, "" when they have several.
func oneCurrency(rows []kassa.UsageRow) kassa.Currency {
	var cur kassa.Currency
	for i, r := range rows {
		if i > 0 && r.Currency != cur {
			return ""
		}
		cur = r.Currency
	}
	return cur
}

// usageFilter reads a usage request.
func (s *Service) usageFilter(req UsageRequest) (kassa.UsageFilter, error) {
	f := kassa.UsageFilter{Account: req.Account, Currency: kassa.Currency(strings.ToUpper(strings.TrimSpace(req.Currency)))}
	var err error
	if f.GroupBy, err = kassa.ParseUsageGroups(req.GroupBy); err != nil {
		return f, err
	}
	if f.From, err = dayParam("from", req.From); err != nil {
		return f, err
	}
	if f.To, err = dayParam("to", req.To); err != nil {
		return f, err
	}
	today := kassa.DayStart(s.now())
	switch {
	case f.From.IsZero() && f.To.IsZero():
		f.From, f.To = kassa.MonthStart(today), today
	case f.From.IsZero():
		f.From = kassa.MonthStart(f.To)
	case f.To.IsZero():
		f.To = kassa.MonthStart(f.From).AddDate(0, 1, -1)
	}
	if f.To.Before(f.From) {
		return f, kassa.FieldError("to", "to (%s) must not be before from (%s)", f.To.Format(kassa.DayLayout), f.From.Format(kassa.DayLayout))
	}
	if f.To.Sub(f.From) > MaxUsageDays*24*time.Hour {
		return f, kassa.FieldError("to", "from and to must be at most %d days apart", MaxUsageDays)
	}
	if f.Currency != "" && !validCurrencyText(string(f.Currency)) {
		return f, kassa.FieldError("currency", "currency must be a three-letter code such as EUR")
	}
	if req.Top != "" {
		n, err := strconv.Atoi(strings.TrimSpace(req.Top))
		if err != nil || n < 1 || n > MaxUsageTop {
			return f, kassa.FieldError("top", "top must be a whole number from 1 to %d", MaxUsageTop)
		}
		f.Top = n
	}
	return f, nil
}

// validCurrencyText reports whether s looks like a currency code.
func validCurrencyText(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// dayParam reads an optional UTC day (YYYY-MM-DD) between 1970 and 2200.
func dayParam(name, text string) (time.Time, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(kassa.DayLayout, text)
	if err != nil || d.Year() < 1970 || d.Year() > 2200 {
		return time.Time{}, kassa.FieldError(name, "%s must be a day written YYYY-MM-DD, such as 2026-11-01", name)
	}
	return d, nil
}

// Statement returns an account's statement for a UTC calendar month
// written YYYY-MM: opening balance, the totals of each entry kind and the
// closing balance, exact. EINVALID names month; ENOTFOUND for an unknown
// account.
func (s *Service) Statement(ctx context.Context, apiKey, month string) (*kassa.Statement, error) {
	m, err := kassa.ParseMonth(strings.TrimSpace(month))
	if err != nil || m.Year() < 1970 || m.Year() > 2200 {
		return nil, kassa.FieldError("month", "the month must be written YYYY-MM, such as 2026-11")
	}
	if _, err := s.findAccount(ctx, apiKey); err != nil {
		return nil, err
	}
	st, err := s.store.Statement(ctx, apiKey, m)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, noAccount(apiKey)
	}
	return st, err
}
