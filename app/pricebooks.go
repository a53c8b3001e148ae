package app

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
)

// PriceBookImport is an imported price-book version as the audit log
// records it.
type PriceBookImport struct {
	Version       *kassa.PriceBookVersion
	ReplacedTypes []kassa.ServiceType // the types the deck priced
	CopiedFrom    int64               // the version the other types were copied from; 0 for none
}

// RecordPriceBookImport audits an operator's import of a price-book version
// as price_book.import. The import itself is the pricing service's (its
// streaming rewrite moves it into this package later); the transports call
// this once it succeeded, so that both name it alike.
func (s *Service) RecordPriceBookImport(ctx context.Context, actor Actor, imp PriceBookImport) {
	v := imp.Version
	s.audit(ctx, actor, "", ActionPriceBookImport, map[string]any{
		"version": v.Version, "plan": v.Plan, "name": v.Name, "source": v.Source, "prices": v.Prices,
		"replaced_types": imp.ReplacedTypes, "copied_from": imp.CopiedFrom,
	})
}

// RecordPriceBookActivation audits an operator's activation of a price-book
// version as price_book.activate; effectiveAt is zero for "now".
func (s *Service) RecordPriceBookActivation(ctx context.Context, actor Actor, v *kassa.PriceBookVersion, effectiveAt time.Time) {
	when := "now"
	if !effectiveAt.IsZero() {
		when = effectiveAt.UTC().Format(time.RFC3339)
	}
	s.audit(ctx, actor, "", ActionPriceBookActivate, map[string]any{"version": v.Version, "plan": v.Plan, "effective_at": when})
}
