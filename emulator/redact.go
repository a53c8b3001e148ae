package emulator

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Redacted replaces every credential the journal would otherwise show.
const Redacted = "REDACTED"

// minSecretLen is the shortest credential value that the journal also
// hunts for outside its field (a shorter one would blank out unrelated
// text; real secrets and tokens are longer).
const minSecretLen = 6

// sensitiveName reports whether a parameter or JSON key carries a
// credential: api_secret, secret, newSecret, password, any token.
func sensitiveName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "secret") || strings.Contains(n, "password") || strings.Contains(n, "token")
}

// redactor collects the credentials of one request and removes them from
// its text.
type redactor struct {
	secrets []string
}

// keep remembers a credential value to hunt for everywhere.
func (rd *redactor) keep(v string) {
	if len(v) >= minSecretLen {
		rd.secrets = append(rd.secrets, v)
	}
}

// pairs redacts the values of sensitive names in a query string or a
// form body, keeping every other byte as sent, and returns the parsed
// pairs (first value of each name).
func (rd *redactor) pairs(raw string) (string, url.Values) {
	vals := url.Values{}
	if raw == "" {
		return raw, vals
	}
	parts := strings.Split(raw, "&")
	for i, pair := range parts {
		rawName, rawValue, hasValue := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			value = rawValue
		}
		if name != "" {
			vals.Add(name, value)
		}
		if sensitiveName(name) && hasValue && rawValue != "" {
			rd.keep(value)
			parts[i] = rawName + "=" + Redacted
		}
	}
	return strings.Join(parts, "&"), vals
}

// jsonBody redacts the values of sensitive keys of a JSON body, keeping
// the text as sent where it can (each secret's literal replaced in place);
// when a secret is written with unusual escapes it re-encodes the
// document instead, so that no secret is ever left. It returns the
// top-level string fields (for the credentials style).
func (rd *redactor) jsonBody(raw []byte) (string, map[string]string) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		text, _ := rd.pairs(string(raw)) // not JSON after all: read it as a form
		return text, nil
	}
	top := map[string]string{}
	if m, ok := doc.(map[string]any); ok {
		for k, v := range m {
			if s, ok := v.(string); ok {
				top[k] = s
			}
		}
	}
	var found []string
	other := redactJSON(doc, &found)
	if len(found) == 0 && !other {
		return string(raw), top
	}
	text := string(raw)
	for _, s := range found {
		rd.keep(s)
		text = strings.ReplaceAll(text, jsonLiteral(s), `"`+Redacted+`"`)
	}
	if other || !redactedJSON(text) {
		out, _ := json.Marshal(doc) // doc's secrets are Redacted by now
		text = string(out)
	}
	return text, top
}

// redactJSON replaces, in place, the value of every sensitive key at any
// depth with Redacted, collecting the string values it replaced; other
// reports a replaced value that was not a string (a number, an object),
// which only re-encoding removes from the text.
func redactJSON(v any, found *[]string) (other bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if sensitiveName(k) {
				if s, ok := item.(string); ok {
					*found = append(*found, s)
				} else if item != nil {
					other = true
				}
				v[k] = Redacted
				continue
			}
			other = redactJSON(item, found) || other
		}
	case []any:
		for _, item := range v {
			other = redactJSON(item, found) || other
		}
	}
	return other
}

// redactedJSON reports whether text is JSON in which every sensitive key
// holds Redacted.
func redactedJSON(text string) bool {
	var doc any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return false
	}
	var found []string
	if redactJSON(doc, &found) {
		return false
	}
	for _, s := range found {
		if s != Redacted {
			return false
		}
	}
	return true
}

// jsonLiteral is s as a JSON string literal, written as most encoders
// write it (no HTML escaping).
func jsonLiteral(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// scrub replaces every remembered credential in text, as written and in
// its URL-escaped forms.
func (rd *redactor) scrub(text string) string {
	for _, s := range rd.secrets {
		if text == "" {
			break
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			text = strings.ReplaceAll(text, form, Redacted)
		}
	}
	return text
}
