package pricing

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// prefixLookup indexes the reference data the ways a rate deck names a
// destination. Prefixes are numeric keys (prefixKey), so that looking up
// a row's prefix allocates nothing.
type prefixLookup struct {
	ref           *refdata.Data
	countryIdx    map[string]int     // alpha-2 → index in ref.Countries
	dialling      map[string]bool    // every dialling prefix
	byRange       map[uint64]int32   // range → network (the country with most ranges wins)
	byCountryRng  rangeTable         // country<<54 | range → network
	lens          []uint16           // per country: bit L set when it has a range of L digits
	allLens       uint16             // bit L set when some range has L digits
	byMCCMNC      map[string][]int32 // "234|10" → networks (one per country)
	byCode        map[string][]int32 // code or alias → networks (one per country)
	byName        map[string][]int32 // "GB|o2 uk" → networks
	countryByName map[string]string  // lower-case name or display name → alpha-2
	mainCountry   map[string]string  // dialling prefix → the country with most ranges that has it
}

// cachedLookup is a prefixLookup (shared, read only) with what one
// goroutine remembers of its previous row: rows come grouped by country
// and sorted by prefix.
type cachedLookup struct {
	*prefixLookup
	last        rangeSearch // the previous row's search, for deepest
	lastCell    string      // the previous row's country cell …
	lastCountry string      // … and what resolveCountry made of it
	lastMsg     string
	lastCode    string // the previous country looked up by index
	lastIdx     int
}

// index returns the index of a country code (known to be a reference
// country), remembering the last one: rows come grouped by country.
func (x *cachedLookup) index(code string) int {
	if code != x.lastCode {
		x.lastCode, x.lastIdx = code, x.countryIdx[code]
	}
	return x.lastIdx
}

// resolveCountryCached is resolveCountry remembering the last cell.
func (x *cachedLookup) resolveCountryCached(v string) (string, string) {
	if v != x.lastCell || x.lastCell == "" {
		x.lastCountry, x.lastMsg = x.resolveCountry(v)
		x.lastCell = strings.Clone(v) // v is a view of a batch's text
	}
	return x.lastCountry, x.lastMsg
}

// rangeSearch is the result of one deepest search: the prefix searched
// (digits), and the length and network of the longest range found (0 and
// -1 for none).
type rangeSearch struct {
	ci     int
	prefix []byte
	length int
	net    int32
}

// prefixKeyOf packs a prefix of 1 to maxDigits digits: its value and length.
func prefixKeyOf(prefix string) uint64 { return digitsValue(prefix)<<4 | uint64(len(prefix)) }

// countryRangeKey packs a country index and a prefix key.
func countryRangeKey(ci int, pk uint64) uint64 { return uint64(ci)<<54 | pk }

// validPrefix reports whether s can be a prefix key.
func validPrefix(s string) bool { return isDigits(s) && len(s) <= maxDigits }

// lastLookup is the prefixLookup of the reference data the last deck was
// read against (2.3 MiB for refdata.Default()), kept for the next deck:
// building it took about 30 ms of every import, before the first row.
var lastLookup atomic.Pointer[prefixLookup]

// prefixLookupOf returns the prefixLookup of ref, built once for the
// reference data in use. The reference data is not modified once loaded.
func prefixLookupOf(ref *refdata.Data) *prefixLookup {
	if x := lastLookup.Load(); x != nil && x.ref == ref {
		return x
	}
	x := newPrefixLookup(ref)
	lastLookup.Store(x)
	return x
}

func newPrefixLookup(ref *refdata.Data) *prefixLookup {
	x := &prefixLookup{
		ref:           ref,
		countryIdx:    make(map[string]int, len(ref.Countries)),
		dialling:      map[string]bool{},
		byRange:       map[uint64]int32{},
		lens:          make([]uint16, len(ref.Countries)),
		byMCCMNC:      map[string][]int32{},
		byCode:        map[string][]int32{},
		byName:        map[string][]int32{},
		countryByName: map[string]string{},
		mainCountry:   map[string]string{},
	}
	byCountry := make([][]int32, len(ref.Countries))
	for i, c := range ref.Countries {
		x.countryIdx[c.Code] = i
		x.dialling[c.DialingPrefix] = true
	}
	ranges := make([]int, len(ref.Countries))
	for i, n := range ref.Networks {
		if ci, ok := x.countryIdx[n.Country]; ok {
			byCountry[ci] = append(byCountry[ci], int32(i))
			ranges[ci] += len(n.Ranges)
		}
	}
	order := make([]int, len(ref.Countries))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ranges[order[a]] > ranges[order[b]] })
	var countryRanges []rangeEntry
	for _, ci := range order {
		c := ref.Countries[ci]
		if _, ok := x.mainCountry[c.DialingPrefix]; !ok {
			x.mainCountry[c.DialingPrefix] = c.Code
		}
		x.countryByName[strings.ToLower(c.Name)] = c.Code
		x.countryByName[strings.ToLower(c.DisplayName)] = c.Code
		for _, i := range byCountry[ci] {
			countryRanges = x.add(ci, i, countryRanges)
		}
	}
	x.byCountryRng = newRangeTable(countryRanges)
	return x
}

// add indexes reference network i of country ci, keeping earlier entries
// on conflicts; its (country, range) entries are appended to countryRanges.
func (x *prefixLookup) add(ci int, i int32, countryRanges []rangeEntry) []rangeEntry {
	n := &x.ref.Networks[i]
	for _, r := range n.Ranges {
		if !validPrefix(r) {
			continue
		}
		pk := prefixKeyOf(r)
		if _, ok := x.byRange[pk]; !ok {
			x.byRange[pk] = i
		}
		countryRanges = append(countryRanges, rangeEntry{countryRangeKey(ci, pk), i})
		x.lens[ci] |= 1 << len(r)
		x.allLens |= 1 << len(r)
	}
	if n.MCC != "" {
		x.byMCCMNC[n.MCC+"|"+n.MNC] = append(x.byMCCMNC[n.MCC+"|"+n.MNC], i)
	}
	for _, code := range append([]string{n.Code}, n.Aliases...) {
		x.byCode[code] = append(x.byCode[code], i)
	}
	key := n.Country + "|" + strings.ToLower(n.Name)
	x.byName[key] = append(x.byName[key], i)
	return countryRanges
}

// mccmnc finds the networks with an MCC and MNC, trying the MNC with two
// and three digits.
func (x *prefixLookup) mccmnc(mcc, mnc string) []int32 {
	for _, m := range []string{mnc, fmt.Sprintf("%02s", mnc), fmt.Sprintf("%03s", mnc), strings.TrimLeft(mnc, "0")} {
		if list, ok := x.byMCCMNC[mcc+"|"+m]; ok {
			return list
		}
	}
	return nil
}

// pick chooses the network of country among candidates (any one country
// when country is ""). It explains an ambiguous or wrong-country choice.
func (x *prefixLookup) pick(list []int32, country, what string) (int32, string) {
	if country == "" {
		if len(list) == 1 {
			return list[0], ""
		}
		var cs []string
		for _, i := range list {
			cs = append(cs, x.ref.Networks[i].Country)
		}
		return -1, fmt.Sprintf("%s is used in %s; add a country column", what, strings.Join(cs, ", "))
	}
	for _, i := range list {
		if x.ref.Networks[i].Country == country {
			return i, ""
		}
	}
	return -1, fmt.Sprintf("%s is in %s, not %s", what, x.ref.Networks[list[0]].Country, country)
}

// deepest returns the network of the longest range of country ci that
// prefix starts with (prefix itself included) and that range's length; 0
// when there is none. Rows of a deck often extend the range the previous
// row did: the lengths that the previous search settled for the digits the
// two prefixes share are not looked up again.
func (x *cachedLookup) deepest(ci int, prefix string) (int32, int) {
	last := &x.last
	lens := x.lens[ci]
	stop := 0 // lengths up to stop are settled by the previous search
	if last.ci == ci && last.prefix != nil {
		k := 0
		for k < len(prefix) && k < len(last.prefix) && prefix[k] == last.prefix[k] {
			k++
		}
		if last.length <= k {
			stop = k
		}
	}
	net, length := int32(-1), 0
	for l := len(prefix); l > stop; l-- {
		if lens&(1<<l) == 0 {
			continue
		}
		if i, ok := x.byCountryRng.get(countryRangeKey(ci, prefixKeyOf(prefix[:l]))); ok {
			net, length = i, l
			break
		}
	}
	if length == 0 && stop > 0 {
		net, length = last.net, last.length // the shared digits' result (maybe none)
	}
	last.ci, last.net, last.length = ci, net, length
	last.prefix = append(last.prefix[:0], prefix...)
	return net, length
}

// countryOfPrefix finds the country of a number prefix: by a known range,
// else by the longest dialling prefix it starts with; a dialling prefix
// that several countries share gives the one with the most ranges (US for
// 1, GB for 44), as carrier decks mean it.
func (x *prefixLookup) countryOfPrefix(prefix string) (string, string) {
	for l := len(prefix); l > 0; l-- {
		if x.allLens&(1<<l) == 0 {
			continue
		}
		if i, ok := x.byRange[prefixKeyOf(prefix[:l])]; ok {
			return x.ref.Networks[i].Country, ""
		}
	}
	for l := min(len(prefix), 4); l > 0; l-- {
		if x.dialling[prefix[:l]] {
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
		code := v
		if v[0] >= 'a' || v[1] >= 'a' {
			code = strings.ToUpper(v)
		}
		if i, ok := x.countryIdx[code]; ok {
			return x.ref.Countries[i].Code, ""
		}
		return "", fmt.Sprintf("unknown country %q", v)
	}
	if d := strings.TrimPrefix(v, "+"); isDigits(d) {
		if !x.dialling[d] {
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

// rowDest is where a row's price goes: a country's default, a reference
// network, or a network of the deck.
type rowDest struct {
	country int    // index in the reference countries
	ref     int32  // a reference network, -1 for none
	net     int32  // a network of the deck, -1 for none
	code    string // the network's code, "" for the default (valid for the row only)
}

// destination maps a row to its country and network.
func (p *deckParser) destination(line int, rec []string, tc uint8) (rowDest, bool) {
	x := p.index
	country := ""
	if v := p.cell(rec, colCountry); v != "" {
		c, msg := x.resolveCountryCached(v)
		if msg != "" {
			p.problems.addf("%s: %s", p.where(line, colCountry), msg)
			return rowDest{}, false
		}
		country = c
	}
	nw, found, ok := p.networkByID(line, rec, country)
	if !ok {
		return rowDest{}, false
	}
	if found {
		country = x.ref.Countries[nw.country].Code
	}
	prefix := strings.ReplaceAll(strings.TrimPrefix(p.cell(rec, colPrefix), "+"), " ", "")
	if prefix == "" {
		return p.withoutPrefix(line, rec, country, nw, found)
	}
	pf, ok := p.checkPrefix(line, prefix, tc)
	if !ok {
		return rowDest{}, false
	}
	// The prefix is recorded however the row ends, as seen on this line.
	defer p.recordPrefix(&pf)
	country, ok = p.countryForPrefix(line, rec, country, found, prefix)
	if !ok {
		return rowDest{}, false
	}
	ci := x.index(country)
	if found {
		if nw.net >= 0 {
			p.addRange(nw.net, &pf, prefix, country, nw.code)
		}
		return nw, true
	}
	deepNet, depth := x.deepest(ci, prefix)
	return p.byPrefix(line, rec, ci, &pf, prefix, deepNet, depth)
}

// destinationPrepared maps a row whose stateless checks the reading
// goroutine has done (rowPre): what is left is the deck's own state.
func (p *deckParser) destinationPrepared(line int, rec []string, tc uint8, pre *rowPre) (rowDest, bool) {
	pf, ok := p.checkPrefixKey(line, pre.prefix, pre.key, tc)
	if !ok {
		return rowDest{}, false
	}
	defer p.recordPrefix(&pf)
	return p.byPrefix(line, rec, pre.ci, &pf, pre.prefix, pre.deepNet, pre.depth)
}

// rowPrefix is a row's prefix while the row is mapped: its key, what the
// parser knew of it before the row, and what the row adds.
type rowPrefix struct {
	key  uint64
	slot int // its slot in the prefix table (prefixTable.find)
	seen prefixSeen
	old  bool // the prefix was seen on an earlier line
	tc   uint8
	line int
}

// checkPrefix checks a row's prefix: digits, and not seen before for the
// same type and currency.
func (p *deckParser) checkPrefix(line int, prefix string, tc uint8) (rowPrefix, bool) {
	if !validPrefix(prefix) {
		p.problems.addf("%s: bad prefix %q (digits only)", p.where(line, colPrefix), prefix)
		return rowPrefix{}, false
	}
	return p.checkPrefixKey(line, prefix, prefixKeyOf(prefix), tc)
}

// checkPrefixKey is checkPrefix for a valid prefix and its key.
func (p *deckParser) checkPrefixKey(line int, prefix string, key uint64, tc uint8) (rowPrefix, bool) {
	pf := rowPrefix{key: key, tc: tc, line: line}
	pf.slot, pf.seen, pf.old = p.prefixes.find(pf.key)
	if !pf.old {
		pf.seen = prefixSeen{net: -1, line: int32(line), first: tc}
	}
	if pf.old && pf.seen.mask&(1<<tc) != 0 {
		prev := pf.seen.line
		if pf.seen.first != tc {
			prev = p.prefixTC[pf.key<<3|uint64(tc)]
		}
		p.problems.addf("%s: duplicate prefix %s (also on line %d)", p.where(line, colPrefix), prefix, prev)
		return rowPrefix{}, false
	}
	return pf, true
}

// recordPrefix stores what a row added to its prefix.
func (p *deckParser) recordPrefix(pf *rowPrefix) {
	pf.seen.mask |= 1 << pf.tc
	if pf.old {
		p.prefixTC[pf.key<<3|uint64(pf.tc)] = int32(pf.line)
	}
	p.prefixes.putAt(pf.slot, pf.key, pf.seen)
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
	cinfo := &x.ref.Countries[x.index(country)]
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

// refDest is the destination of reference network i.
func (p *deckParser) refDest(i int32) rowDest {
	n := &p.index.ref.Networks[i]
	return rowDest{country: p.index.countryIdx[n.Country], ref: i, net: -1, code: n.Code}
}

// networkByID finds the network a row names by MCC/MNC or network code.
// found is false when the row names none; ok is false after a problem.
func (p *deckParser) networkByID(line int, rec []string, country string) (nw rowDest, found, ok bool) {
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
		i, msg := x.pick(list, country, "network "+mcc+"/"+mnc)
		if msg != "" {
			p.problems.addf("line %d: %s", line, msg)
			return nw, false, false
		}
		return p.refDest(i), true, true
	}
	code := p.cell(rec, colNetworkCode)
	if code == "" {
		return nw, false, true
	}
	if list, ok := x.byCode[code]; ok {
		i, msg := x.pick(list, country, "network "+code)
		if msg != "" {
			p.problems.addf("line %d: %s", line, msg)
			return nw, false, false
		}
		return p.refDest(i), true, true
	}
	if ci, ok := x.countryIdx[country]; ok {
		if net, ok := p.lookupNet(ci, code); ok {
			return rowDest{country: ci, ref: -1, net: net, code: code}, true, true
		}
	}
	if p.cell(rec, colPrefix) != "" {
		return nw, false, true // a new network: its prefix defines it
	}
	p.problems.addf("%s: unknown network %q", p.where(line, colNetworkCode), code)
	return nw, false, false
}

// withoutPrefix maps a row that has no prefix.
func (p *deckParser) withoutPrefix(line int, rec []string, country string, nw rowDest, found bool) (rowDest, bool) {
	if found {
		return nw, true
	}
	if country == "" {
		p.problems.addf("line %d: no country, prefix or network says where this price goes", line)
		return rowDest{}, false
	}
	ci := p.index.countryIdx[country]
	name := p.cell(rec, colNetwork)
	if name == "" {
		return rowDest{country: ci, ref: -1, net: -1}, true
	}
	for _, i := range p.index.byCode[name] {
		if p.index.ref.Networks[i].Country == country {
			return p.refDest(i), true
		}
	}
	switch list := p.index.byName[country+"|"+strings.ToLower(name)]; len(list) {
	case 1:
		return p.refDest(list[0]), true
	case 0:
		p.problems.addf("%s: no network %q in %s", p.where(line, colNetwork), name, country)
	default:
		p.problems.addf("%s: %d networks in %s are called %q; give the network code or MCC/MNC", p.where(line, colNetwork), len(list), country, name)
	}
	return rowDest{}, false
}

// byPrefix maps a prefix row: the dialling prefix is the country default,
// a known range its network, anything else a new network of the deck.
func (p *deckParser) byPrefix(line int, rec []string, ci int, pf *rowPrefix, prefix string, deepest int32, depth int) (rowDest, bool) {
	x := p.index
	c := &x.ref.Countries[ci]
	if prefix == c.DialingPrefix {
		return rowDest{country: ci, ref: -1, net: -1}, true
	}
	if depth == len(prefix) {
		return p.refDest(deepest), true // a known range
	}
	code := p.cell(rec, colNetworkCode)
	explicit := code != ""
	var net int32 = -1
	found := false
	if explicit {
		net, found = p.lookupNet(ci, code)
	} else {
		p.code = append(append(append(p.code[:0], c.Code...), '-'), prefix...)
		code = unsafeString(p.code)
		// The network made from this prefix, if an earlier line made it.
		if e := pf.seen; e.net >= 0 && int(p.nets[e.net].country) == ci && !p.nets[e.net].explicit {
			net, found = e.net, true
		} else if len(p.explicit) > 0 {
			net, found = p.explicit[c.Code+"|"+code]
		}
	}
	if found {
		p.addRange(net, pf, prefix, c.Code, code)
		return rowDest{country: ci, ref: -1, net: net, code: code}, true
	}
	ntype, mcc, mnc := kassa.Landline, "", ""
	if depth > 0 {
		pn := &x.ref.Networks[deepest]
		ntype = pn.Type
		if hasMCC(pn.Type) {
			mcc, mnc = pn.MCC, pn.MNC
		}
	}
	// The country and the reference network give the fields of a
	// derived record (recordEncoder.derivedNetwork), unless a column
	// gives the type.
	from := uint64(1)<<63 | uint64(ci)<<32 | uint64(uint32(deepest))
	if depth == 0 {
		from = uint64(1)<<63 | uint64(ci)<<32 | 0xFFFFFFFF
	}
	if v := p.cell(rec, colNetworkType); v != "" {
		t := kassa.NetworkType(strings.ToLower(v))
		if !validNetworkType(t) {
			p.problems.addf("%s: unknown network type %q", p.where(line, colNetworkType), v)
			return rowDest{}, false
		}
		ntype, from = t, 0
	}
	name := p.cell(rec, colNetwork)
	derived := !explicit && name == ""
	if !derived {
		p.name = append(p.name[:0], name...)
		if len(p.name) == 0 {
			p.name = append(append(append(p.name, c.DisplayName...), ' '), prefix...)
		}
	}
	net = int32(len(p.nets))
	p.nets = append(p.nets, deckNet{country: uint16(ci), explicit: explicit, tc: noTC})
	if explicit || pf.seen.net >= 0 {
		// A code of the column, or a prefix that is a range of another
		// network already: the code is found through the map.
		p.explicit[c.Code+"|"+code] = net
	}
	// The network is written with the row's price line (row).
	p.made = madeNet{active: true, derived: derived, country: c.Code, code: code, stem: c.DisplayName, from: from, ntype: ntype, mcc: mcc, mnc: mnc, rng: prefix}
	p.noteRange(net, pf)
	return rowDest{country: ci, ref: -1, net: net, code: code}, true
}

// lookupNet finds a network of the deck by its country and code.
func (p *deckParser) lookupNet(ci int, code string) (int32, bool) {
	country := p.index.ref.Countries[ci].Code
	if len(p.explicit) > 0 {
		if net, ok := p.explicit[country+"|"+code]; ok {
			return net, true
		}
	}
	// A network made from a prefix has the code CC-prefix.
	if len(code) > 3 && code[2] == '-' && code[:2] == country && validPrefix(code[3:]) {
		if e, ok := p.prefixes.get(prefixKeyOf(code[3:])); ok && e.net >= 0 {
			n := &p.nets[e.net]
			if int(n.country) == ci && !n.explicit {
				return e.net, true
			}
		}
	}
	return -1, false
}

// defines reports whether the deck has a network (country, code): a
// merge leaves out a base's network of the same key.
func (p *deckParser) defines(country, code []byte) bool {
	ci, ok := p.index.countryIdx[string(country)]
	if !ok {
		return false
	}
	_, ok = p.lookupNet(ci, string(code))
	return ok
}

// noteRange remembers that the row's prefix is a range of network net.
func (p *deckParser) noteRange(net int32, pf *rowPrefix) {
	if pf.seen.net < 0 {
		pf.seen.net = net
		return
	}
	p.moreRanges[[2]uint64{uint64(net), pf.key}] = struct{}{}
}

// hasRange reports whether the row's prefix is a range of network net
// already.
func (p *deckParser) hasRange(net int32, pf *rowPrefix) bool {
	if pf.seen.net == net {
		return true
	}
	_, ok := p.moreRanges[[2]uint64{uint64(net), pf.key}]
	return ok
}

// addRange adds the row's prefix to a network of the deck defined
// earlier, once.
func (p *deckParser) addRange(net int32, pf *rowPrefix, prefix, country, code string) {
	if p.hasRange(net, pf) {
		return
	}
	p.noteRange(net, pf)
	addRangeRecord(p.enc, country, code, prefix)
}

// rowPre is what the reading goroutine works out for a row ahead of the
// mapping, from the header and the reference data only: the checks that
// do not depend on the rows before it. ok is set only for a row of a deck
// without network columns (country, prefix, price and the like) that
// passes them all; any other row is mapped from its cells.
type rowPre struct {
	ok      bool
	price   kassa.Amount
	prefix  string
	key     uint64 // prefixKeyOf(prefix)
	ci      int    // the country, settled as countryForPrefix does
	deepNet int32
	depth   int
}

// preparer fills rowPre in the reading goroutine. Its lookup shares the
// parser's reference tables and has a cache of its own.
type preparer struct {
	cols [numColumns]int
	x    cachedLookup
}

// newPreparer returns a preparer for the deck's columns, or nil when the
// deck names networks (by MCC/MNC or code), which the mapping must resolve
// against its own state.
func (p *deckParser) newPreparer() *preparer {
	c := p.cols
	if c[colMCC] >= 0 || c[colMNC] >= 0 || c[colMCCMNC] >= 0 || c[colNetworkCode] >= 0 || c[colPrefix] < 0 {
		return nil
	}
	return &preparer{cols: c, x: cachedLookup{prefixLookup: p.index.prefixLookup}}
}

func (pp *preparer) cell(rec []string, kind csvColumn) string {
	i := pp.cols[kind]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// prepare works out a row's rowPre. ascii says that the cells are ASCII
// text (valid UTF-8 without looking at each).
func (pp *preparer) prepare(out *rowPre, rec []string, ascii bool) {
	*out = rowPre{}
	for _, v := range rec {
		if !ascii && !utf8.ValidString(v) {
			return
		}
	}
	// A blank row has no price: it is left to the mapping, as every row
	// that fails a check here is.
	price, err := parsePrice(pp.cell(rec, colPrice))
	if err != nil || price.IsNegative() {
		return
	}
	x := &pp.x
	country := ""
	countryCell := pp.cell(rec, colCountry)
	if countryCell != "" {
		c, msg := x.resolveCountryCached(countryCell)
		if msg != "" {
			return
		}
		country = c
	}
	prefix := pp.cell(rec, colPrefix)
	if !validPrefix(prefix) { // digits only is the common case: nothing to remove
		prefix = strings.ReplaceAll(strings.TrimPrefix(prefix, "+"), " ", "")
		if prefix == "" || !validPrefix(prefix) {
			return
		}
	}
	// countryForPrefix, without its messages.
	if country != "" && isDigits(strings.TrimPrefix(countryCell, "+")) {
		if c, _ := x.countryOfPrefix(prefix); c != "" && x.sameDialling(c, country) {
			country = c
		}
	}
	if country == "" {
		c, msg := x.countryOfPrefix(prefix)
		if msg != "" {
			return
		}
		country = c
	}
	ci := x.index(country)
	dp := x.ref.Countries[ci].DialingPrefix
	if dp == "" || !strings.HasPrefix(prefix, dp) {
		return
	}
	out.deepNet, out.depth = x.deepest(ci, prefix)
	out.ok, out.price, out.prefix, out.key, out.ci = true, price, prefix, prefixKeyOf(prefix), ci
}
