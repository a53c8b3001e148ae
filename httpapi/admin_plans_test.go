package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// TestPlansTwoAccounts (issue 15): two accounts on different plans get
// different prices from get-pricing, prefix pricing, full pricing,
// /platform/v1/rate and charges in one run; a subaccount uses its
// primary's plan; ETags differ per plan.
func TestPlansTwoAccounts(t *testing.T) {
	h := newHarness(t)
	created := h.admin(http.MethodPost, "/admin/v1/plans", `{"name":"wholesale","base":"default","markup":{"percent":"10","fixed":"0.001","min":"0.005"}}`).
		wantStatus(t, http.StatusCreated).json(t)
	if created["name"] != "wholesale" || created["base"] != "default" || created["markup"].(map[string]any)["percent"] != "10.00000000" {
		t.Errorf("created %v", created)
	}
	h.createAccount("whol0001", testSecret, "10", kassa.EUR, noReload)
	got := h.admin(http.MethodPut, "/admin/v1/accounts/whol0001/plan", `{"plan":"wholesale"}`).wantStatus(t, http.StatusOK).json(t)
	if got["plan"] != "wholesale" || got["own_plan"] != "wholesale" {
		t.Errorf("assign answered %v", got)
	}
	storetest.MustCreateSubaccount(t, h.db, "whol0001", "whsub001", false)
	sec, err := h.hasher.NewSecret("whsub001", testSecret, h.account("whsub001").CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.CreateSecret(t.Context(), sec); err != nil {
		t.Fatal(err)
	}

	as := func(key, path string, header ...string) response {
		t.Helper()
		return h.do(req{path: path, basic: [2]string{key, testSecret}, header: pairs(header)}).wantStatus(t, http.StatusOK)
	}
	// GB sms: default 0.0333 → 0.0333 × 1.1 + 0.001 = 0.03763; O2 0.04 → 0.045.
	for key, want := range map[string]string{testKey: "0.03330000", "whol0001": "0.03763000", "whsub001": "0.03763000"} {
		if b := as(key, "/account/get-pricing/outbound/sms?country=GB").json(t); b["defaultPrice"] != want {
			t.Errorf("%s get-pricing GB defaultPrice %v, want %s", key, b["defaultPrice"], want)
		}
		if body := string(as(key, "/account/get-prefix-pricing/outbound/sms?prefix=44").body); !strings.Contains(body, `"defaultPrice":"`+want+`"`) {
			t.Errorf("%s prefix pricing 44: %s, want defaultPrice %s", key, body, want)
		}
		if body := string(as(key, "/account/get-full-pricing/outbound/sms").body); !strings.Contains(body, `"defaultPrice":"`+want+`"`) {
			t.Errorf("%s full pricing: want defaultPrice %s in %s", key, want, body)
		}
	}
	full := func(key string) string {
		return as(key, "/account/get-full-pricing/outbound/sms").header.Get("ETag")
	}
	if a, b := full(testKey), full("whol0001"); a == b || a == "" {
		t.Errorf("full pricing ETags %s and %s: want them to differ per plan", a, b)
	}
	for key, want := range map[string]string{testKey: "0.04000000", "whol0001": "0.04500000", "whsub001": "0.04500000"} {
		r := h.platform(http.MethodPost, "/platform/v1/rate", `{"account":"`+key+`","type":"sms","to":"+447700900123"}`, "").wantStatus(t, http.StatusOK).json(t)
		if r["unit_price"] != want {
			t.Errorf("%s rate %v, want %s", key, r["unit_price"], want)
		}
		if key == "whsub001" {
			continue // no balance of its own
		}
		c := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"`+key+`","type":"sms","to":"+447700900123","units":1}`, "charge-"+key).
			wantStatus(t, http.StatusCreated).json(t)
		if c["unit_price"] != want {
			t.Errorf("%s charge at %v, want %s", key, c["unit_price"], want)
		}
	}

	// Back to the default plan: the next request has the default prices.
	h.admin(http.MethodPut, "/admin/v1/accounts/whol0001/plan", `{"plan":""}`).wantStatus(t, http.StatusOK)
	if b := as("whsub001", "/account/get-pricing/outbound/sms?country=GB").json(t); b["defaultPrice"] != "0.03330000" {
		t.Errorf("after taking the plan away: %v", b["defaultPrice"])
	}
}

// TestPlansAdmin: list, the problems of bad requests, delete refused while
// in use, import into a plan and activation of a derived plan's base.
func TestPlansAdmin(t *testing.T) {
	h := newHarness(t)
	h.admin(http.MethodPost, "/admin/v1/plans", `{"name":"wholesale","base":"default","markup":{"percent":"10"}}`).wantStatus(t, http.StatusCreated)
	h.admin(http.MethodPost, "/admin/v1/plans", `{"name":"retail"}`).wantStatus(t, http.StatusCreated)
	wantProblem(t, h.admin(http.MethodPost, "/admin/v1/plans", `{"name":"retail"}`), http.StatusConflict, "conflict")
	for _, body := range []string{`{"name":"Bad Name"}`, `{"name":"x","markup":{"percent":"10"}}`, `{"name":"x","base":"default","markup":{"fixed":"-1"}}`,
		`{"name":"x","base":"default","markup":{"percent":"ten"}}`, `{"name":"x","base":"wholesale"}`} {
		h.admin(http.MethodPost, "/admin/v1/plans", body).wantStatus(t, http.StatusBadRequest)
	}
	wantProblem(t, h.admin(http.MethodPost, "/admin/v1/plans", `{"name":"x","base":"nope"}`), http.StatusNotFound, "not-found")
	list := h.admin(http.MethodGet, "/admin/v1/plans", "").wantStatus(t, http.StatusOK).json(t)["plans"].([]any)
	if len(list) != 3 {
		t.Fatalf("plans %v", list)
	}
	if p := list[2].(map[string]any); p["name"] != "wholesale" || p["active_version"] == nil {
		t.Errorf("wholesale listed as %v", p)
	}

	// Import into retail; into a derived plan is refused.
	deck := "country,price\nGB,0.5\n"
	imp := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?plan=retail&type=sms", "text/csv", deck).wantStatus(t, http.StatusCreated).json(t)
	if imp["plan"] != "retail" || imp["active"] != false {
		t.Errorf("import into retail: %v", imp)
	}
	h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?plan=wholesale&type=sms", "text/csv", deck).wantStatus(t, http.StatusBadRequest)
	h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?plan=nope&type=sms", "text/csv", deck).wantStatus(t, http.StatusNotFound)
	version := imp["version"].(interface{ String() string }).String()
	h.admin(http.MethodPost, "/admin/v1/pricebooks/"+version+"/activate", "").wantStatus(t, http.StatusOK)
	h.createAccount("reta0001", testSecret, "10", kassa.EUR, noReload)
	h.admin(http.MethodPut, "/admin/v1/accounts/reta0001/plan", `{"plan":"retail"}`).wantStatus(t, http.StatusOK)
	r := h.platform(http.MethodPost, "/platform/v1/rate", `{"account":"reta0001","type":"sms","to":"+447700900123"}`, "").wantStatus(t, http.StatusOK).json(t)
	if r["unit_price"] != "0.50000000" {
		t.Errorf("retail rate %v, want 0.5", r["unit_price"])
	}
	if a := h.admin(http.MethodGet, "/admin/v1/accounts/reta0001", "").wantStatus(t, http.StatusOK).json(t); a["plan"] != "retail" {
		t.Errorf("account shows plan %v", a["plan"])
	}
	h.admin(http.MethodPut, "/admin/v1/accounts/reta0001/plan", `{"plan":"nope"}`).wantStatus(t, http.StatusNotFound)
	h.admin(http.MethodPut, "/admin/v1/accounts/nobody00/plan", `{"plan":"retail"}`).wantStatus(t, http.StatusNotFound)

	// Activating the base moves the derived plan.
	h.createAccount("whol0001", testSecret, "10", kassa.EUR, noReload)
	h.admin(http.MethodPut, "/admin/v1/accounts/whol0001/plan", `{"plan":"wholesale"}`).wantStatus(t, http.StatusOK)
	base := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", "country,price\nGB,0.1\n").wantStatus(t, http.StatusCreated).json(t)
	h.admin(http.MethodPost, "/admin/v1/pricebooks/"+base["version"].(interface{ String() string }).String()+"/activate", "").wantStatus(t, http.StatusOK)
	r = h.platform(http.MethodPost, "/platform/v1/rate", `{"account":"whol0001","type":"sms","to":"+447700900123"}`, "").wantStatus(t, http.StatusOK).json(t)
	if r["unit_price"] != "0.11000000" {
		t.Errorf("wholesale after activating 0.1 in default: %v, want 0.11", r["unit_price"])
	}

	// Deleting: refused while in use.
	wantProblem(t, h.admin(http.MethodDelete, "/admin/v1/plans/retail", ""), http.StatusConflict, "conflict")
	wantProblem(t, h.admin(http.MethodDelete, "/admin/v1/plans/default", ""), http.StatusConflict, "conflict")
	h.admin(http.MethodPut, "/admin/v1/accounts/reta0001/plan", `{"plan":null}`).wantStatus(t, http.StatusOK)
	h.admin(http.MethodDelete, "/admin/v1/plans/retail", "").wantStatus(t, http.StatusNoContent)
	h.admin(http.MethodGet, "/admin/v1/plans/retail", "").wantStatus(t, http.StatusNotFound)
}
