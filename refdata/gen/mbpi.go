package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

// mbpiProvider is one <provider> of serviceproviders.xml with its GSM
// network ids (MCC+MNC, duplicates removed, in file order).
type mbpiProvider struct {
	Country string // alpha-2, upper case
	Name    string
	Primary bool
	Codes   []string
	Order   int
}

type mbpiFile struct {
	Countries []struct {
		Code      string `xml:"code,attr"`
		Providers []struct {
			Primary string `xml:"primary,attr"`
			Names   []struct {
				Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
				Text string `xml:",chardata"`
			} `xml:"name"`
			IDs []struct {
				MCC string `xml:"mcc,attr"`
				MNC string `xml:"mnc,attr"`
			} `xml:"gsm>network-id"`
		} `xml:"provider"`
	} `xml:"country"`
}

// readMBPI reads the providers that have GSM network ids.
func readMBPI(path string) ([]mbpiProvider, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read mobile-broadband-provider-info: %w%s", err, installHint("mobile-broadband-provider-info"))
	}
	defer f.Close()
	var doc mbpiFile
	dec := xml.NewDecoder(f)
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	var out []mbpiProvider
	for _, c := range doc.Countries {
		for _, p := range c.Providers {
			prov := mbpiProvider{Country: strings.ToUpper(c.Code), Primary: p.Primary == "true", Order: len(out)}
			for _, n := range p.Names {
				if prov.Name == "" || n.Lang == "" || n.Lang == "en" {
					prov.Name = strings.Join(strings.Fields(n.Text), " ")
					if n.Lang == "" || n.Lang == "en" {
						break
					}
				}
			}
			seen := map[string]bool{}
			for _, id := range p.IDs {
				code := id.MCC + id.MNC
				if !validMCCMNC(id.MCC, id.MNC) || seen[code] {
					continue
				}
				seen[code] = true
				prov.Codes = append(prov.Codes, code)
			}
			if len(prov.Codes) > 0 && prov.Name != "" {
				out = append(out, prov)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("decode %s: no providers with network ids", path)
	}
	return out, nil
}

func validMCCMNC(mcc, mnc string) bool {
	return len(mcc) == 3 && allDigits(mcc) && (len(mnc) == 2 || len(mnc) == 3) && allDigits(mnc)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// dropForeignCodes removes network ids whose MCC belongs to another
// country: an MCC that is in the minority among a country's ids and used
// more by another country's providers (the file lists Crimean operators,
// MCC 250, under Uganda). Territories that use a larger country's MCC
// only (GG, JE, IM with 234) keep theirs. It returns the dropped
// "country code" pairs for the report.
func dropForeignCodes(providers []mbpiProvider) ([]mbpiProvider, []string) {
	count := map[string]map[string]int{} // mcc -> country -> ids
	for _, p := range providers {
		for _, c := range p.Codes {
			if count[c[:3]] == nil {
				count[c[:3]] = map[string]int{}
			}
			count[c[:3]][p.Country]++
		}
	}
	majority := map[string]string{} // country -> its most used mcc
	best := map[string]int{}
	for mcc, byCountry := range count {
		for country, n := range byCountry {
			if n > best[country] || (n == best[country] && mcc < majority[country]) {
				best[country], majority[country] = n, mcc
			}
		}
	}
	foreign := func(country, mcc string) bool {
		if majority[country] == mcc {
			return false
		}
		for other, n := range count[mcc] {
			if other != country && n > count[mcc][country] {
				return true
			}
		}
		return false
	}
	var out []mbpiProvider
	var dropped []string
	for _, p := range providers {
		var keep []string
		for _, c := range p.Codes {
			if foreign(p.Country, c[:3]) {
				dropped = append(dropped, p.Country+" "+c)
				continue
			}
			keep = append(keep, c)
		}
		if len(keep) > 0 {
			p.Codes = keep
			out = append(out, p)
		}
	}
	return out, dropped
}
