package httpapi

import (
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// planJSON is one price plan on the admin API.
type planJSON struct {
	Name   string      `json:"name"`
	Base   *string     `json:"base"`   // null for a plan with price books of its own
	Markup *markupJSON `json:"markup"` // null for a plan with price books of its own
	// ActiveVersion is the price-book version in effect now: the plan's
	// own, or its base's for a derived plan; null when none is.
	ActiveVersion *int64  `json:"active_version"`
	CreatedAt     *string `json:"created_at"`
}

// markupJSON is a derived plan's markup: decimal strings, percent in
// percent ("10" is 10 %), fixed and min in the answer's currency.
type markupJSON struct {
	Percent string `json:"percent"`
	Fixed   string `json:"fixed"`
	Min     string `json:"min"`
}

// createPlanRequest is the body of POST /admin/v1/plans.
type createPlanRequest struct {
	Name   string      `json:"name"`
	Base   string      `json:"base"`
	Markup *markupJSON `json:"markup"`
}

// markup reads the request's markup; absent fields are 0.
func (req *createPlanRequest) markup() (kassa.Markup, error) {
	var m kassa.Markup
	if req.Markup == nil {
		return m, nil
	}
	for _, f := range []struct {
		name string
		text string
		dst  *kassa.Amount
	}{{"percent", req.Markup.Percent, &m.Percent}, {"fixed", req.Markup.Fixed, &m.Fixed}, {"min", req.Markup.Min, &m.Min}} {
		if f.text == "" {
			continue
		}
		a, err := kassa.ParseAmount(f.text)
		if err != nil {
			return m, kassa.FieldError("markup."+f.name, "markup.%s must be a decimal string such as \"10\" or \"0.001\"", f.name)
		}
		*f.dst = a
	}
	return m, nil
}

// toPlanJSON describes p, with the version in effect now of the plan
// holding its price books.
func (s *Server) toPlanJSON(r *http.Request, p *kassa.Plan, now time.Time) (planJSON, error) {
	out := planJSON{Name: p.Name, CreatedAt: optionalTime(p.CreatedAt)}
	books := p.Name
	if p.Derived() {
		base := p.Base
		out.Base, books = &base, p.Base
		out.Markup = &markupJSON{Percent: p.Markup.Percent.String(), Fixed: p.Markup.Fixed.String(), Min: p.Markup.Min.String()}
	}
	v, err := s.activePlanVersion(r, books, now)
	if err != nil {
		return out, err
	}
	if v != 0 {
		out.ActiveVersion = &v
	}
	return out, nil
}

// adminListPlans answers GET /admin/v1/plans: every plan by name.
func (s *Server) adminListPlans(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Plans(r.Context())
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]planJSON, 0, len(list))
	for _, p := range list {
		pj, err := s.toPlanJSON(r, p, now)
		if err != nil {
			return err
		}
		out = append(out, pj)
	}
	writeAdminJSON(w, http.StatusOK, map[string]any{"plans": out})
	return nil
}

// adminCreatePlan answers POST /admin/v1/plans {"name", "base", "markup":
// {"percent", "fixed", "min"}} with 201 and the plan.
func (s *Server) adminCreatePlan(w http.ResponseWriter, r *http.Request) error {
	var req createPlanRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	m, err := req.markup()
	if err != nil {
		return err
	}
	p := &kassa.Plan{Name: req.Name, Base: req.Base, Markup: m}
	if err := s.app.CreatePlan(r.Context(), adminActor(r), p); err != nil {
		return err
	}
	s.reloadPlans(r)
	return s.writePlan(w, r, http.StatusCreated, p)
}

// adminGetPlan answers GET /admin/v1/plans/{name}.
func (s *Server) adminGetPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.app.Plan(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return s.writePlan(w, r, http.StatusOK, p)
}

// writePlan writes one plan.
func (s *Server) writePlan(w http.ResponseWriter, r *http.Request, status int, p *kassa.Plan) error {
	out, err := s.toPlanJSON(r, p, s.now())
	if err != nil {
		return err
	}
	writeAdminJSON(w, status, out)
	return nil
}

// adminDeletePlan answers DELETE /admin/v1/plans/{name}: 204, or 409 while
// an account or a derived plan uses it (and for the default plan).
func (s *Server) adminDeletePlan(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.DeletePlan(r.Context(), adminActor(r), r.PathValue("name")); err != nil {
		return err
	}
	s.reloadPlans(r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reloadPlans makes this node's pricing service load the plans now (other
// nodes hear of it from the store: PostgreSQL notifies them; and a plan
// they do not know is loaded on first use).
func (s *Server) reloadPlans(r *http.Request) {
	if s.cfg.Pricing == nil {
		return
	}
	if err := s.cfg.Pricing.Load(r.Context()); err != nil && kassa.ErrorCode(err) != kassa.ENOTFOUND {
		s.log.Warn("reload price plans", "err", err)
	}
}

// accountPlanRequest is the body of PUT /admin/v1/accounts/{api_key}/plan.
type accountPlanRequest struct {
	Plan *string `json:"plan"`
}

// accountPlanJSON answers PUT /admin/v1/accounts/{api_key}/plan.
type accountPlanJSON struct {
	APIKey  string  `json:"api_key"`
	Plan    string  `json:"plan"`     // the plan the account uses now
	OwnPlan *string `json:"own_plan"` // null: its primary's, else the default plan
}

// adminPutAccountPlan answers PUT /admin/v1/accounts/{api_key}/plan
// {"plan": NAME}: the account's own plan from its next request on, on
// every node; "" (or null) takes it away.
func (s *Server) adminPutAccountPlan(w http.ResponseWriter, r *http.Request) error {
	var req accountPlanRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	plan := ""
	if req.Plan != nil {
		plan = *req.Plan
	}
	key := r.PathValue("api_key")
	if _, err := s.app.AssignPlan(r.Context(), adminActor(r), key, plan); err != nil {
		if kassa.ErrorCode(err) == kassa.ENOTFOUND && kassa.ErrorField(err) != "plan" {
			return kassa.Errorf(kassa.ENOTFOUND, "no account %q", key)
		}
		return err
	}
	out := accountPlanJSON{APIKey: key}
	var err error
	if out.Plan, out.OwnPlan, err = s.accountPlan(r, key); err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, out)
	return nil
}

// accountPlan returns the plan an account uses and its own (nil for none).
func (s *Server) accountPlan(r *http.Request, key string) (string, *string, error) {
	plan, own, err := s.cfg.Store.AccountPlan(r.Context(), key)
	if err != nil {
		return "", nil, err
	}
	if own == "" {
		return plan, nil, nil
	}
	return plan, &own, nil
}
