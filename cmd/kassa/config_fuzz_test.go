package main

import (
	"strings"
	"testing"
)

// FuzzParseConfig: the config-file parser never panics, accepts only known
// keys, and returns values without line breaks.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"KASSA_ADDR=127.0.0.1:8080\n",
		"# comment\n\nKASSA_LOG_FORMAT=\"json\"\nKASSA_STORE_FILE='/etc/kassa/store'\n",
		"KASSA_ADDR\n",
		"=x\n",
		"KASSA_ADDR=1\nKASSA_ADDR=2\n",
		"KASSA_NOPE=1\n",
		"KASSA_ALLOW_CALLBACK_NET=10.0.0.0/8, 10.1.0.0/16\r\n",
		"KASSA_ADDR=\"\n",
		"KASSA_ADDR=\"a\\\"b\"\n",
	} {
		f.Add(s)
	}
	known := knownConfigKeys(serveSettings)
	f.Fuzz(func(t *testing.T, text string) {
		vals, err := parseConfig(strings.NewReader(text), serveSettings)
		if err != nil {
			return
		}
		for k, v := range vals {
			if !known[k] {
				t.Fatalf("unknown key %q accepted", k)
			}
			if strings.ContainsAny(v, "\n") {
				t.Fatalf("value of %s spans lines: %q", k, v)
			}
		}
	})
}
