package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// priceBookJSON is one price-book version on the admin API. Times that are
// not set yet are null.
type priceBookJSON struct {
	Version     int64    `json:"version"`
	Plan        string   `json:"plan"` // the price plan whose version it is
	Name        string   `json:"name"`
	Demo        bool     `json:"demo"`       // some prices are made-up demo prices
	DemoTypes   []string `json:"demo_types"` // the service types holding them
	Source      string   `json:"source"`
	Checksum    string   `json:"checksum"`
	Prices      int      `json:"prices"`
	CreatedAt   *string  `json:"created_at"`
	ActivatedAt *string  `json:"activated_at"`
	EffectiveAt *string  `json:"effective_at"`
	Active      bool     `json:"active"`    // the version in effect now in its plan
	Scheduled   bool     `json:"scheduled"` // activated to take effect later
}

// toPriceBookJSON describes v; active is the version in effect now in v's
// plan (0 for none).
func toPriceBookJSON(v *kassa.PriceBookVersion, active int64, now time.Time) priceBookJSON {
	return priceBookJSON{
		Version: v.Version, Plan: v.Plan, Name: v.Name, Demo: v.Demo, DemoTypes: demoTypesJSON(v.DemoTypes), Source: v.Source, Checksum: v.Checksum, Prices: v.Prices,
		CreatedAt:   optionalTime(v.CreatedAt),
		ActivatedAt: optionalTime(v.ActivatedAt),
		EffectiveAt: optionalTime(v.EffectiveAt),
		Active:      v.Version == active,
		Scheduled:   !v.ActivatedAt.IsZero() && v.EffectiveAt.After(now),
	}
}

// demoTypesJSON lists service types as JSON strings, [] for none.
func demoTypesJSON(types []kassa.ServiceType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// optionalTime formats t for the admin API; nil (JSON null) when zero.
func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := adminTime(t)
	return &s
}

// errNoPricing is the answer of the price-book endpoints on a server built
// without a pricing service.
var errNoPricing = kassa.Errorf(kassa.EUNAVAILABLE, "this server has no pricing service")

// pricingService returns the pricing service or errNoPricing.
func (s *Server) pricingService() (*pricing.Service, error) {
	if s.cfg.Pricing == nil {
		return nil, errNoPricing
	}
	return s.cfg.Pricing, nil
}

// activeVersion returns the default plan's version in effect at now, 0
// when none is.
func (s *Server) activeVersion(r *http.Request, now time.Time) (int64, error) {
	return s.activePlanVersion(r, kassa.DefaultPlan, now)
}

// activePlanVersion returns a plan's version in effect at now, 0 when none
// is.
func (s *Server) activePlanVersion(r *http.Request, plan string, now time.Time) (int64, error) {
	v, err := s.cfg.Store.ActivePriceBook(r.Context(), plan, now)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return v.Version, nil
}

// versionParam reads the {version} path segment: a version number, or
// "active" for the version in effect now. An unknown version is ENOTFOUND.
func (s *Server) versionParam(r *http.Request, now time.Time) (int64, error) {
	raw := r.PathValue("version")
	if raw == "active" {
		v, err := s.activeVersion(r, now)
		if err == nil && v == 0 {
			err = kassa.Errorf(kassa.ENOTFOUND, "no price-book version is active")
		}
		return v, err
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 1 {
		return 0, &kassa.Error{Code: kassa.ENOTFOUND, Field: "version", Message: "no price-book version " + strconv.Quote(raw) + " (versions are numbers, or \"active\")"}
	}
	return v, nil
}

// adminListPriceBooks answers GET /admin/v1/pricebooks[?plan=NAME]: every
// version (of the plan, when given), newest first, and the one of the plan
// (default: the default plan) in effect now (null when none is).
func (s *Server) adminListPriceBooks(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	books, err := s.cfg.Store.PriceBooks(r.Context())
	if err != nil {
		return err
	}
	plan := r.URL.Query().Get("plan")
	if plan != "" {
		if _, err := s.app.Plan(r.Context(), plan); err != nil {
			return err
		}
	}
	actives := map[string]int64{}
	out := make([]priceBookJSON, 0, len(books))
	for _, b := range books {
		if plan != "" && b.Plan != plan {
			continue
		}
		a, ok := actives[b.Plan]
		if !ok {
			if a, err = s.activePlanVersion(r, b.Plan, now); err != nil {
				return err
			}
			actives[b.Plan] = a
		}
		out = append(out, toPriceBookJSON(b, a, now))
	}
	if plan == "" {
		plan = kassa.DefaultPlan
	}
	active, err := s.activePlanVersion(r, plan, now)
	if err != nil {
		return err
	}
	var activeJSON *int64
	if active != 0 {
		activeJSON = &active
	}
	writeAdminJSON(w, http.StatusOK, map[string]any{"versions": out, "active": activeJSON})
	return nil
}

// adminGetPriceBook answers GET /admin/v1/pricebooks/{version}.
func (s *Server) adminGetPriceBook(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	version, err := s.versionParam(r, now)
	if err != nil {
		return err
	}
	return s.writePriceBook(w, r, http.StatusOK, version, now)
}

// writePriceBook writes one version's description.
func (s *Server) writePriceBook(w http.ResponseWriter, r *http.Request, status int, version int64, now time.Time) error {
	v, err := s.cfg.Store.PriceBook(r.Context(), version)
	if err != nil {
		return err
	}
	active, err := s.activePlanVersion(r, v.Plan, now)
	if err != nil {
		return err
	}
	writeAdminJSON(w, status, toPriceBookJSON(v, active, now))
	return nil
}

// activateRequest is the optional body of POST .../activate.
type activateRequest struct {
	EffectiveAt *string `json:"effective_at"`
}

// activationSkew is how far in the past an effective_at may lie and still
// mean "now" (clocks of the operator's machine and the server differ).
const activationSkew = time.Minute

// adminActivatePriceBook answers POST /admin/v1/pricebooks/{version}/activate
// with an optional {"effective_at": RFC 3339}: absent (or within a minute
// of now) activates at once, a future time schedules the version.
func (s *Server) adminActivatePriceBook(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pricingService()
	if err != nil {
		return err
	}
	now := s.now()
	version, err := s.versionParam(r, now)
	if err != nil {
		return err
	}
	var req activateRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	at, err := effectiveAt(req.EffectiveAt, now)
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.PriceBook(r.Context(), version)
	if err != nil {
		return err
	}
	if err := svc.Activate(r.Context(), version, at); err != nil {
		return err
	}
	s.app.RecordPriceBookActivation(r.Context(), adminActor(r), v, at)
	return s.writePriceBook(w, r, http.StatusOK, version, s.now())
}

// effectiveAt parses the effective_at of an activation: the zero time for
// "now", a future time for a scheduled activation.
func effectiveAt(raw *string, now time.Time) (time.Time, error) {
	if raw == nil || *raw == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339, *raw)
	if err != nil {
		return time.Time{}, kassa.FieldError("effective_at", "effective_at must be an RFC 3339 time such as \"2026-12-01T00:00:00Z\"")
	}
	if at.Before(now.Add(-activationSkew)) {
		return time.Time{}, kassa.FieldError("effective_at", "effective_at %s is in the past; leave it out to activate now", *raw)
	}
	if !at.After(now) {
		return time.Time{}, nil
	}
	return at, nil
}
