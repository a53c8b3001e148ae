package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// mapTypes are the service types the map can colour by.
var mapTypes = []kassa.ServiceType{kassa.SMS, kassa.Voice}

// bucketCount is the number of price classes in the legend.
const bucketCount = 5

// pricingData is the pricing page's data.
type pricingData struct {
	Type       kassa.ServiceType
	Types      []kassa.ServiceType
	Currency   kassa.Currency
	Currencies []kassa.Currency
	CanPickCur bool
	Map        template.HTML
	Legend     []legendItem
	Countries  []kassa.Country // for the search list
	Query      string
	Country    *countryDetail
	NotFound   string
	Number     string
	Rating     *kassa.Rating
	RateName   string
	RateError  string
	Version    int64
	Demo       bool
	Error      string
	Plan       string   // the price plan shown: the account's, or the operator's pick
	Plans      []string // the plans an operator can pick (compare them on the map)
}

// legendItem is one price class.
type legendItem struct {
	Class string
	Label string
}

// countryDetail is one country's networks and prices.
type countryDetail struct {
	Price        pricing.CountryPrice
	Networks     []networkRow
	MoreNetworks int  // networks listed beyond maxNetworksShown
	DefaultRows  bool // some network is priced at the country default
}

// networkRow is one network in the country table.
type networkRow struct {
	pricing.NetworkPrice
	Ranges     []string
	MoreRanges int
}

// maxRangesShown bounds the prefixes listed per network.
const maxRangesShown = 12

// maxNetworksShown bounds the networks listed for a country (a carrier's
// deck may give one a hundred thousand; the export has them all).
const maxNetworksShown = 1000

// pricingPage shows the map, a country's details and a number look-up.
func (h *handler) pricingPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	d := pricingData{Type: kassa.SMS, Types: mapTypes, Currency: kassa.EUR, Currencies: []kassa.Currency{kassa.EUR, kassa.USD}}
	if t := kassa.ServiceType(q.Get("type")); slices.Contains(mapTypes, t) {
		d.Type = t
	}
	d.Plan = kassa.DefaultPlan
	if sess.role == accountRole {
		if acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey); err == nil {
			d.Currency = acct.Currency
		}
		if plan, err := h.app.AccountPlan(r.Context(), sess.apiKey); err == nil {
			d.Plan = plan
		}
	} else {
		d.CanPickCur = true
		if c := kassa.Currency(q.Get("currency")); c.Valid() {
			d.Currency = c
		}
		d.Plans = h.planNames(r)
		if p := q.Get("plan"); slices.Contains(d.Plans, p) {
			d.Plan = p
		}
	}
	snap, err := h.cfg.Pricing.PlanSnapshot(r.Context(), d.Plan)
	if err != nil {
		d.Error = "No price book is active yet."
		if d.Plan != kassa.DefaultPlan {
			d.Error = kassa.ErrorMessage(err)
		}
		h.render(w, r, sess, http.StatusOK, "pricing", "Pricing", "pricing", d)
		return
	}
	if err := snap.Available(d.Type, d.Currency); err != nil {
		d.Error = kassa.ErrorMessage(err)
		h.render(w, r, sess, http.StatusOK, "pricing", "Pricing", "pricing", d)
		return
	}
	d.Version = snap.Version()
	d.Demo = snap.DemoPrices(d.Type)
	prices := snap.Summaries(d.Type, d.Currency)
	for _, cp := range prices {
		d.Countries = append(d.Countries, cp.Country)
	}
	d.Query = strings.TrimSpace(q.Get("country"))
	if d.Query != "" {
		h.findCountry(&d, snap, prices)
	}
	d.Number = strings.TrimSpace(q.Get("number"))
	if d.Number != "" {
		h.rateNumber(&d, snap)
	}
	selected := ""
	if d.Country != nil {
		selected = d.Country.Price.Country.Code
	}
	d.Map, d.Legend = h.priceMap(snap.Version(), prices, d, selected)
	h.render(w, r, sess, http.StatusOK, "pricing", "Pricing", "pricing", d)
}

// planNames lists the price plans by name (only the default one when they
// cannot be read).
func (h *handler) planNames(r *http.Request) []string {
	plans, err := h.app.Plans(r.Context())
	if err != nil {
		return []string{kassa.DefaultPlan}
	}
	names := make([]string, 0, len(plans))
	for _, p := range plans {
		names = append(names, p.Name)
	}
	return names
}

// findCountry resolves the query (an alpha-2 code or a name) and fills the
// country's details.
func (h *handler) findCountry(d *pricingData, snap *pricing.Snapshot, prices []pricing.CountrySummary) {
	code := ""
	for _, cp := range prices {
		c := cp.Country
		if strings.EqualFold(c.Code, d.Query) || strings.EqualFold(c.Name, d.Query) || strings.EqualFold(c.DisplayName, d.Query) {
			code = c.Code
			break
		}
	}
	if code == "" {
		lq := strings.ToLower(d.Query)
		for _, cp := range prices {
			if strings.HasPrefix(strings.ToLower(cp.Country.DisplayName), lq) || strings.HasPrefix(strings.ToLower(cp.Country.Name), lq) {
				code = cp.Country.Code
				break
			}
		}
	}
	cp, total, ok := snap.CountryUpTo(d.Type, code, d.Currency, maxNetworksShown)
	if code == "" || !ok {
		d.NotFound = "No country matches “" + d.Query + "”."
		return
	}
	cd := &countryDetail{Price: cp, MoreNetworks: total - len(cp.Networks)}
	for _, np := range cp.Networks {
		row := networkRow{NetworkPrice: np, Ranges: np.Network.Ranges}
		if len(row.Ranges) > maxRangesShown {
			row.MoreRanges = len(row.Ranges) - maxRangesShown
			row.Ranges = row.Ranges[:maxRangesShown]
		}
		cd.Networks = append(cd.Networks, row)
		cd.DefaultRows = cd.DefaultRows || !np.Own
	}
	d.Country = cd
}

// rateNumber looks up the number's network and price.
func (h *handler) rateNumber(d *pricingData, snap *pricing.Snapshot) {
	rt, err := snap.Rate(d.Type, d.Number, d.Currency)
	if err != nil {
		d.RateError = kassa.ErrorMessage(err)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			d.RateError = "No price for this number."
		}
		return
	}
	d.Rating = &rt
	if c, ok := snap.Country(d.Type, rt.Country, d.Currency); ok {
		d.RateName = c.Country.DisplayName
	}
}

// fromPrice is the lowest price a country's destinations have.
func fromPrice(cp pricing.CountrySummary) (kassa.Amount, bool) {
	return cp.Lowest, cp.Priced && (cp.HasDefault || cp.Networks > 0)
}

// priceMap returns the map, from the cache when this price-book version,
// type and currency were drawn before, and its legend.
func (h *handler) priceMap(version int64, prices []pricing.CountrySummary, d pricingData, selected string) (template.HTML, []legendItem) {
	key := mapKey{version: version, plan: d.Plan, typ: d.Type, currency: d.Currency, pick: d.CanPickCur}
	m, ok := h.maps.get(key)
	if !ok {
		m = h.drawMap(prices, d)
		h.maps.put(key, m)
	}
	return h.world.finish(m.svg, selected), m.legend
}

// drawMap colours every country by its lowest price in quantile classes.
func (h *handler) drawMap(prices []pricing.CountrySummary, d pricingData) drawnMap {
	var all []kassa.Amount
	for _, cp := range prices {
		if p, ok := fromPrice(cp); ok {
			all = append(all, p)
		}
	}
	slices.Sort(all)
	bounds := quantileBounds(all, bucketCount)
	countries := map[string]mapCountry{}
	for _, cp := range prices {
		name := cp.Country.DisplayName
		mc := mapCountry{Class: "np", Label: name + ": no price"}
		if p, ok := fromPrice(cp); ok {
			mc.Class = "b" + string(rune('0'+bucketOf(bounds, p)))
			mc.Label = name + ": from " + p.String() + " " + string(d.Currency)
		}
		countries[cp.Country.Code] = mc
	}
	legend := []legendItem{}
	for i := range bounds {
		lo := all[0]
		if i > 0 {
			lo = bounds[i-1]
		}
		legend = append(legend, legendItem{Class: "b" + string(rune('0'+i)), Label: lo.Decimal() + " – " + bounds[i].Decimal() + " " + string(d.Currency)})
	}
	legend = append(legend, legendItem{Class: "np", Label: "no price"})
	link := func(code string) string {
		v := url.Values{"type": {string(d.Type)}, "country": {code}}
		if d.CanPickCur {
			v.Set("currency", string(d.Currency))
			if d.Plan != kassa.DefaultPlan {
				v.Set("plan", d.Plan)
			}
		}
		return "/ui/pricing?" + v.Encode() + "#country"
	}
	return drawnMap{svg: h.world.render(countries, link), legend: legend}
}

// quantileBounds returns the upper bound of each of up to n classes over
// sorted prices (fewer when there are fewer distinct prices).
func quantileBounds(sorted []kassa.Amount, n int) []kassa.Amount {
	if len(sorted) == 0 {
		return nil
	}
	var out []kassa.Amount
	for i := 1; i <= n; i++ {
		b := sorted[(len(sorted)-1)*i/n]
		if len(out) == 0 || b > out[len(out)-1] {
			out = append(out, b)
		}
	}
	return out
}

// bucketOf returns the class of p: the first bound at or above it.
func bucketOf(bounds []kassa.Amount, p kassa.Amount) int {
	for i, b := range bounds {
		if p <= b {
			return i
		}
	}
	return len(bounds) - 1
}
