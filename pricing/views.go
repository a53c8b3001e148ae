package pricing

import (
	"math/big"

	"github.com/kassa-dev/kassa"
)

// buildViews resolves every (type, currency) view, converting prices where
// the book has no line in the answer's currency.
func (s *Snapshot) buildViews(lines map[lineKey]*lineAmounts, fx fxRates) error {
	for ci, cur := range currencies {
		rate, err := s.conversionFor(ci, lines, fx)
		if err != nil {
			s.unavailable[ci] = err
			continue
		}
		for ti, t := range kassa.ServiceTypes {
			v, err := s.buildView(ti, t, ci, cur, lines, rate)
			if err != nil {
				return err
			}
			s.views[ti][ci] = v
		}
	}
	return nil
}

// conversionFor returns the rate from the other currency into currencies[ci]
// when some line needs it, or an EUNAVAILABLE error when none is configured.
func (s *Snapshot) conversionFor(ci int, lines map[lineKey]*lineAmounts, fx fxRates) (*big.Rat, error) {
	other := 1 - ci
	needed := false
	for _, la := range lines {
		if !la[ci].set && la[other].set {
			needed = true
			break
		}
	}
	if !needed {
		return nil, nil
	}
	rate := fx.rate(currencies[other], currencies[ci])
	if rate == nil {
		return nil, kassa.Errorf(kassa.EUNAVAILABLE,
			"prices are not available in %s: the price book is in %s and no %s/%s exchange rate is configured",
			currencies[ci], currencies[other], currencies[other], currencies[ci])
	}
	return rate, nil
}

// buildView resolves the prices of one (type, currency).
func (s *Snapshot) buildView(ti int, t kassa.ServiceType, ci int, cur kassa.Currency, lines map[lineKey]*lineAmounts, rate *big.Rat) (*view, error) {
	v := &view{typ: t, currency: cur, countries: make([]CountryPrice, len(s.countries)), netPrice: make([][]kassa.Amount, len(s.countries))}
	for c := range s.countries {
		v.netPrice[c] = make([]kassa.Amount, len(s.networks[c]))
		cp := CountryPrice{Country: s.countries[c], Currency: cur}
		def, hasDef, err := resolve(lines[lineKey{int8(ti), int32(c), -1}], ci, rate)
		if err != nil {
			return nil, err
		}
		cp.DefaultPrice, cp.HasDefault = def, hasDef
		for n, nw := range s.networks[c] {
			own, hasOwn, err := resolve(lines[lineKey{int8(ti), int32(c), int32(n)}], ci, rate)
			if err != nil {
				return nil, err
			}
			v.netPrice[c][n] = noPrice
			switch {
			case hasOwn:
				cp.Networks = append(cp.Networks, NetworkPrice{Network: nw, Price: own, Own: true})
				v.netPrice[c][n] = own
			case hasDef:
				cp.Networks = append(cp.Networks, NetworkPrice{Network: nw, Price: def})
				v.netPrice[c][n] = def
			}
		}
		cp.Priced = hasDef || len(cp.Networks) > 0
		v.countries[c] = cp
	}
	return v, nil
}

// resolve returns a key's price in currencies[ci]: its own line, or the
// other currency's line converted at rate.
func resolve(la *lineAmounts, ci int, rate *big.Rat) (kassa.Amount, bool, error) {
	if la == nil {
		return 0, false, nil
	}
	if la[ci].set {
		return la[ci].amount, true, nil
	}
	other := la[1-ci]
	if !other.set || rate == nil {
		return 0, false, nil
	}
	amt, err := other.amount.ConvertRat(rate)
	if err != nil {
		return 0, false, rejectf("price book", "line %d: converting %s to %s: %v", other.line, other.amount, currencies[ci], err)
	}
	return amt, true, nil
}
