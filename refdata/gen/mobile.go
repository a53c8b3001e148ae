package main

import "sort"

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
