package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// controlField is one spend control in a request: absent (keep it), null or
// "" (remove it), or an amount as a JSON string or number.
type controlField struct {
	present bool
	remove  bool
	text    string
}

// UnmarshalJSON implements json.Unmarshaler; it is called only for a field
// that is present.
func (c *controlField) UnmarshalJSON(b []byte) error {
	text := string(bytes.TrimSpace(b))
	c.present = true
	switch {
	case text == "null":
		c.remove = true
		return nil
	case strings.HasPrefix(text, `"`):
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			c.remove = true
			return nil
		}
	case text == "" || text[0] == '{' || text[0] == '[' || text[0] == 't' || text[0] == 'f':
		return errNotDecimal
	}
	c.text = text
	return nil
}

// change returns the field's change, nil when it is absent.
func (c controlField) change(field string) (*app.ControlChange, error) {
	switch {
	case !c.present:
		return nil, nil
	case c.remove:
		return &app.ControlChange{Remove: true}, nil
	}
	a, err := kassa.ParseAmount(c.text)
	if err != nil {
		return nil, kassa.FieldError(field, "%s must be a decimal amount such as \"5.00\", or null (or \"\") to remove it", field)
	}
	return &app.ControlChange{Value: a}, nil
}

// spendControlsRequest is the body of PUT …/spend-controls.
type spendControlsRequest struct {
	LowBalanceThreshold controlField `json:"low_balance_threshold"`
	DailyCap            controlField `json:"daily_cap"`
	MonthlyCap          controlField `json:"monthly_cap"`
}

// change returns the request's change.
func (r *spendControlsRequest) change() (app.SpendControlsChange, error) {
	var ch app.SpendControlsChange
	var errs [3]error
	ch.LowBalanceThreshold, errs[0] = r.LowBalanceThreshold.change("low_balance_threshold")
	ch.DailyCap, errs[1] = r.DailyCap.change("daily_cap")
	ch.MonthlyCap, errs[2] = r.MonthlyCap.change("monthly_cap")
	for _, err := range errs {
		if err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// spendControlsJSON is an account's spend controls on the admin API.
type spendControlsJSON struct {
	Account             string  `json:"account"`
	Currency            string  `json:"currency"`
	LowBalanceThreshold *string `json:"low_balance_threshold"`
	DailyCap            *string `json:"daily_cap"`
	MonthlyCap          *string `json:"monthly_cap"`
	LowBalanceAlerted   bool    `json:"low_balance_alerted"`
	// SpentToday and SpentThisMonth are counted while a cap is set (null
	// otherwise).
	SpentToday     *string `json:"spent_today"`
	SpentThisMonth *string `json:"spent_this_month"`
	DayResetsAt    string  `json:"day_resets_at"`
	MonthResetsAt  string  `json:"month_resets_at"`
}

func toSpendControlsJSON(v *app.SpendView) spendControlsJSON {
	out := spendControlsJSON{
		Account: v.Account, Currency: string(v.Currency),
		LowBalanceThreshold: amountText(v.LowBalanceThreshold), DailyCap: amountText(v.DailyCap), MonthlyCap: amountText(v.MonthlyCap),
		LowBalanceAlerted: v.LowBalanceAlerted,
		DayResetsAt:       adminTime(v.DayResetsAt), MonthResetsAt: adminTime(v.MonthResetsAt),
	}
	if v.HasCaps() {
		out.SpentToday, out.SpentThisMonth = amountText(&v.SpentToday), amountText(&v.SpentThisMonth)
	}
	return out
}

// amountText is an amount's 8-decimal text, nil for none.
func amountText(a *kassa.Amount) *string {
	if a == nil {
		return nil
	}
	s := a.String()
	return &s
}

// adminGetSpendControls answers GET /admin/v1/accounts/{api_key}/spend-controls.
func (s *Server) adminGetSpendControls(w http.ResponseWriter, r *http.Request) error {
	v, err := s.app.SpendControls(r.Context(), r.PathValue("api_key"))
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toSpendControlsJSON(v))
	return nil
}

// adminPutSpendControls answers PUT /admin/v1/accounts/{api_key}/spend-controls:
// each control given is set, or removed with null or ""; the others stay.
func (s *Server) adminPutSpendControls(w http.ResponseWriter, r *http.Request) error {
	var req spendControlsRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	ch, err := req.change()
	if err != nil {
		return err
	}
	v, err := s.app.SetSpendControls(r.Context(), adminActor(r), r.PathValue("api_key"), ch)
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toSpendControlsJSON(v))
	return nil
}

// capProblem adds a spend cap refusal's cap, limit, spending and reset
// time to its problem body.
func capProblem(p *problem, err error) {
	var ce *kassa.CapError
	if !errors.As(err, &ce) {
		return
	}
	p.SpendCapProblem = &SpendCapProblem{Account: ce.Account, Cap: ce.Cap, Limit: ce.Limit.String(), Spent: ce.Spent.String(),
		Amount: ce.Amount.String(), Currency: string(ce.Currency), ResetsAt: adminTime(ce.ResetsAt)}
}

// SpendCapProblem are the members a spend-cap-reached problem adds: the
// account whose cap refused, the cap (daily or monthly), its limit, what
// was spent in the period, the refused amount and when the cap resets.
type SpendCapProblem struct {
	Account  string `json:"account"`
	Cap      string `json:"cap"`
	Limit    string `json:"limit"`
	Spent    string `json:"spent"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	ResetsAt string `json:"resets_at"`
}
