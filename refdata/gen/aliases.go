package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// alias is one row of aliases.tsv: the carrier name as libphonenumber
// writes it in a country, the MCC+MNC network code it belongs to and,
// optionally, the network's name for networks that
// mobile-broadband-provider-info lacks.
type alias struct {
	Country string
	Carrier string
	Code    string
	Name    string
}

// noNetwork in the code column keeps a carrier out of every network (for
// carriers a name match would join wrongly).
const noNetwork = "-"

// readAliases reads aliases.tsv: tab-separated, '#' comments and blank
// lines ignored.
func readAliases(path string) ([]alias, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	defer f.Close()
	var out []alias
	seen := map[[2]string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) < 3 || len(cols) > 4 {
			return nil, fmt.Errorf("%s:%d: want 3 or 4 tab-separated columns, got %d", path, line, len(cols))
		}
		a := alias{Country: cols[0], Carrier: cols[1], Code: cols[2]}
		if len(cols) == 4 {
			a.Name = cols[3]
		}
		if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country {
			return nil, fmt.Errorf("%s:%d: country %q is not an upper-case alpha-2 code", path, line, a.Country)
		}
		if a.Code != noNetwork && (len(a.Code) < 5 || len(a.Code) > 6 || !validMCCMNC(a.Code[:3], a.Code[3:])) {
			return nil, fmt.Errorf("%s:%d: network code %q is not MCC+MNC", path, line, a.Code)
		}
		key := [2]string{a.Country, a.Carrier}
		if seen[key] {
			return nil, fmt.Errorf("%s:%d: carrier %q of %s listed twice", path, line, a.Carrier, a.Country)
		}
		seen[key] = true
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
