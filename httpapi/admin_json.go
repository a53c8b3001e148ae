package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// decodeStrict reads a JSON object from the request body into v: at most
// limit bytes, no unknown fields, nothing after the object. An empty body
// is an empty object.
func decodeStrict(r *http.Request, limit int64, v any) error {
	data, err := readBodyLimited(r, limit)
	if err != nil {
		return err
	}
	return decodeStrictBytes(data, v)
}

// readBodyLimited reads the whole request body, at most limit bytes.
// eagerBodyBytes bounds the buffer readBodyLimited allocates before the
// body arrives: a larger declared length is read as it comes, so that a
// client cannot make the server reserve the whole limit by announcing it.
const eagerBodyBytes = 64 << 10

func readBodyLimited(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= min(limit, eagerBodyBytes) && r.Body != nil {
		// The usual case: a small body of known length, read into one
		// buffer of that size (net/http's body reader stops at it).
		data := make([]byte, n)
		if _, err := io.ReadFull(r.Body, data); err != nil {
			return nil, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "could not read the request body", Err: err}
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "could not read the request body", Err: err}
	}
	if int64(len(data)) > limit {
		return nil, errBodyTooLarge
	}
	return data, nil
}

// decodeStrictBytes is decodeStrict on a body already read.
func decodeStrictBytes(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "malformed JSON: data after the object"}
	}
	return nil
}

// jsonError turns a decoding error into a caller-safe EINVALID error.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errNotDecimal):
		return &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "amounts must be decimal strings such as \"5.00\""}
	case errors.As(err, &te):
		return kassa.FieldError(te.Field, "%s must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return kassa.FieldError(name, "unknown field %q", name)
	}
	return &kassa.Error{Code: kassa.EINVALID, Field: fieldBody, Message: "malformed JSON body", Err: err}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64":
		return "integer"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	}
	return k
}

// decimal is an amount in a request: decimal text, as a JSON string or a
// JSON number (kept as its text, never read through a float). amountField
// parses it.
type decimal struct {
	set  bool
	text string
}

// errNotDecimal is returned for a JSON value that is neither a string nor a
// number where an amount is expected.
var errNotDecimal = errors.New("not a decimal")

// UnmarshalJSON implements json.Unmarshaler.
func (d *decimal) UnmarshalJSON(b []byte) error {
	text := string(bytes.TrimSpace(b))
	switch {
	case text == "null":
		*d = decimal{}
		return nil
	case strings.HasPrefix(text, `"`):
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
	case text == "" || text[0] == '{' || text[0] == '[' || text[0] == 't' || text[0] == 'f':
		return errNotDecimal
	}
	*d = decimal{set: true, text: text}
	return nil
}

// amountField parses a decimal, naming field in errors.
func amountField(field string, d decimal, required bool) (kassa.Amount, error) {
	if !d.set {
		if required {
			return 0, kassa.FieldError(field, "%s is required", field)
		}
		return 0, nil
	}
	a, err := kassa.ParseAmount(d.text)
	if err != nil {
		return 0, kassa.FieldError(field, "%s must be a decimal amount such as \"5.00\"", field)
	}
	return a, nil
}

// optionalAmount parses a decimal that may be absent (nil).
func optionalAmount(field string, d decimal) (*kassa.Amount, error) {
	if !d.set {
		return nil, nil
	}
	a, err := amountField(field, d, true)
	return &a, err
}

// adminTime formats timestamps on the admin API.
func adminTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeAdminJSON writes an admin API answer.
func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, status, "application/json", v)
}
