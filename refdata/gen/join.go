package main

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// joinCarriers gives each libphonenumber carrier prefix to a network: by
// the alias table first, then by normalised name.
func (s *networkSet) joinCarriers(src sources, display map[string]string, res *result) error {
	type key struct{ country, carrier string }
	groups := map[key][]string{}
	for _, cp := range src.carriers {
		r, ok := src.phone.regionOfMobilePrefix(cp.Prefix)
		if !ok {
			continue
		}
		if _, ok := display[r.Code]; !ok {
			continue // not an ISO 3166-1 country (XK, AC, TA)
		}
		k := key{r.Code, cp.Carrier}
		groups[k] = append(groups[k], cp.Prefix)
	}
	aliasOf := map[key]alias{}
	for _, a := range src.aliases {
		if _, ok := display[a.Country]; !ok {
			return fmt.Errorf("aliases.tsv: unknown country %s", a.Country)
		}
		if err := s.applyAlias(a); err != nil {
			return err
		}
		aliasOf[key{a.Country, a.Carrier}] = a
	}
	keys := make([]key, 0, len(groups))
	firstWords := map[firstWordKey]int{}
	for k := range groups {
		keys = append(keys, k)
		firstWords[firstWordKey{k.country, firstWord(k.carrier)}]++
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].country != keys[j].country {
			return keys[i].country < keys[j].country
		}
		return keys[i].carrier < keys[j].carrier
	})
	for _, k := range keys {
		var n *network
		how := "alias"
		if a, ok := aliasOf[k]; ok {
			n = s.byCode[k.country+a.Code] // nil for noNetwork
		} else {
			n, how = s.matchByName(k.country, k.carrier, firstWords[firstWordKey{k.country, firstWord(k.carrier)}])
		}
		if n == nil {
			res.Unmatched = append(res.Unmatched, unmatchedCarrier{k.country, k.carrier, len(groups[k])})
			continue
		}
		res.Joins = append(res.Joins, carrierJoin{k.country, k.carrier, n.Code, n.Name, how, len(groups[k])})
		n.Ranges = append(n.Ranges, groups[k]...)
		n.carrierHits[k.carrier] += len(groups[k])
	}
	return nil
}

// applyAlias makes sure the network of an alias row exists before the
// join: it creates a network mobile-broadband-provider-info lacks, gives a
// network the row's name, or (with a name) splits a code that the file
// lists as another network's alias into a network of its own. The MCC must
// be one the country's other networks use.
func (s *networkSet) applyAlias(a alias) error {
	if a.Code == noNetwork {
		return nil
	}
	mccs := map[string]bool{}
	for _, n := range s.all {
		if n.Country == a.Country {
			mccs[n.MCC] = true
		}
	}
	if len(mccs) > 0 && !mccs[a.Code[:3]] {
		return fmt.Errorf("aliases.tsv: %s %q: network %s has an MCC no other %s network uses", a.Country, a.Carrier, a.Code, a.Country)
	}
	n := s.byCode[a.Country+a.Code]
	switch {
	case n == nil:
		name := a.Name
		if name == "" {
			name = a.Carrier
		}
		n = newMobile(a.Country, a.Code, name)
		s.all = append(s.all, n)
		s.byCode[a.Country+a.Code] = n
	case a.Name != "" && n.Code != a.Code:
		n.Aliases = without(n.Aliases, a.Code)
		n = newMobile(a.Country, a.Code, a.Name)
		s.all = append(s.all, n)
		s.byCode[a.Country+a.Code] = n
	case a.Name != "":
		n.Name = a.Name
	}
	if a.Name != "" {
		n.fixedName = true
	}
	return nil
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// firstWordKey counts the carriers of a country that share a first word.
type firstWordKey struct{ country, word string }

// matchByName finds the one network of a country whose normalised name
// equals the carrier's, or failing that the one whose first word does,
// when no other carrier of the country starts with that word
// (sharing is the number of carriers that do).
func (s *networkSet) matchByName(country, carrier string, sharing int) (*network, string) {
	want := normalise(carrier)
	if want == "" {
		return nil, ""
	}
	var exact, first []*network
	for _, n := range s.all {
		if n.Country != country {
			continue
		}
		if normalise(n.Name) == want {
			exact = append(exact, n)
		}
		if firstWord(n.Name) == firstWord(carrier) {
			first = append(first, n)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], "name"
	case len(exact) == 0 && len(first) == 1 && len(firstWord(carrier)) >= 3 && sharing == 1:
		return first[0], "first word"
	}
	return nil, ""
}

// normalise lower-cases a name and keeps only its letters and digits.
func normalise(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstWord(name string) string {
	f := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
