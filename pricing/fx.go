package pricing

import (
	"math/big"
	"strings"

	"github.com/kassa-dev/kassa"
)

// fxRates are parsed exchange rates keyed "FROM/TO".
type fxRates map[string]*big.Rat

// parseFX reads exchange rates given as exact decimal text.
func parseFX(in map[string]string) (fxRates, error) {
	out := fxRates{}
	for pair, text := range in {
		from, to, ok := strings.Cut(pair, "/")
		if !ok || !kassa.Currency(from).Valid() || !kassa.Currency(to).Valid() || from == to {
			return nil, kassa.FieldError("fx", "exchange rate key %q: want FROM/TO with EUR and USD, e.g. EUR/USD", pair)
		}
		r, err := kassa.ParseRate(text)
		if err != nil {
			return nil, kassa.FieldError("fx", "exchange rate %s: %q is not a positive decimal", pair, text)
		}
		out[pair] = r
	}
	return out, nil
}

// rate returns the rate converting from into to, deriving the inverse of a
// configured to/from rate exactly; nil when neither is configured.
func (fx fxRates) rate(from, to kassa.Currency) *big.Rat {
	if r := fx[string(from)+"/"+string(to)]; r != nil {
		return r
	}
	if r := fx[string(to)+"/"+string(from)]; r != nil {
		return new(big.Rat).Inv(r)
	}
	return nil
}

// ParseFX reads exchange rates written for a flag or an environment
// variable, "EUR/USD=1.0825" or several separated by commas, into the map
// that ServiceOptions.FX and CompileOptions.FX take. Every pair and rate
// is checked; the empty string gives no rates.
func ParseFX(spec string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		pair, rate, ok := strings.Cut(item, "=")
		if !ok {
			return nil, kassa.FieldError("fx", "exchange rate %q: want FROM/TO=RATE, e.g. EUR/USD=1.0825", item)
		}
		out[strings.TrimSpace(pair)] = strings.TrimSpace(rate)
	}
	if _, err := parseFX(out); err != nil {
		return nil, err
	}
	return out, nil
}
