package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Content types written by the API.
const (
	contentJSON      = "application/json;charset=UTF-8"
	contentPlainJSON = "application/json" // the admin and platform APIs' answers
	contentXML       = "application/xml;charset=UTF-8"
	contentProblem   = "application/problem+json"
)

// xmlHeader is the declaration written before every XML answer.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// wantsXML reports whether the Accept header prefers application/xml (or
// text/xml) to application/json. JSON wins ties and is the default. Quality
// values are compared as integer thousandths, as RFC 9110 defines them.
func wantsXML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if !strings.Contains(accept, "xml") {
		return false // the common case: no header, */* or application/json
	}
	xmlQ, jsonQ, anyQ := 0, -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, ps, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1000
		if v, ok := ps["q"]; ok {
			if n, ok := parseQValue(v); ok {
				q = n
			}
		}
		switch mt {
		case "application/xml", "text/xml":
			xmlQ = max(xmlQ, q)
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "*/*", "application/*":
			anyQ = max(anyQ, q)
		}
	}
	if jsonQ < 0 {
		jsonQ = anyQ
	}
	return xmlQ > 0 && xmlQ > jsonQ
}

// parseQValue reads an RFC 9110 quality value ("1", "0.8", "0.125") as
// thousandths (1000, 800, 125). Anything else is not a quality value.
func parseQValue(v string) (int, bool) {
	whole, frac, _ := strings.Cut(v, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < 3; i++ {
		d := byte('0')
		if i < len(frac) {
			d = frac[i]
		}
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}

// writeJSON writes v as JSON with the given status and the public API's
// Content-Type. HTML characters are not escaped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, status, contentJSON, v)
}

// writeJSONType writes v as JSON with the given Content-Type.
func writeJSONType(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	writeBody(w, status, contentType, buf.Bytes())
}

// writeXML writes v as an XML document with a declaration.
func writeXML(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	buf.WriteString(xmlHeader)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf.WriteByte('\n')
	writeBody(w, status, contentXML, buf.Bytes())
}

// writeBody writes a ready body with its Content-Type and Content-Length.
// The header values go straight into the header map (canonical names,
// shared values for the usual content types): Header.Set's work on every
// answer showed in profiles of the hot endpoints.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeValue(contentType)
	h["Content-Length"] = contentLengthValue(len(body))
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(status)
	w.Write(body)
}

// Shared header values (capacity one, so that an append copies; net/http
// copies the map when it writes the header, and nothing modifies them).
var (
	nosniff          = []string{"nosniff"}[:1:1]
	contentJSONValue = []string{contentJSON}[:1:1]
	contentXMLValue  = []string{contentXML}[:1:1]
	problemValue     = []string{contentProblem}[:1:1]
	plainJSONValue   = []string{contentPlainJSON}[:1:1]
)

// smallLengths are the Content-Length values of bodies under 2 KiB, the
// size of most answers, made once.
var smallLengths = func() (v [2048][]string) {
	for n := range v {
		v[n] = []string{strconv.Itoa(n)}[:1:1]
	}
	return v
}()

// contentLengthValue returns the Content-Length header value of n bytes.
func contentLengthValue(n int) []string {
	if n < len(smallLengths) {
		return smallLengths[n]
	}
	return []string{strconv.Itoa(n)}
}

// contentTypeValue returns the Content-Type header value of contentType.
func contentTypeValue(contentType string) []string {
	switch contentType {
	case contentJSON:
		return contentJSONValue
	case contentXML:
		return contentXMLValue
	case contentProblem:
		return problemValue
	case contentPlainJSON:
		return plainJSONValue
	}
	return []string{contentType}
}

// rawNumber is JSON number text written as it is (the balance value, which
// is never converted through a float).
type rawNumber string

// MarshalJSON implements json.Marshaler.
func (n rawNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }
