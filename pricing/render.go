package pricing

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"runtime"
	"sync"

	"github.com/kassa-dev/kassa"
)

// countryJSON is one country in the JSON answers; the field order follows
// the live service's answers.
type countryJSON struct {
	DialingPrefix      string        `json:"dialingPrefix"`
	DefaultPrice       string        `json:"defaultPrice,omitempty"`
	Currency           string        `json:"currency"`
	CountryDisplayName string        `json:"countryDisplayName"`
	CountryCode        string        `json:"countryCode"`
	CountryName        string        `json:"countryName"`
	Networks           []networkJSON `json:"networks,omitempty"`
}

type networkJSON struct {
	Type        string        `json:"type"`
	Price       string        `json:"price"`
	Currency    string        `json:"currency"`
	Aliases     []string      `json:"aliases,omitempty"`
	Ranges      []json.Number `json:"ranges,omitempty"`
	MCC         string        `json:"mcc,omitempty"`
	MNC         string        `json:"mnc,omitempty"`
	NetworkCode string        `json:"networkCode"`
	NetworkName string        `json:"networkName"`
}

// countriesJSON is the full-list and typed-prefix answer.
type countriesJSON struct {
	Count     int           `json:"count"`
	Countries []countryJSON `json:"countries"`
}

// hasMCC reports whether the wire shows mcc and mnc for a network type.
func hasMCC(t kassa.NetworkType) bool { return t == kassa.Mobile || t == kassa.Pager }

// toJSON converts a country's prices to its JSON form.
func toJSON(cp *CountryPrice) countryJSON {
	c := countryJSON{
		DialingPrefix:      cp.Country.DialingPrefix,
		Currency:           string(cp.Currency),
		CountryDisplayName: cp.Country.DisplayName,
		CountryCode:        cp.Country.Code,
		CountryName:        cp.Country.Name,
	}
	if cp.HasDefault {
		c.DefaultPrice = cp.DefaultPrice.String()
	}
	for i := range cp.Networks {
		np := &cp.Networks[i]
		n := networkJSON{
			Type:        string(np.Network.Type),
			Price:       np.Price.String(),
			Currency:    string(cp.Currency),
			Aliases:     np.Network.Aliases,
			NetworkCode: np.Network.Code,
			NetworkName: np.Network.Name,
		}
		for _, r := range np.Network.Ranges {
			n.Ranges = append(n.Ranges, json.Number(r))
		}
		if hasMCC(np.Network.Type) {
			n.MCC, n.MNC = np.Network.MCC, np.Network.MNC
		}
		c.Networks = append(c.Networks, n)
	}
	return c
}

// marshalJSON encodes v compactly without HTML escaping and without the
// encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// marshalXML encodes v indented by two spaces, with the XML declaration
// when decl is set.
func marshalXML(v any, decl bool) ([]byte, error) {
	body, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	if !decl {
		return body, nil
	}
	return append([]byte(xml.Header), body...), nil
}

// renderCountry renders one country's answer in both formats.
func renderCountry(cp *CountryPrice) ([2]*Document, error) {
	var docs [2]*Document
	j, err := marshalJSON(toJSON(cp))
	if err != nil {
		return docs, err
	}
	x := countryDocumentXML(cp)
	if docs[JSON], err = newDocument(j, JSON, false); err != nil {
		return docs, err
	}
	docs[XML], err = newDocument(x, XML, false)
	return docs, err
}

// renderCountries renders a list answer ({count, countries}) in format f.
func renderCountries(list []*CountryPrice, f Format, compress bool) (*Document, error) {
	var body []byte
	var err error
	if f == XML {
		body = countriesDocumentXML(list)
	} else {
		doc := countriesJSON{Count: len(list), Countries: make([]countryJSON, len(list))}
		for i, cp := range list {
			doc.Countries[i] = toJSON(cp)
		}
		body, err = marshalJSON(doc)
	}
	if err != nil {
		return nil, err
	}
	return newDocument(body, f, compress)
}

// render pre-renders every view's country answers and full lists, the
// views in parallel (one goroutine per CPU at most).
func (s *Snapshot) render() error {
	var views []*view
	for ti := range s.views {
		for ci := range s.views[ti] {
			if v := s.views[ti][ci]; v != nil {
				views = append(views, v)
			}
		}
	}
	errs := make([]error, len(views))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, v := range views {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = v.render()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// render pre-renders one view.
func (v *view) render() error {
	v.country = make([][2]*Document, len(v.countries))
	all := make([]*CountryPrice, len(v.countries))
	for i := range v.countries {
		docs, err := renderCountry(&v.countries[i])
		if err != nil {
			return err
		}
		v.country[i] = docs
		all[i] = &v.countries[i]
	}
	for _, f := range []Format{JSON, XML} {
		d, err := renderCountries(all, f, true)
		if err != nil {
			return err
		}
		v.full[f] = d
	}
	return nil
}
