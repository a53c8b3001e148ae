package pricing

import (
	"hash/fnv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// DemoName is the name of the demo tariff.
const DemoName = "kassa demo tariff (not real prices)"

// demoRange is the span of demo unit prices of a service type, in Amount
// units (10^-8 EUR).
type demoRange struct{ min, max int64 }

var demoRanges = map[kassa.ServiceType]demoRange{
	kassa.SMS:        {500_000, 30_000_000},   // 0.005–0.30 EUR per message part
	kassa.SMSTransit: {400_000, 25_000_000},   // 0.004–0.25 EUR per message part
	kassa.Voice:      {1_000_000, 50_000_000}, // 0.01–0.50 EUR per minute
}

// demoStep rounds demo prices to 10^-5 EUR, as real price lists are.
const demoStep = 1000

// DemoBook returns the demo tariff: a default price for every reference
// country and a price for every reference network, for sms, sms-transit and
// voice, in EUR. Prices are derived from a hash of the service type and the
// country or network code, so they are the same on every run; they are
// plausible but nobody's real prices, and the book says so (Demo, Name).
func DemoBook(ref *refdata.Data) *kassa.PriceBook {
	book := &kassa.PriceBook{Name: DemoName, Demo: true}
	for _, t := range kassa.ServiceTypes {
		r := demoRanges[t]
		for _, c := range ref.Countries {
			def := demoPrice(r, string(t)+"|"+c.Code)
			book.Prices = append(book.Prices, kassa.Price{Type: t, Country: c.Code, Currency: kassa.EUR, Price: def})
			for _, n := range ref.NetworksOf(c.Code) {
				p := demoNetworkPrice(r, def, string(t)+"|"+c.Code+"|"+n.Code)
				book.Prices = append(book.Prices, kassa.Price{Type: t, Country: c.Code, Network: n.Code, Currency: kassa.EUR, Price: p})
			}
		}
	}
	return book
}

// demoPrice picks a price in r from the hash of key.
func demoPrice(r demoRange, key string) kassa.Amount {
	steps := (r.max - r.min) / demoStep
	return kassa.Amount(r.min + int64(hashOf(key)%uint64(steps+1))*demoStep)
}

// demoNetworkPrice varies the country default by -15%…+15%, kept in r.
func demoNetworkPrice(r demoRange, def kassa.Amount, key string) kassa.Amount {
	pct := 85 + int64(hashOf(key)%31)
	p := int64(def) / demoStep * pct / 100 * demoStep
	return kassa.Amount(min(max(p, r.min), r.max))
}

func hashOf(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}
