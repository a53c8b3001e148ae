package pricing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kassa-dev/kassa"
)

// maxReportedErrors caps the reasons listed in one rejection message.
const maxReportedErrors = 20

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
		if dialingPrefix == "" {
			return fmt.Sprintf("range %q: the country has no dialling prefix", r)
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

// problemList collects validation problems up to a cap. With skipStale,
// problems caused by changed reference data are kept apart as warnings.
type problemList struct {
	subject   string // what is rejected: "price book" when empty
	list      []Problem
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

// addf records a problem written "place: reason" (see splitProblem).
func (p *problemList) addf(format string, args ...any) {
	p.total++
	if len(p.list) < maxReportedErrors {
		p.list = append(p.list, splitProblem(fmt.Sprintf(format, args...)))
	}
}

// err returns the EINVALID error listing the problems, or nil.
func (p *problemList) err() error {
	if p.total == 0 {
		return nil
	}
	subject := p.subject
	if subject == "" {
		subject = "price book"
	}
	return rejection(subject, p.list, p.total-len(p.list))
}
