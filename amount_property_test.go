package kassa

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// anyAmount draws amounts from the whole range, with extra weight on the
// small values prices and balances have.
func anyAmount() *rapid.Generator[Amount] {
	return rapid.OneOf(
		rapid.Custom(func(t *rapid.T) Amount {
			return Amount(rapid.Int64Range(int64(MinAmount), int64(MaxAmount)).Draw(t, "wide"))
		}),
		rapid.Custom(func(t *rapid.T) Amount {
			return Amount(rapid.Int64Range(-1_000*AmountScale, 1_000*AmountScale).Draw(t, "small"))
		}),
	)
}

// decimalText draws plain decimal text: an optional sign, up to 14 integer
// digits and up to 14 fraction digits.
func decimalText() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		sign := rapid.SampledFrom([]string{"", "-", "+"}).Draw(t, "sign")
		intPart := rapid.StringMatching(`[0-9]{0,14}`).Draw(t, "int")
		frac := rapid.StringMatching(`[0-9]{0,14}`).Draw(t, "frac")
		if intPart == "" && frac == "" {
			intPart = "0"
		}
		if frac == "" && rapid.Bool().Draw(t, "nodot") {
			return sign + intPart
		}
		return sign + intPart + "." + frac
	})
}

func TestPropertyFormatParseIdentity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyAmount().Draw(t, "a")
		for _, text := range []string{a.String(), a.Decimal()} {
			got, err := ParseAmount(text)
			if err != nil || got != a {
				t.Fatalf("ParseAmount(%q) = %d, %v; want %d", text, int64(got), err, int64(a))
			}
		}
	})
}

func TestPropertyParseMatchesBigRat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := decimalText().Draw(t, "s")
		want, fits := refAmount(strings.TrimPrefix(s, "+"))
		got, err := ParseAmount(s)
		if !fits {
			if err == nil {
				t.Fatalf("ParseAmount(%q) = %d, want overflow", s, int64(got))
			}
			return
		}
		if err != nil || int64(got) != want {
			t.Fatalf("ParseAmount(%q) = %d, %v; want %d", s, int64(got), err, want)
		}
		// Parsing the formatted value gives it back: format∘parse is stable.
		if again := MustParseAmount(got.String()); again != got {
			t.Fatalf("reparse of %s = %d", got, int64(again))
		}
	})
}

func TestPropertySumsNeverDrift(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		texts := rapid.SliceOfN(decimalTextSmall(), 1, 200).Draw(t, "entries")
		var sum Amount
		exact := new(big.Int)
		for _, s := range texts {
			a := MustParseAmount(s)
			var err error
			if sum, err = sum.Add(a); err != nil {
				t.Fatalf("sum overflowed at %s", s)
			}
			want, _ := refAmount(s)
			exact.Add(exact, big.NewInt(want))
		}
		if !exact.IsInt64() || exact.Int64() != int64(sum) {
			t.Fatalf("sum = %d, exact = %s", int64(sum), exact)
		}
		// Taking the entries back out returns to exactly zero.
		for _, s := range texts {
			sum, _ = sum.Sub(MustParseAmount(s))
		}
		if sum != 0 {
			t.Fatalf("after removing every entry the sum is %s", sum)
		}
	})
}

// decimalTextSmall draws entry-sized amounts with up to 8 decimals.
func decimalTextSmall() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		sign := rapid.SampledFrom([]string{"", "-"}).Draw(t, "sign")
		return sign + rapid.StringMatching(`[0-9]{1,6}\.[0-9]{0,8}`).Draw(t, "v")
	})
}

func TestPropertyConvertMatchesBigRat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyAmount().Draw(t, "a")
		rate := rapid.StringMatching(`[0-9]{1,3}\.[0-9]{1,12}`).Draw(t, "rate")
		r, _ := new(big.Rat).SetString(rate)
		if r.Sign() == 0 {
			return
		}
		ref := refRound(new(big.Rat).Mul(new(big.Rat).SetInt64(int64(a)), r))
		got, err := a.Convert(rate)
		if !ref.IsInt64() || ref.Int64() == math.MinInt64 {
			if err == nil {
				t.Fatalf("%d × %s = %d, want overflow", int64(a), rate, int64(got))
			}
			return
		}
		if err != nil || int64(got) != ref.Int64() {
			t.Fatalf("%d × %s = %d, %v; want %s", int64(a), rate, int64(got), err, ref)
		}
	})
}

func TestPropertyMulUnitsOverflowIsAnError(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyAmount().Draw(t, "a")
		n := rapid.OneOf(rapid.Int64Range(-1000, 1000), rapid.Int64()).Draw(t, "n")
		exact := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(n))
		got, err := a.MulUnits(n)
		inRange := exact.IsInt64() && exact.Int64() != math.MinInt64
		if !inRange {
			if err == nil {
				t.Fatalf("%d × %d = %d, want overflow (exact %s)", int64(a), n, int64(got), exact)
			}
			return
		}
		if err != nil || int64(got) != exact.Int64() {
			t.Fatalf("%d × %d = %d, %v; want %s", int64(a), n, int64(got), err, exact)
		}
	})
}

func TestPropertyAddSubExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := anyAmount().Draw(t, "a"), anyAmount().Draw(t, "b")
		for _, tc := range []struct {
			name  string
			got   func() (Amount, error)
			exact *big.Int
		}{
			{"+", func() (Amount, error) { return a.Add(b) }, new(big.Int).Add(big.NewInt(int64(a)), big.NewInt(int64(b)))},
			{"-", func() (Amount, error) { return a.Sub(b) }, new(big.Int).Sub(big.NewInt(int64(a)), big.NewInt(int64(b)))},
		} {
			got, err := tc.got()
			if !tc.exact.IsInt64() || tc.exact.Int64() == math.MinInt64 {
				if err == nil {
					t.Fatalf("%d %s %d = %d, want overflow", int64(a), tc.name, int64(b), int64(got))
				}
				continue
			}
			if err != nil || int64(got) != tc.exact.Int64() {
				t.Fatalf("%d %s %d = %d, %v; want %s", int64(a), tc.name, int64(b), int64(got), err, tc.exact)
			}
		}
	})
}
