package main

import (
	"fmt"

	"github.com/nyaruka/phonenumbers"
	"sort"
	"strings"
	"unicode"
)

// country is one generated country row.
type country struct {
	Code, Name, DisplayName, DialingPrefix string
}

// network is one generated network row.
type network struct {
	Country, Code, Type, Name, MCC, MNC string
	Aliases                             []string
	Ranges                              []string

	ambiguousName bool // the mbpi code was shared by several providers
	fixedName     bool // named by the alias table
	carrierHits   map[string]int
}

// sources are the parsed inputs of one generation.
type sources struct {
	iso       []isoCountry
	providers []mbpiProvider
	// droppedCodes are the mbpi ids dropped as another country's MCC.
	droppedCodes []string
	carriers     []carrierPrefix
	aliases      []alias
	phone        *phoneMeta
}

// result is the generated data plus what the coverage report needs.
type result struct {
	Countries []country
	Networks  []network
	Unmatched []unmatchedCarrier
	Joins     []carrierJoin
}

// carrierJoin records how one libphonenumber carrier found its network.
type carrierJoin struct {
	Country, Carrier, Network, NetworkName, How string
	Prefixes                                    int
}

// unmatchedCarrier is a libphonenumber carrier no network was found for.
type unmatchedCarrier struct {
	Country, Carrier string
	Prefixes         int
}

func build(src sources) (*result, error) {
	res := &result{}
	display := map[string]string{}
	for _, c := range src.iso {
		prefix := ""
		if r, ok := src.phone.regions[c.Alpha2]; ok {
			prefix = r.CallingCode
		}
		res.Countries = append(res.Countries, country{c.Alpha2, c.Name, c.displayName(), prefix})
		display[c.Alpha2] = c.displayName()
	}
	sort.Slice(res.Countries, func(i, j int) bool { return res.Countries[i].Code < res.Countries[j].Code })

	nets := newNetworkSet()
	nets.addProviders(src.providers, display)
	if err := nets.joinCarriers(src, display, res); err != nil {
		return nil, err
	}
	mobileRanges := map[string]bool{}
	for _, n := range nets.all {
		n.finish()
		res.Networks = append(res.Networks, *n)
		for _, r := range n.Ranges {
			mobileRanges[r] = true
		}
	}
	pseudo, err := pseudoNetworks(src.phone, res.Countries, mobileRanges)
	if err != nil {
		return nil, err
	}
	res.Networks = append(res.Networks, pseudo...)
	sort.Slice(res.Networks, func(i, j int) bool {
		a, b := res.Networks[i], res.Networks[j]
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		return a.Code < b.Code
	})
	return res, nil
}

// networkSet holds the mobile networks while they are assembled.
type networkSet struct {
	all    []*network
	byCode map[string]*network // country+code (aliases included) -> network
}

func newNetworkSet() *networkSet {
	return &networkSet{byCode: map[string]*network{}}
}

// addProviders turns mbpi providers into networks: each MCC+MNC belongs to
// one provider (the primary one, else the one listing most codes, else the
// first in the file); a provider's first owned code is its network code and
// its other owned codes are aliases.
func (s *networkSet) addProviders(providers []mbpiProvider, display map[string]string) {
	candidates := map[string][]int{}
	for i, p := range providers {
		if _, ok := display[p.Country]; !ok {
			continue
		}
		for _, c := range p.Codes {
			candidates[p.Country+c] = append(candidates[p.Country+c], i)
		}
	}
	owner := map[string]int{}
	for key, cands := range candidates {
		sort.SliceStable(cands, func(i, j int) bool {
			a, b := providers[cands[i]], providers[cands[j]]
			if a.Primary != b.Primary {
				return a.Primary
			}
			if len(a.Codes) != len(b.Codes) {
				return len(a.Codes) > len(b.Codes)
			}
			return a.Order < b.Order
		})
		owner[key] = cands[0]
	}
	for i, p := range providers {
		var n *network
		for _, c := range p.Codes {
			if o, ok := owner[p.Country+c]; !ok || o != i {
				continue
			}
			if n == nil {
				n = newMobile(p.Country, c, p.Name)
				s.all = append(s.all, n)
			} else {
				n.Aliases = append(n.Aliases, c)
			}
			n.ambiguousName = n.ambiguousName || len(candidates[p.Country+c]) > 1
			s.byCode[p.Country+c] = n
		}
	}
}

func newMobile(country, code, name string) *network {
	return &network{Country: country, Code: code, Type: "mobile", Name: name, MCC: code[:3], MNC: code[3:], carrierHits: map[string]int{}}
}

// joinCarriers gives each libphonenumber carrier prefix to a network: by
// the alias table first, then by normalised name.
func (s *networkSet) joinCarriers(src sources, display map[string]string, res *result) error {
	type key struct{ country, carrier string }
	groups := map[key][]string{}
	for _, cp := range src.carriers {
		r, ok := src.phone.regionOfMobilePrefix(cp.Prefix)
		if !ok {
			continue
		}
		if _, ok := display[r.Code]; !ok {
			continue // not an ISO 3166-1 country (XK, AC, TA)
		}
		k := key{r.Code, cp.Carrier}
		groups[k] = append(groups[k], cp.Prefix)
	}
	aliasOf := map[key]alias{}
	for _, a := range src.aliases {
		if _, ok := display[a.Country]; !ok {
			return fmt.Errorf("aliases.tsv: unknown country %s", a.Country)
		}
		if err := s.applyAlias(a); err != nil {
			return err
		}
		aliasOf[key{a.Country, a.Carrier}] = a
	}
	keys := make([]key, 0, len(groups))
	firstWords := map[firstWordKey]int{}
	for k := range groups {
		keys = append(keys, k)
		firstWords[firstWordKey{k.country, firstWord(k.carrier)}]++
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].country != keys[j].country {
			return keys[i].country < keys[j].country
		}
		return keys[i].carrier < keys[j].carrier
	})
	for _, k := range keys {
		var n *network
		how := "alias"
		if a, ok := aliasOf[k]; ok {
			n = s.byCode[k.country+a.Code] // nil for noNetwork
		} else {
			n, how = s.matchByName(k.country, k.carrier, firstWords[firstWordKey{k.country, firstWord(k.carrier)}])
		}
		if n == nil {
			res.Unmatched = append(res.Unmatched, unmatchedCarrier{k.country, k.carrier, len(groups[k])})
			continue
		}
		res.Joins = append(res.Joins, carrierJoin{k.country, k.carrier, n.Code, n.Name, how, len(groups[k])})
		n.Ranges = append(n.Ranges, groups[k]...)
		n.carrierHits[k.carrier] += len(groups[k])
	}
	return nil
}

// applyAlias makes sure the network of an alias row exists before the
// join: it creates a network mobile-broadband-provider-info lacks, gives a
// network the row's name, or (with a name) splits a code that the file
// lists as another network's alias into a network of its own. The MCC must
// be one the country's other networks use.
func (s *networkSet) applyAlias(a alias) error {
	if a.Code == noNetwork {
		return nil
	}
	mccs := map[string]bool{}
	for _, n := range s.all {
		if n.Country == a.Country {
			mccs[n.MCC] = true
		}
	}
	if len(mccs) > 0 && !mccs[a.Code[:3]] {
		return fmt.Errorf("aliases.tsv: %s %q: network %s has an MCC no other %s network uses", a.Country, a.Carrier, a.Code, a.Country)
	}
	n := s.byCode[a.Country+a.Code]
	switch {
	case n == nil:
		name := a.Name
		if name == "" {
			name = a.Carrier
		}
		n = newMobile(a.Country, a.Code, name)
		s.all = append(s.all, n)
		s.byCode[a.Country+a.Code] = n
	case a.Name != "" && n.Code != a.Code:
		n.Aliases = without(n.Aliases, a.Code)
		n = newMobile(a.Country, a.Code, a.Name)
		s.all = append(s.all, n)
		s.byCode[a.Country+a.Code] = n
	case a.Name != "":
		n.Name = a.Name
	}
	if a.Name != "" {
		n.fixedName = true
	}
	return nil
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// firstWordKey counts the carriers of a country that share a first word.
type firstWordKey struct{ country, word string }

// matchByName finds the one network of a country whose normalised name
// equals the carrier's, or failing that the one whose first word does,
// when no other carrier of the country starts with that word
// (sharing is the number of carriers that do).
func (s *networkSet) matchByName(country, carrier string, sharing int) (*network, string) {
	want := normalise(carrier)
	if want == "" {
		return nil, ""
	}
	var exact, first []*network
	for _, n := range s.all {
		if n.Country != country {
			continue
		}
		if normalise(n.Name) == want {
			exact = append(exact, n)
		}
		if firstWord(n.Name) == firstWord(carrier) {
			first = append(first, n)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], "name"
	case len(exact) == 0 && len(first) == 1 && len(firstWord(carrier)) >= 3 && sharing == 1:
		return first[0], "first word"
	}
	return nil, ""
}

// normalise lower-cases a name and keeps only its letters and digits.
func normalise(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstWord(name string) string {
	f := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// finish sorts ranges and aliases and, for a network whose mbpi code was
// shared by several providers (an operator and its MVNOs), takes the name
// of the libphonenumber carrier with most prefixes.
func (n *network) finish() {
	n.Ranges = sortedUnique(n.Ranges)
	n.Aliases = sortedUnique(n.Aliases)
	if n.ambiguousName && !n.fixedName {
		best, hits := "", 0
		for c, h := range n.carrierHits {
			if h > hits || (h == hits && c < best) {
				best, hits = c, h
			}
		}
		if best != "" {
			n.Name = best
		}
	}
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	sort.Strings(in)
	out := in[:1]
	for _, s := range in[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// pseudoNetworks builds the landline, toll-free, premium, virtual and
// pager networks of every country libphonenumber describes. Regions that
// share a calling code often share number types too (NANP toll-free 1800,
// UK premium 4490 for GB, GG, IM, JE): a range goes to the first region
// in libphonenumber's order for the code (the main country first), as
// libphonenumber itself resolves such numbers, and a pseudo-network left
// without ranges is dropped.
//
// A range that is also a mobile carrier's prefix stays with the carrier:
// where fixed and mobile numbers share leading digits (DK, NANP) the
// carrier data is the more specific statement.
func pseudoNetworks(pm *phoneMeta, countries []country, mobileRanges map[string]bool) ([]network, error) {
	isCountry := map[string]country{}
	for _, c := range countries {
		isCountry[c.Code] = c
	}
	var out []network
	for _, cc := range sortedKeys(pm.byCode) {
		claimed := map[string]bool{}
		for _, code := range phonenumbers.GetRegionCodesForCountryCode(mustAtoi(cc)) {
			r, ok := pm.regions[code]
			c, isISO := isCountry[code]
			if !ok || !isISO {
				continue
			}
			for _, t := range pseudoTypes {
				ranges, err := r.pseudoRanges(t)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", c.Code, t.Suffix, err)
				}
				var own []string
				for _, rg := range ranges {
					if !claimed[t.Suffix+rg] && !mobileRanges[rg] {
						own = append(own, rg)
					}
				}
				for _, rg := range own {
					claimed[t.Suffix+rg] = true
				}
				if len(own) == 0 {
					continue
				}
				out = append(out, network{
					Country: c.Code, Code: c.Code + "-" + t.Suffix, Type: t.Type,
					Name: c.DisplayName + " " + t.NameTail, Ranges: sortedUnique(own),
				})
			}
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
