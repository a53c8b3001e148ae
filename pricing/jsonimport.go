package pricing

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// countryInput is one country of what ParseFullPricingJSON reads (a
// get-full-pricing answer). Prices are decoded as text, never through a
// float.
type countryInput struct {
	CountryCode  string         `json:"countryCode"`
	Currency     string         `json:"currency"`
	DefaultPrice *string        `json:"defaultPrice"`
	Networks     []networkInput `json:"networks"`
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
// refdata.Default(). It is ReadFullPricingJSON with the result decoded
// into a kassa.PriceBook.
func ParseFullPricingJSON(r io.Reader, t kassa.ServiceType, ref *refdata.Data) (*kassa.PriceBook, error) {
	d, err := ReadFullPricingJSON(r, t, ref)
	if err != nil {
		return nil, err
	}
	return d.Book()
}

// ReadFullPricingJSON reads a get-full-pricing answer as
// ParseFullPricingJSON does, one country at a time as it streams in, into
// a Deck named "JSON import".
func ReadFullPricingJSON(r io.Reader, t kassa.ServiceType, ref *refdata.Data) (*Deck, error) {
	if !t.Valid() {
		return nil, errUnknownType
	}
	if ref == nil {
		ref = refdata.Default()
	}
	in := &deckInput{r: r}
	br, err := openDeck(in)
	if err != nil {
		return nil, err
	}
	jr := &jsonDeckReader{in: in, dec: json.NewDecoder(br), t: t, known: map[string]bool{},
		enc: newRecordEncoder(), deck: &Deck{Name: "JSON import"}, problems: problemList{subject: "price list"}}
	for _, n := range ref.Networks {
		jr.known[n.Country+"|"+n.Code] = true
	}
	jr.dec.UseNumber()
	err = jr.read()
	if err == nil {
		err = jr.problems.err()
	}
	if err != nil {
		io.Copy(io.Discard, io.MultiReader(jr.dec.Buffered(), br)) // a deck over the limit is refused as such
	}
	if ierr := in.inputError(); ierr != nil {
		return nil, ierr
	}
	if err != nil {
		return nil, err
	}
	d := jr.deck
	d.chunks = jr.enc.finish()
	book := jr.bookNets
	d.defines = func(country, code []byte) bool { return book[string(country)+"|"+string(code)] }
	return d, nil
}

// jsonDeckReader holds the state of one ReadFullPricingJSON run.
type jsonDeckReader struct {
	in       *deckInput
	dec      *json.Decoder
	t        kassa.ServiceType
	known    map[string]bool // "country|code" of reference and book networks
	bookNets map[string]bool // "country|code" of the book's networks
	enc      *recordEncoder
	deck     *Deck
	problems problemList
	index    int // of the next country
}

// notAnswer rejects input that is not a get-full-pricing answer.
func (jr *jsonDeckReader) notAnswer(format string, args ...any) error {
	return rejectf("price list", "not a get-full-pricing answer: "+format, args...)
}

// read walks the answer's object: "countries" is read one country at a
// time, every other member is skipped.
func (jr *jsonDeckReader) read() error {
	tok, err := jr.dec.Token()
	if err != nil {
		return jr.notAnswer("%s", jr.reason(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return jr.notAnswer("the answer has the wrong type (%s) at byte %d; want an object", jsonKind(tok), jr.dec.InputOffset())
	}
	sawCountries := false
	for jr.dec.More() {
		tok, err := jr.dec.Token()
		if err != nil {
			return jr.notAnswer("%s", jr.reason(err))
		}
		if key, _ := tok.(string); key == "countries" {
			found, err := jr.countries()
			if err != nil {
				return err
			}
			sawCountries = sawCountries || found
			continue
		}
		var skip json.RawMessage
		if err := jr.dec.Decode(&skip); err != nil {
			return jr.notAnswer("%s", jr.reason(err))
		}
	}
	if _, err := jr.dec.Token(); err != nil {
		return jr.notAnswer("%s", jr.reason(err))
	}
	if !sawCountries {
		return rejectf("price list", "no \"countries\" array")
	}
	return nil
}

// countries reads the countries array; found is false for null.
func (jr *jsonDeckReader) countries() (bool, error) {
	tok, err := jr.dec.Token()
	if err != nil {
		return false, jr.notAnswer("%s", jr.reason(err))
	}
	if tok == nil {
		return false, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return false, jr.notAnswer("countries has the wrong type (%s) at byte %d; want an array", jsonKind(tok), jr.dec.InputOffset())
	}
	for jr.dec.More() {
		var c countryInput
		if err := jr.dec.Decode(&c); err != nil {
			return false, jr.notAnswer("%s", jr.reason(err))
		}
		jr.country(jr.index, &c)
		jr.index++
	}
	if _, err := jr.dec.Token(); err != nil {
		return false, jr.notAnswer("%s", jr.reason(err))
	}
	return true, nil
}

// reason explains a JSON decoding error with its byte offset.
func (jr *jsonDeckReader) reason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("%v at byte %d", e, e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("%s has the wrong type (%s) at byte %d", e.Field, e.Value, e.Offset)
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return fmt.Sprintf("truncated after %d bytes", jr.in.n)
	}
	return err.Error()
}

// jsonKind names the kind of a JSON token.
func jsonKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// country adds one country's lines (and unknown networks) to the deck.
func (jr *jsonDeckReader) country(i int, c *countryInput) {
	what := fmt.Sprintf("countries[%d] (%s)", i, c.CountryCode)
	cur := kassa.Currency(c.Currency)
	ci, ok := currencyIndex(cur)
	if !cur.Valid() || !ok {
		jr.problems.addf("%s: currency %q is not EUR or USD", what, c.Currency)
		return
	}
	ti, _ := typeIndex(jr.t)
	var defAmt kassa.Amount
	hasDef := c.DefaultPrice != nil
	if hasDef {
		a, err := kassa.ParseAmount(*c.DefaultPrice)
		if err != nil {
			jr.problems.addf("%s: bad defaultPrice %q", what, *c.DefaultPrice)
			return
		}
		defAmt = a
		jr.line(ti, ci, c.CountryCode, "", a)
	}
	for j, n := range c.Networks {
		nwhat := fmt.Sprintf("%s networks[%d] (%s)", what, j, n.NetworkCode)
		a, err := kassa.ParseAmount(n.Price)
		if err != nil {
			jr.problems.addf("%s: bad price %q", nwhat, n.Price)
			continue
		}
		if n.Currency != "" && n.Currency != c.Currency {
			jr.problems.addf("%s: currency %q differs from the country's %q", nwhat, n.Currency, c.Currency)
			continue
		}
		key := c.CountryCode + "|" + n.NetworkCode
		if !jr.known[key] {
			nw := networkFromInput(c.CountryCode, n)
			jr.enc.network(&nw)
			jr.known[key] = true
			if jr.bookNets == nil {
				jr.bookNets = map[string]bool{}
			}
			jr.bookNets[key] = true
		}
		if !hasDef || a != defAmt {
			jr.line(ti, ci, c.CountryCode, n.NetworkCode, a)
		}
	}
}

// line adds a price line.
func (jr *jsonDeckReader) line(ti, ci int, country, network string, a kassa.Amount) {
	priceRecord(jr.enc, ti, ci, country, network, a)
	jr.deck.types[ti] = true
	jr.deck.lines++
}

// networkFromInput builds a book network from an answer's network.
func networkFromInput(country string, n networkInput) kassa.Network {
	nw := kassa.Network{Code: n.NetworkCode, Name: n.NetworkName, Type: kassa.NetworkType(n.Type), Country: country, MCC: n.MCC, MNC: n.MNC, Aliases: n.Aliases}
	for _, r := range n.Ranges {
		nw.Ranges = append(nw.Ranges, r.String())
	}
	return nw
}
