package httpapi

import "net/http"

// decodeRateRequest reads the body of POST /platform/v1/rate as
// decodeStrict does, with a fast path for the plain form every client
// sends: the strict encoding/json decoding was about a tenth of the rate
// endpoint's CPU time under load (profile under wrk). The fast path accepts
// only bodies whose meaning is beyond doubt and decodes them to exactly
// what encoding/json would (FuzzRateRequestFastPath); anything else (an
// escape, a non-ASCII byte, another key or another case of one, a value
// that is not a string, an empty body) goes through decodeStrict's
// decoding, with its errors.
func decodeRateRequest(r *http.Request, limit int64) (rateRequest, error) {
	data, err := readBodyLimited(r, limit)
	if err != nil {
		return rateRequest{}, err
	}
	if req, ok := parseRateRequestFast(data); ok {
		return req, nil
	}
	var req rateRequest
	if err := decodeStrictBytes(data, &req); err != nil {
		return rateRequest{}, err
	}
	return req, nil
}

// parseRateRequestFast parses a JSON object whose keys are exactly
// "account", "type" or "to" and whose values are strings of printable
// ASCII without escapes, with JSON whitespace anywhere JSON allows it and
// nothing after the object. ok is false for anything else. The values are
// parts of one copy of the body (one allocation for the three).
func parseRateRequestFast(raw []byte) (req rateRequest, ok bool) {
	data := string(raw)
	i := skipJSONSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return rateRequest{}, false
	}
	i = skipJSONSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return rateRequest{}, skipJSONSpace(data, i+1) == len(data)
	}
	for {
		var key, value string
		if key, i, ok = plainJSONString(data, i); !ok {
			return rateRequest{}, false
		}
		i = skipJSONSpace(data, i)
		if i >= len(data) || data[i] != ':' {
			return rateRequest{}, false
		}
		if value, i, ok = plainJSONString(data, skipJSONSpace(data, i+1)); !ok {
			return rateRequest{}, false
		}
		switch key {
		case "account":
			req.Account = value
		case "type":
			req.Type = value
		case "to":
			req.To = value
		default:
			return rateRequest{}, false
		}
		i = skipJSONSpace(data, i)
		if i >= len(data) {
			return rateRequest{}, false
		}
		switch data[i] {
		case ',':
			i = skipJSONSpace(data, i+1)
		case '}':
			return req, skipJSONSpace(data, i+1) == len(data)
		default:
			return rateRequest{}, false
		}
	}
}

// plainJSONString reads the string starting at data[i] when it holds only
// printable ASCII and no escape; next is the index after its closing quote.
func plainJSONString(data string, i int) (s string, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c > 0x7e:
			return "", 0, false
		}
	}
	return "", 0, false
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON whitespace (space, tab, line feed, carriage return).
func skipJSONSpace(data string, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
