package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encoderString is what encoding/json writes for s with SetEscapeHTML(false).
func encoderString(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

var jsonStringSeeds = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"<html>&amp;", "Telefónica Móviles", "日本語", "\u2028\u2029", "bad \xff utf8 \xc3",
	"O2 UK", "447700900123", "0.04000000",
}

func TestAppendJSONStringMatchesEncoder(t *testing.T) {
	for _, s := range jsonStringSeeds {
		if got, want := appendJSONString(nil, s), encoderString(t, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString(nil, s), encoderString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// TestRateJSONMatchesEncoder: the rate answer written by hand is what
// encoding/json writes for the struct, field names and order included.
func TestRateJSONMatchesEncoder(t *testing.T) {
	for _, name := range jsonStringSeeds {
		v := rateJSON{Account: "abcd1234", Type: "sms", To: "447700900123", Country: "GB", NetworkCode: "23410",
			NetworkName: name, NetworkType: "mobile", UnitPrice: "0.04000000", Currency: "EUR"}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got := v.marshal(); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("network name %q:\n got %s\nwant %s", name, got, want.Bytes())
		}
	}
}
