package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// The answer to a per-country request for a country kassa does not know: a
// 200 with no country fields. Every SDK parses it into an empty price
// object (PHP included: it raises "No results found" only for an empty
// body, which the JSON decoders of Node, Java and Python would reject).
var (
	unknownCountryJSON = []byte("{}\n")
	unknownCountryXML  = []byte(xmlHeader + "<outbound-country-pricing></outbound-country-pricing>\n")
)

// serviceType reads the {type} path segment; an unknown type is a 404 in
// the legacy shape.
func serviceType(r *http.Request) (kassa.ServiceType, error) {
	t := kassa.ServiceType(r.PathValue("type"))
	if !t.Valid() {
		return "", errPathNotFound
	}
	return t, nil
}

// snapshot returns the snapshot of the calling account's price plan, read
// now (EUNAVAILABLE when the plan has no prices loaded).
func (s *Server) snapshot(r *http.Request, c *publicCall) (*pricing.Snapshot, error) {
	if s.cfg.Pricing == nil {
		return nil, pricing.ErrNoPriceBook
	}
	plan, err := s.app.AccountPlan(r.Context(), c.account.APIKey)
	if err != nil {
		return nil, err
	}
	return s.cfg.Pricing.PlanSnapshot(r.Context(), plan)
}

func format(c *publicCall) pricing.Format {
	if c.xml {
		return pricing.XML
	}
	return pricing.JSON
}

// typedSnapshot reads the {type} path segment and returns the snapshot of
// the caller's plan.
func (s *Server) typedSnapshot(r *http.Request, c *publicCall) (kassa.ServiceType, *pricing.Snapshot, error) {
	t, err := serviceType(r)
	if err != nil {
		return "", nil, err
	}
	snap, err := s.snapshot(r, c)
	if err != nil {
		return "", nil, err
	}
	return t, snap, nil
}

// servePricing answers a typed pricing request with the document render
// makes from the snapshot of the caller's plan.
func (s *Server) servePricing(w http.ResponseWriter, r *http.Request, c *publicCall, render func(*pricing.Snapshot, kassa.ServiceType) (*pricing.Document, error)) error {
	t, snap, err := s.typedSnapshot(r, c)
	if err != nil {
		return err
	}
	doc, err := render(snap, t)
	if err != nil {
		return err
	}
	serveDocument(w, r, doc)
	return nil
}

// countryPricing answers GET /account/get-pricing/outbound/{type}?country=XX
// in the account's currency.
func (s *Server) countryPricing(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	t, snap, err := s.typedSnapshot(r, c)
	if err != nil {
		return err
	}
	doc, err := snap.CountryPricing(t, strings.TrimSpace(c.params.get("country")), c.account.Currency, format(c))
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		if c.xml {
			writeBody(w, http.StatusOK, contentXML, unknownCountryXML)
		} else {
			writeBody(w, http.StatusOK, contentJSON, unknownCountryJSON)
		}
		return nil
	}
	if err != nil {
		return err
	}
	serveDocument(w, r, doc)
	return nil
}

// fullPricing answers GET /account/get-full-pricing/outbound/{type}: the
// pre-rendered list, gzip-compressed when the caller accepts it, with an
// ETag and 304 on If-None-Match.
func (s *Server) fullPricing(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	return s.servePricing(w, r, c, func(snap *pricing.Snapshot, t kassa.ServiceType) (*pricing.Document, error) {
		return snap.FullPricing(t, c.account.Currency, format(c))
	})
}

// prefixPricing answers GET /account/get-prefix-pricing/outbound/{type}?prefix=N.
func (s *Server) prefixPricing(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	return s.servePricing(w, r, c, func(snap *pricing.Snapshot, t kassa.ServiceType) (*pricing.Document, error) {
		return snap.PrefixPricing(t, c.params.get("prefix"), c.account.Currency, format(c))
	})
}

// legacyPrefixPricing answers the untyped legacy path
// GET /account/get-prefix-pricing/outbound?prefix=N[&page_index=P] (SMS, the
// old "prices" shape; pages after the first are empty).
func (s *Server) legacyPrefixPricing(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	snap, err := s.snapshot(r, c)
	if err != nil {
		return err
	}
	page, err := strconv.Atoi(c.params.get("page_index"))
	if err != nil {
		page = 0
	}
	doc, err := snap.LegacyPrefixPricing(c.params.get("prefix"), c.account.Currency, format(c), page)
	if err != nil {
		return err
	}
	serveDocument(w, r, doc)
	return nil
}

// serveDocument writes a pricing answer: its gzip form when it has one (a
// full list, a streamed answer, any other of pricing.GzipMinSize or more)
// and Accept-Encoding allows gzip, the ETag of what is sent, and 304 when
// If-None-Match holds that ETag. Vary names Accept-Encoding exactly for
// answers with a gzip form (for one URL and Accept, that is fixed). A
// streamed answer (a large price book) is rendered as it is written,
// without a Content-Length.
func serveDocument(w http.ResponseWriter, r *http.Request, d *pricing.Document) {
	if d.Streamed() {
		serveStreamed(w, r, d)
		return
	}
	h := w.Header()
	v := d.PlainHeader()
	gzipped := false
	if d.Gzipped() {
		h["Vary"] = varyAcceptEncoding
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			if z := d.GzipHeader(); z != nil {
				gzipped, v = true, z
			}
		}
	} else {
		h["Vary"] = varyAccept
	}
	if v.ETag != nil {
		h["Etag"] = v.ETag
		if etagMatches(r.Header.Get("If-None-Match"), v.ETag[0]) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if gzipped {
		h["Content-Encoding"] = gzipEncoding
	}
	h["Content-Type"] = v.ContentType
	h["Content-Length"] = v.ContentLength
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(http.StatusOK)
	if gzipped {
		body, _ := d.Compressed()
		w.Write(body)
		return
	}
	w.Write(d.Body)
}

// Header values serveDocument sets straight into the header map (names in
// canonical form; capacity one, so that an append copies).
var (
	varyAccept         = []string{"Accept"}[:1:1]
	varyAcceptEncoding = []string{"Accept, Accept-Encoding"}[:1:1]
	gzipEncoding       = []string{"gzip"}[:1:1]
)

// serveStreamed writes an answer rendered as it is written (a large price
// book's list): no Content-Length, gzip-compressed as it is rendered when
// the caller accepts it.
func serveStreamed(w http.ResponseWriter, r *http.Request, d *pricing.Document) {
	h := w.Header()
	h.Set("Vary", "Accept, Accept-Encoding")
	gzipped, etag := false, d.ETag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		gzipped, etag = true, d.GzipETag
	}
	if etag != "" {
		h.Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if gzipped {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", d.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	write := d.WriteBody
	if gzipped {
		write = d.WriteGzip
	}
	_ = write(w) // the client went away: nothing more to do
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	if header == "" {
		return false // the usual case of a client that does not ask for gzip
	}
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if !strings.Contains(part, ";") { // no parameters: the coding itself, without parsing
			if strings.EqualFold(part, "gzip") || part == "*" {
				return true
			}
			continue
		}
		coding, ps, err := mime.ParseMediaType("x/" + part)
		if err != nil {
			continue
		}
		coding = strings.TrimPrefix(coding, "x/")
		if coding != "gzip" && coding != "*" {
			continue
		}
		if q, ok := ps["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		return true
	}
	return false
}

// etagMatches reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 requires for If-None-Match).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}
