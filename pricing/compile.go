package pricing

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

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

	// contentID identifies the compiled content (a stored version's
	// number and checksum) for the ETags of streamed answers; empty means
	// a digest of the content is computed.
	contentID string
	// streamAbove overrides DefaultPreRenderLimit when not 0 (a Service's
	// PreRenderLimit; negative: nothing is pre-rendered).
	streamAbove int64
	// checkOnly stops once the book is known to compile: no index, no
	// answers (ImportDeck's check).
	checkOnly bool
}

// Compile validates a price book against the reference data and builds its
// immutable snapshot. A book with unknown countries or networks, negative
// prices, duplicate lines, unsupported currencies or service types, or bad
// extra networks is rejected whole with an EINVALID *kassa.Error naming
// every offending line (up to a cap).
func Compile(book *kassa.PriceBook, ref *refdata.Data, opts CompileOptions) (*Snapshot, error) {
	if book == nil || ref == nil {
		return nil, errors.New("compile price book: nil book or reference data")
	}
	s, err := compileBook(book, ref, opts)
	if err != nil {
		return nil, err
	}
	s.book = book
	return s, nil
}

// compileBook feeds a book to a compiler.
func compileBook(book *kassa.PriceBook, ref *refdata.Data, opts CompileOptions) (*Snapshot, error) {
	c, err := newCompiler(ref, opts)
	if err != nil {
		return nil, err
	}
	c.setDemo(book.DemoPriceTypes())
	for i := range book.Networks {
		c.network(&book.Networks[i])
	}
	for i := range book.Prices {
		p := &book.Prices[i]
		c.line(p.Type, p.Currency, p.Country, p.Network, p.Price)
	}
	return c.finish()
}

// compiler builds a snapshot from a stream of networks and lines.
type compiler struct {
	ref  *refdata.Data
	opts CompileOptions
	fx   fxRates

	countries  []kassa.Country
	countryIdx map[string]int
	problems   problemList
	demo       [numTypes]bool

	// Networks while compiling: the reference networks first, then the
	// book's, each an entry of arena (ranges kept apart in ranges, since
	// a range record may add one later).
	arena     []byte
	off       []uint32
	netCtry   []uint16
	refNets   int
	bookNets  int        // network records seen, for "network N" in messages
	ranges    []netRange // book networks' ranges, in the order given
	refRanges [][]string // per reference network
	keys      netKeys    // (country, code) → network
	lastNet   uint32     // the network added last, for the line that follows it
	hashSeed  maphash.Seed
	bareCodes map[string]int // code → the first country with it, for messages (built on demand)

	lines    int
	own      [numTypes][]uint32 // per network: entry id + 1 (0: no own line)
	def      [numTypes][]uint32 // per country: entry id + 1
	entries  []priceEntry
	intern   map[priceEntry]uint32
	lineOf   map[lineKey]int // strict mode: the line of each key and currency
	hashing  bool
	contentH hash.Hash // a digest of the content, when hashing
	scratch  kassa.Network
}

// netRange is a range of a book network while compiling: checkRanges
// made it digits without a leading zero, at most maxDigits, so that it
// packs into a prefix key.
type netRange struct {
	net uint32
	key uint64 // prefixKeyOf(range)
}

// rangeString returns the digits of a packed range.
func rangeString(key uint64) string {
	return strconv.FormatUint(key>>4, 10)
}

// netKeys finds a network by (country, code) while compiling: an
// open-addressing table of network ids, the key compared against the
// network's entry, so that a network costs eight bytes of it.
type netKeys struct {
	slots []uint32 // network id + 1; 0 marks an empty slot
	used  int
}

// priceEntry is a price in each currency a book gives for one key; a
// snapshot stores each distinct entry once and refers to it by index.
type priceEntry struct {
	amt [numCurrencies]kassa.Amount
	set [numCurrencies]bool
}

// lineKey identifies a price line's key and currency for duplicate
// messages; network is -1 for the country default.
type lineKey struct {
	typ, cur int8
	country  int32
	network  int32
}

// newCompiler starts a compile with the reference networks in place.
func newCompiler(ref *refdata.Data, opts CompileOptions) (*compiler, error) {
	fx, err := parseFX(opts.FX)
	if err != nil {
		return nil, err
	}
	c := &compiler{
		ref: ref, opts: opts, fx: fx,
		countries:  ref.Countries,
		countryIdx: make(map[string]int, len(ref.Countries)),
		problems:   problemList{skipStale: opts.SkipStale},
		keys:       netKeys{slots: make([]uint32, 1024)},
		hashSeed:   maphash.MakeSeed(),
		intern:     map[priceEntry]uint32{},
		hashing:    opts.contentID == "",
	}
	if !opts.SkipStale {
		c.lineOf = map[lineKey]int{}
	}
	if c.hashing {
		c.contentH = sha256.New()
	}
	for i, ct := range ref.Countries {
		c.countryIdx[ct.Code] = i
	}
	for ci, ct := range ref.Countries {
		for _, n := range ref.NetworksOf(ct.Code) {
			id := c.addNet(ci, n.Type, n.Code, n.Name, n.MCC, n.MNC, n.Aliases)
			c.refRanges = append(c.refRanges, n.Ranges)
			c.setKey(ci, n.Code, id)
		}
	}
	c.refNets = len(c.off)
	for t := range c.def {
		c.def[t] = make([]uint32, len(c.countries))
	}
	return c, nil
}

// setDemo records the service types whose prices are demo prices.
func (c *compiler) setDemo(types []kassa.ServiceType) {
	for _, t := range types {
		if ti, ok := typeIndex(t); ok {
			c.demo[ti] = true
		}
	}
	if c.hashing {
		fmt.Fprintf(c.contentH, "demo %v\n", c.demo)
	}
}

// addNet appends a network's entry (without ranges).
func (c *compiler) addNet(ci int, typ kassa.NetworkType, code, name, mcc, mnc string, aliases []string) uint32 {
	id := uint32(len(c.off))
	c.off = append(c.off, uint32(len(c.arena)))
	c.netCtry = append(c.netCtry, uint16(ci))
	c.arena = appendEntry(c.arena, &headLayout{}, entryMeta{country: ci}, typ, code, name, mcc, mnc, aliases, nil)
	for t := range c.own {
		if c.own[t] != nil {
			c.own[t] = append(c.own[t], 0)
		}
	}
	return id
}

// keyHash hashes a network's key (country index and code).
func (c *compiler) keyHash(ci int, code string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.hashSeed)
	h.WriteByte(byte(ci))
	h.WriteByte(byte(ci >> 8))
	h.WriteString(code)
	return h.Sum64()
}

// setKey indexes network id under (country, code), which no network has
// yet.
func (c *compiler) setKey(ci int, code string, id uint32) {
	t := &c.keys
	if (t.used+1)*2 > len(t.slots) {
		old := t.slots
		t.slots = make([]uint32, 2*len(old))
		for _, v := range old {
			if v != 0 {
				c.placeKey(c.keyHash(int(c.netCtry[v-1]), c.codeOf(v-1)), v)
			}
		}
	}
	c.placeKey(c.keyHash(ci, code), id+1)
	t.used++
}

// placeKey puts v (a network id + 1) in the first free slot from hash's.
func (c *compiler) placeKey(hash uint64, v uint32) {
	slots := c.keys.slots
	i := int(hash & uint64(len(slots)-1))
	for slots[i] != 0 {
		i = (i + 1) & (len(slots) - 1)
	}
	slots[i] = v
}

// findNet returns the network of a country with a code.
func (c *compiler) findNet(ci int, code string) (uint32, bool) {
	if int(c.lastNet) < len(c.off) && int(c.netCtry[c.lastNet]) == ci && c.codeOf(c.lastNet) == code {
		return c.lastNet, true // a line right after its network's definition
	}
	slots := c.keys.slots
	for i := int(c.keyHash(ci, code) & uint64(len(slots)-1)); slots[i] != 0; i = (i + 1) & (len(slots) - 1) {
		id := slots[i] - 1
		if int(c.netCtry[id]) == ci && c.codeOf(id) == code {
			return id, true
		}
	}
	return 0, false
}

// codeOf returns a network's code while compiling.
func (c *compiler) codeOf(id uint32) string {
	pos := int(c.off[id])
	t := netTable{arena: unsafe.String(unsafe.SliceData(c.arena), len(c.arena))}
	var e netEntry
	code, _ := readString(t.arena, t.headAt(&e, pos))
	return code
}

// network adds a book network, checking it as the reference data allows.
func (c *compiler) network(n *kassa.Network) {
	c.bookNets++
	if c.hashing {
		fmt.Fprintf(c.contentH, "N %q %q %q %q %q %q %q %q\n", n.Country, n.Code, n.Name, n.Type, n.MCC, n.MNC, n.Aliases, n.Ranges)
	}
	what := func() string { return fmt.Sprintf("network %d (%s %s)", c.bookNets, n.Country, n.Code) }
	ci, ok := c.countryIdx[n.Country]
	switch {
	case !ok:
		c.problems.stalef("%s: unknown country %q", what(), n.Country)
		return
	case n.Code == "":
		c.problems.addf("%s: network code is empty", what())
		return
	}
	if _, exists := c.findNet(ci, n.Code); exists {
		c.problems.stalef("%s: network code %s already exists in %s", what(), n.Code, n.Country)
		return
	}
	if !validNetworkType(n.Type) {
		c.problems.addf("%s: unknown network type %q", what(), n.Type)
		return
	}
	if msg := checkRanges(n.Ranges, c.countries[ci].DialingPrefix); msg != "" {
		c.problems.addf("%s: %s", what(), msg)
		return
	}
	name := n.Name
	if name == "" {
		name = n.Code
	}
	id := c.addNet(ci, n.Type, n.Code, name, n.MCC, n.MNC, n.Aliases)
	c.setKey(ci, n.Code, id)
	c.lastNet = id
	for _, r := range n.Ranges {
		c.ranges = append(c.ranges, netRange{id, prefixKeyOf(r)})
	}
}

// addRange adds a range to a book network defined earlier.
func (c *compiler) addRange(country, code, rng string) {
	if c.hashing {
		fmt.Fprintf(c.contentH, "R %q %q %q\n", country, code, rng)
	}
	ci, ok := c.countryIdx[country]
	if !ok {
		return // the network was dropped with its country
	}
	id, ok := c.findNet(ci, code)
	if !ok || int(id) < c.refNets {
		return // dropped as stale; a record never adds to a reference network
	}
	if msg := checkRanges([]string{rng}, c.countries[ci].DialingPrefix); msg != "" {
		c.problems.addf("network %s %s: %s", country, code, msg)
		return
	}
	c.ranges = append(c.ranges, netRange{id, prefixKeyOf(rng)})
}

// line adds a price line.
func (c *compiler) line(typ kassa.ServiceType, cur kassa.Currency, country, network string, price kassa.Amount) {
	c.lines++
	if c.hashing {
		fmt.Fprintf(c.contentH, "P %s %s %s %s %d\n", typ, cur, country, network, price)
	}
	what := func() string {
		return fmt.Sprintf("line %d (%s %s %s %s)", c.lines, typ, country, orDefault(network), cur)
	}
	ti, ok := typeIndex(typ)
	if !ok {
		c.problems.addf("%s: unknown service type %q", what(), typ)
		return
	}
	ci, ok := currencyIndex(cur)
	if !ok {
		c.problems.addf("%s: currency must be EUR or USD", what())
		return
	}
	if price.IsNegative() {
		c.problems.addf("%s: negative price %s", what(), price)
		return
	}
	ctry, ok := c.countryIdx[country]
	if !ok {
		c.problems.stalef("%s: unknown country %q", what(), country)
		return
	}
	net := int32(-1)
	if network != "" {
		id, ok := c.findNet(ctry, network)
		if !ok {
			if elsewhere, found := c.codeElsewhere(network); found {
				c.problems.stalef("%s: network %s belongs to %s, not %s", what(), network, c.countries[elsewhere].Code, country)
			} else {
				c.problems.stalef("%s: unknown network %q", what(), network)
			}
			return
		}
		net = int32(id)
	}
	c.setPrice(ti, ci, ctry, net, price, what)
}

// codeElsewhere returns the first country (by network order) that has a
// network with the code.
func (c *compiler) codeElsewhere(code string) (int, bool) {
	if c.bareCodes == nil {
		c.bareCodes = map[string]int{}
		for id := range c.off {
			k := c.codeOf(uint32(id))
			if _, ok := c.bareCodes[k]; !ok {
				c.bareCodes[k] = int(c.netCtry[id])
			}
		}
	}
	ci, ok := c.bareCodes[code]
	return ci, ok
}

// setPrice records the price of a key in a currency.
func (c *compiler) setPrice(ti, ci, country int, net int32, price kassa.Amount, what func() string) {
	var slot *uint32
	if net < 0 {
		slot = &c.def[ti][country]
	} else {
		if c.own[ti] == nil {
			c.own[ti] = make([]uint32, len(c.off), cap(c.off))
		}
		slot = &c.own[ti][net]
	}
	var e priceEntry
	if *slot != 0 {
		e = c.entries[*slot-1]
	}
	key := lineKey{int8(ti), int8(ci), int32(country), net}
	if e.set[ci] {
		if c.lineOf != nil {
			c.problems.addf("%s: duplicate of line %d", what(), c.lineOf[key])
		} else {
			c.problems.addf("%s: duplicate of an earlier line", what())
		}
		return
	}
	if c.lineOf != nil {
		c.lineOf[key] = c.lines
	}
	e.amt[ci], e.set[ci] = price, true
	id, ok := c.intern[e]
	if !ok {
		id = uint32(len(c.entries))
		c.entries = append(c.entries, e)
		c.intern[e] = id
	}
	*slot = id + 1
}

// record adds one stored record.
func (c *compiler) record(r *record) error {
	switch r.kind {
	case recHeader:
		var types []kassa.ServiceType
		if r.flags&1 != 0 {
			types = r.demo
		}
		c.setDemo(types)
	case recNetwork:
		// Views into the record: network copies what it keeps.
		n := &c.scratch
		n.Code, n.Name, n.Type = unsafeString(r.code), unsafeString(r.name), kassa.NetworkType(unsafeString(r.ntype))
		n.Country, n.MCC, n.MNC = unsafeString(r.country), unsafeString(r.mcc), unsafeString(r.mnc)
		n.Aliases, n.Ranges = n.Aliases[:0], n.Ranges[:0]
		for _, a := range r.aliases {
			n.Aliases = append(n.Aliases, unsafeString(a))
		}
		for _, rg := range r.ranges {
			n.Ranges = append(n.Ranges, unsafeString(rg))
		}
		c.network(n)
	case recRange:
		c.addRange(unsafeString(r.country), unsafeString(r.code), unsafeString(r.ranges[0]))
	case recPrice:
		c.line(kassa.ServiceTypes[r.typ], currencies[r.cur], unsafeString(r.country), unsafeString(r.code), r.amount)
	}
	return nil
}

// unsafeString views b as a string for a call that does not keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// finish checks the problems and builds the snapshot.
func (c *compiler) finish() (*Snapshot, error) {
	if err := c.problems.err(); err != nil {
		return nil, err
	}
	if len(c.off)+len(c.countries) >= maxDests {
		return nil, rejectf("price book", "%d networks: more than kassa compiles (%d)", len(c.off), maxDests-len(c.countries)-1)
	}
	s := &Snapshot{
		version:     c.opts.Version,
		ref:         c.ref,
		countries:   c.countries,
		countryIdx:  c.countryIdx,
		warnings:    c.problems.stale,
		demo:        c.demo,
		prefixCache: new(sync.Map),
	}
	perm := c.order()
	s.entries, s.def = c.entries, c.def
	c.buildTable(s, perm)
	c.intern, c.lineOf = nil, nil
	if err := s.buildViews(c.fx); err != nil {
		return nil, err
	}
	if c.opts.checkOnly {
		return s, nil
	}
	c.buildIndex(s)
	s.fingerprint = c.fingerprint()
	s.streamed = s.renderEstimate() > c.preRenderLimit()
	if err := s.prepareDocuments(); err != nil {
		return nil, fmt.Errorf("compile price book: %w", err)
	}
	return s, nil
}

// DefaultPreRenderLimit is the estimated size of all of a book's answers
// up to which a snapshot keeps them pre-rendered; a larger book renders
// each answer as it is written (docs/pricing.md, "Memory and limits").
const DefaultPreRenderLimit = 64 << 20

func (c *compiler) preRenderLimit() int64 {
	switch {
	case c.opts.streamAbove < 0:
		return -1
	case c.opts.streamAbove > 0:
		return c.opts.streamAbove
	}
	return DefaultPreRenderLimit
}

// order returns the networks in their final order: grouped by country,
// by code within a country (reference and book networks together).
func (c *compiler) order() []uint32 {
	byCountry := make([][]uint32, len(c.countries))
	for id := range c.off {
		ci := c.netCtry[id]
		byCountry[ci] = append(byCountry[ci], uint32(id))
	}
	perm := make([]uint32, 0, len(c.off))
	for _, list := range byCountry {
		if len(list) > 1 {
			slices.SortStableFunc(list, func(a, b uint32) int { return strings.Compare(c.codeOf(a), c.codeOf(b)) })
		}
		perm = append(perm, list...)
	}
	return perm
}

// buildTable writes the final network table in perm's order, with each
// network's ranges.
func (c *compiler) buildTable(s *Snapshot, perm []uint32) {
	// The book networks' ranges, grouped by network in their order
	// (a counting sort): network id's are byNet[first[id]:first[id+1]].
	first := make([]uint32, len(c.off)+1)
	for _, r := range c.ranges {
		first[r.net+1]++
	}
	for i := 1; i < len(first); i++ {
		first[i] += first[i-1]
	}
	byNet := make([]uint64, len(c.ranges))
	fill := slices.Clone(first[:len(first)-1])
	for _, r := range c.ranges {
		byNet[fill[r.net]] = r.key
		fill[r.net]++
	}
	c.ranges, fill = nil, nil
	var scratch []string
	t := &s.nets
	t.off = make([]uint32, len(perm))
	t.start = make([]int32, len(c.countries)+1)
	var maxOwn [numTypes]uint32
	for ti, own := range c.own {
		for _, id := range own {
			maxOwn[ti] = max(maxOwn[ti], id)
		}
	}
	t.layout = newHeadLayout(maxOwn)
	arena := make([]byte, 0, len(c.arena)+len(c.arena)/4)
	old := unsafe.String(unsafe.SliceData(c.arena), len(c.arena))
	for i, id := range perm {
		t.off[i] = uint32(len(arena))
		m := entryMeta{book: int(id) >= c.refNets, country: int(c.netCtry[id])}
		for ti, own := range c.own {
			if own != nil {
				m.own[ti] = own[id]
			}
		}
		t.start[m.country+1]++
		e := entryAt(old, int(c.off[id]))
		var aliases []string
		eachString(e.aliases, func(a string) { aliases = append(aliases, a) })
		ranges := scratch[:0]
		if int(id) < c.refNets {
			ranges = c.refRanges[id]
		} else {
			for _, k := range byNet[first[id]:first[id+1]] {
				ranges = append(ranges, rangeString(k))
			}
			scratch = ranges
		}
		arena = appendEntry(arena, &t.layout, m, e.typ, e.code, e.name, e.mcc, e.mnc, aliases, ranges)
	}
	c.own = [numTypes][]uint32{}
	for ci := range c.countries {
		t.start[ci+1] += t.start[ci]
	}
	if cap(arena)-len(arena) > len(arena)/32 {
		arena = append(make([]byte, 0, len(arena)), arena...) // no spare capacity kept
	}
	t.arena = unsafe.String(unsafe.SliceData(arena), len(arena))
	c.arena, c.off = nil, nil
}

// entryAt reads an entry of an arena.
func entryAt(arena string, pos int) netEntry {
	t := netTable{arena: arena, off: []uint32{uint32(pos)}}
	return t.entry(0)
}

// buildIndex indexes every range of every network and the dialling
// prefix of every country that has it alone (shared prefixes such as 1 and
// 7 are resolved by the ranges only). A range that networks of several
// countries list (NANP toll-free 1800…) goes to the country with the most
// ranges (US for +1, RU for +7); within a country, to the first network by
// code.
func (c *compiler) buildIndex(s *Snapshot) {
	var b indexBuilder
	numNets := uint32(s.nets.numNets())
	var scratch []string
	for _, ci := range s.countriesByRangeCount() {
		for n := s.nets.start[ci]; n < s.nets.start[ci+1]; n++ {
			e := s.nets.entry(int(n))
			scratch = e.appendRanges(scratch[:0])
			for _, r := range scratch {
				if isDigits(r) && len(r) <= maxDigits {
					b.add(r, uint32(n))
				}
			}
		}
	}
	for ci, ct := range s.countries {
		if !isDigits(ct.DialingPrefix) || len(ct.DialingPrefix) > maxDigits || len(c.ref.CountriesByPrefix(ct.DialingPrefix)) != 1 {
			continue
		}
		b.add(ct.DialingPrefix, numNets+uint32(ci))
	}
	// A network keeps its prefix; a country's dialling prefix yields to a
	// network with the same range.
	s.index = b.build(func(existing, _ uint32) bool { return existing < numNets })
}

// countriesByRangeCount returns the country indexes, those with the most
// ranges first (ties by code).
func (s *Snapshot) countriesByRangeCount() []int {
	counts := make([]int, len(s.countries))
	order := make([]int, len(s.countries))
	for ci := range s.countries {
		order[ci] = ci
		for n := s.nets.start[ci]; n < s.nets.start[ci+1]; n++ {
			e := s.nets.entry(int(n))
			counts[ci] += e.rangeCount()
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	return order
}

// fingerprint identifies everything the answers depend on: the content,
// the reference data, the exchange rates and the rendering code.
func (c *compiler) fingerprint() [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "kassa pricing answers v1\n%s\n", refFingerprint(c.ref))
	if c.hashing {
		fmt.Fprintf(h, "content %x\n", c.contentH.Sum(nil))
	} else {
		fmt.Fprintf(h, "content %s\n", c.opts.contentID)
	}
	pairs := make([]string, 0, len(c.opts.FX))
	for k, v := range c.opts.FX {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	fmt.Fprintf(h, "fx %s\n", strings.Join(pairs, ","))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// refFingerprints caches the digest of each reference data set.
var refFingerprints sync.Map // *refdata.Data → string

// refFingerprint returns a digest of the reference data.
func refFingerprint(ref *refdata.Data) string {
	if v, ok := refFingerprints.Load(ref); ok {
		return v.(string)
	}
	h := sha256.New()
	for _, c := range ref.Countries {
		fmt.Fprintf(h, "%q\n", c)
	}
	for _, n := range ref.Networks {
		fmt.Fprintf(h, "%q\n", n)
	}
	v := fmt.Sprintf("%x", h.Sum(nil))
	refFingerprints.Store(ref, v)
	return v
}
