package pricing

import "github.com/kassa-dev/kassa"

// Merge returns a new book: the lines of update, and the lines of base for
// the service types update does not replace. replace lists the types that
// update replaces; when empty, every type update has a line for. Book
// networks are the union of both (update's definition wins for a country
// and code both define). The result takes update's name; it is a demo book
// only when both are. Neither input is changed.
//
// Importing an sms rate deck over the current book:
//
//	book := pricing.Merge(svc.Current().Book(), deck, kassa.SMS)
//	v, err := svc.Import(ctx, book, "csv")
func Merge(base, update *kassa.PriceBook, replace ...kassa.ServiceType) *kassa.PriceBook {
	replaced := map[kassa.ServiceType]bool{}
	for _, t := range replace {
		replaced[t] = true
	}
	if len(replace) == 0 {
		for _, p := range update.Prices {
			replaced[p.Type] = true
		}
	}
	out := &kassa.PriceBook{Name: update.Name, Demo: base.Demo && update.Demo}
	for _, p := range base.Prices {
		if !replaced[p.Type] {
			out.Prices = append(out.Prices, p)
		}
	}
	out.Prices = append(out.Prices, update.Prices...)
	seen := map[string]bool{}
	for _, n := range update.Networks {
		seen[n.Country+"|"+n.Code] = true
		out.Networks = append(out.Networks, n)
	}
	for _, n := range base.Networks {
		if !seen[n.Country+"|"+n.Code] {
			out.Networks = append(out.Networks, n)
		}
	}
	return out
}
