package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestUsageAPI: the usage of an account grouped as asked, across accounts
// with top, as JSON and CSV; its statement; bad parameters are 400 naming
// them; an unknown account 404.
func TestUsageAPI(t *testing.T) {
	h := newHarness(t)
	for _, key := range []string{"u1", "u2", "u3"} {
		h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":2}`, key).
			wantStatus(t, http.StatusCreated)
	}
	ch := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`, "u4").
		wantStatus(t, http.StatusCreated).json(t)
	h.platform(http.MethodPost, "/platform/v1/charges/"+stringOf(ch["id"])+"/refund", `{}`, "r1").wantStatus(t, http.StatusCreated)

	today := time.Now().UTC().Format(kassa.DayLayout)
	path := "/admin/v1/accounts/" + testKey + "/usage?from=" + today + "&to=" + today + "&group_by=day,country"
	got := h.admin(http.MethodGet, path, "").wantStatus(t, http.StatusOK)
	want := `{"account":"abcd1234","currency":"EUR","from":"` + today + `","to":"` + today + `","group_by":["day","country"],` +
		`"rows":[{"day":"` + today + `","country":"GB","currency":"EUR","count":4,"units":7,"amount":"0.24000000",` +
		`"charged":"0.28000000","refunds":1,"refunded":"0.04000000"}]}`
	if s := strings.TrimSpace(string(got.body)); s != want {
		t.Errorf("usage:\n got %s\nwant %s", s, want)
	}
	csv := h.admin(http.MethodGet, path, "", "Accept", "text/csv").wantStatus(t, http.StatusOK)
	if ct := csv.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if s := string(csv.body); s != "day,country,currency,count,units,amount,charged,refunds,refunded\n"+
		today+",GB,EUR,4,7,0.24000000,0.28000000,1,0.04000000\n" {
		t.Errorf("usage CSV:\n%s", s)
	}
	all := h.admin(http.MethodGet, "/admin/v1/usage?group_by=account,type&top=1", "").wantStatus(t, http.StatusOK)
	if s := string(all.body); !strings.Contains(s, `"rows":[{"account":"abcd1234","type":"sms","currency":"EUR","count":4`) || !strings.Contains(s, `"top":1`) {
		t.Errorf("usage across accounts: %s", s)
	}

	month := time.Now().UTC().Format(kassa.MonthLayout)
	st := h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/statements/"+month, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, st, map[string]string{"account": testKey, "month": month, "currency": "EUR"})
	totals, _ := st["totals"].(map[string]any)
	if totals["charge"] != "-0.28000000" || totals["refund"] != "0.04000000" || totals["credit"] == nil {
		t.Errorf("statement totals %v", totals)
	}
	opening, closing := kassa.MustParseAmount(stringOf(st["opening_balance"])), kassa.MustParseAmount(stringOf(st["closing_balance"]))
	sum := opening
	for _, v := range totals {
		sum += kassa.MustParseAmount(v.(string))
	}
	if sum != closing || closing != h.account(testKey).Balance {
		t.Errorf("opening %s + totals = %s, closing %s, balance %s", opening, sum, closing, h.account(testKey).Balance)
	}
	stCSV := h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/statements/"+month, "", "Accept", "text/csv, application/json;q=0.5").
		wantStatus(t, http.StatusOK)
	if s := string(stCSV.body); !strings.HasPrefix(s, "account,month,currency,line,count,amount\n") ||
		!strings.Contains(s, "\nabcd1234,"+month+",EUR,charge,4,-0.28000000\n") {
		t.Errorf("statement CSV:\n%s", s)
	}

	for query, field := range map[string]string{
		"from=2026-13-01":               "from",
		"to=yesterday":                  "to",
		"from=2026-11-02&to=2026-11-01": "to",
		"group_by=day,planet":           "group_by",
		"group_by=day,day":              "group_by",
		"group_by=account":              "group_by",
		"top=0":                         "top",
		"top=many":                      "top",
		"currency=euro":                 "currency",
		"from=1900-01-01&to=2026-01-01": "from",
		"from=2000-01-01&to=2026-11-01": "to",
	} {
		p := h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/usage?"+query, "").wantProblem(t, http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, field)
	}
	p := h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/statements/2026-1", "").wantProblem(t, http.StatusBadRequest, "invalid")
	wantInvalidParam(t, p, "month")
	h.admin(http.MethodGet, "/admin/v1/accounts/nobody12/usage", "").wantProblem(t, http.StatusNotFound, "not-found")
	h.admin(http.MethodGet, "/admin/v1/accounts/nobody12/statements/2026-11", "").wantProblem(t, http.StatusNotFound, "not-found")
	h.admin(http.MethodPost, "/admin/v1/usage", "{}").wantProblem(t, http.StatusMethodNotAllowed, "method-not-allowed")
}

// TestVerifyChecksUsageRollups: after charges, a hold captured in part and
// a refund through the platform API, GET /admin/v1/verify finds the usage
// rollups in agreement with the entries; a rollup row changed behind the
// ledger's back is reported with both sides' totals and ok false.
func TestVerifyChecksUsageRollups(t *testing.T) {
	h := newHarness(t)
	ch := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":2}`, "v1").
		wantStatus(t, http.StatusCreated).json(t)
	h.platform(http.MethodPost, "/platform/v1/charges/"+stringOf(ch["id"])+"/refund", `{"amount":"0.01"}`, "v2").wantStatus(t, http.StatusCreated)
	hold := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","type":"sms","to":"447700900123","units":3}`, "v3").
		wantStatus(t, http.StatusCreated).json(t)
	h.platform(http.MethodPost, "/platform/v1/holds/"+stringOf(hold["id"])+"/capture", `{"amount":"0.05"}`, "v4").wantStatus(t, http.StatusOK)
	h.verifyClean(t)
	v := h.admin(http.MethodGet, "/admin/v1/verify", "").wantStatus(t, http.StatusOK).json(t)
	if v["ok"] != true || len(v["usage_discrepancies"].([]any)) != 0 {
		t.Fatalf("verify after charge, refund and capture: %v", v)
	}

	err := h.db.InLedgerTx(t.Context(), func(tx kassa.LedgerTx) error {
		return tx.AddUsage(kassa.UsageDelta{Account: testKey, Day: kassa.DayStart(time.Now()), Type: kassa.SMS, Country: "GB",
			Currency: kassa.EUR, Count: 1, Units: 1, Charged: kassa.MustParseAmount("0.5")})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := h.admin(http.MethodGet, "/admin/v1/verify", "").wantStatus(t, http.StatusOK)
	want := `{"accounts_checked":1,"discrepancies":[],"ok":false,"usage_discrepancies":[{"account":"abcd1234",` +
		`"count":3,"entries_count":2,"charged":"0.63000000","entries_charged":"0.13000000",` +
		`"refunds":1,"entries_refunds":1,"refunded":"0.01000000","entries_refunded":"0.01000000"}]}`
	if s := strings.TrimSpace(string(got.body)); s != want {
		t.Errorf("verify with a changed rollup:\n got %s\nwant %s", s, want)
	}
}
