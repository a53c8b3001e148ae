package client

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/kassa-dev/kassa"
)

// money is a kassa.Amount on the wire: written as an 8-decimal string,
// read from a string or a JSON number, never through a float.
type money kassa.Amount

// MarshalJSON writes the 8-decimal string form ("5.00000000").
func (m money) MarshalJSON() ([]byte, error) {
	return json.Marshal(kassa.Amount(m).String())
}

// UnmarshalJSON reads "5.00", 5.00 or 1e-3 exactly.
func (m *money) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*m = 0
			return nil
		}
	}
	a, err := parseNumber(s)
	if err != nil {
		return err
	}
	*m = money(a)
	return nil
}

// parseNumber reads an exact decimal: plain decimal text with
// kassa.ParseAmount, and JSON numbers with an exponent ("1.5e-3") through
// big.Rat, rounded half-even at 8 decimals. Never through float64.
func parseNumber(s string) (kassa.Amount, error) {
	a, err := kassa.ParseAmount(s)
	if err == nil {
		return a, nil
	}
	if !strings.ContainsAny(s, "eE") {
		return 0, err
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("parse amount %q: not a number", s)
	}
	units := kassa.RoundHalfEven(r.Mul(r, new(big.Rat).SetInt64(kassa.AmountScale)))
	if !units.IsInt64() || units.Int64() == math.MinInt64 {
		return 0, fmt.Errorf("parse amount %q: %w", s, kassa.ErrAmountOverflow)
	}
	return kassa.Amount(units.Int64()), nil
}
