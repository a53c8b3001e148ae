package pricing

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"runtime"
	"strconv"
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

// renderCountry wraps one country's JSON body (a slice of the full list's
// bytes) and renders its XML answer.
func renderCountry(cp *CountryPrice, jsonBody []byte) ([2]*Document, error) {
	var docs [2]*Document
	var err error
	if docs[JSON], err = newDocument(jsonBody, JSON, false); err != nil {
		return docs, err
	}
	docs[XML], err = newDocument(countryDocumentXML(cp), XML, false)
	return docs, err
}

// countriesJSONBody assembles {"count":N,"countries":[…]} from the
// countries' JSON bodies, exactly as encoding/json writes countriesJSON,
// and returns where each country's bytes lie in it.
func countriesJSONBody(bodies [][]byte) ([]byte, [][2]int) {
	size := 32
	for _, b := range bodies {
		size += len(b) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, `{"count":`...)
	out = strconv.AppendInt(out, int64(len(bodies)), 10)
	out = append(out, `,"countries":[`...)
	spans := make([][2]int, len(bodies))
	for i, b := range bodies {
		if i > 0 {
			out = append(out, ',')
		}
		spans[i] = [2]int{len(out), len(out) + len(b)}
		out = append(out, b...)
	}
	return append(out, "]}"...), spans
}

// renderCountries renders a list answer ({count, countries}) in format f.
func renderCountries(list []*CountryPrice, f Format, compress bool) (*Document, error) {
	var body []byte
	var err error
	if f == XML {
		body = countriesDocumentXML(list)
	} else {
		bodies := make([][]byte, len(list))
		for i, cp := range list {
			if bodies[i], err = marshalJSON(toJSON(cp)); err != nil {
				return nil, err
			}
		}
		body, _ = countriesJSONBody(bodies)
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

// render pre-renders one view: the full lists, and every country's
// answers (the JSON one shares the full list's bytes).
func (v *view) render() error {
	all := make([]*CountryPrice, len(v.countries))
	bodies := make([][]byte, len(v.countries))
	for i := range v.countries {
		all[i] = &v.countries[i]
		b, err := marshalJSON(toJSON(all[i]))
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	full, spans := countriesJSONBody(bodies)
	var err error
	if v.full[JSON], err = newDocument(full, JSON, true); err != nil {
		return err
	}
	if v.full[XML], err = newDocument(countriesDocumentXML(all), XML, true); err != nil {
		return err
	}
	v.country = make([][2]*Document, len(v.countries))
	for i := range v.countries {
		sp := spans[i]
		if v.country[i], err = renderCountry(all[i], full[sp[0]:sp[1]:sp[1]]); err != nil {
			return err
		}
	}
	return nil
}
