package pricing

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// CompileOptions tune Compile.
type CompileOptions struct {
	// Version is the price-book version the snapshot reports.
	Version int64
	// SkipStale drops, instead of rejecting the book for, lines and book
	// networks that disagree with the reference data (unknown country or
	// network, a book network the reference data now has): for versions
	// stored under older reference data. Snapshot.Warnings lists them.
	SkipStale bool
	// FX holds exchange rates as exact decimal text keyed "FROM/TO":
	// {"EUR/USD": "1.0825"} means 1 EUR = 1.0825 USD. The inverse direction
	// is derived exactly when only one is given. Prices are converted only
	// where the book has no line in the answer's currency.
	FX map[string]string
}

// maxReportedErrors caps the reasons listed in one rejection message.
const maxReportedErrors = 20

// Compile validates a price book against the reference data and builds its
// immutable snapshot. A book with unknown countries or networks, negative
// prices, duplicate lines, unsupported currencies or service types, or bad
// extra networks is rejected whole with an EINVALID *kassa.Error naming
// every offending line (up to a cap).
func Compile(book *kassa.PriceBook, ref *refdata.Data, opts CompileOptions) (*Snapshot, error) {
	if book == nil || ref == nil {
		return nil, errors.New("compile price book: nil book or reference data")
	}
	fx, err := parseFX(opts.FX)
	if err != nil {
		return nil, err
	}
	s := newSnapshot(book, ref, opts.Version)
	problems := problemList{skipStale: opts.SkipStale}
	s.addBookNetworks(book.Networks, &problems)
	lines := s.collectLines(book.Prices, &problems)
	if err := problems.err(); err != nil {
		return nil, err
	}
	s.warnings = problems.stale
	if err := s.buildViews(lines, fx); err != nil {
		return nil, err
	}
	s.buildIndex()
	if err := s.render(); err != nil {
		return nil, fmt.Errorf("compile price book: %w", err)
	}
	return s, nil
}

// newSnapshot indexes the reference countries and networks.
func newSnapshot(book *kassa.PriceBook, ref *refdata.Data, version int64) *Snapshot {
	s := &Snapshot{
		version:     version,
		book:        book,
		ref:         ref,
		countries:   ref.Countries,
		countryIdx:  make(map[string]int, len(ref.Countries)),
		networks:    make([][]kassa.Network, len(ref.Countries)),
		prefixCache: new(sync.Map),
	}
	for i, c := range ref.Countries {
		s.countryIdx[c.Code] = i
		s.networks[i] = ref.NetworksOf(c.Code)
	}
	return s
}

// addBookNetworks validates the book's extra networks and adds them to
// their countries.
func (s *Snapshot) addBookNetworks(nets []kassa.Network, problems *problemList) {
	known := map[string]bool{} // "GB|23410": codes are unique per country only
	for ci, list := range s.networks {
		for _, n := range list {
			known[s.countries[ci].Code+"|"+n.Code] = true
		}
	}
	added := false
	for i, n := range nets {
		what := fmt.Sprintf("network %d (%s %s)", i+1, n.Country, n.Code)
		ci, ok := s.countryIdx[n.Country]
		switch {
		case !ok:
			problems.stalef("%s: unknown country %q", what, n.Country)
		case n.Code == "":
			problems.addf("%s: network code is empty", what)
		case known[n.Country+"|"+n.Code]:
			problems.stalef("%s: network code %s already exists in %s", what, n.Code, n.Country)
		case !validNetworkType(n.Type):
			problems.addf("%s: unknown network type %q", what, n.Type)
		default:
			if msg := checkRanges(n.Ranges, s.countries[ci].DialingPrefix); msg != "" {
				problems.addf("%s: %s", what, msg)
				continue
			}
			if n.Name == "" {
				n.Name = n.Code
			}
			known[n.Country+"|"+n.Code] = true
			s.networks[ci] = append(s.networks[ci], n)
			added = true
		}
	}
	if added {
		for ci := range s.networks {
			list := s.networks[ci]
			sort.SliceStable(list, func(a, b int) bool { return list[a].Code < list[b].Code })
		}
	}
}

// checkRanges returns why a book network's ranges are not acceptable, or "".
func checkRanges(ranges []string, dialingPrefix string) string {
	for _, r := range ranges {
		if !isDigits(r) || r[0] == '0' || len(r) > maxDigits {
			return fmt.Sprintf("range %q is not a number prefix", r)
		}
		if !strings.HasPrefix(r, dialingPrefix) && !strings.HasPrefix(dialingPrefix, r) {
			return fmt.Sprintf("range %q does not start with the dialling prefix %s", r, dialingPrefix)
		}
	}
	return ""
}

func validNetworkType(t kassa.NetworkType) bool {
	switch t {
	case kassa.Mobile, kassa.Landline, kassa.LandlinePremium, kassa.LandlineTollFree, kassa.Virtual, kassa.Pager:
		return true
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lineKey identifies what a price line prices; network is -1 for the
// country's default.
type lineKey struct {
	typ     int8
	country int32
	network int32
}

// lineAmounts holds a key's price in each currency that the book gives.
type lineAmounts [numCurrencies]struct {
	amount kassa.Amount
	set    bool
	line   int
}

// collectLines validates the price lines and indexes them by key.
func (s *Snapshot) collectLines(prices []kassa.Price, problems *problemList) map[lineKey]*lineAmounts {
	lines := make(map[lineKey]*lineAmounts, len(prices))
	netIdx := s.networkIndex()
	for i, p := range prices {
		what := fmt.Sprintf("line %d (%s %s %s %s)", i+1, p.Type, p.Country, orDefault(p.Network), p.Currency)
		ti, ok := typeIndex(p.Type)
		if !ok {
			problems.addf("%s: unknown service type %q", what, p.Type)
			continue
		}
		cur, ok := currencyIndex(p.Currency)
		if !ok {
			problems.addf("%s: currency must be EUR or USD", what)
			continue
		}
		if p.Price.IsNegative() {
			problems.addf("%s: negative price %s", what, p.Price)
			continue
		}
		ci, ok := s.countryIdx[p.Country]
		if !ok {
			problems.stalef("%s: unknown country %q", what, p.Country)
			continue
		}
		key := lineKey{typ: int8(ti), country: int32(ci), network: -1}
		if p.Network != "" {
			loc, ok := netIdx[p.Country+"|"+p.Network]
			if !ok {
				if elsewhere, found := netIdx[p.Network]; found {
					problems.stalef("%s: network %s belongs to %s, not %s", what, p.Network, s.countries[elsewhere.country].Code, p.Country)
				} else {
					problems.stalef("%s: unknown network %q", what, p.Network)
				}
				continue
			}
			key.network = loc.network
		}
		la := lines[key]
		if la == nil {
			la = new(lineAmounts)
			lines[key] = la
		}
		if la[cur].set {
			problems.addf("%s: duplicate of line %d", what, la[cur].line)
			continue
		}
		la[cur].amount, la[cur].set, la[cur].line = p.Price, true, i+1
	}
	return lines
}

// networkIndex maps "country|code" (network codes are unique per country
// only: 34001 serves GF, GP and MQ) and, for messages, the bare code of
// the first country using it, to the network's position.
func (s *Snapshot) networkIndex() map[string]dest {
	idx := map[string]dest{}
	for ci, list := range s.networks {
		for ni, n := range list {
			d := dest{country: int32(ci), network: int32(ni)}
			idx[s.countries[ci].Code+"|"+n.Code] = d
			if _, ok := idx[n.Code]; !ok {
				idx[n.Code] = d
			}
		}
	}
	return idx
}

func orDefault(network string) string {
	if network == "" {
		return "default"
	}
	return network
}

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
		return 0, false, kassa.Errorf(kassa.EINVALID, "price book rejected: line %d: converting %s to %s: %v", other.line, other.amount, currencies[ci], err)
	}
	return amt, true, nil
}

// problemList collects validation problems up to a cap. With skipStale,
// problems caused by changed reference data are kept apart as warnings.
type problemList struct {
	msgs      []string
	total     int
	skipStale bool
	stale     []string
}

// stalef records a problem that newer reference data can cause.
func (p *problemList) stalef(format string, args ...any) {
	if !p.skipStale {
		p.addf(format, args...)
		return
	}
	p.stale = append(p.stale, fmt.Sprintf(format, args...))
}

func (p *problemList) addf(format string, args ...any) {
	p.total++
	if len(p.msgs) < maxReportedErrors {
		p.msgs = append(p.msgs, fmt.Sprintf(format, args...))
	}
}

// err returns the EINVALID error listing the problems, or nil.
func (p *problemList) err() error {
	if p.total == 0 {
		return nil
	}
	msg := "price book rejected: " + strings.Join(p.msgs, "; ")
	if p.total > len(p.msgs) {
		msg += fmt.Sprintf("; and %d more problems", p.total-len(p.msgs))
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: msg}
}
