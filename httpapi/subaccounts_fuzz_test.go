package httpapi

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// FuzzSubaccountAmount: a transfer amount is read exactly or refused with
// a 422 naming amount; an accepted one is positive and equals the JSON
// value as an exact rational.
func FuzzSubaccountAmount(f *testing.F) {
	for _, s := range []string{`0.5`, `"0.50"`, `1e-7`, `1E+2`, `0.123456789`, `"1e3"`, `-1`, `0`, `"abc"`, `true`, `null`,
		`92233720368.54775807`, `92233720368.54775808`, `1e400`, `"00.10"`, `{}`, `[1]`, `"\u0031"`, `1.00000000`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		b, err := decodeSubBody([]byte(`{"amount":` + value + `}`))
		if err != nil {
			return
		}
		a, err := b.amount("amount")
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID || kassa.ErrorField(err) != "amount" {
				t.Fatalf("%s: error %v", value, err)
			}
			return
		}
		if a <= 0 {
			t.Fatalf("%s: accepted %s", value, a)
		}
		text := strings.TrimSpace(value)
		if strings.HasPrefix(text, `"`) {
			if err := json.Unmarshal([]byte(text), &text); err != nil {
				t.Fatalf("%s: accepted a string that is not JSON", value)
			}
		}
		want, ok := new(big.Rat).SetString(text)
		got, _ := new(big.Rat).SetString(a.String())
		if !ok || want.Cmp(got) != 0 {
			t.Fatalf("%s: read as %s", value, a)
		}
	})
}

// FuzzTransferDate: a list date is read or refused, never a panic; a date
// that is read as an end is not before the same date read as a start.
func FuzzTransferDate(f *testing.F) {
	for _, s := range []string{"2023-01-01", "2023-01-01T00:00:00Z", "2023-01-01T00:00:00.000Z", "2023-01-01T00:00:00+02:00",
		"2023-01-01T00:00:00 02:00", "2023-01-01T00:00:00", "yesterday", "", "2023-13-01", "9999-12-31T23:59:59.999999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, ok1 := transferDate(s, false)
		end, ok2 := transferDate(s, true)
		if ok1 != ok2 {
			t.Fatalf("%q: read as a start %v, as an end %v", s, ok1, ok2)
		}
		if ok1 && end.Before(start) {
			t.Fatalf("%q: end %v before start %v", s, end, start)
		}
	})
}
