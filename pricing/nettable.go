package pricing

import (
	"encoding/binary"

	"github.com/kassa-dev/kassa"
)

// netTable holds every network of a snapshot (the reference data's and the
// book's) in a compact form: one string arena with each network's fields
// back to back, and per network its offset and country. Networks are
// grouped by country (countries in code order) and sorted by code within a
// country, the order of the answers. A network costs its strings plus six
// bytes; a network of a rate deck ("GB-447700900", "United Kingdom
// 447700900", one range) about 45 bytes in all.
//
// An entry is: type (an index into netTypes, or typeOther and the type as
// a string), code, name, mcc, mnc (each a uvarint length and the bytes),
// the number of aliases and each alias, then the ranges: a uvarint
// count<<1|fromCode, where fromCode says that the first range is the code
// after its "CC-" (the network a deck row's new prefix defines, whose
// range would repeat its code), then each other range.
type netTable struct {
	arena   string   // every network's entry
	off     []uint32 // per network: where its entry starts
	country []uint16 // per network: its country's index
	start   []int32  // per country: its first network; len(countries)+1 entries
	book    []uint64 // a bit per network: it is one of the book's
}

// isBook reports whether network n is one the book defines.
func (t *netTable) isBook(n int) bool { return t.book[n/64]&(1<<(n%64)) != 0 }

// netTypes are the network types an entry names by index.
var netTypes = [...]kassa.NetworkType{kassa.Mobile, kassa.Landline, kassa.LandlinePremium, kassa.LandlineTollFree, kassa.Virtual, kassa.Pager}

// typeOther marks an entry whose type is written out as a string.
const typeOther = 255

// numNets returns the number of networks.
func (t *netTable) numNets() int { return len(t.off) }

// netEntry is one network's fields, as views into the arena.
type netEntry struct {
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
	pos := int(t.off[n])
	typ, pos := t.typeAt(pos)
	code, pos := readString(t.arena, pos)
	name, _ := readString(t.arena, pos)
	return typ, code, name
}

// typeAt reads an entry's type.
func (t *netTable) typeAt(pos int) (kassa.NetworkType, int) {
	b := t.arena[pos]
	if b != typeOther {
		return netTypes[b], pos + 1
	}
	s, pos := readString(t.arena, pos+1)
	return kassa.NetworkType(s), pos
}

// entry reads network n.
func (t *netTable) entry(n int) netEntry {
	var e netEntry
	pos := int(t.off[n])
	e.typ, pos = t.typeAt(pos)
	e.code, pos = readString(t.arena, pos)
	e.name, pos = readString(t.arena, pos)
	e.mcc, pos = readString(t.arena, pos)
	e.mnc, pos = readString(t.arena, pos)
	e.aliases, e.nAliases, pos = t.list(pos)
	hdr, w := uvarintString(t.arena, pos)
	pos += w
	e.fromCode = hdr&1 != 0
	e.nRanges = int(hdr >> 1)
	if e.fromCode {
		e.nRanges--
	}
	end := pos
	for range e.nRanges {
		_, end = readString(t.arena, end)
	}
	e.ranges = t.arena[pos:end]
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

// appendEntry appends a network's entry to an arena being built.
func appendEntry(b []byte, typ kassa.NetworkType, code, name, mcc, mnc string, aliases []string, ranges []string) []byte {
	ti := typeOther
	for i, t := range netTypes {
		if t == typ {
			ti = i
			break
		}
	}
	b = append(b, byte(ti))
	if ti == typeOther {
		b = appendString(b, string(typ))
	}
	b = appendString(b, code)
	b = appendString(b, name)
	b = appendString(b, mcc)
	b = appendString(b, mnc)
	b = binary.AppendUvarint(b, uint64(len(aliases)))
	for _, a := range aliases {
		b = appendString(b, a)
	}
	fromCode := len(ranges) > 0 && len(code) == len(ranges[0])+3 && code[2] == '-' && code[3:] == ranges[0]
	hdr := uint64(len(ranges)) << 1
	if fromCode {
		hdr |= 1
		ranges = ranges[1:]
	}
	b = binary.AppendUvarint(b, hdr)
	for _, r := range ranges {
		b = appendString(b, r)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
