package httpapi

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAdminEntriesTotalIgnoresThePage: every page of one entries query
// shows the same total, the number of entries matching the filters; the
// before cursor and the limit narrow the page only (#13.10: 7,897 without
// before, 97 with before=100).
func TestAdminEntriesTotalIgnoresThePage(t *testing.T) {
	h := newHarness(t)
	for i := range 7 {
		h.admin("POST", "/admin/v1/accounts/"+testKey+"/credits", `{"amount":"1","reason":"gift"}`,
			"Idempotency-Key", fmt.Sprint("gift-", i)).wantStatus(t, http.StatusCreated)
	}
	const all = 8 // the opening credit and seven gifts
	path := "/admin/v1/accounts/" + testKey + "/entries?limit=3"
	totals := []any{}
	for page := 0; path != ""; page++ {
		body := h.admin("GET", path, "").wantStatus(t, http.StatusOK).json(t)
		totals = append(totals, body["total"])
		path = ""
		if next, ok := body["next_before"].(string); ok {
			path = "/admin/v1/accounts/" + testKey + "/entries?limit=3&before=" + next
		}
		if page > all {
			t.Fatal("paging does not end")
		}
	}
	for _, got := range totals {
		if fmt.Sprint(got) != fmt.Sprint(all) {
			t.Fatalf("totals per page %v, want %d on every page", totals, all)
		}
	}
	gifts := h.admin("GET", "/admin/v1/accounts/"+testKey+"/entries?kind=credit&reference=none&before=3", "").wantStatus(t, http.StatusOK).json(t)
	if fmt.Sprint(gifts["total"]) != "0" {
		t.Errorf("filtered total %v, want 0", gifts["total"])
	}
}
