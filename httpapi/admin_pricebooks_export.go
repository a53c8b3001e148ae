package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// adminExportPriceBook answers GET /admin/v1/pricebooks/{version}/export?
// type=&format=csv|json&currency=: one service type of a version ("active"
// for the one in effect) as a deck that the import reads back. JSON is the
// get-full-pricing answer in currency (EUR by default); CSV has one row per
// price line, each in its own currency. Both stream: the CSV lines from
// the store, a large book's JSON as it is rendered.
func (s *Server) adminExportPriceBook(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pricingService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	t := kassa.ServiceType(q.Get("type"))
	if !t.Valid() {
		return kassa.FieldError("type", "type must be sms, sms-transit or voice")
	}
	format := strings.ToLower(q.Get("format"))
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		return kassa.FieldError("format", "format must be csv or json")
	}
	cur := kassa.Currency(strings.ToUpper(q.Get("currency")))
	if cur == "" {
		cur = kassa.EUR
	}
	if !cur.Valid() {
		return kassa.FieldError("currency", "currency must be EUR or USD")
	}
	version, err := s.versionParam(r, s.now())
	if err != nil {
		return err
	}
	if _, err := s.cfg.Store.PriceBook(r.Context(), version); err != nil {
		return err
	}
	snap, err := svc.VersionSnapshot(r.Context(), version)
	if err != nil {
		return err
	}
	extendDeadlines(w, deckTransferTime)
	filename := fmt.Sprintf("pricebook-%d-%s.%s", version, t, format)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("X-Kassa-Pricebook-Version", fmt.Sprint(version))
	if format == "json" {
		return exportJSON(w, r, snap, t, cur)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := svc.ExportCSV(r.Context(), w, snap, t); err != nil {
		s.log.Warn("price-book export interrupted", "version", version, "err", err)
	}
	return nil
}

// exportJSON writes the get-full-pricing answer of t in cur.
func exportJSON(w http.ResponseWriter, r *http.Request, snap *pricing.Snapshot, t kassa.ServiceType, cur kassa.Currency) error {
	doc, err := snap.FullPricing(t, cur, pricing.JSON)
	if err != nil {
		return err
	}
	serveDocument(w, r, doc)
	return nil
}
