package pricing

import (
	"context"
	"math/big"
	"testing"
	"time"
	"unsafe"

	"github.com/kassa-dev/kassa"
)

// wantMarkedUp computes a derived price independently of kassa.Markup:
// base × (1 + percent/100) + fixed, rounded half-even at 8 decimals,
// floored at min, from the decimal texts.
func wantMarkedUp(t testing.TB, base kassa.Amount, percent, fixed, minimum string) kassa.Amount {
	t.Helper()
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("bad decimal %q", s)
		}
		return r
	}
	b := rat(base.String())
	factor := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(rat(percent), big.NewRat(100, 1)))
	units := new(big.Rat).Mul(new(big.Rat).Mul(b, factor), big.NewRat(100_000_000, 1))
	// Half-even by hand: floor, then compare the remainder with a half.
	fl := new(big.Int).Quo(units.Num(), units.Denom())
	rem := new(big.Rat).Sub(units, new(big.Rat).SetInt(fl))
	switch rem.Cmp(big.NewRat(1, 2)) {
	case 1:
		fl.Add(fl, big.NewInt(1))
	case 0:
		if fl.Bit(0) == 1 {
			fl.Add(fl, big.NewInt(1))
		}
	}
	p := kassa.Amount(fl.Int64()) + kassa.MustParseAmount(fixed)
	return max(p, kassa.MustParseAmount(minimum))
}

// TestDeriveDemoEveryPrice: on the real demo tariff (EUR, and USD
// converted), every price of a derived plan, in every type, country and
// network and through Rate, is the base's × (1 + percent) + fixed, rounded
// half-even, floored at min; and the derived plan shares the base's
// networks and index.
func TestDeriveDemoEveryPrice(t *testing.T) {
	base := demoSnapshot(t)
	const percent, fixed, minimum = "10", "0.001", "0.005"
	m := kassa.Markup{Percent: amt(percent), Fixed: amt(fixed), Min: amt(minimum)}
	d, err := base.Derive("wholesale", m)
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(d.nets.arena) != unsafe.StringData(base.nets.arena) || &d.index.stems[0] != &base.index.stems[0] || &d.nets.off[0] != &base.nets.off[0] {
		t.Error("the derived snapshot has its own network table or index; want the base's shared")
	}
	checked := 0
	for _, typ := range kassa.ServiceTypes {
		for _, cur := range []kassa.Currency{kassa.EUR, kassa.USD} {
			bc, dc := base.Countries(typ, cur), d.Countries(typ, cur)
			if len(bc) == 0 || len(bc) != len(dc) {
				t.Fatalf("%s %s: %d countries in the base, %d derived", typ, cur, len(bc), len(dc))
			}
			for i := range bc {
				if bc[i].HasDefault != dc[i].HasDefault || len(bc[i].Networks) != len(dc[i].Networks) {
					t.Fatalf("%s %s %s: shape differs", typ, cur, bc[i].Country.Code)
				}
				if bc[i].HasDefault {
					if want := wantMarkedUp(t, bc[i].DefaultPrice, percent, fixed, minimum); dc[i].DefaultPrice != want {
						t.Errorf("%s %s %s default: %s, want %s (base %s)", typ, cur, bc[i].Country.Code, dc[i].DefaultPrice, want, bc[i].DefaultPrice)
					}
					checked++
				}
				for j, n := range bc[i].Networks {
					if want := wantMarkedUp(t, n.Price, percent, fixed, minimum); dc[i].Networks[j].Price != want {
						t.Errorf("%s %s %s %s: %s, want %s (base %s)", typ, cur, bc[i].Country.Code, n.Network.Code, dc[i].Networks[j].Price, want, n.Price)
					}
					checked++
				}
			}
		}
	}
	if checked < 5_000 {
		t.Errorf("only %d prices checked", checked)
	}
	for _, number := range []string{"447700900123", "4930123456", "14155550100", "33612345678", "8613800138000"} {
		br, err := base.Rate(kassa.SMS, number, kassa.EUR)
		if err != nil {
			t.Fatal(err)
		}
		dr, err := d.Rate(kassa.SMS, number, kassa.EUR)
		if err != nil {
			t.Fatal(err)
		}
		if want := wantMarkedUp(t, br.UnitPrice, percent, fixed, minimum); dr.UnitPrice != want || dr.NetworkCode != br.NetworkCode {
			t.Errorf("Rate(%s): %+v, want %s on %s", number, dr, want, br.NetworkCode)
		}
	}
	// The answers are the derived prices', with ETags of their own.
	for _, get := range []func(*Snapshot) (*Document, error){
		func(s *Snapshot) (*Document, error) { return s.FullPricing(kassa.SMS, kassa.EUR, JSON) },
		func(s *Snapshot) (*Document, error) { return s.CountryPricing(kassa.SMS, "GB", kassa.EUR, JSON) },
		func(s *Snapshot) (*Document, error) { return s.PrefixPricing(kassa.SMS, "44", kassa.EUR, XML) },
	} {
		bd, err := get(base)
		if err != nil {
			t.Fatal(err)
		}
		dd, err := get(d)
		if err != nil {
			t.Fatal(err)
		}
		if string(bd.Body) == string(dd.Body) || bd.ETag == dd.ETag {
			t.Errorf("a derived answer equals its base's (ETag %s)", dd.ETag)
		}
	}
	if d.MemoryBytes() >= base.MemoryBytes() {
		t.Errorf("derived snapshot holds %d bytes, its base %d: want less", d.MemoryBytes(), base.MemoryBytes())
	}
}

func TestDeriveSameBodyOtherETag(t *testing.T) {
	base := demoSnapshot(t)
	d, err := base.Derive("same", kassa.Markup{})
	if err != nil {
		t.Fatal(err)
	}
	bd, _ := base.FullPricing(kassa.Voice, kassa.EUR, JSON)
	dd, _ := d.FullPricing(kassa.Voice, kassa.EUR, JSON)
	if string(bd.Body) != string(dd.Body) || bd.ETag == dd.ETag || bd.GzipETag == dd.GzipETag {
		t.Errorf("a zero markup: want the same body under another ETag; ETags %s, %s", bd.ETag, dd.ETag)
	}
	if _, err := base.Derive("bad", kassa.Markup{Fixed: -1}); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Errorf("a negative fixed markup: %v, want EINVALID", err)
	}
}

// TestServiceDerivedPlanFollowsBase: a derived plan's prices follow its
// base's activations, and a plan created in the store after the last
// load is loaded on first use.
func TestServiceDerivedPlanFollowsBase(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	v1, err := svc.Import(ctx, gbBook("0.01"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, v1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	m := kassa.Markup{Percent: amt("10"), Fixed: amt("0.001"), Min: amt("0.005")}
	if err := store.CreatePlan(ctx, &kassa.Plan{Name: "wholesale", Base: kassa.DefaultPlan, Markup: m}); err != nil {
		t.Fatal(err)
	}
	rate := func(plan string) kassa.Amount {
		t.Helper()
		r, err := svc.RatePlan(ctx, plan, kassa.SMS, "447700900123", kassa.EUR)
		if err != nil {
			t.Fatalf("rate in %s: %v", plan, err)
		}
		return r.UnitPrice
	}
	if got := rate("wholesale"); got != amt("0.012") {
		t.Errorf("wholesale over 0.01 = %s, want 0.012", got)
	}
	v2, err := svc.Import(ctx, gbBook("0.02"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, v2.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, got2 := rate(kassa.DefaultPlan), rate("wholesale"); got != amt("0.02") || got2 != amt("0.023") {
		t.Errorf("after activating 0.02: default %s, wholesale %s; want 0.02 and 0.023", got, got2)
	}
	// A plan with books of its own, and no active version yet.
	if err := store.CreatePlan(ctx, &kassa.Plan{Name: "retail"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RatePlan(ctx, "retail", kassa.SMS, "447700900123", kassa.EUR); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Errorf("a plan without an active version: %v, want EUNAVAILABLE", err)
	}
	r1, err := svc.ImportDeck(ctx, encodeBook(gbBook("0.5")), ImportOptions{Source: "csv", Plan: "retail"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, r1.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, def := rate("retail"), rate(""); got != amt("0.5") || def != amt("0.02") {
		t.Errorf("retail %s, default %s; want 0.5 and 0.02", got, def)
	}
}

// BenchmarkRateDerived rates the numbers of BenchmarkRate in a plan derived
// from its book: the same index, the derived plan's prices.
func BenchmarkRateDerived(b *testing.B) {
	s, numbers, _ := syntheticRates(b, 100_000)
	d, err := s.Derive("wholesale", kassa.Markup{Percent: amt("10"), Fixed: amt("0.001"), Min: amt("0.005")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := d.Rate(kassa.SMS, numbers[i&4095], kassa.EUR); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
