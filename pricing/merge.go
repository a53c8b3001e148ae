package pricing

import "github.com/kassa-dev/kassa"

// Merge returns a new book: the lines of update, and the lines of base for
// the service types update does not replace. replace lists the types that
// update replaces; when empty, every type update has a line for. Book
// networks are the union of both (update's definition wins for a country
// and code both define). The result takes update's name; its demo prices
// are base's of the types update does not replace and update's own (an sms
// deck over the demo tariff leaves voice and sms-transit demo prices, and
// the result says so). Neither input is changed.
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
	out := &kassa.PriceBook{Name: update.Name}
	demo := map[kassa.ServiceType]bool{}
	for _, t := range base.DemoPriceTypes() {
		demo[t] = !replaced[t]
	}
	for _, t := range update.DemoPriceTypes() {
		demo[t] = true
	}
	for _, t := range kassa.ServiceTypes {
		if demo[t] {
			out.DemoTypes = append(out.DemoTypes, t)
		}
	}
	out.Demo = len(out.DemoTypes) > 0
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
