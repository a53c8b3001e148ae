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
