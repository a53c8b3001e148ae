package main

import "sort"

// country is one generated country row.
type country struct {
	Code, Name, DisplayName, DialingPrefix string
}

// network is one generated network row.
type network struct {
	Country, Code, Type, Name, MCC, MNC string
	Aliases                             []string
	Ranges                              []string

	ambiguousName bool // the mbpi code was shared by several providers
	fixedName     bool // named by the alias table
	carrierHits   map[string]int
}

// sources are the parsed inputs of one generation.
type sources struct {
	iso       []isoCountry
	providers []mbpiProvider
	// droppedCodes are the mbpi ids dropped as another country's MCC.
	droppedCodes []string
	carriers     []carrierPrefix
	aliases      []alias
	phone        *phoneMeta
}

// result is the generated data plus what the coverage report needs.
type result struct {
	Countries []country
	Networks  []network
	Unmatched []unmatchedCarrier
	Joins     []carrierJoin
}

// carrierJoin records how one libphonenumber carrier found its network.
type carrierJoin struct {
	Country, Carrier, Network, NetworkName, How string
	Prefixes                                    int
}

// unmatchedCarrier is a libphonenumber carrier no network was found for.
type unmatchedCarrier struct {
	Country, Carrier string
	Prefixes         int
}

func build(src sources) (*result, error) {
	res := &result{}
	display := map[string]string{}
	for _, c := range src.iso {
		prefix := ""
		if r, ok := src.phone.regions[c.Alpha2]; ok {
			prefix = r.CallingCode
		}
		res.Countries = append(res.Countries, country{c.Alpha2, c.Name, c.displayName(), prefix})
		display[c.Alpha2] = c.displayName()
	}
	sort.Slice(res.Countries, func(i, j int) bool { return res.Countries[i].Code < res.Countries[j].Code })

	nets := newNetworkSet()
	nets.addProviders(src.providers, display)
	if err := nets.joinCarriers(src, display, res); err != nil {
		return nil, err
	}
	mobileRanges := map[string]bool{}
	for _, n := range nets.all {
		n.finish()
		res.Networks = append(res.Networks, *n)
		for _, r := range n.Ranges {
			mobileRanges[r] = true
		}
	}
	pseudo, err := pseudoNetworks(src.phone, res.Countries, mobileRanges)
	if err != nil {
		return nil, err
	}
	res.Networks = append(res.Networks, pseudo...)
	sort.Slice(res.Networks, func(i, j int) bool {
		a, b := res.Networks[i], res.Networks[j]
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		return a.Code < b.Code
	})
	return res, nil
}

// finish sorts ranges and aliases and, for a network whose mbpi code was
// shared by several providers (an operator and its MVNOs), takes the name
// of the libphonenumber carrier with most prefixes.
func (n *network) finish() {
	n.Ranges = sortedUnique(n.Ranges)
	n.Aliases = sortedUnique(n.Aliases)
	if n.ambiguousName && !n.fixedName {
		best, hits := "", 0
		for c, h := range n.carrierHits {
			if h > hits || (h == hits && c < best) {
				best, hits = c, h
			}
		}
		if best != "" {
			n.Name = best
		}
	}
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	sort.Strings(in)
	out := in[:1]
	for _, s := range in[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}
