package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// CreatePlan stores a new price plan (docs/pricing.md, "Price plans"): with
// p.Base, a derived plan pricing at its base's prices with p.Markup; else
// a plan with price books of its own (imported and activated as the
// default plan's). EINVALID for a bad name or markup, or a markup without
// a base; ECONFLICT for a name taken; ENOTFOUND for an unknown base.
// Audited as plan.create.
func (s *Service) CreatePlan(ctx context.Context, actor Actor, p *kassa.Plan) error {
	switch {
	case p.Name == "":
		return kassa.FieldError("name", "name is required")
	case !kassa.ValidPlanName(p.Name):
		return kassa.FieldError("name", "name must be 1 to 40 lower-case letters, digits, '_' and '-', starting with a letter or digit")
	case p.Base == "" && p.Markup != (kassa.Markup{}):
		return kassa.FieldError("markup", "a markup needs a base plan")
	case p.Base == p.Name:
		return kassa.FieldError("base", "a plan cannot be its own base")
	}
	if err := p.Markup.Validate(); err != nil {
		var ke *kassa.Error
		if errors.As(err, &ke) {
			return kassa.FieldError("markup."+ke.Field, "%s", ke.Message)
		}
		return err
	}
	if err := s.store.CreatePlan(ctx, p); err != nil {
		return err
	}
	detail := map[string]any{"name": p.Name}
	if p.Derived() {
		detail["base"] = p.Base
		detail["markup"] = map[string]string{"percent": p.Markup.Percent.String(), "fixed": p.Markup.Fixed.String(), "min": p.Markup.Min.String()}
	}
	s.audit(ctx, actor, "", ActionPlanCreate, detail)
	return nil
}

// Plans lists every price plan by name.
func (s *Service) Plans(ctx context.Context) ([]*kassa.Plan, error) {
	list, err := s.store.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	return list, nil
}

// Plan returns one price plan. ENOTFOUND (naming "plan") when there is
// none.
func (s *Service) Plan(ctx context.Context, name string) (*kassa.Plan, error) {
	list, err := s.Plans(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, &kassa.Error{Code: kassa.ENOTFOUND, Field: "plan", Message: fmt.Sprintf("no plan %q", name)}
}

// DeletePlan deletes a price plan nothing uses, with its price-book
// versions. ECONFLICT for the default plan, a plan an account uses or a
// derived plan's base. Audited as plan.delete.
func (s *Service) DeletePlan(ctx context.Context, actor Actor, name string) error {
	if err := s.store.DeletePlan(ctx, name); err != nil {
		return err
	}
	s.audit(ctx, actor, "", ActionPlanDelete, map[string]any{"name": name})
	return nil
}

// AssignPlan gives an account its own price plan ("" takes it away: the
// account then uses its primary's plan, or the default one). It takes
// effect on the account's next request on every node: the plan is read
// per request. It returns the plan the account now uses. ENOTFOUND for an
// unknown account or plan. Audited as account.plan.
func (s *Service) AssignPlan(ctx context.Context, actor Actor, apiKey, plan string) (string, error) {
	if plan != "" && !kassa.ValidPlanName(plan) {
		return "", &kassa.Error{Code: kassa.ENOTFOUND, Field: "plan", Message: fmt.Sprintf("no plan %q", plan)}
	}
	_, before, err := s.store.AccountPlan(ctx, apiKey)
	if err != nil {
		return "", err
	}
	if err := s.store.SetAccountPlan(ctx, apiKey, plan); err != nil {
		return "", err
	}
	s.audit(ctx, actor, apiKey, ActionAccountPlan, map[string]any{"plan": plan, "before": before})
	return s.AccountPlan(ctx, apiKey)
}
