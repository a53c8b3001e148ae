package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
)

// errDeckTooLarge marks a rate deck over pricing.MaxImportBytes; deckError
// answers it with a 413 payload-too-large problem.
var errDeckTooLarge = errors.New("rate deck over the import limit")

// deckTooLarge is the problem of a deck over the limit.
var deckTooLarge = problem{Type: problemTypeBase + "payload-too-large", Title: "Payload too large", Status: http.StatusRequestEntityTooLarge,
	Detail: fmt.Sprintf("rate deck rejected: larger than %d MiB", pricing.MaxImportBytes>>20)}

// deckTransferTime is how long an import may take to upload, or an export
// to download, in place of the server's shorter read and write timeouts
// (64 MiB at 1 Mbit/s takes about nine minutes).
const deckTransferTime = 10 * time.Minute

// extendDeadlines gives the request's connection d from now to read the
// body and write the answer. Writers that cannot (a test recorder, a
// wrapper without Unwrap) keep the server's timeouts.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
}

// maxBookName bounds the name given to an imported version.
const maxBookName = 200

// importOptions are the query parameters of POST /admin/v1/pricebooks.
type importOptions struct {
	format   string // "csv" or "json"
	typ      kassa.ServiceType
	currency kassa.Currency
	name     string
	base     string // "active" or "none"
	plan     string // the price plan (kassa.DefaultPlan when not given)
}

// importResultJSON is the answer to an import: the new version, which
// types the deck replaced and which version the other types came from.
type importResultJSON struct {
	priceBookJSON
	ReplacedTypes []kassa.ServiceType `json:"replaced_types"`
	CopiedFrom    *int64              `json:"copied_from"`
}

// adminImportPriceBook answers POST /admin/v1/pricebooks?type=&format=&
// currency=&name=&base=: the rate deck in the body (up to
// pricing.MaxImportBytes, read as it streams in, never whole in memory)
// becomes a new version, not yet active. With base=active (the default)
// the types the deck does not price are copied from the version in use,
// read from the store chunk by chunk. A bad deck is a 400 whose
// invalid_params name each offending line and column; nothing is stored.
func (s *Server) adminImportPriceBook(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pricingService()
	if err != nil {
		return err
	}
	opts, err := readImportOptions(r.URL.Query(), r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	if err := s.checkImportPlan(r, opts.plan); err != nil {
		return err
	}
	if r.ContentLength > pricing.MaxImportBytes {
		return s.deckError(w, r, errDeckTooLarge)
	}
	extendDeadlines(w, deckTransferTime)
	deck, err := parseDeck(http.MaxBytesReader(w, r.Body, pricing.MaxImportBytes), opts, svc.Ref(), r.ContentLength)
	if err != nil {
		return s.deckError(w, r, bodyError(err))
	}
	replaced := deck.Types()
	var copiedFrom int64
	if cur, _ := svc.PlanSnapshot(r.Context(), opts.plan); opts.base == "active" && cur != nil {
		copiedFrom = cur.Version()
	}
	v, err := svc.ImportDeck(r.Context(), deck, pricing.ImportOptions{Source: opts.format, Base: copiedFrom, Plan: opts.plan})
	if err != nil {
		return s.deckError(w, r, err)
	}
	s.app.RecordPriceBookImport(r.Context(), adminActor(r), app.PriceBookImport{Version: v, ReplacedTypes: replaced, CopiedFrom: copiedFrom})
	now := s.now()
	active, err := s.activePlanVersion(r, v.Plan, now)
	if err != nil {
		return err
	}
	out := importResultJSON{priceBookJSON: toPriceBookJSON(v, active, now), ReplacedTypes: replaced}
	if copiedFrom != 0 {
		out.CopiedFrom = &copiedFrom
	}
	writeAdminJSON(w, http.StatusCreated, out)
	return nil
}

// checkImportPlan checks that an import's plan exists and has price books
// of its own, before the deck is read.
func (s *Server) checkImportPlan(r *http.Request, plan string) error {
	p, err := s.app.Plan(r.Context(), plan)
	if err != nil {
		return err
	}
	if p.Derived() {
		return kassa.FieldError("plan", "plan %q is derived from %q: it has no price books of its own (import into %q)", p.Name, p.Base, p.Base)
	}
	return nil
}

// readImportOptions checks the query parameters of an import. The format
// comes from format=, else from the Content-Type.
func readImportOptions(q url.Values, contentType string) (importOptions, error) {
	o := importOptions{typ: kassa.ServiceType(q.Get("type")), currency: kassa.Currency(strings.ToUpper(q.Get("currency"))), name: q.Get("name"), base: q.Get("base"), plan: q.Get("plan")}
	if o.plan == "" {
		o.plan = kassa.DefaultPlan
	}
	o.format = strings.ToLower(q.Get("format"))
	if o.format == "" {
		o.format = formatOfContentType(contentType)
	}
	switch {
	case o.format != "csv" && o.format != "json":
		return o, kassa.FieldError("format", "format must be csv or json (or send Content-Type text/csv or application/json)")
	case o.typ != "" && !o.typ.Valid():
		return o, kassa.FieldError("type", "type must be sms, sms-transit or voice")
	case o.typ == "" && o.format == "json":
		return o, kassa.FieldError("type", "type is required for a JSON price list (sms, sms-transit or voice)")
	case o.currency != "" && !o.currency.Valid():
		return o, kassa.FieldError("currency", "currency must be EUR or USD")
	case len(o.name) > maxBookName || !utf8.ValidString(o.name) || strings.ContainsFunc(o.name, unicode.IsControl):
		return o, kassa.FieldError("name", "name must be printable text of at most %d bytes", maxBookName)
	}
	switch o.base {
	case "":
		o.base = "active"
	case "active", "none":
	default:
		return o, kassa.FieldError("base", "base must be active or none")
	}
	return o, nil
}

// formatOfContentType maps a deck's media type to its format ("" when it
// says nothing).
func formatOfContentType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/csv", "application/csv", "text/comma-separated-values", "text/tab-separated-values":
		return "csv"
	case "application/json":
		return "json"
	}
	return ""
}

// parseDeck reads the body as a rate deck of opts.format, as it streams
// in. size is the body's length when known (-1 otherwise).
func parseDeck(body io.Reader, opts importOptions, ref *refdata.Data, size int64) (*pricing.Deck, error) {
	if opts.format == "json" {
		deck, err := pricing.ReadFullPricingJSON(body, opts.typ, ref)
		if err == nil && opts.name != "" {
			deck.Name = opts.name
		}
		return deck, err
	}
	return pricing.ReadCSV(body, pricing.CSVOptions{Type: opts.typ, Currency: opts.currency, Name: opts.name, Ref: ref, ExpectedRows: pricing.ExpectedRows(size)})
}

// bodyError classifies an error of reading and parsing the deck: a body
// over the limit is a 413, a kassa error (the deck's problems) stays as it
// is, anything else is a body that could not be read (the client went away
// mid-upload), a 400.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	var ke *kassa.Error
	switch {
	case errors.As(err, &tooLarge):
		return errDeckTooLarge
	case errors.As(err, &ke):
		return err
	}
	return &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "could not read the request body", Err: err}
}

// deckError answers a rejected deck. A deck over the limit is a 413;
// EINVALID errors become a 400 whose invalid_params list each problem
// under the line (and column) it names; other errors go to the surface's
// error writer.
func (s *Server) deckError(w http.ResponseWriter, r *http.Request, err error) error {
	if err == errDeckTooLarge {
		writeJSONType(w, http.StatusRequestEntityTooLarge, contentProblem, deckTooLarge)
		return nil
	}
	if kassa.ErrorCode(err) != kassa.EINVALID || kassa.ErrorField(err) != "" {
		return err
	}
	status, p := kassaProblem(err)
	p.InvalidParams = deckProblems(err)
	s.logError(r, status, err)
	writeJSONType(w, status, contentProblem, p)
	return nil
}

// deckProblems lists a rejection's problems as invalid parameters, each
// named by the place it is about (`line 3, column "price"`,
// `countries[2] (GB)`), or "body" for the deck as a whole.
func deckProblems(err error) []invalidParam {
	list := pricing.Problems(err)
	if len(list) == 0 {
		return []invalidParam{{Name: fieldBody, Reason: kassa.ErrorMessage(err)}}
	}
	out := make([]invalidParam, 0, len(list))
	for _, p := range list {
		name := p.Where
		if name == "" {
			name = fieldBody
		}
		out = append(out, invalidParam{Name: name, Reason: p.Reason})
	}
	return out
}
