package pricing

import (
	"sort"

	"github.com/kassa-dev/kassa"
)

// rateIndex maps number prefixes to destinations: an open-addressing hash
// table keyed by (length, numeric value) of each prefix, and the set of
// prefix lengths present. A lookup computes the values of every leading
// part of the number once and probes the lengths that exist, longest
// first; the probes do not depend on each other, so their memory loads
// overlap (a trie walk is a chain of dependent loads, one per digit).
type rateIndex struct {
	slots   []indexSlot // len is a power of two; key 0 marks an empty slot
	shift   uint        // 64 - log2(len(slots))
	used    int
	lengths uint32 // bit L set when some prefix has L digits
}

type indexSlot struct {
	key  uint64 // value<<4 | length; never 0 because length ≥ 1
	dest int32
}

// newRateIndex returns an empty index.
func newRateIndex() rateIndex {
	return rateIndex{slots: make([]indexSlot, 16), shift: 64 - 4}
}

// indexKey packs a prefix of at most maxDigits digits.
func indexKey(value uint64, length int) uint64 { return value<<4 | uint64(length) }

// slotOf returns the home slot of key (Fibonacci hashing).
func (x *rateIndex) slotOf(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> x.shift }

// insert stores value at prefix unless keep(existing) says the value there
// stays. It reports whether it stored value. prefix must be 1 to maxDigits
// digits.
func (x *rateIndex) insert(prefix string, value int32, keep func(existing int32) bool) bool {
	var v uint64
	for i := 0; i < len(prefix); i++ {
		v = v*10 + uint64(prefix[i]-'0')
	}
	key := indexKey(v, len(prefix))
	mask := uint64(len(x.slots) - 1)
	for i := x.slotOf(key); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.key == key {
			if keep(s.dest) {
				return false
			}
			s.dest = value
			return true
		}
		if s.key == 0 {
			s.key, s.dest = key, value
			x.used++
			x.lengths |= 1 << len(prefix)
			if x.used*2 > len(x.slots) {
				x.grow()
			}
			return true
		}
	}
}

// grow doubles the table.
func (x *rateIndex) grow() {
	old := x.slots
	x.slots = make([]indexSlot, len(old)*2)
	x.shift--
	mask := uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.key == 0 {
			continue
		}
		i := x.slotOf(s.key)
		for x.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// longest returns the value of the longest prefix of digits whose
// destination has a price in rates, or -1. digits holds at most maxDigits
// ASCII digits.
func (x *rateIndex) longest(digits []byte, rates []kassa.Amount) int32 {
	var values [maxDigits + 1]uint64
	var v uint64
	n := min(len(digits), maxDigits)
	for i := 0; i < n; i++ {
		v = v*10 + uint64(digits[i]-'0')
		values[i+1] = v
	}
	slots := x.slots
	mask := uint64(len(slots) - 1)
	for l := n; l >= 1; l-- {
		if x.lengths&(1<<l) == 0 {
			continue
		}
		key := indexKey(values[l], l)
		for i := x.slotOf(key); ; i = (i + 1) & mask {
			s := &slots[i]
			if s.key == key {
				if rates[s.dest] >= 0 {
					return s.dest
				}
				break
			}
			if s.key == 0 {
				break
			}
		}
	}
	return -1
}

// buildIndex fills the destinations and the index: every range of every
// network, and the dialling prefix of every country that has it alone
// (shared prefixes such as 1 and 7 are resolved by the range data only).
// A range that networks of several countries list (NANP toll-free 1800…)
// goes to the country with the most ranges (US for +1, RU for +7).
func (s *Snapshot) buildIndex() {
	s.index = newRateIndex()
	isNetwork := func(existing int32) bool { return s.dests[existing].network >= 0 }
	for _, ci := range s.countriesByRangeCount() {
		for ni, n := range s.networks[ci] {
			id := int32(len(s.dests))
			s.dests = append(s.dests, dest{country: int32(ci), network: int32(ni)})
			for _, r := range n.Ranges {
				if isDigits(r) && len(r) <= maxDigits {
					s.index.insert(r, id, isNetwork)
				}
			}
		}
	}
	for ci, c := range s.countries {
		if !isDigits(c.DialingPrefix) || len(s.ref.CountriesByPrefix(c.DialingPrefix)) != 1 {
			continue
		}
		id := int32(len(s.dests))
		s.dests = append(s.dests, dest{country: int32(ci), network: -1})
		s.index.insert(c.DialingPrefix, id, isNetwork)
	}
	s.info = make([]destInfo, len(s.dests))
	for i, d := range s.dests {
		s.info[i].country = s.countries[d.country].Code
		if d.network >= 0 {
			nw := &s.networks[d.country][d.network]
			s.info[i].code, s.info[i].name, s.info[i].typ = nw.Code, nw.Name, nw.Type
		}
	}
	s.fillRates()
}

// countriesByRangeCount returns the country indexes, those with the most
// ranges first (ties by code).
func (s *Snapshot) countriesByRangeCount() []int {
	counts := make([]int, len(s.countries))
	order := make([]int, len(s.countries))
	for ci, list := range s.networks {
		order[ci] = ci
		for _, n := range list {
			counts[ci] += len(n.Ranges)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	return order
}

// fillRates computes every view's unit price per destination.
func (s *Snapshot) fillRates() {
	for ti := range s.views {
		for ci := range s.views[ti] {
			v := s.views[ti][ci]
			if v == nil {
				continue
			}
			v.rates = make([]kassa.Amount, len(s.dests))
			for i, d := range s.dests {
				v.rates[i] = v.destPrice(d)
			}
			v.netPrice = nil
		}
	}
}

// destPrice returns a destination's unit price in v, or noPrice.
func (v *view) destPrice(d dest) kassa.Amount {
	if d.network < 0 {
		cp := &v.countries[d.country]
		if cp.HasDefault {
			return cp.DefaultPrice
		}
		return noPrice
	}
	return v.netPrice[d.country][d.network]
}
