package kassa

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseUsageGroups: any text parses to valid, distinct dimensions that
// join back to an equivalent list, or fails with EINVALID naming group_by.
func FuzzParseUsageGroups(f *testing.F) {
	for _, s := range []string{"", "day", "day,country", " month , type,network", "account", "day,day", "planet", ",", "day,,country", "DAY"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		groups, err := ParseUsageGroups(s)
		if err != nil {
			var e *Error
			if ErrorCode(err) != EINVALID || !errors.As(err, &e) || e.Field != "group_by" {
				t.Fatalf("ParseUsageGroups(%q) = %v, want EINVALID naming group_by", s, err)
			}
			return
		}
		seen := map[UsageGroup]bool{}
		var names []string
		for _, g := range groups {
			if !g.Valid() || seen[g] {
				t.Fatalf("ParseUsageGroups(%q) = %v: invalid or repeated", s, groups)
			}
			seen[g] = true
			names = append(names, string(g))
		}
		again, err := ParseUsageGroups(strings.Join(names, ","))
		if err != nil || len(again) != len(groups) {
			t.Fatalf("round trip of %v: %v, %v", groups, again, err)
		}
	})
}

// FuzzParseMonth: a month parses to the first instant of a UTC month that
// formats back to the same text, or fails.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-11", "2026-1", "2026-13", "1970-01", "", "2026-11-01", "abcd-ef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMonth(s)
		if err != nil {
			return
		}
		if !m.Equal(MonthStart(m)) || m.Format(MonthLayout) != s {
			t.Fatalf("ParseMonth(%q) = %v", s, m)
		}
	})
}
