package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// testPlans: price plans, their price books and the plans of accounts.
func (h harness) testPlans(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	names := func() []string {
		t.Helper()
		list, err := s.Plans(ctx)
		noErr(t, err, "list plans")
		var out []string
		for _, p := range list {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{kassa.DefaultPlan}) {
		t.Fatalf("a new store's plans = %q, want only %q", got, kassa.DefaultPlan)
	}

	// Plans of their own and derived ones.
	clock.Advance(time.Minute)
	retail := &kassa.Plan{Name: "retail"}
	noErr(t, s.CreatePlan(ctx, retail), "create retail")
	sameTime(t, "CreatedAt", retail.CreatedAt, clock.Now())
	m := kassa.Markup{Percent: amt("12.5"), Fixed: amt("0.001"), Min: amt("0.005")}
	wholesale := &kassa.Plan{Name: "wholesale", Base: kassa.DefaultPlan, Markup: m}
	noErr(t, s.CreatePlan(ctx, wholesale), "create wholesale")
	wantCode(t, s.CreatePlan(ctx, &kassa.Plan{Name: "retail"}), kassa.ECONFLICT)
	wantCode(t, s.CreatePlan(ctx, &kassa.Plan{Name: "x", Base: "nope"}), kassa.ENOTFOUND)
	wantCode(t, s.CreatePlan(ctx, &kassa.Plan{Name: "x", Base: "wholesale"}), kassa.EINVALID)
	if got := names(); !slices.Equal(got, []string{"default", "retail", "wholesale"}) {
		t.Fatalf("plans = %q, want default, retail, wholesale", got)
	}
	list, err := s.Plans(ctx)
	noErr(t, err, "list plans")
	if p := list[2]; p.Base != kassa.DefaultPlan || p.Markup != m || !p.Derived() {
		t.Errorf("wholesale read back as %+v, want base default and markup %+v", p, m)
	}

	// Price books per plan: each plan has its own active version.
	mk := func(plan, name string) *kassa.PriceBookVersion {
		t.Helper()
		v := &kassa.PriceBookVersion{Plan: plan, Name: name, Source: "csv"}
		noErr(t, s.CreatePriceBook(ctx, v, [][]byte{[]byte(name)}), "create %s", name)
		return v
	}
	d1 := mk("", "default one")
	if d1.Plan != kassa.DefaultPlan {
		t.Errorf("a version created without a plan has plan %q, want %q", d1.Plan, kassa.DefaultPlan)
	}
	r1 := mk("retail", "retail one")
	wantCode(t, s.CreatePriceBook(ctx, &kassa.PriceBookVersion{Plan: "wholesale", Name: "w"}, nil), kassa.EINVALID)
	wantCode(t, s.CreatePriceBook(ctx, &kassa.PriceBookVersion{Plan: "nope", Name: "n"}, nil), kassa.ENOTFOUND)
	noErr(t, s.ActivatePriceBook(ctx, d1.Version, time.Time{}), "activate default")
	clock.Advance(time.Second)
	noErr(t, s.ActivatePriceBook(ctx, r1.Version, time.Time{}), "activate retail")
	for plan, want := range map[string]int64{kassa.DefaultPlan: d1.Version, "retail": r1.Version} {
		v, err := s.ActivePriceBook(ctx, plan, clock.Now())
		noErr(t, err, "active of %s", plan)
		if v.Version != want || v.Plan != plan {
			t.Errorf("active of %s = version %d of %s, want %d", plan, v.Version, v.Plan, want)
		}
	}
	_, err = s.ActivePriceBook(ctx, "wholesale", clock.Now())
	wantCode(t, err, kassa.ENOTFOUND)
	got, err := s.PriceBook(ctx, r1.Version)
	noErr(t, err, "price book")
	if got.Plan != "retail" {
		t.Errorf("PriceBook(%d).Plan = %q, want retail", r1.Version, got.Plan)
	}

	// Accounts: their own plan, else their primary's, else the default.
	MustCreateAccount(t, s, "prim0001", amt("1"))
	MustCreateSubaccount(t, s, "prim0001", "subb0002", false)
	MustCreateSubaccount(t, s, "prim0001", "subb0003", false)
	plan := func(key, wantEff, wantOwn string) {
		t.Helper()
		eff, own, err := s.AccountPlan(ctx, key)
		noErr(t, err, "plan of %s", key)
		if eff != wantEff || own != wantOwn {
			t.Errorf("plan of %s = %q (own %q), want %q (own %q)", key, eff, own, wantEff, wantOwn)
		}
	}
	plan("prim0001", kassa.DefaultPlan, "")
	plan("subb0002", kassa.DefaultPlan, "")
	noErr(t, s.SetAccountPlan(ctx, "prim0001", "wholesale"), "assign wholesale")
	noErr(t, s.SetAccountPlan(ctx, "subb0003", "retail"), "assign retail")
	plan("prim0001", "wholesale", "wholesale")
	plan("subb0002", "wholesale", "")
	plan("subb0003", "retail", "retail")
	wantCode(t, s.SetAccountPlan(ctx, "prim0001", "nope"), kassa.ENOTFOUND)
	wantCode(t, s.SetAccountPlan(ctx, "nobody00", "retail"), kassa.ENOTFOUND)
	_, _, err = s.AccountPlan(ctx, "nobody00")
	wantCode(t, err, kassa.ENOTFOUND)

	// Deleting: refused while in use, the default never.
	wantCode(t, s.DeletePlan(ctx, kassa.DefaultPlan), kassa.ECONFLICT)
	wantCode(t, s.DeletePlan(ctx, "wholesale"), kassa.ECONFLICT) // prim0001
	wantCode(t, s.DeletePlan(ctx, "retail"), kassa.ECONFLICT)    // subb0003
	wantCode(t, s.DeletePlan(ctx, "nope"), kassa.ENOTFOUND)
	noErr(t, s.SetAccountPlan(ctx, "subb0003", ""), "take retail away")
	plan("subb0003", "wholesale", "")
	noErr(t, s.DeletePlan(ctx, "retail"), "delete retail")
	if _, err := s.PriceBook(ctx, r1.Version); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("retail's version after deleting the plan: %v, want ENOTFOUND", err)
	}
	noErr(t, s.CreatePlan(ctx, &kassa.Plan{Name: "base2"}), "create base2")
	noErr(t, s.CreatePlan(ctx, &kassa.Plan{Name: "over2", Base: "base2"}), "create over2")
	wantCode(t, s.DeletePlan(ctx, "base2"), kassa.ECONFLICT) // over2's base
	noErr(t, s.DeletePlan(ctx, "over2"), "delete over2")
	noErr(t, s.DeletePlan(ctx, "base2"), "delete base2")
	if got := names(); !slices.Equal(got, []string{"default", "wholesale"}) {
		t.Fatalf("plans = %q, want default, wholesale", got)
	}
}
