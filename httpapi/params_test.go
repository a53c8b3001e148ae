package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestReadParams(t *testing.T) {
	cases := []struct {
		name, query, body string
		want              map[string]string
		absent            []string
	}{
		{"query", "api_key=k&api_secret=s&", "", map[string]string{"api_key": "k", "api_secret": "s"}, []string{"trx"}},
		{"bare ?", "", "", nil, []string{"api_key"}},
		{"form wins over query", "trx=q", "trx=b&", map[string]string{"trx": "b"}, nil},
		{"empty value is present", "", "drCallBackUrl=", map[string]string{"drCallBackUrl": ""}, nil},
		{"JSON scalars", "", ` {"a":"x","n":10.50,"b":true,"z":null}`, map[string]string{"a": "x", "n": "10.50", "b": "true", "z": ""}, nil},
		{"semicolon in a value", "", "moCallBackUrl=https://x.example/a;b", map[string]string{"moCallBackUrl": "https://x.example/a;b"}, nil},
		{"bad query pair dropped", "a=%zz&b=1", "", map[string]string{"b": "1"}, []string{"a"}},
		{"plus is space", "", "s=a+b", map[string]string{"s": "a b"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x?"+c.query, strings.NewReader(c.body))
			p, err := readParams(r, 1024)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				got, ok := p.lookup(k)
				if !ok || got != v {
					t.Errorf("%s = %q, %v; want %q", k, got, ok, v)
				}
			}
			for _, k := range c.absent {
				if _, ok := p.lookup(k); ok {
					t.Errorf("%s present", k)
				}
			}
		})
	}
	for _, body := range []string{"a=%zz", `{"a":`, `{"a":{"b":1}}`, `{"a":[1]}`, `{} x`, `{"a":1}}`, `{"a":1}]`, `{"a":1} {}`, strings.Repeat("a", 1025)} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		if _, err := readParams(r, 1024); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("%.20q: err %v, want EINVALID", body, err)
		}
	}
}

func TestWantsXML(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                  false,
		"application/xml":                   true,
		"text/xml":                          true,
		"application/json":                  false,
		"*/*":                               false,
		"application/xml, */*;q=0.1":        true,
		"application/json, application/xml": false,
		"application/xml;q=0.9, application/json;q=0.8": true,
		"application/xml;q=0":                           false,
		"garbage;;;":                                    false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := wantsXML(r); got != want {
			t.Errorf("Accept %q: %v, want %v", accept, got, want)
		}
	}
}

// FuzzReadParams feeds arbitrary queries, bodies and headers to the public
// API's parameter parsing: it must never panic, must fail only with an
// EINVALID error, and a parsed parameter must be found where it was given.
func FuzzReadParams(f *testing.F) {
	f.Add("api_key=abcd1234&api_secret=Secret1234&", []byte(""), "application/x-www-form-urlencoded", "application/json")
	f.Add("", []byte(`{"secret":"NewSecret99"}`), "application/json", "application/xml")
	f.Add("trx=1", []byte("moCallBackUrl=https%3A%2F%2Fx.example%2Fmo&"), "application/json", "")
	f.Add("a+b=1&a%20b=2&a%2Bb=3&&=4&%zz=5&x=%zz&x=6&x", []byte(""), "", "")
	f.Fuzz(func(t *testing.T, query string, body []byte, contentType, accept string) {
		r, err := http.NewRequest("POST", "http://kassa.test/account/settings", strings.NewReader(string(body)))
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept", accept)
		wantsXML(r)
		p, err := readParams(r, 4096)
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		for name, vs := range p.body {
			if got, ok := p.lookup(name); !ok || got != vs[0] {
				t.Fatalf("body %q = %q, lookup gives %q, %v", name, vs[0], got, ok)
			}
		}
		for name, vs := range queryOracle(query) {
			if all := p.query.All(name); !slices.Equal(all, vs) {
				t.Fatalf("query %q = %q, All gives %q", name, vs, all)
			}
			if _, inBody := p.body[name]; inBody {
				continue
			}
			if got, ok := p.lookup(name); !ok || got != vs[0] {
				t.Fatalf("query %q = %q, lookup gives %q, %v", name, vs[0], got, ok)
			}
		}
		for _, name := range []string{"api_key", "a b", "a+b", "%zz", "x"} {
			_, want := queryOracle(query)[name]
			if _, got := p.query.lookup(name); got != want {
				t.Fatalf("query %q: %q present %v, want %v", query, name, got, want)
			}
		}
		credentials(r, p)
	})
}

// queryOracle is the lenient query parse that rawQuery must agree with:
// every pair whose name and value decode, empty names dropped, in order.
func queryOracle(raw string) url.Values {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(name)
		value, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil || name == "" {
			continue
		}
		v.Add(name, value)
	}
	return v
}
