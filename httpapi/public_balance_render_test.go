package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestBalanceJSONMatchesEncoder: the hand-written get-balance JSON is byte
// for byte what encoding/json writes, for balances of every shape.
func TestBalanceJSONMatchesEncoder(t *testing.T) {
	for _, v := range []string{"0", "10.00", "-5.12345678", "0.00000001", "92233720368.54775807", "-92233720368.54775807"} {
		for _, reload := range []bool{false, true} {
			amt := kassa.MustParseAmount(v)
			b := balanceAnswer{Value: rawNumber(amt.Decimal()), AutoReload: reload}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(b); err != nil {
				t.Fatal(err)
			}
			if got := balanceJSON(b); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s %v: got %q, want %q", v, reload, got, want.Bytes())
			}
		}
	}
}
