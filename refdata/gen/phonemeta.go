package main

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// numberType is one libphonenumber number type that becomes a per-country
// pseudo-network.
type numberType struct {
	Suffix   string // network code suffix: "GB-FIXED"
	Type     string // kassa.NetworkType value
	NameTail string // "United Kingdom Landline"
	desc     func(*phonenumbers.PhoneMetadata) *phonenumbers.PhoneNumberDesc
}

var pseudoTypes = []numberType{
	{"FIXED", "landline", "Landline", (*phonenumbers.PhoneMetadata).GetFixedLine},
	{"TOLL-FREE", "landline_tollfree", "Toll Free", (*phonenumbers.PhoneMetadata).GetTollFree},
	{"PREMIUM", "landline_premium", "Premium", (*phonenumbers.PhoneMetadata).GetPremiumRate},
	{"VIRTUAL", "virtual", "Virtual", (*phonenumbers.PhoneMetadata).GetVoip},
	{"PAGER", "pager", "Pager", (*phonenumbers.PhoneMetadata).GetPager},
}

// region is libphonenumber's metadata for one region.
type region struct {
	Code        string // alpha-2
	CallingCode string
	meta        *phonenumbers.PhoneMetadata
	mobile      *digitPattern // nil when the region has no mobile pattern
	general     *digitPattern
}

// phoneMeta indexes libphonenumber's regions.
type phoneMeta struct {
	regions map[string]*region
	byCode  map[string][]*region // calling code -> regions in libphonenumber's order, main first
}

func loadPhoneMeta() (*phoneMeta, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, fmt.Errorf("load libphonenumber metadata: %w", err)
	}
	pm := &phoneMeta{regions: map[string]*region{}, byCode: map[string][]*region{}}
	for _, m := range coll.GetMetadata() {
		id := m.GetId()
		if len(id) != 2 || m.GetCountryCode() == 0 {
			continue // "001": non-geographic entities
		}
		r := &region{Code: id, CallingCode: strconv.Itoa(int(m.GetCountryCode())), meta: m}
		if r.general, err = compileDesc(m.GetGeneralDesc()); err != nil {
			return nil, fmt.Errorf("region %s general: %w", id, err)
		}
		if r.mobile, err = compileDesc(m.GetMobile()); err != nil {
			return nil, fmt.Errorf("region %s mobile: %w", id, err)
		}
		pm.regions[id] = r
		pm.byCode[r.CallingCode] = append(pm.byCode[r.CallingCode], r)
	}
	for cc, rs := range pm.byCode {
		order := map[string]int{}
		for i, code := range phonenumbers.GetRegionCodesForCountryCode(mustAtoi(cc)) {
			order[code] = i
		}
		sort.Slice(rs, func(i, j int) bool { return order[rs[i].Code] < order[rs[j].Code] })
	}
	return pm, nil
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) (*digitPattern, error) {
	pat := d.GetNationalNumberPattern()
	if pat == "" || pat == "NA" {
		return nil, nil
	}
	return compileDigitPattern(pat)
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// splitCallingCode splits a full number prefix into its calling code and
// national part. Calling codes are prefix-free, so at most one matches.
func (pm *phoneMeta) splitCallingCode(prefix string) (string, string, bool) {
	for n := 1; n <= 3 && n <= len(prefix); n++ {
		if _, ok := pm.byCode[prefix[:n]]; ok {
			return prefix[:n], prefix[n:], true
		}
	}
	return "", "", false
}

// regionOfMobilePrefix returns the region a carrier prefix belongs to:
// of the regions sharing its calling code, the first in libphonenumber's
// order (the main country first) whose mobile pattern (else general
// pattern) admits the national part, as libphonenumber resolves numbers.
func (pm *phoneMeta) regionOfMobilePrefix(prefix string) (*region, bool) {
	cc, national, ok := pm.splitCallingCode(prefix)
	if !ok {
		return nil, false
	}
	for _, r := range pm.byCode[cc] {
		p := r.mobile
		if p == nil {
			p = r.general
		}
		if p != nil && p.admitsPrefix(national) {
			return r, true
		}
	}
	return nil, false
}

// pseudoRanges returns the full number prefixes of one number type of a
// region, or nil when the region has no pattern for it.
func (r *region) pseudoRanges(t numberType) ([]string, error) {
	p, err := compileDesc(t.desc(r.meta))
	if err != nil || p == nil {
		return nil, err
	}
	lead := p.boundedLeadingDigits(6, 400)
	out := make([]string, 0, len(lead))
	for _, l := range lead {
		out = append(out, r.CallingCode+l)
	}
	return out, nil
}
