package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestFreeTextControlCharactersRefused: ESC, BEL, newline and other control
// characters in free text (an admin posting's reason and reference, a
// charge's reference, the auto-reload trx) are a 400 naming the field on
// every surface, and nothing is stored; stored text could otherwise drive
// the terminal of whoever lists the ledger.
func TestFreeTextControlCharactersRefused(t *testing.T) {
	h := newHarness(t)
	base := "/admin/v1/accounts/" + testKey
	for _, text := range []string{`\u001b[2J\u001b]0;pwned\u0007`, `bell\u0007`, `line\nbreak`, `del\u007f`, `csi\u009b1m`} {
		p := wantProblem(t, h.admin("POST", base+"/credits", `{"amount":"1","reason":"`+text+`"}`), http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, "reason")
		p = wantProblem(t, h.admin("POST", base+"/debits", `{"amount":"1","reference":"`+text+`"}`), http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, "reference")
		p = wantProblem(t, h.admin("PUT", base+"/auto-reload", `{"enabled":true,"trx":"`+text+`"}`), http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, "trx")
		p = h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1,"reference":"`+text+`"}`, "ft").wantProblem(t, http.StatusBadRequest, "invalid")
		wantInvalidParam(t, p, "reference")
	}
	_, total, err := h.db.ListEntries(context.Background(), kassa.EntryFilter{Account: testKey})
	if err != nil || total != 1 {
		t.Fatalf("%d entries after refused postings (want the opening credit only), %v", total, err)
	}
	if h.account(testKey).AutoReload.Trx != testTrx {
		t.Fatal("a refused trx was stored")
	}
}
