package pricing

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// fullPricingIn is what ParseFullPricingJSON reads: the get-full-pricing
// answer. Prices are decoded as text, never through a float.
type fullPricingIn struct {
	Count     json.RawMessage `json:"count"`
	Countries []struct {
		CountryCode  string         `json:"countryCode"`
		Currency     string         `json:"currency"`
		DefaultPrice *string        `json:"defaultPrice"`
		Networks     []networkInput `json:"networks"`
	} `json:"countries"`
}

type networkInput struct {
	Type        string        `json:"type"`
	Price       string        `json:"price"`
	Currency    string        `json:"currency"`
	Aliases     []string      `json:"aliases"`
	Ranges      []json.Number `json:"ranges"`
	MCC         string        `json:"mcc"`
	MNC         string        `json:"mnc"`
	NetworkCode string        `json:"networkCode"`
	NetworkName string        `json:"networkName"`
}

// ParseFullPricingJSON reads what GET /account/get-full-pricing/outbound/{t}
// answers (kassa's own, or another service's in the same shape) as the
// prices of service type t. A country's defaultPrice becomes its default
// line; a network gets its own line when its price differs from the
// default (or there is none); networks that ref does not know become
// networks of the book. Exporting a snapshot with ExportJSON and importing
// it gives a book whose answer is byte for byte the same. ref nil means
// refdata.Default().
func ParseFullPricingJSON(r io.Reader, t kassa.ServiceType, ref *refdata.Data) (*kassa.PriceBook, error) {
	if !t.Valid() {
		return nil, errUnknownType
	}
	if ref == nil {
		ref = refdata.Default()
	}
	data, err := readDeck(r)
	if err != nil {
		return nil, err
	}
	var in fullPricingIn
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return nil, rejectf("price list", "not a get-full-pricing answer: %s", jsonReason(err, data))
	}
	if in.Countries == nil {
		return nil, rejectf("price list", "no \"countries\" array")
	}
	known := map[string]bool{}
	for _, n := range ref.Networks {
		known[n.Country+"|"+n.Code] = true
	}
	book := &kassa.PriceBook{Name: "JSON import"}
	problems := problemList{subject: "price list"}
	for i, c := range in.Countries {
		readCountry(book, &problems, i, c.CountryCode, c.Currency, c.DefaultPrice, c.Networks, t, known)
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	return book, nil
}

// readCountry adds one country's lines (and unknown networks) to book.
func readCountry(book *kassa.PriceBook, problems *problemList, i int, code, currency string, def *string, nets []networkInput, t kassa.ServiceType, known map[string]bool) {
	what := fmt.Sprintf("countries[%d] (%s)", i, code)
	cur := kassa.Currency(currency)
	if !cur.Valid() {
		problems.addf("%s: currency %q is not EUR or USD", what, currency)
		return
	}
	var defAmt kassa.Amount
	hasDef := def != nil
	if hasDef {
		a, err := kassa.ParseAmount(*def)
		if err != nil {
			problems.addf("%s: bad defaultPrice %q", what, *def)
			return
		}
		defAmt = a
		book.Prices = append(book.Prices, kassa.Price{Type: t, Country: code, Currency: cur, Price: a})
	}
	for j, n := range nets {
		nwhat := fmt.Sprintf("%s networks[%d] (%s)", what, j, n.NetworkCode)
		a, err := kassa.ParseAmount(n.Price)
		if err != nil {
			problems.addf("%s: bad price %q", nwhat, n.Price)
			continue
		}
		if n.Currency != "" && n.Currency != currency {
			problems.addf("%s: currency %q differs from the country's %q", nwhat, n.Currency, currency)
			continue
		}
		if !known[code+"|"+n.NetworkCode] {
			book.Networks = append(book.Networks, networkFromInput(code, n))
			known[code+"|"+n.NetworkCode] = true
		}
		if !hasDef || a != defAmt {
			book.Prices = append(book.Prices, kassa.Price{Type: t, Country: code, Network: n.NetworkCode, Currency: cur, Price: a})
		}
	}
}

// networkFromInput builds a book network from an answer's network.
func networkFromInput(country string, n networkInput) kassa.Network {
	nw := kassa.Network{Code: n.NetworkCode, Name: n.NetworkName, Type: kassa.NetworkType(n.Type), Country: country, MCC: n.MCC, MNC: n.MNC, Aliases: n.Aliases}
	for _, r := range n.Ranges {
		nw.Ranges = append(nw.Ranges, r.String())
	}
	return nw
}

// jsonReason explains a JSON decoding error with its byte offset.
func jsonReason(err error, data []byte) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("%v at byte %d", e, e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("%s has the wrong type (%s) at byte %d", e.Field, e.Value, e.Offset)
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return fmt.Sprintf("truncated after %d bytes", len(data))
	}
	return err.Error()
}
