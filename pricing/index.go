package pricing

import (
	"math/bits"
)

// rateIndex maps number prefixes to destinations (a network, or a
// country's default price through its dialling prefix). It has one
// open-addressing hash table per prefix length; a slot is one uint64
// holding the prefix's value plus one and the destination, so a prefix
// costs 8 bytes over a load factor of 0.8 (10 bytes). A
// lookup computes the values of every leading part of the number once and
// probes the lengths that exist, longest first; the probes do not depend
// on each other, so their memory loads overlap (a trie walk is a chain of
// dependent loads, one per digit). Prefixes of more than packedDigits
// digits, rare in rate decks, live in a map.
//
// A million-prefix deck has prefixes of many lengths; probing each length
// would cost a cache miss per length. A small table of stems (the first
// stemDigits digits of the prefixes longer than that) says which lengths
// occur under a stem, so that a lookup probes those only: usually one or
// two.
type rateIndex struct {
	tables  [packedDigits + 1][]uint64
	long    map[uint64]uint32 // longer prefixes: value<<4|length → destination
	lengths uint32            // bit L set when some prefix has L digits
	stems   []uint64          // (stem+1)<<16 | the lengths over stemDigits found under it; 0 marks an empty slot
}

// stemDigits is the length of the stems.
const stemDigits = 6

// Slot layout: (value+1)<<destBits | destination.
const (
	destBits     = 24
	destMask     = 1<<destBits - 1
	maxDests     = 1 << destBits
	packedDigits = 12 // 10^12 < 2^40 = 2^(64-destBits)
)

// indexKey packs a prefix of at most maxDigits digits for the long map.
func indexKey(value uint64, length int) uint64 { return value<<4 | uint64(length) }

// slotOf returns the home slot of value in a table of n slots.
func slotOf(value uint64, n int) int {
	hi, _ := bits.Mul64(value*0x9E3779B97F4A7C15, uint64(n))
	return int(hi)
}

// digitsValue returns the numeric value of a digit string.
func digitsValue(prefix string) uint64 {
	var v uint64
	for i := 0; i < len(prefix); i++ {
		v = v*10 + uint64(prefix[i]-'0')
	}
	return v
}

// indexBuilder collects prefixes, then sizes and fills the tables.
type indexBuilder struct {
	entries [packedDigits + 1][]uint64 // per length: value<<destBits | dest, in insertion order
	long    []longEntry
}

type longEntry struct {
	key  uint64
	dest uint32
}

// add records prefix → dest; build keeps, for a prefix added more than
// once, the first destination unless replace says the later one wins.
func (b *indexBuilder) add(prefix string, dest uint32) {
	v := digitsValue(prefix)
	if len(prefix) > packedDigits {
		b.long = append(b.long, longEntry{indexKey(v, len(prefix)), dest})
		return
	}
	b.entries[len(prefix)] = append(b.entries[len(prefix)], (v+1)<<destBits|uint64(dest))
}

// build makes the index. keep(existing, later) reports whether an earlier
// destination stays when the same prefix is added again.
func (b *indexBuilder) build(keep func(existing, later uint32) bool) rateIndex {
	var x rateIndex
	stems := map[uint64]uint16{}
	for l, list := range b.entries {
		if l > stemDigits {
			for _, e := range list {
				stems[(e>>destBits-1)/pow10[l-stemDigits]] |= 1 << l
			}
		}
	}
	for _, e := range b.long {
		l := e.key & 15
		stems[(e.key>>4)/pow10[l-stemDigits]] |= 1 << l
	}
	if len(stems) > 0 {
		x.stems = make([]uint64, len(stems)*2+1)
		for stem, mask := range stems {
			i := slotOf(stem, len(x.stems))
			for x.stems[i] != 0 {
				if i++; i == len(x.stems) {
					i = 0
				}
			}
			x.stems[i] = (stem+1)<<16 | uint64(mask)
		}
	}
	for l, list := range b.entries {
		if len(list) == 0 {
			continue
		}
		x.lengths |= 1 << l
		table := make([]uint64, len(list)*5/4+1)
		for _, e := range list {
			x.insert(table, e, keep)
		}
		x.tables[l] = table
		b.entries[l] = nil
	}
	if len(b.long) > 0 {
		x.long = make(map[uint64]uint32, len(b.long))
		for _, e := range b.long {
			if old, ok := x.long[e.key]; ok && keep(old, e.dest) {
				continue
			}
			x.long[e.key] = e.dest
			x.lengths |= 1 << (e.key & 15)
		}
	}
	return x
}

// insert puts entry (value+1<<destBits | dest) into table.
func (x *rateIndex) insert(table []uint64, entry uint64, keep func(existing, later uint32) bool) {
	v := entry >> destBits
	for i := slotOf(v-1, len(table)); ; i++ {
		if i == len(table) {
			i = 0
		}
		s := table[i]
		if s == 0 {
			table[i] = entry
			return
		}
		if s>>destBits == v {
			if !keep(uint32(s&destMask), uint32(entry&destMask)) {
				table[i] = entry
			}
			return
		}
	}
}

// lookup returns the destination of the prefix of length l with value v.
func (x *rateIndex) lookup(v uint64, l int) (uint32, bool) {
	if l > packedDigits {
		d, ok := x.long[indexKey(v, l)]
		return d, ok
	}
	table := x.tables[l]
	want := v + 1
	for i := slotOf(v, len(table)); ; i++ {
		if i == len(table) {
			i = 0
		}
		s := table[i]
		if s == 0 {
			return 0, false
		}
		if s>>destBits == want {
			return uint32(s & destMask), true
		}
	}
}

// pow10 holds the powers of ten up to 10^maxDigits.
var pow10 = func() (p [maxDigits + 1]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// stemLengths returns the lengths over stemDigits that occur under a stem.
func (x *rateIndex) stemLengths(stem uint64) uint32 {
	if len(x.stems) == 0 {
		return 0
	}
	want := stem + 1
	for i := slotOf(stem, len(x.stems)); ; i++ {
		if i == len(x.stems) {
			i = 0
		}
		s := x.stems[i]
		if s == 0 {
			return 0
		}
		if s>>16 == want {
			return uint32(s & 0xffff)
		}
	}
}

// longest returns the destination of the longest prefix of digits that
// is priced in v (any destination when v is nil), or -1. digits holds at
// most maxDigits ASCII digits.
func (x *rateIndex) longest(digits []byte, v *view) int32 {
	var values [maxDigits + 1]uint64
	var val uint64
	n := min(len(digits), maxDigits)
	for i := 0; i < n; i++ {
		val = val*10 + uint64(digits[i]-'0')
		values[i+1] = val
	}
	lengths := x.lengths
	if n > stemDigits {
		// Over stemDigits, only the lengths found under the stem.
		lengths = lengths&(1<<(stemDigits+1)-1) | x.stemLengths(values[stemDigits])
	}
	for l := n; l >= 1; l-- {
		if lengths&(1<<l) == 0 {
			continue
		}
		if d, ok := x.lookup(values[l], l); ok && (v == nil || v.priced(d)) {
			return int32(d)
		}
	}
	return -1
}

// size returns the bytes the index holds.
func (x *rateIndex) size() int {
	n := 0
	for _, t := range x.tables {
		n += 8 * len(t)
	}
	return n + 24*len(x.long) + 8*len(x.stems)
}
