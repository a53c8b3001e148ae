package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
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
	CreatedAt   string         `json:"created_at"`
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
		CreatedAt: adminTime(a.CreatedAt),
	}
}

// limitsRequest is a limits object in a request; absent fields keep their
// current (or default) value.
type limitsRequest struct {
	MaxOutboundRequest *int `json:"max_outbound_request"`
	MaxInboundRequest  *int `json:"max_inbound_request"`
	MaxCallsPerSecond  *int `json:"max_calls_per_second"`
	PricingPerSecond   *int `json:"pricing_per_second"`
}

// apply returns base with the request's fields set, each checked positive.
func (l *limitsRequest) apply(base kassa.Limits) (kassa.Limits, error) {
	if l == nil {
		return base, nil
	}
	fields := []struct {
		name string
		v    *int
		dst  *int
	}{
		{"max_outbound_request", l.MaxOutboundRequest, &base.MaxOutboundRequest},
		{"max_inbound_request", l.MaxInboundRequest, &base.MaxInboundRequest},
		{"max_calls_per_second", l.MaxCallsPerSecond, &base.MaxCallsPerSecond},
		{"pricing_per_second", l.PricingPerSecond, &base.PricingPerSecond},
	}
	for _, f := range fields {
		if f.v == nil {
			continue
		}
		if *f.v < 1 || *f.v > 1_000_000 {
			return base, kassa.FieldError(f.name, "%s must be between 1 and 1000000", f.name)
		}
		*f.dst = *f.v
	}
	return base, nil
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

// maxKeyAttempts bounds the retries of a generated api key that collides.
const maxKeyAttempts = 5

// adminCreateAccount answers POST /admin/v1/accounts: a new account with its
// first secret and, when credit is given, an opening credit entry.
func (s *Server) adminCreateAccount(w http.ResponseWriter, r *http.Request) error {
	var req createAccountRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	acct, secret, generated, err := s.newAccount(req)
	if err != nil {
		return err
	}
	credit, err := amountField("credit", req.Credit, false)
	if err != nil {
		return err
	}
	if credit < 0 {
		return kassa.FieldError("credit", "credit must not be negative")
	}
	for attempt := 1; ; attempt++ {
		err = s.storeAccount(r, acct, secret, credit)
		if kassa.ErrorCode(err) != kassa.ECONFLICT || req.APIKey != "" || attempt == maxKeyAttempts {
			break
		}
		acct.APIKey = auth.GenerateAPIKey()
	}
	if err != nil {
		return err
	}
	created, err := s.cfg.Store.FindAccount(r.Context(), acct.APIKey)
	if err != nil {
		return err
	}
	s.audit(r, "admin", acct.APIKey, "account.create", `{"credit":"`+credit.String()+`"}`)
	body := toAccountJSON(created)
	if generated {
		body.APISecret = secret
	}
	writeAdminJSON(w, http.StatusCreated, body)
	return nil
}

// newAccount validates a create request and builds the account, its plain
// secret, and whether kassa generated that secret.
func (s *Server) newAccount(req createAccountRequest) (*kassa.Account, string, bool, error) {
	key := req.APIKey
	if key == "" {
		key = auth.GenerateAPIKey()
	} else if !kassa.ValidAPIKey(key) {
		return nil, "", false, kassa.FieldError("api_key", "api_key must be 4 to 64 letters, digits, '-' or '_'")
	}
	secret, generated := req.APISecret, false
	if secret == "" {
		secret, generated = auth.GenerateSecret(), true
	} else if err := kassa.ValidateSecret(secret); err != nil {
		return nil, "", false, kassa.FieldError("api_secret", "%s", kassa.ErrorMessage(err))
	}
	cur := kassa.Currency(req.Currency)
	if cur == "" {
		cur = kassa.EUR
	}
	if !cur.Valid() {
		return nil, "", false, kassa.FieldError("currency", "currency must be EUR or USD")
	}
	floor, err := amountField("credit_limit", req.CreditLimit, false)
	if err != nil {
		return nil, "", false, err
	}
	if floor > 0 {
		return nil, "", false, kassa.FieldError("credit_limit", "credit_limit must be zero or negative")
	}
	limits, err := req.Limits.apply(kassa.DefaultLimits)
	if err != nil {
		return nil, "", false, err
	}
	return &kassa.Account{
		APIKey:      key,
		Currency:    cur,
		CreditLimit: floor,
		Limits:      limits,
		AutoReload: kassa.AutoReload{
			Amount:    kassa.DefaultReloadAmount,
			Threshold: kassa.DefaultReloadThreshold,
			DailyCap:  kassa.DefaultReloadDailyCap,
		},
	}, secret, generated, nil
}

// storeAccount writes the account, its first secret and its opening credit.
func (s *Server) storeAccount(r *http.Request, acct *kassa.Account, secret string, credit kassa.Amount) error {
	sec, err := s.cfg.Hasher.NewSecret(acct.APIKey, secret, s.now())
	if err != nil {
		return err
	}
	var opening *kassa.Entry
	if credit > 0 {
		opening = &kassa.Entry{Account: acct.APIKey, Kind: kassa.KindCredit, Amount: credit, Reason: "opening credit"}
	}
	// Through the ledger, so that its observers (metrics) see the opening
	// credit like every other entry.
	return s.cfg.Ledger.OpenAccount(r.Context(), s.cfg.Store, acct, sec, opening)
}

// adminGetAccount answers GET /admin/v1/accounts/{api_key}.
func (s *Server) adminGetAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := s.findAccount(r)
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toAccountJSON(acct))
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
// Absent amount, threshold and daily_cap take the defaults (50.00, 20.00, 5).
func (s *Server) adminPutAutoReload(w http.ResponseWriter, r *http.Request) error {
	var req autoReloadRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	ar, err := req.autoReload()
	if err != nil {
		return err
	}
	return s.adminUpdate(w, r, "auto_reload.update", kassa.AccountUpdate{AutoReload: &ar})
}

func (req *autoReloadRequest) autoReload() (kassa.AutoReload, error) {
	if req.Enabled == nil {
		return kassa.AutoReload{}, kassa.FieldError("enabled", "enabled is required")
	}
	ar := kassa.AutoReload{Enabled: *req.Enabled, Trx: req.Trx, Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: kassa.DefaultReloadDailyCap}
	if len(ar.Trx) > 255 {
		return ar, kassa.FieldError("trx", "trx must be at most 255 characters")
	}
	if ar.Enabled && ar.Trx == "" {
		return ar, kassa.FieldError("trx", "trx is required when auto-reload is enabled")
	}
	var err error
	if req.Amount.set {
		if ar.Amount, err = amountField("amount", req.Amount, true); err != nil {
			return ar, err
		}
	}
	if req.Threshold.set {
		if ar.Threshold, err = amountField("threshold", req.Threshold, true); err != nil {
			return ar, err
		}
	}
	if ar.Amount <= 0 {
		return ar, kassa.FieldError("amount", "amount must be positive")
	}
	if ar.Threshold < 0 {
		return ar, kassa.FieldError("threshold", "threshold must not be negative")
	}
	if req.DailyCap != nil {
		if *req.DailyCap < 0 || *req.DailyCap > 1000 {
			return ar, kassa.FieldError("daily_cap", "daily_cap must be from 0 to 1000")
		}
		ar.DailyCap = *req.DailyCap
	}
	return ar, nil
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
	acct, err := s.findAccount(r)
	if err != nil {
		return err
	}
	limits, err := req.apply(acct.Limits)
	if err != nil {
		return err
	}
	return s.adminUpdate(w, r, "limits.update", kassa.AccountUpdate{Limits: &limits})
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
	if floor > 0 {
		return kassa.FieldError("credit_limit", "credit_limit must be zero or negative")
	}
	return s.adminUpdate(w, r, "credit_limit.update", kassa.AccountUpdate{CreditLimit: &floor})
}

// adminUpdate applies upd to the path's account, audits it and answers the
// account.
func (s *Server) adminUpdate(w http.ResponseWriter, r *http.Request, action string, upd kassa.AccountUpdate) error {
	key := r.PathValue("api_key")
	acct, err := s.cfg.Store.UpdateAccount(r.Context(), key, upd)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return kassa.Errorf(kassa.ENOTFOUND, "no account %q", key)
	}
	if err != nil {
		return err
	}
	if s.auth != nil {
		// The pricing endpoints use the account cached with a verified
		// secret (auth.AuthenticateCachedFrom): make them read the new
		// limits at once.
		s.auth.Invalidate(key)
	}
	detail, _ := json.Marshal(toAccountJSON(acct))
	s.audit(r, "admin", key, action, string(detail))
	writeAdminJSON(w, http.StatusOK, toAccountJSON(acct))
	return nil
}
