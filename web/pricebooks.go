package web

import (
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/pricing"
)

// priceBooksData is the price-book page's data.
type priceBooksData struct {
	Versions []*kassa.PriceBookVersion
	Now      time.Time
	InUse    map[string]int64 // per plan: the version in effect now
	Plans    []string         // the plans with price books of their own (an import's choices)
	Error    string
	Types    []kassa.ServiceType
	MaxBytes int64
}

// priceBooksPage lists the versions.
func (h *handler) priceBooksPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderPriceBooks(w, r, sess, http.StatusOK, "")
}

func (h *handler) renderPriceBooks(w http.ResponseWriter, r *http.Request, sess *session, status int, errMsg string) {
	list, err := h.cfg.Store.PriceBooks(r.Context())
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list price books", err))
		return
	}
	plans, err := h.app.Plans(r.Context())
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list price plans", err))
		return
	}
	d := priceBooksData{Versions: list, Now: h.now(), InUse: map[string]int64{}, Error: errMsg, Types: kassa.ServiceTypes, MaxBytes: h.cfg.MaxImportBytes}
	for _, v := range inUse(list, d.Now) {
		d.InUse[v.Plan] = v.Version
	}
	for _, p := range plans {
		if !p.Derived() {
			d.Plans = append(d.Plans, p.Name)
		}
	}
	h.render(w, r, sess, status, "pricebooks", "Price books", "pricebooks", d)
}

// importPriceBook reads an uploaded CSV rate deck or get-full-pricing
// JSON and stores it as a new, inactive version of the plan chosen (the
// default plan when none is). The upload is spooled by
// the form parsing (to a temporary file beyond its first MiBs) and read as
// a stream (pricing.ReadCSV), never whole in memory.
func (h *handler) importPriceBook(w http.ResponseWriter, r *http.Request, sess *session) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		h.renderPriceBooks(w, r, sess, http.StatusUnprocessableEntity, "Choose a file to upload.")
		return
	}
	defer file.Close()
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		name = strings.TrimSuffix(path.Base(hdr.Filename), path.Ext(hdr.Filename))
	}
	deck, source, err := h.parseBook(file, hdr.Filename, hdr.Size, r.PostFormValue("format"), kassa.ServiceType(r.PostFormValue("type")), kassa.Currency(r.PostFormValue("currency")))
	if err != nil {
		h.renderPriceBooks(w, r, sess, statusOf(err), "The file was not imported: "+h.userMessage(r, "read the price book", err))
		return
	}
	deck.Name = limitText(name, 200)
	v, err := h.cfg.Pricing.ImportDeck(r.Context(), deck, pricing.ImportOptions{Source: source, Plan: r.PostFormValue("plan")})
	if err != nil {
		h.renderPriceBooks(w, r, sess, statusOf(err), "The file was not imported: "+h.userMessage(r, "import the price book", err))
		return
	}
	h.app.RecordPriceBookImport(r.Context(), operatorActor(r), app.PriceBookImport{Version: v})
	h.setFlash(sess, "ok", "Imported version "+strconv.FormatInt(v.Version, 10)+" of plan "+v.Plan+" ("+strconv.Itoa(v.Prices)+" prices). Activate it to use it.")
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		// The upload script navigates itself: a redirect followed inside
		// the XHR would show (and spend) the message out of sight.
		w.Header().Set("X-Kassa-Location", "/ui/operator/price-books")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	redirect(w, r, "/ui/operator/price-books")
}

// parseBook reads the upload by its chosen or guessed format.
func (h *handler) parseBook(file io.Reader, filename string, size int64, format string, t kassa.ServiceType, cur kassa.Currency) (*pricing.Deck, string, error) {
	if format == "" || format == "auto" {
		format = "csv"
		if strings.HasSuffix(strings.ToLower(filename), ".json") {
			format = "json"
		}
	}
	switch format {
	case "csv":
		deck, err := pricing.ReadCSV(file, pricing.CSVOptions{Type: typeOrEmpty(t), Currency: currencyOrEmpty(cur), Ref: h.cfg.Pricing.Ref(), ExpectedRows: pricing.ExpectedRows(size)})
		return deck, "csv", err
	case "json":
		if !t.Valid() {
			return nil, "", kassa.FieldError("type", "Choose the service type of the JSON file.")
		}
		deck, err := pricing.ReadFullPricingJSON(file, t, h.cfg.Pricing.Ref())
		return deck, "json", err
	}
	return nil, "", kassa.FieldError("format", "Choose CSV or JSON.")
}

// activatePriceBook activates a version now.
func (h *handler) activatePriceBook(w http.ResponseWriter, r *http.Request, sess *session) {
	v, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || v <= 0 {
		h.renderPriceBooks(w, r, sess, http.StatusNotFound, "There is no such version.")
		return
	}
	book, err := h.cfg.Store.PriceBook(r.Context(), v)
	if err == nil {
		err = h.cfg.Pricing.Activate(r.Context(), v, time.Time{})
	}
	if err != nil {
		h.renderPriceBooks(w, r, sess, statusOf(err), "Version "+strconv.FormatInt(v, 10)+" was not activated: "+h.userMessage(r, "activate the price book", err))
		return
	}
	h.app.RecordPriceBookActivation(r.Context(), operatorActor(r), book, time.Time{})
	h.setFlash(sess, "ok", "Version "+strconv.FormatInt(v, 10)+" is active.")
	redirect(w, r, "/ui/operator/price-books")
}

// typeOrEmpty returns t when it is a service type, else "".
func typeOrEmpty(t kassa.ServiceType) kassa.ServiceType {
	if t.Valid() {
		return t
	}
	return ""
}

// currencyOrEmpty returns c when kassa bills in it, else "".
func currencyOrEmpty(c kassa.Currency) kassa.Currency {
	if c.Valid() {
		return c
	}
	return ""
}

// limitText cuts s to n bytes at a rune boundary.
func limitText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
