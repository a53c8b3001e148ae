package kassa

import (
	"regexp"
	"strings"
	"testing"
)

// plainDecimal is everything ParseAmount may accept.
var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{
		"0.03330000", "10.17127500", "-1.5", ".5", "5.", "0.000000015", "0.000000025",
		"92233720368.54775807", "92233720368.54775808", "-92233720368.54775808", "1e5",
		"", "-", ".", "+.5", " 1", "1,0", "١", "00000000000000000000000001.0",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if !plainDecimal.MatchString(s) {
			t.Fatalf("ParseAmount(%q) = %s, but that is not plain decimal text", s, a)
		}
		want, fits := refAmount(strings.TrimPrefix(s, "+"))
		if !fits || int64(a) != want {
			t.Fatalf("ParseAmount(%q) = %d, reference %d (fits %v)", s, int64(a), want, fits)
		}
		if again, err := ParseAmount(a.String()); err != nil || again != a {
			t.Fatalf("reparse of %s = %d, %v", a, int64(again), err)
		}
		if a < MinAmount {
			t.Fatalf("ParseAmount(%q) = %d is below MinAmount", s, int64(a))
		}
	})
}
