package kassa

import "testing"

// TestMarkupApply: half-even at 8 decimals on the percent's product, then
// the fixed amount, then the minimum.
func TestMarkupApply(t *testing.T) {
	m := func(p, f, min string) Markup {
		return Markup{Percent: MustParseAmount(p), Fixed: MustParseAmount(f), Min: MustParseAmount(min)}
	}
	for _, c := range []struct {
		m          Markup
		base, want string
	}{
		{m("10", "0", "0"), "0.00000005", "0.00000006"},  // 5.5 → 6 (even)
		{m("10", "0", "0"), "0.00000015", "0.00000016"},  // 16.5 → 16 (even)
		{m("10", "0", "0"), "0.00000025", "0.00000028"},  // 27.5 → 28
		{m("10", "0.001", "0.005"), "0.0333", "0.03763"}, // 0.03663 + 0.001
		{m("10", "0.001", "0.005"), "0.001", "0.005"},    // 0.0021 floored at min
		{m("0", "0", "0"), "1.23456789", "1.23456789"},
		{m("-50", "0", "0"), "0.00000003", "0.00000002"}, // 1.5 → 2
		{m("12.5", "0", "0"), "0.08", "0.09"},
		{m("100000", "1000000", "0"), "10000", "11010000"},
	} {
		got, err := c.m.Apply(MustParseAmount(c.base))
		if err != nil || got != MustParseAmount(c.want) {
			t.Errorf("%+v on %s = %s, %v; want %s", c.m, c.base, got, err, c.want)
		}
	}
	for _, bad := range []Markup{m("-100", "0", "0"), m("100000.00000001", "0", "0"), m("0", "-0.1", "0"), m("0", "0", "-1"), m("0", "1000000.1", "0")} {
		if err := bad.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("Validate(%+v) = %v, want EINVALID", bad, err)
		}
	}
}
