package pricing

import (
	"math/bits"
	"unsafe"
)

// prefixTable maps the prefixes of a deck being read to what the parser
// remembers of them (prefixSeen): an open-addressing hash table of 16-byte
// slots holding the key and the value together, so that looking a prefix
// up (once per row) costs one cache miss; a Go map of the same entries
// costs two and half again the memory.
//
// A slot's first word is the prefix key (at most 54 bits) shifted left by
// 9, with the (type, currency) pairs seen (6 bits) and the first pair (3
// bits); 0 marks an empty slot. The second word holds the deck network and
// the line.
type prefixTable struct {
	slots []prefixSlot
	used  int
	mem   *offHeap // where the slots are mapped, when they are
}

type prefixSlot struct {
	word uint64
	net  int32
	line int32
}

// newPrefixTable returns a table sized for about n prefixes, its slots
// mapped in mem when they are large.
func newPrefixTable(n int, mem *offHeap) *prefixTable {
	return &prefixTable{slots: offHeapSlice[prefixSlot](mem, max(128, 2*n)), mem: mem}
}

// home returns the first slot to probe for key: prefixes of one length
// that differ in their last two digits only (a deck sorted by prefix lists
// them one after the other) go to neighbouring slots, so that reading a
// sorted deck touches the table's memory in order instead of once per row
// at random.
func (t *prefixTable) home(key uint64) int {
	value, length := key>>4, key&15
	hi, _ := bits.Mul64((value/100<<4|length)*0x9E3779B97F4A7C15, uint64(len(t.slots)))
	i := int(hi) + int(value%100)
	if i >= len(t.slots) {
		i -= len(t.slots)
	}
	return i
}

// get returns what is remembered of prefix key.
func (t *prefixTable) get(key uint64) (prefixSeen, bool) {
	_, e, ok := t.find(key)
	return e, ok
}

// find returns the slot of prefix key (the empty slot where it would go
// when it is not in the table) and what is remembered of it: a row looks
// its prefix up once and stores what it adds with putAt, without probing
// again.
func (t *prefixTable) find(key uint64) (int, prefixSeen, bool) {
	for i := t.home(key); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		s := &t.slots[i]
		if s.word == 0 {
			return i, prefixSeen{}, false
		}
		if s.word>>9 == key {
			return i, prefixSeen{net: s.net, line: s.line, mask: uint8(s.word >> 3 & 63), first: uint8(s.word & 7)}, true
		}
	}
}

// putAt stores what is remembered of prefix key in slot i, which find
// returned for it with no put in between.
func (t *prefixTable) putAt(i int, key uint64, e prefixSeen) {
	s := &t.slots[i]
	isNew := s.word == 0
	*s = prefixSlot{key<<9 | uint64(e.mask&63)<<3 | uint64(e.first&7), e.net, e.line}
	if isNew {
		t.used++
		if t.used*5 > len(t.slots)*3 {
			t.grow()
		}
	}
}

// grow doubles the table.
func (t *prefixTable) grow() {
	old := t.slots
	defer t.mem.drop(unsafe.Pointer(unsafe.SliceData(old)))
	t.slots = offHeapSlice[prefixSlot](t.mem, 2*len(old))
	for _, s := range old {
		if s.word == 0 {
			continue
		}
		i := t.home(s.word >> 9)
		for t.slots[i].word != 0 {
			if i++; i == len(t.slots) {
				i = 0
			}
		}
		t.slots[i] = s
	}
}

// rangeTable maps (country, range) of the reference data to the network
// listing the range, for looking up a deck row's prefix: one small
// open-addressing table of packed keys, probed without hashing strings.
type rangeTable struct {
	keys []uint64 // country<<54 | prefix key, plus one; 0 marks an empty slot
	nets []int32
}

// build fills the table from entries (key → network, the first entry of a
// key kept).
func newRangeTable(entries []rangeEntry) rangeTable {
	t := rangeTable{keys: make([]uint64, len(entries)*2+16), nets: make([]int32, len(entries)*2+16)}
	for _, e := range entries {
		i := t.home(e.key)
		for ; t.keys[i] != 0; i = t.next(i) {
			if t.keys[i] == e.key+1 {
				break
			}
		}
		if t.keys[i] == 0 {
			t.keys[i], t.nets[i] = e.key+1, e.net
		}
	}
	return t
}

type rangeEntry struct {
	key uint64
	net int32
}

func (t *rangeTable) home(key uint64) int {
	hi, _ := bits.Mul64(key*0x9E3779B97F4A7C15, uint64(len(t.keys)))
	return int(hi)
}

func (t *rangeTable) next(i int) int {
	if i++; i == len(t.keys) {
		return 0
	}
	return i
}

// get returns the network of a key.
func (t *rangeTable) get(key uint64) (int32, bool) {
	for i := t.home(key); ; i = t.next(i) {
		switch t.keys[i] {
		case 0:
			return -1, false
		case key + 1:
			return t.nets[i], true
		}
	}
}
