package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// The Subaccounts API (docs/subaccounts.md): /accounts/{api_key}/… with
// Basic auth, the caller's own key in the path, JSON in and out, 200 on
// every success.

// subaccountsRoute registers a Subaccounts API path (and its trailing-'/'
// twin). The caller must be the path's {api_key}: any other key answers
// the same 404 as an unknown one.
func (s *Server) subaccountsRoute(mux *http.ServeMux, path string, m publicMethods) {
	s.list(APIPublic, path, m)
	own := make(publicMethods, len(m))
	for method, h := range m {
		own[method] = func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
			if key := r.PathValue("api_key"); key != c.account.APIKey {
				return app.NoAccess(key)
			}
			return h(w, r, c)
		}
	}
	handler := s.subaccountsAPI(s.authenticated(own, false))
	mux.Handle(path, handler)
	mux.Handle(path+"/{$}", handler)
}

// writeSub answers a Subaccounts API success: 200, application/json.
func writeSub(w http.ResponseWriter, v any) {
	writeJSONType(w, http.StatusOK, contentSubaccounts, v)
}

// listSubaccounts answers GET /accounts/{api_key}/subaccounts: the primary,
// its subaccounts oldest first ([] when none) and the totals.
func (s *Server) listSubaccounts(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	f, err := s.app.Family(r.Context(), c.account.APIKey)
	if err != nil {
		return err
	}
	var body familyList
	body.Links.Self.Href = "/accounts/" + f.Primary.APIKey + "/subaccounts"
	body.TotalBalance, body.TotalCreditLimit = money(f.TotalBalance), money(f.TotalCreditLimit)
	p := f.Primary
	body.Embedded.Primary = primaryJSON{APIKey: p.APIKey, Name: p.Name, Balance: money(p.Balance),
		CreditLimit: money(p.CreditLimit), Suspended: p.Suspended, CreatedAt: subTime(p.CreatedAt)}
	body.Embedded.Subaccounts = mapEach(f.Subaccounts, toSubaccountJSON)
	writeSub(w, body)
	return nil
}

// createSubaccount answers POST /accounts/{api_key}/subaccounts: 200 and
// the subaccount with its secret (generated when none was given; shown
// this once).
func (s *Server) createSubaccount(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	b, err := decodeSubBody(c.params.raw)
	if err != nil {
		return err
	}
	name, _, err := b.str("name")
	if err != nil {
		return err
	}
	secret, _, err := b.str("secret")
	if err != nil {
		return err
	}
	shared, err := b.boolean("use_primary_account_balance")
	if err != nil {
		return err
	}
	created, err := s.app.CreateSubaccount(r.Context(), c.actor(r), c.account.APIKey,
		app.NewSubaccount{Name: name, Secret: secret, SharedBalance: shared})
	if err != nil {
		return err
	}
	body := toSubaccountJSON(created.Account)
	body.Secret = created.Secret
	writeSub(w, body)
	return nil
}

// getSubaccount answers GET /accounts/{api_key}/subaccounts/{subaccount_key}.
func (s *Server) getSubaccount(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	sub, err := s.app.Subaccount(r.Context(), c.account.APIKey, r.PathValue("subaccount_key"))
	if err != nil {
		return err
	}
	writeSub(w, toSubaccountJSON(sub))
	return nil
}

// modifySubaccount answers PATCH /accounts/{api_key}/subaccounts/{subaccount_key}:
// name, suspended and use_primary_account_balance (true to false only);
// an empty body answers the subaccount unchanged.
func (s *Server) modifySubaccount(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	b, err := decodeSubBody(c.params.raw)
	if err != nil {
		return err
	}
	var ch app.SubaccountChange
	if name, ok, err := b.str("name"); err != nil {
		return err
	} else if ok {
		ch.Name = &name
	}
	if ch.Suspended, err = b.boolean("suspended"); err != nil {
		return err
	}
	if ch.SharedBalance, err = b.boolean("use_primary_account_balance"); err != nil {
		return err
	}
	sub, err := s.app.ModifySubaccount(r.Context(), c.actor(r), c.account.APIKey, r.PathValue("subaccount_key"), ch)
	if err != nil {
		return err
	}
	writeSub(w, toSubaccountJSON(sub))
	return nil
}

// transfers returns the handlers of one kind's list and create.
func (s *Server) transfers(kind kassa.TransferKind) publicMethods {
	return publicMethods{
		http.MethodGet: func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
			return s.listTransfers(w, r, c, kind)
		},
		http.MethodPost: func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
			return s.createTransfer(w, r, c, kind)
		},
	}
}

// listTransfers answers GET /accounts/{api_key}/credit-transfers and
// …/balance-transfers: newest first, between start_date (the epoch when
// absent) and end_date (now when absent), both inclusive, for the
// accounts named by subaccount, sub or sub_account (repeatable, or
// comma-separated; any of them matches from or to).
func (s *Server) listTransfers(w http.ResponseWriter, r *http.Request, c *publicCall, kind kassa.TransferKind) error {
	q := app.TransferQuery{Primary: c.account.APIKey, Kind: kind}
	for _, d := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"start_date", &q.Since, false}, {"end_date", &q.Until, true}} {
		text := strings.TrimSpace(c.params.query.Get(d.name))
		if text == "" {
			continue
		}
		t, ok := transferDate(text, d.end)
		if !ok {
			return kassa.FieldError(d.name, "Malformed")
		}
		*d.dst = t
	}
	for _, name := range []string{"subaccount", "sub", "sub_account"} {
		for _, v := range c.params.query.All(name) {
			for k := range strings.SplitSeq(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					q.Accounts = append(q.Accounts, k)
				}
			}
		}
	}
	list, err := s.app.Transfers(r.Context(), q)
	if err != nil {
		return err
	}
	items := mapEach(list, toTransferItem)
	path := transferPath(c.account.APIKey, kind)
	if kind == kassa.TransferCredit {
		var body struct {
			Links    selfLinks `json:"_links"`
			Embedded struct {
				Transfers []transferItem `json:"credit_transfers"`
			} `json:"_embedded"`
		}
		body.Links.Self.Href, body.Embedded.Transfers = path, items
		writeSub(w, body)
		return nil
	}
	var body struct {
		Links    selfLinks `json:"_links"`
		Embedded struct {
			Transfers []transferItem `json:"balance_transfers"`
		} `json:"_embedded"`
	}
	body.Links.Self.Href, body.Embedded.Transfers = path, items
	writeSub(w, body)
	return nil
}

// createTransfer answers POST /accounts/{api_key}/credit-transfers and
// …/balance-transfers: from, to, amount (a JSON number, or a string of
// digits), reference. An Idempotency-Key header makes a retry replay the
// first transfer (200, Idempotency-Replayed: true).
func (s *Server) createTransfer(w http.ResponseWriter, r *http.Request, c *publicCall, kind kassa.TransferKind) error {
	b, err := decodeSubBody(c.params.raw)
	if err != nil {
		return err
	}
	var req app.TransferRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{{"from", &req.From}, {"to", &req.To}} {
		v, ok, err := b.str(f.name)
		if err != nil {
			return err
		}
		if !ok || v == "" {
			return kassa.FieldError(f.name, "Is required")
		}
		*f.dst = v
	}
	if req.Amount, err = b.amount("amount"); err != nil {
		return err
	}
	if req.Reference, _, err = b.str("reference"); err != nil {
		return err
	}
	req.Kind, req.Primary, req.IdempotencyKey = kind, c.account.APIKey, r.Header.Get("Idempotency-Key")
	t, replayed, err := s.app.Transfer(r.Context(), c.actor(r), req)
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotency-Replayed", "true")
	}
	body := transferCreated{Master: t.Primary, transferItem: toTransferItem(t)}
	body.Links.Self.Href = transferPath(t.Primary, kind) + "/" + t.ID
	writeSub(w, body)
	return nil
}

// numberDigits is a number as transfer-number takes it: E.164 digits
// without '+'.
var numberDigits = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)

// countryCode is an ISO 3166-1 alpha-2 code.
var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// transferNumber answers POST /accounts/{api_key}/transfer-number. kassa
// holds no numbers: after the request and the two accounts are checked
// (both in the caller's family: the primary and its subaccounts, in any
// direction), the answer is the real service's 403 for a number the from
// account does not own.
func (s *Server) transferNumber(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	b, err := decodeSubBody(c.params.raw)
	if err != nil {
		return err
	}
	from, _, err := b.str("from")
	if err != nil {
		return err
	}
	to, _, err := b.str("to")
	if err != nil {
		return err
	}
	number := string(b.value("number"))
	if strings.HasPrefix(number, `"`) {
		if number, _, err = b.str("number"); err != nil {
			return err
		}
	}
	number = strings.TrimPrefix(number, "+")
	country, _, err := b.str("country")
	if err != nil {
		return err
	}
	switch {
	case from == "":
		return kassa.FieldError("from", "Is required")
	case to == "":
		return kassa.FieldError("to", "Is required")
	case !numberDigits.MatchString(number):
		return kassa.FieldError("number", "Should be a phone number in E.164 format without a leading +")
	case country != "" && !countryCode.MatchString(country):
		return kassa.FieldError("country", "Should be an ISO 3166-1 alpha-2 country code")
	case from == to:
		return kassa.FieldError("from", "Invalid accounts. From and To accounts should be different")
	}
	if err := s.app.CheckNumberTransfer(r.Context(), c.account.APIKey, from, to); err != nil {
		return err
	}
	return &errNumberNotOwned{number: number, from: from, to: to}
}
