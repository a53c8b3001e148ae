package httpapi

import (
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// familyJSON is an account tree on the admin API: a primary, its
// subaccounts (oldest first) and the totals the Subaccounts API shows.
type familyJSON struct {
	Primary          accountJSON   `json:"primary"`
	Subaccounts      []accountJSON `json:"subaccounts"`
	TotalBalance     string        `json:"total_balance"`
	TotalCreditLimit string        `json:"total_credit_limit"`
	MaxSubaccounts   int           `json:"max_subaccounts"` // the effective maximum
}

// transferJSON is a transfer on the admin API.
type transferJSON struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Primary   string `json:"primary"`
	From      string `json:"from"`
	To        string `json:"to"`
	Amount    string `json:"amount"`
	Reference string `json:"reference"`
	CreatedAt string `json:"created_at"`
}

func toTransferJSON(t *kassa.Transfer) transferJSON {
	return transferJSON{ID: t.ID, Kind: string(t.Kind), Primary: t.Primary, From: t.From, To: t.To,
		Amount: t.Amount.String(), Reference: t.Reference, CreatedAt: adminTime(t.CreatedAt)}
}

// adminSuspend answers POST /admin/v1/accounts/{api_key}/suspend: 200 and
// the account, suspended.
func (s *Server) adminSuspend(w http.ResponseWriter, r *http.Request) error {
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &struct{}{}); err != nil {
		return err
	}
	acct, err := s.app.Suspend(r.Context(), adminActor(r), r.PathValue("api_key"))
	return writeAccount(w, acct, err)
}

// adminResume answers POST /admin/v1/accounts/{api_key}/resume.
func (s *Server) adminResume(w http.ResponseWriter, r *http.Request) error {
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &struct{}{}); err != nil {
		return err
	}
	acct, err := s.app.Resume(r.Context(), adminActor(r), r.PathValue("api_key"))
	return writeAccount(w, acct, err)
}

// adminPutPrimary answers PUT /admin/v1/accounts/{api_key}/primary: whether
// the account may have subaccounts (enabled, required) and how many
// (max_subaccounts, 0 for the server's default; kept when absent).
func (s *Server) adminPutPrimary(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Enabled        *bool `json:"enabled"`
		MaxSubaccounts *int  `json:"max_subaccounts"`
	}
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Enabled == nil {
		return kassa.FieldError("enabled", "enabled is required")
	}
	acct, err := s.app.SetPrimaryPolicy(r.Context(), adminActor(r), r.PathValue("api_key"),
		app.PrimaryPolicy{Enabled: *req.Enabled, MaxSubaccounts: req.MaxSubaccounts})
	return writeAccount(w, acct, err)
}

// adminGetTree answers GET /admin/v1/accounts/{api_key}/subaccounts: the
// tree the account belongs to (its own, or its primary's when it is a
// subaccount), whether or not the primary may create more.
func (s *Server) adminGetTree(w http.ResponseWriter, r *http.Request) error {
	acct, err := s.findAccount(r)
	if err != nil {
		return err
	}
	if acct.IsSubaccount() {
		if acct, err = s.cfg.Store.FindAccount(r.Context(), acct.Primary); err != nil {
			return err
		}
	}
	subs, err := s.cfg.Store.Subaccounts(r.Context(), acct.APIKey)
	if err != nil {
		return err
	}
	f := app.NewFamily(acct, subs)
	writeAdminJSON(w, http.StatusOK, familyJSON{
		Primary: toAccountJSON(f.Primary), Subaccounts: mapEach(f.Subaccounts, toAccountJSON),
		TotalBalance: f.TotalBalance.String(), TotalCreditLimit: f.TotalCreditLimit.String(),
		MaxSubaccounts: s.app.EffectiveMaxSubaccounts(f.Primary),
	})
	return nil
}

// adminCreateSubaccount answers POST /admin/v1/accounts/{api_key}/subaccounts:
// 201 and the new subaccount, with api_secret when kassa generated it.
func (s *Server) adminCreateSubaccount(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name          string `json:"name"`
		APISecret     string `json:"api_secret"`
		SharedBalance *bool  `json:"use_primary_account_balance"`
	}
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	created, err := s.app.CreateSubaccount(r.Context(), adminActor(r), r.PathValue("api_key"),
		app.NewSubaccount{Name: req.Name, Secret: req.APISecret, SharedBalance: req.SharedBalance})
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

// adminListTransfers answers GET /admin/v1/accounts/{api_key}/transfers:
// the primary's transfers, newest first, filtered by kind (balance or
// credit), since and until (RFC 3339, inclusive) and account (a comma-
// separated list of the accounts a transfer is from or to).
func (s *Server) adminListTransfers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query := app.TransferQuery{Primary: r.PathValue("api_key"), Kind: kassa.TransferKind(q.Get("kind"))}
	if query.Kind != "" && !query.Kind.Valid() {
		return kassa.FieldError("kind", "kind must be balance or credit")
	}
	if a := q.Get("account"); a != "" {
		query.Accounts = strings.Split(a, ",")
	}
	var err error
	if query.Since, err = timeParam(q.Get("since"), "since"); err != nil {
		return err
	}
	if query.Until, err = timeParam(q.Get("until"), "until"); err != nil {
		return err
	}
	list, err := s.app.Transfers(r.Context(), query)
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, map[string]any{"transfers": mapEach(list, toTransferJSON)})
	return nil
}

// adminTransfer answers POST /admin/v1/accounts/{api_key}/transfers: an
// operator moves balance or credit between the primary and one of its
// subaccounts; 201 and the transfer (a replay of its Idempotency-Key: 200).
func (s *Server) adminTransfer(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind      string  `json:"kind"`
		From      string  `json:"from"`
		To        string  `json:"to"`
		Amount    decimal `json:"amount"`
		Reference string  `json:"reference"`
	}
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	kind := kassa.TransferKind(req.Kind)
	if !kind.Valid() {
		return kassa.FieldError("kind", "kind must be balance or credit")
	}
	amount, err := amountField("amount", req.Amount, true)
	if err != nil {
		return err
	}
	t, replayed, err := s.app.Transfer(r.Context(), adminActor(r), app.TransferRequest{
		Kind: kind, Primary: r.PathValue("api_key"), From: req.From, To: req.To, Amount: amount,
		Reference: req.Reference, IdempotencyKey: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		return err
	}
	writeCreated(w, replayed, toTransferJSON(t))
	return nil
}
