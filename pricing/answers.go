package pricing

import (
	"strings"

	"github.com/kassa-dev/kassa"
)

// CountryPricing returns the pre-rendered answer of
// GET /account/get-pricing/outbound/{t}?country=code (code in any case).
// EINVALID (field "country") for a malformed code, ENOTFOUND (field
// "country") for an unknown one, EINVALID (field "type") for an unknown
// type, EUNAVAILABLE when cur cannot be answered.
func (s *Snapshot) CountryPricing(t kassa.ServiceType, code string, cur kassa.Currency, f Format) (*Document, error) {
	v, err := s.view(t, cur)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, kassa.FieldError("country", "Is required")
	}
	if len(code) != 2 || !isLetters(code) {
		return nil, kassa.FieldError("country", "country must be an ISO 3166-1 alpha-2 code")
	}
	i, ok := s.countryIdx[strings.ToUpper(code)]
	if !ok {
		return nil, &kassa.Error{Code: kassa.ENOTFOUND, Field: "country", Message: "unknown country " + strings.ToUpper(code)}
	}
	return v.country[i][f.index()], nil
}

// FullPricing returns the pre-rendered answer of
// GET /account/get-full-pricing/outbound/{t}: every reference country, with
// a gzip-compressed copy and ETags.
func (s *Snapshot) FullPricing(t kassa.ServiceType, cur kassa.Currency, f Format) (*Document, error) {
	v, err := s.view(t, cur)
	if err != nil {
		return nil, err
	}
	return v.full[f.index()], nil
}

// prefixKey identifies a cached prefix answer.
type prefixKey struct {
	typ    kassa.ServiceType
	prefix string
	cur    kassa.Currency
	format Format
	legacy bool
}

// PrefixPricing returns the answer of
// GET /account/get-prefix-pricing/outbound/{t}?prefix=N: {count, countries}
// with every country whose dialling prefix is N (an unknown prefix gives
// count 0). A leading "+" is accepted. EINVALID (field "prefix") when N is
// missing or not digits.
func (s *Snapshot) PrefixPricing(t kassa.ServiceType, prefix string, cur kassa.Currency, f Format) (*Document, error) {
	v, err := s.view(t, cur)
	if err != nil {
		return nil, err
	}
	prefix, err = cleanPrefix(prefix)
	if err != nil {
		return nil, err
	}
	return s.cachedPrefix(prefixKey{t, prefix, cur, Format(f.index()), false}, v)
}

// LegacyPrefixPricing returns the answer of the untyped legacy path
// GET /account/get-prefix-pricing/outbound?prefix=N (SMS prices) in the old
// shape {count, prices:[{country, name, prefix, mt, networks:[{code,
// network, mtPrice}], countryDisplayName}]}. page is the page_index
// parameter (0 when absent): every page after the first is empty
// ({"count":0,"prices":[]}), which is what ends the PHP SDK's paging.
func (s *Snapshot) LegacyPrefixPricing(prefix string, cur kassa.Currency, f Format, page int) (*Document, error) {
	v, err := s.view(kassa.SMS, cur)
	if err != nil {
		return nil, err
	}
	prefix, err = cleanPrefix(prefix)
	if err != nil {
		return nil, err
	}
	f = Format(f.index())
	if page > 1 {
		return emptyLegacy[f], nil
	}
	return s.cachedPrefix(prefixKey{kassa.SMS, prefix, cur, f, true}, v)
}

// cachedPrefix returns the cached answer for key, making it on first use
// (rendered, or a streamed document for a large book). Only prefixes that
// name at least one country are cached, so the cache is bounded by the
// reference data.
func (s *Snapshot) cachedPrefix(key prefixKey, v *view) (*Document, error) {
	if d, ok := s.prefixCache.Load(key); ok {
		return d.(*Document), nil
	}
	var list []int
	for _, c := range s.ref.CountriesByPrefix(key.prefix) {
		if i, ok := s.countryIdx[c.Code]; ok {
			list = append(list, i)
		}
	}
	kind := kindPrefix
	if key.legacy {
		kind = kindLegacy
	}
	d, err := v.document(kind, key.format, list, key.prefix, false)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		s.prefixCache.Store(key, d)
	}
	return d, nil
}

// cleanPrefix validates a dialling prefix parameter.
func cleanPrefix(prefix string) (string, error) {
	prefix = strings.TrimPrefix(strings.TrimSpace(prefix), "+")
	if prefix == "" {
		return "", kassa.FieldError("prefix", "Is required")
	}
	if !isDigits(prefix) || len(prefix) > maxDigits {
		return "", kassa.FieldError("prefix", "prefix must be a dialling prefix of digits, e.g. 44")
	}
	return prefix, nil
}
