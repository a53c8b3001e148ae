package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// holdFields are the fields of every hold answer.
var holdFields = []string{"id", "account", "amount", "captured", "currency", "state", "expires_at", "balance_after", "charge_id", "created_at", "closed_at"}

// wantHoldAnswer fails unless the body has exactly the hold fields, with
// charge_id and closed_at null exactly where nullIn lists them.
func wantHoldAnswer(t *testing.T, what string, body map[string]any, null ...string) {
	t.Helper()
	var keys []string
	for k, v := range body {
		keys = append(keys, k)
		if (v == nil) != slices.Contains(null, k) {
			t.Errorf("%s: %s = %v, want null: %v", what, k, v, slices.Contains(null, k))
		}
	}
	slices.Sort(keys)
	want := slices.Sorted(slices.Values(holdFields))
	if !slices.Equal(keys, want) {
		t.Errorf("%s: fields %s, want %s", what, strings.Join(keys, ","), strings.Join(want, ","))
	}
}

// TestPlatformHoldAnswersCarryEveryField: open, read, replayed, captured
// and released holds all answer every field, null where it does not apply
// (charge_id until captured, closed_at until closed).
func TestPlatformHoldAnswersCarryEveryField(t *testing.T) {
	h := newHarness(t)
	open := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1"}`, "hf1").wantStatus(t, http.StatusCreated).json(t)
	wantHoldAnswer(t, "open", open, "charge_id", "closed_at")
	id := stringOf(open["id"])
	wantHoldAnswer(t, "replayed open", h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1"}`, "hf1").wantStatus(t, http.StatusOK).json(t), "charge_id", "closed_at")
	wantHoldAnswer(t, "read open", h.platform(http.MethodGet, "/platform/v1/holds/"+id, "", "").wantStatus(t, http.StatusOK).json(t), "charge_id", "closed_at")
	captured := h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{"amount":"0.4"}`, "").wantStatus(t, http.StatusOK).json(t)
	wantHoldAnswer(t, "captured", captured)
	wantHoldAnswer(t, "read captured", h.platform(http.MethodGet, "/platform/v1/holds/"+id, "", "").wantStatus(t, http.StatusOK).json(t))

	other := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1"}`, "hf2").wantStatus(t, http.StatusCreated).json(t)
	released := h.platform(http.MethodPost, "/platform/v1/holds/"+stringOf(other["id"])+"/release", "", "").wantStatus(t, http.StatusOK).json(t)
	wantHoldAnswer(t, "released", released, "charge_id")
	wantHoldAnswer(t, "read released", h.platform(http.MethodGet, "/platform/v1/holds/"+stringOf(other["id"]), "", "").wantStatus(t, http.StatusOK).json(t), "charge_id")
}
