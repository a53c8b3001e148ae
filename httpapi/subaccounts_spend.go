package httpapi

import (
	"net/http"
)

// A primary's spend controls of its subaccounts (docs/subaccounts.md): a
// kassa extension beside the Subaccounts API, with its auth and errors,
// and the admin API's shape of the controls.

// getSubaccountSpend answers GET
// /accounts/{api_key}/subaccounts/{subaccount_key}/spend-controls.
func (s *Server) getSubaccountSpend(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	v, err := s.app.SubaccountSpendControls(r.Context(), c.account.APIKey, r.PathValue("subaccount_key"))
	if err != nil {
		return err
	}
	writeSub(w, toSpendControlsJSON(v))
	return nil
}

// putSubaccountSpend answers PUT
// /accounts/{api_key}/subaccounts/{subaccount_key}/spend-controls: the
// caps (and, for a subaccount with its own balance, the threshold) given
// are set, null or "" removes one, the others stay.
func (s *Server) putSubaccountSpend(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	var req spendControlsRequest
	if err := decodeStrictBytes(c.params.raw, &req); err != nil {
		return err
	}
	ch, err := req.change()
	if err != nil {
		return err
	}
	v, err := s.app.SetSubaccountSpendControls(r.Context(), c.actor(r), c.account.APIKey, r.PathValue("subaccount_key"), ch)
	if err != nil {
		return err
	}
	writeSub(w, toSpendControlsJSON(v))
	return nil
}
