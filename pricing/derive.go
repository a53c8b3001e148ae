package pricing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/kassa-dev/kassa"
)

// Derive returns the snapshot of a derived price plan (docs/pricing.md,
// "Price plans"): s's prices with markup applied, exactly (see
// kassa.Markup.Apply), named plan. It shares s's networks, rating index
// and price entries (a derived plan costs per distinct price, not per
// prefix): only each view's amounts and its answers are its own. A
// pre-rendered s gives a pre-rendered derived snapshot; a streamed one a
// streamed one. The ETags of its answers differ from s's.
func (s *Snapshot) Derive(plan string, markup kassa.Markup) (*Snapshot, error) {
	if err := markup.Validate(); err != nil {
		return nil, err
	}
	if s.base != nil {
		s = s.base // a markup applies to the book's own prices
	}
	d := &Snapshot{
		version: s.version, ref: s.ref,
		countries: s.countries, countryIdx: s.countryIdx, nets: s.nets, index: s.index,
		entries: s.entries, def: s.def, demo: s.demo,
		unavailable: s.unavailable,
		streamed:    s.streamed, warnings: s.warnings,
		prefixCache: new(sync.Map),
		plan:        plan, base: s, markup: markup,
	}
	h := sha256.New()
	fmt.Fprintf(h, "%x\nplan %q\nmarkup %d %d %d\n", s.fingerprint, plan, markup.Percent, markup.Fixed, markup.Min)
	h.Sum(d.fingerprint[:0])
	// The views of one currency share their amounts: mark each array up
	// once.
	type prices struct {
		amounts []kassa.Amount
		texts   []string
	}
	marked := make(map[*kassa.Amount]prices, 2)
	for ti := range s.views {
		for ci, v := range s.views[ti] {
			if v == nil {
				continue
			}
			key := &v.amounts[0]
			if len(v.amounts) == 0 {
				key = nil
			}
			p, ok := marked[key]
			if !ok {
				var err error
				if p.amounts, p.texts, err = markUp(v.amounts, markup); err != nil {
					return nil, fmt.Errorf("derive plan %q: %w", plan, err)
				}
				marked[key] = p
			}
			d.views[ti][ci] = &view{s: d, typ: v.typ, ti: ti, currency: v.currency, def: v.def, amounts: p.amounts, texts: p.texts}
		}
	}
	if err := d.prepareDocuments(); err != nil {
		return nil, fmt.Errorf("derive plan %q: %w", plan, err)
	}
	return d, nil
}

// markUp returns every price of amounts with m applied, and its wire text.
func markUp(amounts []kassa.Amount, m kassa.Markup) ([]kassa.Amount, []string, error) {
	out := make([]kassa.Amount, len(amounts))
	texts := make([]string, len(amounts))
	for i, a := range amounts {
		p, err := m.Apply(a)
		if err != nil {
			return nil, nil, fmt.Errorf("marking up %s: %w", a, err)
		}
		out[i], texts[i] = p, p.String()
	}
	return out, texts, nil
}

// Plan returns the derived plan's name that Derive gave the snapshot; ""
// for a compiled book.
func (s *Snapshot) Plan() string { return s.plan }

// Base returns the snapshot a derived one was made from (nil for a
// compiled book).
func (s *Snapshot) Base() *Snapshot { return s.base }

// newDocument wraps a rendered body as newDocument does; a derived plan's
// answers get ETags of their own (the body and the plan), so that they
// differ from its base's even where the prices are the same.
func (s *Snapshot) newDocument(body []byte, f Format, compress bool) (*Document, error) {
	d, err := newDocument(body, f, compress)
	if err != nil || s.plan == "" {
		return d, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "plan %q\n", s.plan)
	h.Write(body)
	sum := hex.EncodeToString(h.Sum(nil)[:16])
	d.ETag = `"` + sum + `"`
	if d.GzipETag != "" {
		d.GzipETag = `"` + sum + `-gzip"`
	}
	return d, nil
}
