package pricing

import (
	"encoding/binary"

	"github.com/kassa-dev/kassa"
)

// netTable holds every network of a snapshot (the reference data's and the
// book's) in a compact form: one string arena with each network's fields
// back to back, and per network its offset. Networks are grouped by
// country (countries in code order) and sorted by code within a country,
// the order of the answers. An entry holds everything rating a number
// needs (country, own prices, type, code, name), so that a rating reads
// one entry. A network costs its strings plus about eight bytes; a
// network of a rate deck ("GB-447700900", "United Kingdom 447700900", one
// range) about 45 bytes in all.
//
// An entry starts with a head of fixed width: a flags byte (the type as an
// index into netTypes, or typeOther; whether mcc and mnc, aliases and a
// list of ranges follow; whether the first range is the code after its
// "CC-", as for the network a deck row's new prefix defines, whose range
// would repeat its code; whether the book defines the network), the
// country's index (two bytes), the network's own price in each service
// type (an entry index + 1, 0 for none, in as many little-endian bytes as
// the table's largest such value needs: none for a type no network has an
// own price in). Then come the type as a string when typeOther, the code
// and the name, and what the flags say follows. Strings are a uvarint
// length and the bytes; lists a uvarint count and the strings.
//
// The head has a fixed width so that reading it takes no branch on its
// bytes: a rating's load of the entry is usually a cache miss, and a
// branch on the missing bytes (as uvarints need) that the processor
// guesses wrong stalls it until they arrive, where a fixed layout lets it
// go on (docs/pricing.md, Benchmarks: Rate about 7 % faster at a million
// prefixes).
type netTable struct {
	arena  string   // every network's entry
	off    []uint32 // per network: where its entry starts
	start  []int32  // per country: its first network; len(countries)+1 entries
	layout headLayout
}

// headLayout is the fixed layout of a table's entry heads. Its zero value
// is the layout without own prices (a table being compiled).
type headLayout struct {
	width  [numTypes]uint8 // bytes of each type's own price
	at     [numTypes]uint8 // where each type's own price starts in the head
	prices uint8           // the bytes of the own prices
}

// size returns the bytes of a head.
func (h *headLayout) size() int { return headFixed + int(h.prices) }

// headFixed is the bytes of a head before the own prices: flags and country.
const headFixed = 3

// newHeadLayout returns the layout whose own prices hold up to max[ti].
func newHeadLayout(max [numTypes]uint32) headLayout {
	var h headLayout
	for ti, m := range max {
		w := uint8(0)
		for ; m > 0; m >>= 8 {
			w++
		}
		h.width[ti], h.at[ti] = w, headFixed+h.prices
		h.prices += w
	}
	return h
}

// own reads type ti's own price from the head at pos.
func (h *headLayout) own(arena string, pos, ti int) uint32 {
	return readFixed(arena, pos+int(h.at[ti]), int(h.width[ti]))
}

// readFixed reads a little-endian number of width bytes at pos.
func readFixed(arena string, pos, width int) uint32 {
	var v uint32
	for i := width - 1; i >= 0; i-- {
		v = v<<8 | uint32(arena[pos+i])
	}
	return v
}

// headCountry reads the country of the head at pos.
func headCountry(arena string, pos int) int {
	return int(arena[pos+1]) | int(arena[pos+2])<<8
}

// isBook reports whether network n is one the book defines.
func (t *netTable) isBook(n int) bool { return t.arena[t.off[n]]&entryBook != 0 }

// ownPrice returns network n's own price in service type ti (entry index
// + 1, 0 for none) and its country.
func (t *netTable) ownPrice(n uint32, ti int) (uint32, int) {
	pos := int(t.off[n])
	return t.layout.own(t.arena, pos, ti), headCountry(t.arena, pos)
}

// netTypes are the network types an entry names by index.
var netTypes = [...]kassa.NetworkType{kassa.Mobile, kassa.Landline, kassa.LandlinePremium, kassa.LandlineTollFree, kassa.Virtual, kassa.Pager}

// Entry flags.
const (
	entryType     = 7   // the low bits: the index into netTypes, or typeOther
	typeOther     = 7   // the type is written out as a string
	entryMCC      = 8   // mcc and mnc follow
	entryAliases  = 16  // a list of aliases follows
	entryFromCode = 32  // the first range is the code after "CC-"
	entryRanges   = 64  // a list of (more) ranges follows
	entryBook     = 128 // a network the book defines
)

// numNets returns the number of networks.
func (t *netTable) numNets() int { return len(t.off) }

// netEntry is one network's fields, as views into the arena.
type netEntry struct {
	country  int
	own      [numTypes]uint32 // entry index + 1 of its own price per type, 0 for none
	book     bool
	typ      kassa.NetworkType
	code     string
	name     string
	mcc, mnc string
	aliases  string // the encoded aliases: see eachString
	nAliases int
	ranges   string // the encoded ranges after the first one taken from the code
	nRanges  int    // ranges in ranges
	fromCode bool   // the first range is code[3:]
}

// readString reads a uvarint-length-prefixed string at pos.
func readString(s string, pos int) (string, int) {
	n, w := uvarintString(s, pos)
	pos += w
	return s[pos : pos+int(n)], pos + int(n)
}

// uvarintString decodes a uvarint at s[pos:].
func uvarintString(s string, pos int) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; ; i++ {
		b := s[pos+i]
		if b < 0x80 {
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
}

// head reads the fields Rate needs: type, code and name.
func (t *netTable) head(n int) (kassa.NetworkType, string, string) {
	var e netEntry
	pos := t.headAt(&e, int(t.off[n]))
	code, pos := readString(t.arena, pos)
	name, _ := readString(t.arena, pos)
	return e.typ, code, name
}

// headAt reads an entry's flags, country, own prices and type into e, and
// returns the flags and where its code starts.
func (t *netTable) headAt(e *netEntry, pos int) int {
	flags := t.arena[pos]
	e.book = flags&entryBook != 0
	e.country = headCountry(t.arena, pos)
	for ti := range e.own {
		e.own[ti] = t.layout.own(t.arena, pos, ti)
	}
	pos += t.layout.size()
	if ti := flags & entryType; ti != typeOther {
		e.typ = netTypes[ti]
		return pos
	}
	s, pos := readString(t.arena, pos)
	e.typ = kassa.NetworkType(s)
	return pos
}

// entry reads network n.
func (t *netTable) entry(n int) netEntry {
	var e netEntry
	start := int(t.off[n])
	flags := t.arena[start]
	pos := t.headAt(&e, start)
	e.code, pos = readString(t.arena, pos)
	e.name, pos = readString(t.arena, pos)
	if flags&entryMCC != 0 {
		e.mcc, pos = readString(t.arena, pos)
		e.mnc, pos = readString(t.arena, pos)
	}
	if flags&entryAliases != 0 {
		e.aliases, e.nAliases, pos = t.list(pos)
	}
	e.fromCode = flags&entryFromCode != 0
	if flags&entryRanges != 0 {
		e.ranges, e.nRanges, _ = t.list(pos)
	}
	return e
}

// list returns an encoded list of strings (a count, then the strings).
func (t *netTable) list(pos int) (string, int, int) {
	n, w := uvarintString(t.arena, pos)
	pos += w
	end := pos
	for range n {
		_, end = readString(t.arena, end)
	}
	return t.arena[pos:end], int(n), end
}

// eachString calls fn with each string of an encoded list.
func eachString(raw string, fn func(string)) {
	for pos := 0; pos < len(raw); {
		var s string
		s, pos = readString(raw, pos)
		fn(s)
	}
}

// appendRanges appends e's ranges to dst.
func (e *netEntry) appendRanges(dst []string) []string {
	if e.fromCode {
		dst = append(dst, e.code[3:])
	}
	for pos := 0; pos < len(e.ranges); {
		var s string
		s, pos = readString(e.ranges, pos)
		dst = append(dst, s)
	}
	return dst
}

// rangeCount returns the number of e's ranges.
func (e *netEntry) rangeCount() int {
	if e.fromCode {
		return e.nRanges + 1
	}
	return e.nRanges
}

// network returns e as a kassa.Network of country (allocating its lists).
func (e *netEntry) network(country string) kassa.Network {
	n := kassa.Network{Code: e.code, Name: e.name, Type: e.typ, Country: country, MCC: e.mcc, MNC: e.mnc}
	if e.nAliases > 0 {
		n.Aliases = make([]string, 0, e.nAliases)
		eachString(e.aliases, func(s string) { n.Aliases = append(n.Aliases, s) })
	}
	if c := e.rangeCount(); c > 0 {
		n.Ranges = e.appendRanges(make([]string, 0, c))
	}
	return n
}

// entryMeta is what an entry holds besides the network's own fields.
type entryMeta struct {
	book    bool
	country int
	own     [numTypes]uint32
}

// appendEntry appends a network's entry to an arena being built.
func appendEntry(b []byte, h *headLayout, m entryMeta, typ kassa.NetworkType, code, name, mcc, mnc string, aliases []string, ranges []string) []byte {
	flags := byte(typeOther)
	for i, t := range netTypes {
		if t == typ {
			flags = byte(i)
			break
		}
	}
	if mcc != "" || mnc != "" {
		flags |= entryMCC
	}
	if len(aliases) > 0 {
		flags |= entryAliases
	}
	if len(ranges) > 0 && len(code) == len(ranges[0])+3 && code[2] == '-' && code[3:] == ranges[0] {
		flags |= entryFromCode
		ranges = ranges[1:]
	}
	if len(ranges) > 0 {
		flags |= entryRanges
	}
	if m.book {
		flags |= entryBook
	}
	b = append(b, flags, byte(m.country), byte(m.country>>8))
	for ti, id := range m.own {
		for range h.width[ti] {
			b = append(b, byte(id))
			id >>= 8
		}
	}
	if flags&entryType == typeOther {
		b = appendString(b, string(typ))
	}
	b = appendString(b, code)
	b = appendString(b, name)
	if flags&entryMCC != 0 {
		b = appendString(b, mcc)
		b = appendString(b, mnc)
	}
	if flags&entryAliases != 0 {
		b = appendList(b, aliases)
	}
	if flags&entryRanges != 0 {
		b = appendList(b, ranges)
	}
	return b
}

func appendList(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = appendString(b, s)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
