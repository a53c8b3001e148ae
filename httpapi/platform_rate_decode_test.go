package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzRateRequestFastPath: whatever the fast path accepts, the strict
// encoding/json decoding (decodeStrict's) accepts too, with the very same
// fields; what the fast path declines is left to the strict decoding.
func FuzzRateRequestFastPath(f *testing.F) {
	for _, s := range []string{
		`{"account":"abcd1234","type":"sms","to":"447700900000"}`,
		" {\n\t\"to\" : \"1\" ,\r\"type\":\"voice\"}\n ",
		`{}`, ``, ` `, `{"account":"a","account":"b"}`, `{"ACCOUNT":"a"}`, `{"account":"a\u0041"}`,
		`{"account":"é"}`, `{"account":null}`, `{"account":1}`, `{"account":"a",}`, `{"account":"a"}x`,
		`{"account":"a"}{}`, `{"account":"a" "type":"b"}`, `{"other":"x"}`, `[]`, `"x"`, "\xef\xbb\xbf{}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fast, ok := parseRateRequestFast([]byte(body))
		var strict rateRequest
		err := decodeStrictBytes([]byte(body), &strict)
		if ok && (err != nil || fast != strict) {
			t.Fatalf("body %q: fast path %+v, strict decoding %+v (error %v)", body, fast, strict, err)
		}
	})
}

// TestRateRequestSameErrors: bodies the fast path declines get the strict
// decoding's answers (unknown field, wrong type, malformed, trailing data).
func TestRateRequestSameErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{"account":"a","nope":"x"}`: `unknown field "nope"`,
		`{"account":1}`:              "account must be a JSON string",
		`{"account":"a",}`:           "malformed JSON body",
		`{"account":"a"}{}`:          "data after the object",
	} {
		r, _ := http.NewRequest(http.MethodPost, "/platform/v1/rate", strings.NewReader(body))
		_, err := decodeRateRequest(r, 1<<10)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("body %s: error %v, want one saying %q", body, err, want)
		}
	}
	r, _ := http.NewRequest(http.MethodPost, "/platform/v1/rate", strings.NewReader(`{"account":"`+strings.Repeat("a", 2000)+`"}`))
	if _, err := decodeRateRequest(r, 1<<10); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("an oversized body: %v, want errBodyTooLarge", err)
	}
	r, _ = http.NewRequest(http.MethodPost, "/platform/v1/rate", strings.NewReader(` {"to":"44 7700","account":"k1","type":"sms"} `))
	if req, err := decodeRateRequest(r, 1<<10); err != nil || req != (rateRequest{Account: "k1", Type: "sms", To: "44 7700"}) {
		t.Errorf("a plain body: %+v, %v", req, err)
	}
}
