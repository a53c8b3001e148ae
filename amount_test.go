package kassa

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want Amount
	}{
		{"0.03330000", 3_330_000},
		{"10.17127500", 1_017_127_500},
		{"0", 0},
		{"-0", 0},
		{"3", 300_000_000},
		{"+3", 300_000_000},
		{"5.", 500_000_000},
		{".5", 50_000_000},
		{"-.5", -50_000_000},
		{"-1.5", -150_000_000},
		{"-0.00000001", -1},
		{"0.00000001", 1},
		{"007.10", 710_000_000},
		// More than 8 decimals round half-even.
		{"0.000000005", 0},
		{"0.000000015", 2},
		{"0.000000025", 2},
		{"0.0000000250000", 2},
		{"0.0000000250001", 3},
		{"0.000000024999", 2},
		{"-0.000000015", -2},
		{"-0.000000025", -2},
		{"-0.0000000251", -3},
		{"1.999999999", 200_000_000},
		// The ends of the range.
		{"92233720368.54775807", MaxAmount},
		{"-92233720368.54775807", MinAmount},
		{"92233720368.547758064", MaxAmount - 1},
		{"92233720368.547758065", MaxAmount - 1}, // tie, ...806 is even
		{"92233720368.547758066", MaxAmount},
	}
	for _, tc := range tests {
		got, err := ParseAmount(tc.in)
		if err != nil {
			t.Errorf("ParseAmount(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, want %d", tc.in, int64(got), int64(tc.want))
		}
	}
}

func TestParseAmountRejects(t *testing.T) {
	for _, in := range []string{
		"", "-", "+", ".", "-.", "+.", "1e5", "1E5", "1e-3", "1.5e2", "0x10", " 1", "1 ", "1,000",
		"1_000", "--1", "+-1", "1.2.3", "NaN", "Inf", "-Inf", "١", "1.0\n", "\x00",
	} {
		if got, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseAmountOverflow(t *testing.T) {
	for _, in := range []string{
		"92233720368.54775808",
		"-92233720368.54775808", // math.MinInt64 is outside the symmetric range
		"92233720368.547758075", // rounds half-even up past the max
		"100000000000",
		"99999999999999999999999999",
		"-99999999999999999999999999.5",
	} {
		_, err := ParseAmount(in)
		if !errors.Is(err, ErrAmountOverflow) {
			t.Errorf("ParseAmount(%q) error = %v, want ErrAmountOverflow", in, err)
		}
	}
}

func TestAmountString(t *testing.T) {
	tests := []struct {
		in          Amount
		fixed, deci string
	}{
		{0, "0.00000000", "0.00"},
		{3_330_000, "0.03330000", "0.0333"},
		{1_017_127_500, "10.17127500", "10.171275"},
		{-150_000_000, "-1.50000000", "-1.50"},
		{-1, "-0.00000001", "-0.00000001"},
		{1_000_000_000, "10.00000000", "10.00"},
		{MaxAmount, "92233720368.54775807", "92233720368.54775807"},
		{MinAmount, "-92233720368.54775807", "-92233720368.54775807"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.fixed {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tc.in), got, tc.fixed)
		}
		if got := tc.in.Decimal(); got != tc.deci {
			t.Errorf("Amount(%d).Decimal() = %q, want %q", int64(tc.in), got, tc.deci)
		}
	}
}

func TestAmountArithmeticOverflow(t *testing.T) {
	if _, err := MaxAmount.Add(1); !errors.Is(err, ErrAmountOverflow) {
		t.Errorf("MaxAmount+1: err = %v", err)
	}
	if _, err := MinAmount.Add(-1); !errors.Is(err, ErrAmountOverflow) {
		t.Errorf("MinAmount-1: err = %v", err)
	}
	if _, err := MinAmount.Sub(1); !errors.Is(err, ErrAmountOverflow) {
		t.Errorf("MinAmount.Sub(1): err = %v", err)
	}
	if _, err := Amount(0).Sub(math.MinInt64); !errors.Is(err, ErrAmountOverflow) {
		t.Errorf("0 - MinInt64: err = %v", err)
	}
	for _, tc := range []struct {
		a Amount
		n int64
	}{
		{MaxAmount, 2}, {MinAmount, 2}, {MaxAmount, -2}, {1 << 40, 1 << 30}, {-(1 << 40), 1 << 30},
		{1, math.MinInt64}, {-1, math.MinInt64}, {MinAmount, -1 << 62},
	} {
		if got, err := tc.a.MulUnits(tc.n); !errors.Is(err, ErrAmountOverflow) {
			t.Errorf("%d × %d = %d, %v; want ErrAmountOverflow", int64(tc.a), tc.n, int64(got), err)
		}
	}
	if got, err := MinAmount.MulUnits(-1); err != nil || got != MaxAmount {
		t.Errorf("MinAmount × -1 = %d, %v", int64(got), err)
	}
	if got, err := MustParseAmount("0.03330000").MulUnits(3); err != nil || got != MustParseAmount("0.0999") {
		t.Errorf("0.0333 × 3 = %v, %v", got, err)
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		amount, rate, want string
	}{
		{"10.00", "1.0825", "10.82500000"},
		{"0.03330000", "0.92", "0.03063600"},
		{"0.00000001", "0.5", "0.00000000"},   // tie to even (0)
		{"0.00000003", "0.5", "0.00000002"},   // 1.5 → 2
		{"0.00000005", "0.5", "0.00000002"},   // 2.5 → 2
		{"-0.00000005", "0.5", "-0.00000002"}, // -2.5 → -2
		{"-0.00000007", "0.5", "-0.00000004"}, // -3.5 → -4
		{"1", "0.333333333333", "0.33333333"},
	}
	for _, tc := range tests {
		got, err := MustParseAmount(tc.amount).Convert(tc.rate)
		if err != nil {
			t.Errorf("Convert(%s, %s): %v", tc.amount, tc.rate, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Convert(%s, %s) = %s, want %s", tc.amount, tc.rate, got, tc.want)
		}
	}
	for _, rate := range []string{"0", "-1", "1e3", "", "abc", "0.0"} {
		if _, err := MustParseAmount("1").Convert(rate); err == nil {
			t.Errorf("Convert with rate %q: want an error", rate)
		}
	}
	if _, err := MaxAmount.Convert("1.5"); !errors.Is(err, ErrAmountOverflow) {
		t.Errorf("MaxAmount × 1.5: err = %v, want ErrAmountOverflow", err)
	}
}

// refRound rounds r half-even by a method independent of RoundHalfEven:
// floor division, then a look at twice the remainder.
func refRound(r *big.Rat) *big.Int {
	num, den := r.Num(), r.Denom() // den > 0
	q, m := new(big.Int).DivMod(num, den, new(big.Int))
	twice := new(big.Int).Lsh(m, 1)
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q
}

// refAmount returns the exact Amount units of decimal text, rounded with
// refRound, and whether they fit the range.
func refAmount(s string) (int64, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	v := refRound(r.Mul(r, big.NewRat(AmountScale, 1)))
	if !v.IsInt64() || v.Int64() == math.MinInt64 {
		return 0, false
	}
	return v.Int64(), true
}
