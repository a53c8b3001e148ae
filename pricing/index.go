package pricing

import (
	"sort"

	"github.com/kassa-dev/kassa"
)

// rateIndex is a digit trie over number prefixes: network ranges and the
// dialling prefixes of countries that do not share theirs. A node's value
// is an index into Snapshot.dests, or -1.
type rateIndex struct {
	nodes []trieNode
}

type trieNode struct {
	next [10]int32 // child node per digit; 0 means none (the root is never a child)
	dest int32
}

// newRateIndex returns an index holding only its root.
func newRateIndex() rateIndex {
	return rateIndex{nodes: []trieNode{{dest: -1}}}
}

// insert stores value at prefix unless keep(existing) says the value there
// stays. It reports whether it stored value.
func (x *rateIndex) insert(prefix string, value int32, keep func(existing int32) bool) bool {
	n := int32(0)
	for i := 0; i < len(prefix); i++ {
		d := prefix[i] - '0'
		next := x.nodes[n].next[d]
		if next == 0 {
			next = int32(len(x.nodes))
			x.nodes = append(x.nodes, trieNode{dest: -1})
			x.nodes[n].next[d] = next
		}
		n = next
	}
	if old := x.nodes[n].dest; old >= 0 && keep(old) {
		return false
	}
	x.nodes[n].dest = value
	return true
}

// longest returns the value of the longest prefix of digits whose
// destination has a price in rates, or -1.
func (x *rateIndex) longest(digits []byte, rates []kassa.Amount) int32 {
	best := int32(-1)
	nodes := x.nodes
	n := int32(0)
	for _, c := range digits {
		n = nodes[n].next[c-'0']
		if n == 0 {
			break
		}
		if d := nodes[n].dest; d >= 0 && rates[d] >= 0 {
			best = d
		}
	}
	return best
}

// buildIndex fills the destinations and the trie: every range of every
// network, and the dialling prefix of every country that has it alone
// (shared prefixes such as 1 and 7 are resolved by the range data only).
// A range that networks of several countries list (NANP toll-free 1800…)
// goes to the country with the most ranges (US for +1, RU for +7).
func (s *Snapshot) buildIndex() {
	s.trie = newRateIndex()
	isNetwork := func(existing int32) bool { return s.dests[existing].network >= 0 }
	for _, ci := range s.countriesByRangeCount() {
		for ni, n := range s.networks[ci] {
			id := int32(len(s.dests))
			s.dests = append(s.dests, dest{country: int32(ci), network: int32(ni)})
			for _, r := range n.Ranges {
				if isDigits(r) && len(r) <= maxDigits {
					s.trie.insert(r, id, isNetwork)
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
		s.trie.insert(c.DialingPrefix, id, isNetwork)
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
