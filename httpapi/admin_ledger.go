package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// entryJSON is a ledger entry on the admin API.
type entryJSON struct {
	ID             string `json:"id"`
	Account        string `json:"account"`
	Kind           string `json:"kind"`
	Amount         string `json:"amount"`
	BalanceAfter   string `json:"balance_after"`
	Currency       string `json:"currency"`
	Reason         string `json:"reason"`
	Reference      string `json:"reference"`
	IdempotencyKey string `json:"idempotency_key"`
	// Subaccount is the shared-balance subaccount the entry was written
	// for on its primary's ledger; "" otherwise.
	Subaccount string `json:"subaccount"`
	CreatedAt  string `json:"created_at"`
}

func toEntryJSON(e *kassa.Entry, cur kassa.Currency) entryJSON {
	return entryJSON{
		ID:             strconv.FormatInt(e.ID, 10),
		Account:        e.Account,
		Kind:           string(e.Kind),
		Amount:         e.Amount.String(),
		BalanceAfter:   e.BalanceAfter.String(),
		Currency:       string(cur),
		Reason:         e.Reason,
		Reference:      e.Reference,
		IdempotencyKey: e.IdempotencyKey,
		Subaccount:     e.Subaccount,
		CreatedAt:      adminTime(e.CreatedAt),
	}
}

// postingRequest is the body of a credit or a debit.
type postingRequest struct {
	Amount    decimal `json:"amount"`
	Reason    string  `json:"reason"`
	Reference string  `json:"reference"`
}

// adminCredit answers POST /admin/v1/accounts/{api_key}/credits.
func (s *Server) adminCredit(w http.ResponseWriter, r *http.Request) error {
	return s.adminPost(w, r, s.app.Credit)
}

// adminDebit answers POST /admin/v1/accounts/{api_key}/debits.
func (s *Server) adminDebit(w http.ResponseWriter, r *http.Request) error {
	return s.adminPost(w, r, s.app.Debit)
}

// adminPost posts a credit or a debit with the request's Idempotency-Key:
// 201 with the entry, or 200 with the first entry and Idempotency-Replayed
// when the key was already used for the same request.
func (s *Server) adminPost(w http.ResponseWriter, r *http.Request,
	post func(context.Context, app.Actor, app.Posting) (*app.Posted, error)) error {
	var req postingRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	amount, err := amountField("amount", req.Amount, true)
	if err != nil {
		return err
	}
	p, err := post(r.Context(), adminActor(r), app.Posting{
		Account: r.PathValue("api_key"), Amount: amount, Reason: req.Reason, Reference: req.Reference,
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		return err
	}
	writeCreated(w, p.Replayed, toEntryJSON(p.Entry, p.Currency))
	return nil
}

// adminListEntries answers GET /admin/v1/accounts/{api_key}/entries, newest
// first, with keyset paging: next_before is the id to pass as before for the
// next page, present only when the page is full.
func (s *Server) adminListEntries(w http.ResponseWriter, r *http.Request) error {
	acct, err := s.findAccount(r)
	if err != nil {
		return err
	}
	f, err := entryFilter(acct.APIKey, r)
	if err != nil {
		return err
	}
	entries, total, err := s.cfg.Store.ListEntries(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]entryJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, toEntryJSON(e, acct.Currency))
	}
	body := map[string]any{"entries": out, "total": total}
	if len(entries) == f.Limit && len(entries) > 0 {
		body["next_before"] = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	writeAdminJSON(w, http.StatusOK, body)
	return nil
}

// entryFilter reads the entries query: kind (comma-separated), since and
// until (RFC 3339), reference, limit, before.
func entryFilter(account string, r *http.Request) (kassa.EntryFilter, error) {
	q := r.URL.Query()
	f := kassa.EntryFilter{Account: account, Reference: q.Get("reference"), Subaccount: q.Get("subaccount")}
	if kinds := q.Get("kind"); kinds != "" {
		for _, k := range strings.Split(kinds, ",") {
			kind := kassa.EntryKind(strings.TrimSpace(k))
			if !kind.Valid() {
				return f, kassa.FieldError("kind", "kind must be one of %s", strings.Join(sortedKinds(), ", "))
			}
			if !slices.Contains(f.Kinds, kind) {
				f.Kinds = append(f.Kinds, kind)
			}
		}
	}
	var err error
	if f.Since, err = timeParam(q.Get("since"), "since"); err != nil {
		return f, err
	}
	if f.Until, err = timeParam(q.Get("until"), "until"); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(q.Get("limit"), "limit", defaultPageSize, 1, maxPageSize); err != nil {
		return f, err
	}
	if b := q.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 1 {
			return f, kassa.FieldError("before", "before must be an entry id")
		}
	}
	return f, nil
}

// timeParam parses an optional RFC 3339 time between the years 1970 and
// 2200 (stores keep times as int64 nanoseconds).
func timeParam(text, name string) (time.Time, error) {
	if text == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil || t.Year() < 1970 || t.Year() > 2200 {
		return time.Time{}, kassa.FieldError(name, "%s must be an RFC 3339 time between 1970 and 2200, such as 2026-11-26T10:00:00Z", name)
	}
	return t, nil
}

// discrepancyJSON is one account that fails verification.
type discrepancyJSON struct {
	Account    string `json:"account"`
	Balance    string `json:"balance"`
	EntriesSum string `json:"entries_sum"`
	Entries    int64  `json:"entries"`
}

// usageDiscrepancyJSON is one account whose usage rollups differ from its
// entries: each total as the rollups hold it and as the entries give it.
type usageDiscrepancyJSON struct {
	Account         string `json:"account"`
	Count           int64  `json:"count"`
	EntriesCount    int64  `json:"entries_count"`
	Charged         string `json:"charged"`
	EntriesCharged  string `json:"entries_charged"`
	Refunds         int64  `json:"refunds"`
	EntriesRefunds  int64  `json:"entries_refunds"`
	Refunded        string `json:"refunded"`
	EntriesRefunded string `json:"entries_refunded"`
}

// adminVerify answers GET /admin/v1/verify: every account's balance checked
// against the sum of its entries, and the usage rollups against the
// entries they sum.
func (s *Server) adminVerify(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.cfg.Store.Verify(r.Context())
	if err != nil {
		return err
	}
	us, err := s.cfg.Store.VerifyUsage(r.Context())
	if err != nil {
		return err
	}
	_, total, err := s.cfg.Store.ListAccounts(r.Context(), kassa.AccountFilter{Limit: 1})
	if err != nil {
		return err
	}
	out := make([]discrepancyJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, discrepancyJSON{Account: d.Account, Balance: d.Balance.String(), EntriesSum: d.EntriesSum.String(), Entries: d.Entries})
	}
	usage := make([]usageDiscrepancyJSON, 0, len(us))
	for _, u := range us {
		usage = append(usage, usageDiscrepancyJSON{Account: u.Account, Count: u.Count, EntriesCount: u.EntriesCount,
			Charged: u.Charged.String(), EntriesCharged: u.EntriesCharged.String(), Refunds: u.Refunds, EntriesRefunds: u.EntriesRefunds,
			Refunded: u.Refunded.String(), EntriesRefunded: u.EntriesRefunded.String()})
	}
	writeAdminJSON(w, http.StatusOK, map[string]any{"ok": len(ds) == 0 && len(us) == 0, "accounts_checked": total,
		"discrepancies": out, "usage_discrepancies": usage})
	return nil
}
