package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// params are the request parameters of the public API: the query string and
// the body merged, the body winning when both hold a name.
type params struct {
	query rawQuery
	body  url.Values
	raw   []byte // the body as received (the Subaccounts API decodes it with its JSON types)
}

// errBodyTooLarge is returned when a request body exceeds the limit.
var errBodyTooLarge = &kassa.Error{Code: kassa.EINVALID, Message: "request body too large", Field: fieldBody}

// fieldBody marks errors about the request body as a whole.
const fieldBody = "body"

// readParams reads the query and the body of r. The body is parsed as JSON
// when its first non-blank byte is '{' and as a form otherwise, whatever the
// Content-Type says (some SDKs mislabel it). The query is parsed leniently
// (bad pairs are dropped, a trailing '&' or a bare '?' is fine); a body that
// cannot be parsed, or one over limit bytes, is an EINVALID error.
func readParams(r *http.Request, limit int64) (params, error) {
	p := params{query: rawQuery(r.URL.RawQuery)}
	if r.Body == nil || r.Body == http.NoBody { // a GET: nothing to read (a nil map reads as empty)
		return p, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return p, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "could not read the request body", Err: err}
	}
	if int64(len(data)) > limit {
		return p, errBodyTooLarge
	}
	p.raw = data
	p.body, err = parseBody(data)
	return p, err
}

// parseBody parses a request body as a JSON object or a form.
func parseBody(data []byte) (url.Values, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return url.Values{}, nil
	}
	if trimmed[0] == '{' {
		return parseJSONParams(trimmed)
	}
	return parseForm(string(trimmed))
}

// parseForm parses a urlencoded form. Empty pairs (a trailing '&') are
// skipped; a pair that does not decode is an EINVALID error. Unlike
// url.ParseQuery it accepts ';' inside values.
func parseForm(raw string) (url.Values, error) {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		name, value, err := unescapePair(pair)
		if err != nil {
			return nil, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "malformed form body", Err: err}
		}
		v.Add(name, value)
	}
	return v, nil
}

// unescapePair splits a "name=value" pair and unescapes both halves; the
// error is the first half's that does not decode.
func unescapePair(pair string) (name, value string, err error) {
	name, value, _ = strings.Cut(pair, "=")
	if name, err = url.QueryUnescape(name); err != nil {
		return "", "", err
	}
	value, err = url.QueryUnescape(value)
	return name, value, err
}

// parseJSONParams reads a flat JSON object: strings, numbers and booleans
// become text, null becomes "". Nested objects and arrays are refused.
func parseJSONParams(data []byte) (url.Values, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "malformed JSON body", Err: err}
	}
	// Token, not More: More is false before a stray '}' or ']', which
	// would let `{"a":1}}` through.
	if _, err := dec.Token(); err != io.EOF {
		return nil, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "malformed JSON body: data after the object"}
	}
	v := url.Values{}
	for name, msg := range raw {
		text, err := jsonScalar(msg)
		if err != nil {
			return nil, &kassa.Error{Code: kassa.EINVALID, Field: name, Message: fmt.Sprintf("%s must be a string, a number or a boolean", name)}
		}
		v.Set(name, text)
	}
	return v, nil
}

// jsonScalar returns the text of a JSON string, number, boolean or null.
func jsonScalar(msg json.RawMessage) (string, error) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 {
		return "", errors.New("empty value")
	}
	switch msg[0] {
	case '"':
		var s string
		err := json.Unmarshal(msg, &s)
		return s, err
	case 'n':
		return "", nil
	case 't', 'f':
		var b bool
		err := json.Unmarshal(msg, &b)
		return strconv.FormatBool(b), err
	case '{', '[':
		return "", errors.New("not a scalar")
	default:
		return string(msg), nil // a number: keep its exact text
	}
}

// rawQuery is a query string, read leniently where a name is looked up:
// pairs that do not decode are skipped, empty pairs (a trailing '&', a bare
// '?') too. Looking up in place costs no map per request; queries are a
// handful of pairs.
type rawQuery string

// lookup returns the value of the first pair named name, and whether there
// is one.
func (q rawQuery) lookup(name string) (string, bool) {
	for rest := string(q); rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if value, ok := matchPair(pair, name); ok {
			return value, true
		}
	}
	return "", false
}

// Get returns the value of the first pair named name, or "".
func (q rawQuery) Get(name string) string {
	v, _ := q.lookup(name)
	return v
}

// All returns the values of every pair named name, in order.
func (q rawQuery) All(name string) []string {
	var values []string
	for pair := range strings.SplitSeq(string(q), "&") {
		if value, ok := matchPair(pair, name); ok {
			values = append(values, value)
		}
	}
	return values
}

// matchPair returns the decoded value of pair if its decoded name is name
// and both halves decode.
func matchPair(pair, name string) (string, bool) {
	if pair == "" {
		return "", false
	}
	rawName, rawValue, _ := strings.Cut(pair, "=")
	if rawName != name || strings.ContainsAny(rawName, "%+") { // a name that needs decoding is rare
		if !strings.ContainsAny(rawName, "%+") {
			return "", false
		}
		decoded, err := url.QueryUnescape(rawName)
		if err != nil || decoded != name {
			return "", false
		}
	}
	value, err := url.QueryUnescape(rawValue)
	return value, err == nil
}

// lookup returns the value of name from the body, else from the query, and
// whether either holds it.
func (p params) lookup(name string) (string, bool) {
	if vs, ok := p.body[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return p.query.lookup(name)
}

// get returns the value of name, or "".
func (p params) get(name string) string {
	v, _ := p.lookup(name)
	return v
}

// lookupAny returns the value of the first of names that is present.
func (p params) lookupAny(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := p.lookup(n); ok {
			return v, true
		}
	}
	return "", false
}

// credentials returns the api key and secret of a public request: the Basic
// header when present, else api_key and api_secret from the body or query.
func credentials(r *http.Request, p params) (key, secret string) {
	if k, s, ok := r.BasicAuth(); ok {
		return k, s
	}
	return p.get("api_key"), p.get("api_secret")
}
