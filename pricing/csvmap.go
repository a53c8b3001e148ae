package pricing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// prefixLookup indexes the reference data the ways a rate deck names a
// destination.
type prefixLookup struct {
	ref           *refdata.Data
	byRange       map[string]kassa.Network   // range → network (the country with most ranges wins)
	byCountryRng  map[string]kassa.Network   // "GB|4477" → network
	byMCCMNC      map[string][]kassa.Network // "234|10" → networks (one per country)
	byCode        map[string][]kassa.Network // code or alias → networks (one per country)
	byName        map[string][]kassa.Network
	countryByName map[string]string // lower-case name or display name → alpha-2
	mainCountry   map[string]string // dialling prefix → the country with most ranges that has it
}

func newPrefixLookup(ref *refdata.Data) *prefixLookup {
	x := &prefixLookup{
		ref:           ref,
		byRange:       map[string]kassa.Network{},
		byCountryRng:  map[string]kassa.Network{},
		byMCCMNC:      map[string][]kassa.Network{},
		byCode:        map[string][]kassa.Network{},
		byName:        map[string][]kassa.Network{},
		countryByName: map[string]string{},
		mainCountry:   map[string]string{},
	}
	countries := append([]kassa.Country(nil), ref.Countries...)
	ranges := func(c kassa.Country) (n int) {
		for _, nw := range ref.NetworksOf(c.Code) {
			n += len(nw.Ranges)
		}
		return n
	}
	sort.SliceStable(countries, func(a, b int) bool { return ranges(countries[a]) > ranges(countries[b]) })
	for _, c := range countries {
		if _, ok := x.mainCountry[c.DialingPrefix]; !ok {
			x.mainCountry[c.DialingPrefix] = c.Code
		}
		x.countryByName[strings.ToLower(c.Name)] = c.Code
		x.countryByName[strings.ToLower(c.DisplayName)] = c.Code
		for _, n := range ref.NetworksOf(c.Code) {
			x.add(n)
		}
	}
	return x
}

// add indexes one network, keeping earlier entries on conflicts.
func (x *prefixLookup) add(n kassa.Network) {
	for _, r := range n.Ranges {
		if _, ok := x.byRange[r]; !ok {
			x.byRange[r] = n
		}
		if _, ok := x.byCountryRng[n.Country+"|"+r]; !ok {
			x.byCountryRng[n.Country+"|"+r] = n
		}
	}
	if n.MCC != "" {
		x.byMCCMNC[n.MCC+"|"+n.MNC] = append(x.byMCCMNC[n.MCC+"|"+n.MNC], n)
	}
	for _, code := range append([]string{n.Code}, n.Aliases...) {
		x.byCode[code] = append(x.byCode[code], n)
	}
	key := n.Country + "|" + strings.ToLower(n.Name)
	x.byName[key] = append(x.byName[key], n)
}

// mccmnc finds the networks with an MCC and MNC, trying the MNC with two
// and three digits.
func (x *prefixLookup) mccmnc(mcc, mnc string) []kassa.Network {
	for _, m := range []string{mnc, fmt.Sprintf("%02s", mnc), fmt.Sprintf("%03s", mnc), strings.TrimLeft(mnc, "0")} {
		if list, ok := x.byMCCMNC[mcc+"|"+m]; ok {
			return list
		}
	}
	return nil
}

// pick chooses the network of country among candidates (any one country
// when country is ""). It explains an ambiguous or wrong-country choice.
func pick(list []kassa.Network, country, what string) (kassa.Network, string) {
	if country == "" {
		if len(list) == 1 {
			return list[0], ""
		}
		var cs []string
		for _, n := range list {
			cs = append(cs, n.Country)
		}
		return kassa.Network{}, fmt.Sprintf("%s is used in %s; add a country column", what, strings.Join(cs, ", "))
	}
	for _, n := range list {
		if n.Country == country {
			return n, ""
		}
	}
	return kassa.Network{}, fmt.Sprintf("%s is in %s, not %s", what, list[0].Country, country)
}

// longestRange returns the network whose range in country is the longest
// proper prefix of prefix.
func (x *prefixLookup) longestRange(country, prefix string) (kassa.Network, bool) {
	for l := len(prefix) - 1; l > 0; l-- {
		if n, ok := x.byCountryRng[country+"|"+prefix[:l]]; ok {
			return n, true
		}
	}
	return kassa.Network{}, false
}

// countryOfPrefix finds the country of a number prefix: by a known range,
// else by the longest dialling prefix it starts with; a dialling prefix
// that several countries share gives the one with the most ranges (US for
// 1, GB for 44), as carrier decks mean it.
func (x *prefixLookup) countryOfPrefix(prefix string) (string, string) {
	for l := len(prefix); l > 0; l-- {
		if n, ok := x.byRange[prefix[:l]]; ok {
			return n.Country, ""
		}
	}
	for l := min(len(prefix), 4); l > 0; l-- {
		if len(x.ref.CountriesByPrefix(prefix[:l])) > 0 {
			return x.mainCountry[prefix[:l]], ""
		}
	}
	return "", fmt.Sprintf("prefix %s is not in any country", prefix)
}

// resolveCountry reads a country cell: an alpha-2 code, a dialling code
// (a shared one gives the country with the most ranges; destination then
// lets the row's prefix choose among the sharers), or a country name.
func (x *prefixLookup) resolveCountry(v string) (string, string) {
	if len(v) == 2 && isLetters(v) {
		code := strings.ToUpper(v)
		if _, ok := x.ref.Country(code); ok {
			return code, ""
		}
		return "", fmt.Sprintf("unknown country %q", v)
	}
	if d := strings.TrimPrefix(v, "+"); isDigits(d) {
		if len(x.ref.CountriesByPrefix(d)) == 0 {
			return "", fmt.Sprintf("no country has the dialling code %s", d)
		}
		return x.mainCountry[d], ""
	}
	if code, ok := x.countryByName[strings.ToLower(v)]; ok {
		return code, ""
	}
	return "", fmt.Sprintf("unknown country %q", v)
}

// sameDialling reports whether two countries have the same dialling prefix.
func (x *prefixLookup) sameDialling(a, b string) bool {
	ca, _ := x.ref.Country(a)
	cb, _ := x.ref.Country(b)
	return ca.DialingPrefix == cb.DialingPrefix
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// destination maps a row to its country and network ("" for the default).
func (p *deckParser) destination(line int, rec []string, typ kassa.ServiceType, cur kassa.Currency) (string, string, bool) {
	x := p.index
	country := ""
	if v := p.cell(rec, colCountry); v != "" {
		c, msg := x.resolveCountry(v)
		if msg != "" {
			p.problems.addf("%s: %s", p.where(line, colCountry), msg)
			return "", "", false
		}
		country = c
	}
	nw, found, ok := p.networkByID(line, rec, country)
	if !ok {
		return "", "", false
	}
	if found {
		country = nw.Country
	}
	prefix := strings.ReplaceAll(strings.TrimPrefix(p.cell(rec, colPrefix), "+"), " ", "")
	if prefix == "" {
		return p.withoutPrefix(line, rec, country, nw, found)
	}
	if !p.checkPrefix(line, prefix, typ, cur) {
		return "", "", false
	}
	country, ok = p.countryForPrefix(line, rec, country, found, prefix)
	if !ok {
		return "", "", false
	}
	cinfo, _ := x.ref.Country(country)
	if found {
		if i, ok := p.extra[country+"|"+nw.Code]; ok && !containsString(p.book.Networks[i].Ranges, prefix) {
			p.book.Networks[i].Ranges = append(p.book.Networks[i].Ranges, prefix)
		}
		return country, nw.Code, true
	}
	return p.byPrefix(line, rec, country, cinfo, prefix)
}

// checkPrefix checks a row's prefix: digits, and not seen before for the
// same type and currency.
func (p *deckParser) checkPrefix(line int, prefix string, typ kassa.ServiceType, cur kassa.Currency) bool {
	if !isDigits(prefix) || len(prefix) > maxDigits {
		p.problems.addf("%s: bad prefix %q (digits only)", p.where(line, colPrefix), prefix)
		return false
	}
	dupKey := string(typ) + "|" + string(cur) + "|" + prefix
	if prev, dup := p.seenPrefix[dupKey]; dup {
		p.problems.addf("%s: duplicate prefix %s (also on line %d)", p.where(line, colPrefix), prefix, prev)
		return false
	}
	p.seenPrefix[dupKey] = line
	return true
}

// countryForPrefix settles the country of a row with a prefix: the one
// the row names (a shared dialling code yields to the prefix's ranges),
// else the prefix's own; the prefix must lie in that country.
func (p *deckParser) countryForPrefix(line int, rec []string, country string, found bool, prefix string) (string, bool) {
	x := p.index
	if country != "" && !found && isDigits(strings.TrimPrefix(p.cell(rec, colCountry), "+")) {
		// The country column holds a dialling code: the prefix's ranges
		// pick among the countries sharing it (+44: GB, GG, IM, JE).
		if c, _ := x.countryOfPrefix(prefix); c != "" && x.sameDialling(c, country) {
			country = c
		}
	}
	if country == "" {
		c, msg := x.countryOfPrefix(prefix)
		if msg != "" {
			p.problems.addf("%s: %s", p.where(line, colPrefix), msg)
			return "", false
		}
		country = c
	}
	cinfo, _ := x.ref.Country(country)
	switch {
	case cinfo.DialingPrefix == "":
		p.problems.addf("%s: %s has no dialling prefix; leave the prefix empty", p.where(line, colPrefix), country)
		return "", false
	case !strings.HasPrefix(prefix, cinfo.DialingPrefix):
		p.problems.addf("%s: prefix %s is not in %s (+%s)", p.where(line, colPrefix), prefix, country, cinfo.DialingPrefix)
		return "", false
	}
	return country, true
}

// networkByID finds the network a row names by MCC/MNC or network code.
// found is false when the row names none; ok is false after a problem.
func (p *deckParser) networkByID(line int, rec []string, country string) (nw kassa.Network, found, ok bool) {
	x := p.index
	mcc, mnc := p.cell(rec, colMCC), p.cell(rec, colMNC)
	if v := p.cell(rec, colMCCMNC); v != "" {
		v = strings.NewReplacer("-", "", "/", "", " ", "").Replace(v)
		if !isDigits(v) || len(v) < 5 || len(v) > 6 {
			p.problems.addf("%s: bad MCC/MNC %q", p.where(line, colMCCMNC), v)
			return nw, false, false
		}
		mcc, mnc = v[:3], v[3:]
	}
	if mcc != "" || mnc != "" {
		if !isDigits(mcc) || !isDigits(mnc) {
			p.problems.addf("line %d: bad MCC/MNC %q/%q", line, mcc, mnc)
			return nw, false, false
		}
		list := x.mccmnc(mcc, mnc)
		if list == nil {
			p.problems.addf("line %d: unknown network MCC %s MNC %s", line, mcc, mnc)
			return nw, false, false
		}
		n, msg := pick(list, country, "network "+mcc+"/"+mnc)
		if msg != "" {
			p.problems.addf("line %d: %s", line, msg)
			return nw, false, false
		}
		return n, true, true
	}
	code := p.cell(rec, colNetworkCode)
	if code == "" {
		return nw, false, true
	}
	if list, ok := x.byCode[code]; ok {
		n, msg := pick(list, country, "network "+code)
		if msg != "" {
			p.problems.addf("line %d: %s", line, msg)
			return nw, false, false
		}
		return n, true, true
	}
	if i, ok := p.extra[country+"|"+code]; ok {
		return p.book.Networks[i], true, true
	}
	if p.cell(rec, colPrefix) != "" {
		return nw, false, true // a new network: its prefix defines it
	}
	p.problems.addf("%s: unknown network %q", p.where(line, colNetworkCode), code)
	return nw, false, false
}

// withoutPrefix maps a row that has no prefix.
func (p *deckParser) withoutPrefix(line int, rec []string, country string, nw kassa.Network, found bool) (string, string, bool) {
	if found {
		return country, nw.Code, true
	}
	if country == "" {
		p.problems.addf("line %d: no country, prefix or network says where this price goes", line)
		return "", "", false
	}
	name := p.cell(rec, colNetwork)
	if name == "" {
		return country, "", true
	}
	for _, n := range p.index.byCode[name] {
		if n.Country == country {
			return country, n.Code, true
		}
	}
	switch list := p.index.byName[country+"|"+strings.ToLower(name)]; len(list) {
	case 1:
		return country, list[0].Code, true
	case 0:
		p.problems.addf("%s: no network %q in %s", p.where(line, colNetwork), name, country)
	default:
		p.problems.addf("%s: %d networks in %s are called %q; give the network code or MCC/MNC", p.where(line, colNetwork), len(list), country, name)
	}
	return "", "", false
}

// byPrefix maps a prefix row: the dialling prefix is the country default,
// a known range its network, anything else a new network of the book.
func (p *deckParser) byPrefix(line int, rec []string, country string, c kassa.Country, prefix string) (string, string, bool) {
	if prefix == c.DialingPrefix {
		return country, "", true
	}
	if n, ok := p.index.byCountryRng[country+"|"+prefix]; ok {
		return country, n.Code, true
	}
	code := p.cell(rec, colNetworkCode)
	if code == "" {
		code = country + "-" + prefix
	}
	if i, ok := p.extra[country+"|"+code]; ok {
		if !containsString(p.book.Networks[i].Ranges, prefix) {
			p.book.Networks[i].Ranges = append(p.book.Networks[i].Ranges, prefix)
		}
		return country, code, true
	}
	nw := kassa.Network{Code: code, Country: country, Name: p.cell(rec, colNetwork), Type: kassa.Landline, Ranges: []string{prefix}}
	if parent, ok := p.index.longestRange(country, prefix); ok {
		nw.Type = parent.Type
		if hasMCC(parent.Type) {
			nw.MCC, nw.MNC = parent.MCC, parent.MNC
		}
	}
	if v := p.cell(rec, colNetworkType); v != "" {
		t := kassa.NetworkType(strings.ToLower(v))
		if !validNetworkType(t) {
			p.problems.addf("%s: unknown network type %q", p.where(line, colNetworkType), v)
			return "", "", false
		}
		nw.Type = t
	}
	if nw.Name == "" {
		nw.Name = c.DisplayName + " " + prefix
	}
	p.extra[country+"|"+code] = len(p.book.Networks)
	p.book.Networks = append(p.book.Networks, nw)
	return country, code, true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
