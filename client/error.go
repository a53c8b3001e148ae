package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// Error is an error answer from the server, in any of the shapes kassa's
// surfaces use: the legacy Account API body ({"error-code", "error-code-label"}),
// RFC 7807 problem details (secrets, admin and platform APIs) and the pricing
// API's {"type": "BAD_REQUEST", "error_title", "invalid_parameters"}.
type Error struct {
	Method string // the request's method
	Path   string // the request's path
	Status int    // HTTP status

	// Code is the legacy "error-code" ("401", "420") when the body has one,
	// else the last segment of the problem type ("insufficient-funds",
	// "delete-last-secret"), else the pricing error's type ("BAD_REQUEST").
	Code string
	// Label is the legacy "error-code-label" ("authentication failed").
	Label string
	// Title is the problem's title (or the pricing error's error_title).
	Title string
	// Detail is the problem's detail.
	Detail string
	// Type is the problem type URI, or the pricing error's type.
	Type string
	// Instance is the problem instance (a trace id).
	Instance string
	// InvalidParams lists the parameters the server rejected.
	InvalidParams []InvalidParam
	// Retryable reports whether the same request may succeed later
	// (429, 502, 503, 504).
	Retryable bool
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// SpendCap tells, for a charge or hold refused by a spend cap
	// (KassaCode kassa.ESPENDCAP), which cap refused it; nil otherwise.
	SpendCap *SpendCap
}

// SpendCap is the cap that refused a charge or hold: the account whose cap
// it is (a shared-balance subaccount's primary has caps of its own), the
// cap ("daily" or "monthly"), its limit, what was spent in its period, the
// refused amount and when the cap resets.
type SpendCap struct {
	Account  string
	Cap      string
	Limit    kassa.Amount
	Spent    kassa.Amount
	Amount   kassa.Amount
	Currency string
	ResetsAt time.Time
}

// InvalidParam is one rejected request parameter.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if msg := e.Message(); msg != "" {
		b.WriteString(" ")
		b.WriteString(msg)
	}
	return b.String()
}

// Message is the server's explanation in one line, without the request.
func (e *Error) Message() string {
	var parts []string
	for _, s := range []string{e.Label, e.Title, e.Detail} {
		if s != "" && !contains(parts, s) {
			parts = append(parts, s)
		}
	}
	for _, p := range e.InvalidParams {
		if !strings.Contains(e.Detail, p.Reason) {
			parts = append(parts, p.Name+": "+p.Reason)
		}
	}
	if len(parts) == 0 {
		return http.StatusText(e.Status)
	}
	return strings.Join(parts, ": ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// problemCodes maps problem-type segments that are not kassa codes (the
// Vonage secrets and pricing errors) onto kassa codes.
var problemCodes = map[string]string{
	"unauthorized":            kassa.EUNAUTHORIZED,
	"unathorized":             kassa.EUNAUTHORIZED, // sic, as Vonage spells it
	"validation":              kassa.EINVALID,
	"bad_request":             kassa.EINVALID,
	"add_excess_secret":       kassa.ELIMIT,
	"maximum_secrets_allowed": kassa.ELIMIT,
	"delete_last_secret":      kassa.EFORBIDDEN,
	"invalid_api_key":         kassa.ENOTFOUND,
	"invalid_id":              kassa.ENOTFOUND,
	"low_balance":             kassa.EINSUFFICIENT,
	// The Subaccounts API's (valid_transfers is forbidden, or insufficient
	// funds when its title says the amount is invalid: see KassaCode).
	"unprovisioned":           kassa.EFORBIDDEN,
	"provisioning":            kassa.ELIMIT,
	"valid_transfers":         kassa.EFORBIDDEN,
	"invalid_number_transfer": kassa.EFORBIDDEN,
}

// kassaCodes are the codes kassa itself uses, in their snake_case form.
var kassaCodes = map[string]bool{
	kassa.EINVALID: true, kassa.ENOTFOUND: true, kassa.ECONFLICT: true,
	kassa.EUNAUTHORIZED: true, kassa.EFORBIDDEN: true, kassa.ELIMIT: true,
	kassa.EINSUFFICIENT: true, kassa.EIDEMPOTENCY: true, kassa.ERATELIMITED: true,
	kassa.EUNAVAILABLE: true, kassa.EPAYMENTDECLINED: true, kassa.EINTERNAL: true,
	kassa.ENOTIMPLEMENTED: true, kassa.ECALLBACKREJECTED: true, kassa.ESUSPENDED: true,
	kassa.ESPENDCAP: true,
}

// KassaCode maps the error onto one of the kassa error codes (kassa.ENOTFOUND,
// kassa.EINSUFFICIENT, …): from the problem type when it names one, from the
// legacy answer where it is specific ("not auto-reload enabled" is a
// conflict, a 420 a declined payment, or on /account/settings a rejected
// callback URL), else from the HTTP status.
func (e *Error) KassaCode() string {
	seg := strings.ToLower(strings.ReplaceAll(e.Code, "-", "_"))
	if kassaCodes[seg] {
		return seg
	}
	if seg == "valid_transfers" && e.Title == "Transfer amount is invalid" {
		return kassa.EINSUFFICIENT
	}
	if c, ok := problemCodes[seg]; ok {
		return c
	}
	if strings.EqualFold(e.Label, "not auto-reload enabled") {
		return kassa.ECONFLICT
	}
	if e.Code == "420" {
		if strings.HasSuffix(strings.TrimRight(e.Path, "/"), "/account/settings") {
			return kassa.ECALLBACKREJECTED // a callback URL failed its live check
		}
		return kassa.EPAYMENTDECLINED
	}
	return statusCode(e.Status)
}

// statusCode is the kassa code an HTTP status means when nothing more
// specific is known.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return kassa.EINVALID
	case http.StatusUnauthorized:
		return kassa.EUNAUTHORIZED
	case http.StatusPaymentRequired:
		return kassa.EINSUFFICIENT
	case http.StatusForbidden:
		return kassa.EFORBIDDEN
	case http.StatusNotFound:
		return kassa.ENOTFOUND
	case http.StatusConflict:
		return kassa.ECONFLICT
	case http.StatusTooManyRequests:
		return kassa.ERATELIMITED
	case http.StatusNotImplemented:
		return kassa.ENOTIMPLEMENTED
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return kassa.EUNAVAILABLE
	}
	return kassa.EINTERNAL
}

// errorBody is the union of the error shapes kassa's surfaces send.
type errorBody struct {
	ErrorCode         json.RawMessage `json:"error-code"`
	ErrorCodeLabel    string          `json:"error-code-label"`
	Type              string          `json:"type"`
	Title             string          `json:"title"`
	ErrorTitle        string          `json:"error_title"`
	Detail            string          `json:"detail"`
	Instance          string          `json:"instance"`
	InvalidParams     []InvalidParam  `json:"invalid_params"`
	InvalidParameters json.RawMessage `json:"invalid_parameters"`
	// The members of a spend-cap-reached problem.
	Account  string `json:"account"`
	Cap      string `json:"cap"`
	Limit    string `json:"limit"`
	Spent    string `json:"spent"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	ResetsAt string `json:"resets_at"`
}

// spendCap reads the members of a spend-cap-reached problem, nil when the
// body has none.
func (b *errorBody) spendCap() *SpendCap {
	if b.Cap == "" {
		return nil
	}
	c := &SpendCap{Account: b.Account, Cap: b.Cap, Currency: b.Currency}
	c.Limit, _ = kassa.ParseAmount(b.Limit)
	c.Spent, _ = kassa.ParseAmount(b.Spent)
	c.Amount, _ = kassa.ParseAmount(b.Amount)
	c.ResetsAt, _ = time.Parse(time.RFC3339, b.ResetsAt)
	return c
}

// parseError builds the *Error of a non-2xx answer. A body that is not one
// of the known shapes leaves only the status (and the raw text as Detail,
// when it is short and printable).
func parseError(method, path string, hr *http.Response, body []byte) *Error {
	e := &Error{Method: method, Path: path, Status: hr.StatusCode}
	switch hr.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.Retryable = true
	}
	e.RetryAfter = parseRetryAfter(hr.Header.Get("Retry-After"), time.Now())
	var b errorBody
	if len(body) == 0 || json.Unmarshal(body, &b) != nil {
		e.Detail = shortText(body)
		return e
	}
	e.Code = legacyCode(b.ErrorCode)
	e.Label = b.ErrorCodeLabel
	e.Type = b.Type
	e.Title = b.Title
	if e.Title == "" {
		e.Title = b.ErrorTitle
	}
	e.Detail = b.Detail
	e.Instance = b.Instance
	e.InvalidParams = append(b.InvalidParams, invalidParameters(b.InvalidParameters)...)
	if e.Code == "" && e.Type != "" {
		e.Code = typeSegment(e.Type)
	}
	if e.KassaCode() == kassa.ESPENDCAP {
		e.SpendCap = b.spendCap()
	}
	return e
}

// legacyCode reads "error-code", a string ("401") or, leniently, a number.
func legacyCode(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// typeSegment is the last segment of a problem type: after the last '#' or
// '/' ("…/problems/not-found" → "not-found", "…#invalid-id" → "invalid-id").
func typeSegment(t string) string {
	t = strings.TrimRight(t, "/")
	if i := strings.LastIndexAny(t, "#/"); i >= 0 {
		return t[i+1:]
	}
	return t
}

// invalidParameters reads the pricing errors' invalid_parameters: either
// {"parameter": "country", "message": "Is required"} or a map from name to
// message ({"trx": "Is required."}).
func invalidParameters(raw json.RawMessage) []InvalidParam {
	if len(raw) == 0 {
		return nil
	}
	var one struct{ Parameter, Message string }
	if json.Unmarshal(raw, &one) == nil && one.Parameter != "" {
		return []InvalidParam{{Name: one.Parameter, Reason: one.Message}}
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) == nil {
		out := make([]InvalidParam, 0, len(m))
		for k, v := range m {
			out = append(out, InvalidParam{Name: k, Reason: v})
		}
		slices.SortFunc(out, func(a, b InvalidParam) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	var list []InvalidParam
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return nil
}

// shortText returns body as text when it is short, valid UTF-8 without
// control characters; else "".
func shortText(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) == 0 || len(s) > 200 || !isPrintable(s) {
		return ""
	}
	return s
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || (r < ' ' && r != '\t') {
			return false
		}
	}
	return true
}
