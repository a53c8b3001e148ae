package main

import (
	"fmt"
	"sort"

	"github.com/nyaruka/phonenumbers"
)

// pseudoNetworks builds the landline, toll-free, premium, virtual and
// pager networks of every country libphonenumber describes. Regions that
// share a calling code often share number types too (NANP toll-free 1800,
// UK premium 4490 for GB, GG, IM, JE): a range goes to the first region
// in libphonenumber's order for the code (the main country first), as
// libphonenumber itself resolves such numbers, and a pseudo-network left
// without ranges is dropped.
//
// A range that is also a mobile carrier's prefix stays with the carrier:
// where fixed and mobile numbers share leading digits (DK, NANP) the
// carrier data is the more specific statement.
func pseudoNetworks(pm *phoneMeta, countries []country, mobileRanges map[string]bool) ([]network, error) {
	isCountry := map[string]country{}
	for _, c := range countries {
		isCountry[c.Code] = c
	}
	var out []network
	for _, cc := range sortedKeys(pm.byCode) {
		claimed := map[string]bool{}
		for _, code := range phonenumbers.GetRegionCodesForCountryCode(mustAtoi(cc)) {
			r, ok := pm.regions[code]
			c, isISO := isCountry[code]
			if !ok || !isISO {
				continue
			}
			for _, t := range pseudoTypes {
				ranges, err := r.pseudoRanges(t)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", c.Code, t.Suffix, err)
				}
				var own []string
				for _, rg := range ranges {
					if !claimed[t.Suffix+rg] && !mobileRanges[rg] {
						own = append(own, rg)
					}
				}
				for _, rg := range own {
					claimed[t.Suffix+rg] = true
				}
				if len(own) == 0 {
					continue
				}
				out = append(out, network{
					Country: c.Code, Code: c.Code + "-" + t.Suffix, Type: t.Type,
					Name: c.DisplayName + " " + t.NameTail, Ranges: sortedUnique(own),
				})
			}
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
