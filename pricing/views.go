package pricing

import (
	"math/big"
	"sync"

	"github.com/kassa-dev/kassa"
)

// view is the answer set of one (service type, currency): the prices of
// the snapshot's entries in the currency, and the answers.
type view struct {
	s        *Snapshot
	typ      kassa.ServiceType
	ti       int
	currency kassa.Currency
	def      []uint32
	amounts  []kassa.Amount // per entry: its price in currency
	texts    []string       // per entry: its price as the answers write it

	country [][2]*Document // per country: JSON and XML answers
	full    [2]*Document   // JSON and XML full lists

	typedOnce   sync.Once
	typed       []CountryPrice // pre-rendered snapshots: built once
	summaryOnce sync.Once
	summaries   []CountrySummary
}

// priceOf returns network n's entry index + 1 in the view: its own price,
// else its country's default; 0 when it has neither.
func (v *view) priceOf(n uint32) uint32 {
	id, ci := v.s.nets.ownPrice(n, v.ti)
	if id != 0 {
		return id
	}
	return v.def[ci]
}

// priced reports whether a rating destination (a network, or past the
// networks a country's default) has a price.
func (v *view) priced(dest uint32) bool {
	if nn := uint32(len(v.s.nets.off)); dest >= nn {
		return v.def[dest-nn] != 0
	}
	return v.priceOf(dest) != 0
}

// destPrice returns the price of a priced destination.
func (v *view) destPrice(dest uint32) kassa.Amount {
	if nn := uint32(len(v.s.nets.off)); dest >= nn {
		return v.amounts[v.def[dest-nn]-1]
	}
	return v.amounts[v.priceOf(dest)-1]
}

// buildViews resolves every (type, currency) view, converting prices where
// the book has no line in the answer's currency. A view that needs a rate
// that is not configured is unavailable on its own: a book with sms prices
// in EUR and voice prices in USD answers sms in EUR and voice in USD
// without any rate.
func (s *Snapshot) buildViews(fx fxRates) error {
	for ci, cur := range currencies {
		rate, missing := s.conversionFor(ci, fx)
		amounts, resolved, err := s.resolveAmounts(ci, rate)
		if err != nil {
			return err
		}
		var blocked [numTypes]bool
		if missing {
			blocked = s.typesUsing(func(entry uint32) bool { return !resolved[entry-1] })
		}
		texts := make([]string, len(amounts))
		for i, a := range amounts {
			texts[i] = a.String()
		}
		for ti, t := range kassa.ServiceTypes {
			if blocked[ti] {
				other := 1 - ci
				s.unavailable[ti][ci] = kassa.Errorf(kassa.EUNAVAILABLE,
					"%s prices are not available in %s: the price book has them in %s and no %s/%s exchange rate is configured",
					t, cur, currencies[other], currencies[other], cur)
				continue
			}
			s.views[ti][ci] = &view{s: s, typ: t, ti: ti, currency: cur, def: s.def[ti], amounts: amounts, texts: texts}
		}
	}
	return nil
}

// conversionFor returns the rate from the other currency into
// currencies[ci] when some price needs it, and whether a price needs one
// that is not configured.
func (s *Snapshot) conversionFor(ci int, fx fxRates) (rate *big.Rat, missing bool) {
	other := 1 - ci
	for _, e := range s.entries {
		if !e.set[ci] && e.set[other] {
			rate = fx.rate(currencies[other], currencies[ci])
			return rate, rate == nil
		}
	}
	return nil, false
}

// typesUsing reports, per service type, whether one of its prices (a
// country's default or a network's own) is an entry for which bad (given
// the entry index + 1) is true.
func (s *Snapshot) typesUsing(bad func(entry uint32) bool) [numTypes]bool {
	var used [numTypes]bool
	for ti := range numTypes {
		for _, e := range s.def[ti] {
			if e != 0 && bad(e) {
				used[ti] = true
				break
			}
		}
	}
	for n := range s.nets.numNets() {
		for ti := range numTypes {
			if e, _ := s.nets.ownPrice(uint32(n), ti); e != 0 && bad(e) {
				used[ti] = true
			}
		}
	}
	return used
}

// resolveAmounts returns every entry's price in currencies[ci]: its own, or
// the other currency's converted at rate; resolved is false for an entry
// that needs a rate when rate is nil (its amount is then 0, and no view
// that uses it is built).
func (s *Snapshot) resolveAmounts(ci int, rate *big.Rat) (out []kassa.Amount, resolved []bool, err error) {
	out = make([]kassa.Amount, len(s.entries))
	resolved = make([]bool, len(s.entries))
	for i, e := range s.entries {
		if e.set[ci] {
			out[i], resolved[i] = e.amt[ci], true
			continue
		}
		if rate == nil {
			continue
		}
		amt, err := e.amt[1-ci].ConvertRat(rate)
		if err != nil {
			return nil, nil, rejectf("price book", "converting %s to %s: %v", e.amt[1-ci], currencies[ci], err)
		}
		out[i], resolved[i] = amt, true
	}
	return out, resolved, nil
}

// listed calls fn with each network a country lists in the view, in code
// order, with its price's entry index + 1 and whether it is the network's
// own price. A country with a default price lists every network; one
// without lists those with their own price.
func (v *view) listed(ci int, fn func(n, id uint32, own bool)) {
	def := v.def[ci]
	t := &v.s.nets
	for n := uint32(t.start[ci]); n < uint32(t.start[ci+1]); n++ {
		if id, _ := t.ownPrice(n, v.ti); id != 0 {
			fn(n, id, true)
		} else if def != 0 {
			fn(n, def, false)
		}
	}
}

// priceText returns the wire text of an entry's price.
func (v *view) priceText(id uint32) string { return v.texts[id-1] }

// header returns a country's default price and whether it is priced.
func (v *view) header(ci int) (def kassa.Amount, hasDef, priced bool) {
	if id := v.def[ci]; id != 0 {
		return v.amounts[id-1], true, true
	}
	t := &v.s.nets
	for n := uint32(t.start[ci]); n < uint32(t.start[ci+1]); n++ {
		if id, _ := t.ownPrice(n, v.ti); id != 0 {
			return 0, false, true
		}
	}
	return 0, false, false
}

// countryPrice builds one country's typed view.
func (v *view) countryPrice(ci int) CountryPrice {
	cp, _ := v.countryPriceUpTo(ci, -1)
	return cp
}

// countryPriceUpTo builds one country's typed view with at most limit
// networks (all when limit < 0) and returns how many it lists in all.
func (v *view) countryPriceUpTo(ci, limit int) (CountryPrice, int) {
	s := v.s
	cp := CountryPrice{Country: s.countries[ci], Currency: v.currency}
	cp.DefaultPrice, cp.HasDefault, cp.Priced = v.header(ci)
	code := s.countries[ci].Code
	total := 0
	v.listed(ci, func(n, id uint32, own bool) {
		total++
		if limit >= 0 && len(cp.Networks) >= limit {
			return
		}
		e := s.nets.entry(int(n))
		cp.Networks = append(cp.Networks, NetworkPrice{Network: e.network(code), Price: v.amounts[id-1], Own: own})
	})
	return cp, total
}

// typedCountries returns every country's typed view: built once for a
// pre-rendered snapshot, on every call for a streamed one.
func (v *view) typedCountries() []CountryPrice {
	build := func() []CountryPrice {
		out := make([]CountryPrice, len(v.s.countries))
		for ci := range out {
			out[ci] = v.countryPrice(ci)
		}
		return out
	}
	if v.s.streamed {
		return build()
	}
	v.typedOnce.Do(func() { v.typed = build() })
	return v.typed
}

// buildSummaries computes every country's summary.
func (v *view) buildSummaries() {
	s := v.s
	v.summaries = make([]CountrySummary, len(s.countries))
	for ci := range s.countries {
		sum := CountrySummary{Country: s.countries[ci], Currency: v.currency}
		sum.DefaultPrice, sum.HasDefault, sum.Priced = v.header(ci)
		found := sum.HasDefault
		sum.Lowest = sum.DefaultPrice
		v.listed(ci, func(_, id uint32, _ bool) {
			price := v.amounts[id-1]
			sum.Networks++
			if !found || price < sum.Lowest {
				sum.Lowest, found = price, true
			}
		})
		v.summaries[ci] = sum
	}
}
