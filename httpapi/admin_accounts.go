package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// accountJSON is an account on the admin API.
type accountJSON struct {
	APIKey      string         `json:"api_key"`
	APISecret   string         `json:"api_secret,omitempty"` // only when kassa generated it
	Currency    string         `json:"currency"`
	Balance     string         `json:"balance"`
	CreditLimit string         `json:"credit_limit"`
	AutoReload  autoReloadJSON `json:"auto_reload"`
	Limits      limitsJSON     `json:"limits"`
	Settings    settingsJSON   `json:"settings"`
	// The account's place in the tree (docs/subaccounts.md).
	Name          string  `json:"name"`
	Primary       *string `json:"primary_account"` // null unless a subaccount
	SharedBalance bool    `json:"use_primary_account_balance"`
	Suspended     bool    `json:"suspended"`
	// Subaccounts: whether a (non-sub)account may have subaccounts, and
	// its own maximum (0: the server's default).
	SubaccountsEnabled bool   `json:"subaccounts_enabled"`
	MaxSubaccounts     int    `json:"max_subaccounts"`
	CreatedAt          string `json:"created_at"`
	// The price plan the account uses and its own one (null: its
	// primary's, else the default plan), on GET of one account only.
	Plan    string  `json:"plan,omitempty"`
	OwnPlan *string `json:"own_plan,omitempty"`
}

type autoReloadJSON struct {
	Enabled   bool   `json:"enabled"`
	Trx       string `json:"trx"`
	Amount    string `json:"amount"`
	Threshold string `json:"threshold"`
	DailyCap  int    `json:"daily_cap"`
}

type limitsJSON struct {
	MaxOutboundRequest int `json:"max_outbound_request"`
	MaxInboundRequest  int `json:"max_inbound_request"`
	MaxCallsPerSecond  int `json:"max_calls_per_second"`
	PricingPerSecond   int `json:"pricing_per_second"`
}

type settingsJSON struct {
	MOCallbackURL     string `json:"mo_callback_url"`
	DRCallbackURL     string `json:"dr_callback_url"`
	HTTPForwardMethod string `json:"http_forward_method"`
}

func toAccountJSON(a *kassa.Account) accountJSON {
	return accountJSON{
		APIKey:      a.APIKey,
		Currency:    string(a.Currency),
		Balance:     a.Balance.String(),
		CreditLimit: a.CreditLimit.String(),
		AutoReload: autoReloadJSON{
			Enabled:   a.AutoReload.Enabled,
			Trx:       a.AutoReload.Trx,
			Amount:    a.AutoReload.Amount.String(),
			Threshold: a.AutoReload.Threshold.String(),
			DailyCap:  a.AutoReload.DailyCap,
		},
		Limits: limitsJSON{
			MaxOutboundRequest: a.Limits.MaxOutboundRequest,
			MaxInboundRequest:  a.Limits.MaxInboundRequest,
			MaxCallsPerSecond:  a.Limits.MaxCallsPerSecond,
			PricingPerSecond:   a.Limits.PricingPerSecond,
		},
		Settings: settingsJSON{
			MOCallbackURL:     a.Settings.MOCallbackURL,
			DRCallbackURL:     a.Settings.DRCallbackURL,
			HTTPForwardMethod: a.Settings.HTTPForwardMethod,
		},
		Name:               a.Name,
		SharedBalance:      a.SharedBalance,
		Suspended:          a.Suspended,
		SubaccountsEnabled: !a.IsSubaccount() && !a.SubaccountsDisabled,
		MaxSubaccounts:     a.MaxSubaccounts,
		Primary:            primaryOf(a),
		CreatedAt:          adminTime(a.CreatedAt),
	}
}

// primaryOf is the primary of a subaccount, nil for any other account.
func primaryOf(a *kassa.Account) *string {
	if !a.IsSubaccount() {
		return nil
	}
	p := a.Primary
	return &p
}

// limitsRequest is a limits object in a request; absent fields keep their
// current (or default) value.
type limitsRequest struct {
	MaxOutboundRequest *int `json:"max_outbound_request"`
	MaxInboundRequest  *int `json:"max_inbound_request"`
	MaxCallsPerSecond  *int `json:"max_calls_per_second"`
	PricingPerSecond   *int `json:"pricing_per_second"`
}

// change returns the limits the request sets.
func (l *limitsRequest) change() app.LimitsChange {
	if l == nil {
		return app.LimitsChange{}
	}
	return app.LimitsChange{MaxOutboundRequest: l.MaxOutboundRequest, MaxInboundRequest: l.MaxInboundRequest,
		MaxCallsPerSecond: l.MaxCallsPerSecond, PricingPerSecond: l.PricingPerSecond}
}

// createAccountRequest is the body of POST /admin/v1/accounts.
type createAccountRequest struct {
	APIKey      string         `json:"api_key"`
	APISecret   string         `json:"api_secret"`
	Currency    string         `json:"currency"`
	Credit      decimal        `json:"credit"`
	CreditLimit decimal        `json:"credit_limit"`
	Limits      *limitsRequest `json:"limits"`
}

// adminCreateAccount answers POST /admin/v1/accounts: a new account with its
// first secret and, when credit is given, an opening credit entry.
func (s *Server) adminCreateAccount(w http.ResponseWriter, r *http.Request) error {
	var req createAccountRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	floor, err := amountField("credit_limit", req.CreditLimit, false)
	if err != nil {
		return err
	}
	credit, err := amountField("credit", req.Credit, false)
	if err != nil {
		return err
	}
	created, err := s.app.CreateAccount(r.Context(), adminActor(r), app.NewAccount{
		APIKey: req.APIKey, Secret: req.APISecret, Currency: kassa.Currency(req.Currency),
		Credit: credit, CreditLimit: floor, Limits: req.Limits.change(),
	})
	if err != nil {
		return err
	}
	body := toAccountJSON(created.Account)
	if created.SecretGenerated {
		body.APISecret = created.Secret
	}
	writeAdminJSON(w, http.StatusCreated, body)
	return nil
}

// adminActor is the operator calling the admin API, for the audit log.
func adminActor(r *http.Request) app.Actor { return app.Operator(r.RemoteAddr) }

// adminGetAccount answers GET /admin/v1/accounts/{api_key}.
func (s *Server) adminGetAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := s.findAccount(r)
	if err != nil {
		return err
	}
	out := toAccountJSON(acct)
	if out.Plan, out.OwnPlan, err = s.accountPlan(r, acct.APIKey); err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, out)
	return nil
}

// findAccount loads the account named by the path.
func (s *Server) findAccount(r *http.Request) (*kassa.Account, error) {
	key := r.PathValue("api_key")
	acct, err := s.cfg.Store.FindAccount(r.Context(), key)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no account %q", key)
	}
	return acct, err
}

// Paging bounds of the admin lists.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// pageParams reads the offset (default 0) and limit (default
// defaultPageSize, at most maxPageSize) of an admin list.
func pageParams(q url.Values) (offset, limit int, err error) {
	offset, err = intParam(q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if err != nil {
		return 0, 0, err
	}
	limit, err = intParam(q.Get("limit"), "limit", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return 0, 0, err
	}
	return offset, limit, nil
}

// adminListAccounts answers GET /admin/v1/accounts?search=&offset=&limit=.
func (s *Server) adminListAccounts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := pageParams(q)
	if err != nil {
		return err
	}
	accts, total, err := s.cfg.Store.ListAccounts(r.Context(), kassa.AccountFilter{Search: q.Get("search"), Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	writePage(w, "accounts", mapEach(accts, toAccountJSON), total, offset, limit)
	return nil
}

// writePage answers one page of an admin list: the items under name, the
// total number that match, and the page's offset and limit.
func writePage[T any](w http.ResponseWriter, name string, items []T, total, offset, limit int) {
	writeAdminJSON(w, http.StatusOK, map[string]any{name: items, "total": total, "offset": offset, "limit": limit})
}

// mapEach returns f of each element of in, in order; never nil, so that an
// empty list is [] in JSON.
func mapEach[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(text, name string, def, lo, hi int) (int, error) {
	if text == "" {
		return def, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < lo || n > hi {
		return 0, kassa.FieldError(name, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// autoReloadRequest is the body of PUT .../auto-reload.
type autoReloadRequest struct {
	Enabled   *bool   `json:"enabled"`
	Trx       string  `json:"trx"`
	Amount    decimal `json:"amount"`
	Threshold decimal `json:"threshold"`
	DailyCap  *int    `json:"daily_cap"`
}

// adminPutAutoReload answers PUT /admin/v1/accounts/{api_key}/auto-reload.
// enabled is required; absent amount, threshold and daily_cap take the
// defaults (50.00, 20.00, 5).
func (s *Server) adminPutAutoReload(w http.ResponseWriter, r *http.Request) error {
	var req autoReloadRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return kassa.FieldError("enabled", "enabled is required")
	}
	ch := app.AutoReloadChange{Enabled: *req.Enabled, Trx: req.Trx, DailyCap: req.DailyCap}
	var err error
	if ch.Amount, err = optionalAmount("amount", req.Amount); err != nil {
		return err
	}
	if ch.Threshold, err = optionalAmount("threshold", req.Threshold); err != nil {
		return err
	}
	acct, err := s.app.SetAutoReload(r.Context(), adminActor(r), r.PathValue("api_key"), ch)
	return writeAccount(w, acct, err)
}

// adminPutLimits answers PUT /admin/v1/accounts/{api_key}/limits. The three
// message and call limits are required; pricing_per_second is optional.
func (s *Server) adminPutLimits(w http.ResponseWriter, r *http.Request) error {
	var req limitsRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	required := []struct {
		name string
		v    *int
	}{{"max_outbound_request", req.MaxOutboundRequest}, {"max_inbound_request", req.MaxInboundRequest}, {"max_calls_per_second", req.MaxCallsPerSecond}}
	for _, f := range required {
		if f.v == nil {
			return kassa.FieldError(f.name, "%s is required", f.name)
		}
	}
	acct, err := s.app.SetLimits(r.Context(), adminActor(r), r.PathValue("api_key"), req.change())
	return writeAccount(w, acct, err)
}

// adminPutCreditLimit answers PUT /admin/v1/accounts/{api_key}/credit-limit.
func (s *Server) adminPutCreditLimit(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		CreditLimit decimal `json:"credit_limit"`
	}
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	floor, err := amountField("credit_limit", req.CreditLimit, true)
	if err != nil {
		return err
	}
	acct, err := s.app.SetCreditLimit(r.Context(), adminActor(r), r.PathValue("api_key"), floor)
	return writeAccount(w, acct, err)
}

// writeAccount answers an account change: the account, or err.
func writeAccount(w http.ResponseWriter, acct *kassa.Account, err error) error {
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toAccountJSON(acct))
	return nil
}
