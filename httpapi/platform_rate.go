package httpapi

import (
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/pricing"
)

// rateRequest is the body of POST /platform/v1/rate.
type rateRequest struct {
	Account string `json:"account"`
	Type    string `json:"type"`
	To      string `json:"to"`
}

// rateJSON is the answer of POST /platform/v1/rate.
type rateJSON struct {
	Account     string `json:"account"`
	Type        string `json:"type"`
	To          string `json:"to"`
	Country     string `json:"country"`
	NetworkCode string `json:"network_code"`
	NetworkName string `json:"network_name"`
	NetworkType string `json:"network_type"`
	UnitPrice   string `json:"unit_price"`
	Currency    string `json:"currency"`
}

// platformRate answers POST /platform/v1/rate: the unit price of a service
// to a number, in the account's currency.
func (s *Server) platformRate(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeRateRequest(r, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	if err := checkRateFields(req.Account, req.Type, req.To); err != nil {
		return err
	}
	cur, err := s.accountCurrency(r, req.Account)
	if err != nil {
		return err
	}
	dest, err := s.rateFor(&kassa.Account{APIKey: req.Account, Currency: cur}, req.Type, req.To)
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, "application/json", rateJSON{
		Account: dest.account.APIKey, Type: string(dest.service), To: dest.to,
		Country: dest.rating.Country, NetworkCode: dest.rating.NetworkCode, NetworkName: dest.rating.NetworkName,
		NetworkType: string(dest.rating.NetworkType), UnitPrice: dest.rating.UnitPrice.String(),
		Currency: string(dest.rating.Currency),
	}.marshal())
	return nil
}

// marshal writes the answer as writeAdminJSON would, byte for byte
// (TestRateJSONMatchesEncoder), without the encoder's reflection: the
// encoder was a fifth of the handler's CPU time under load.
func (v rateJSON) marshal() []byte {
	b := make([]byte, 0, 256)
	for i, f := range [...]struct{ name, value string }{
		{"account", v.Account}, {"type", v.Type}, {"to", v.To}, {"country", v.Country},
		{"network_code", v.NetworkCode}, {"network_name", v.NetworkName}, {"network_type", v.NetworkType},
		{"unit_price", v.UnitPrice}, {"currency", v.Currency},
	} {
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		b = appendJSONString(b, f.value)
	}
	return append(b, '}', '\n')
}

// destination is a rated request: the account, the service, the number as
// normalised digits and its price in the account's currency.
type destination struct {
	account *kassa.Account
	service kassa.ServiceType
	to      string
	rating  pricing.Rating
}

// rateDestination checks account, type and number and rates the number in
// the account's currency with the current price book.
func (s *Server) rateDestination(r *http.Request, account, typ, to string) (*destination, error) {
	if err := checkRateFields(account, typ, to); err != nil {
		return nil, err
	}
	acct, err := s.platformAccount(r, account)
	if err != nil {
		return nil, err
	}
	return s.rateFor(acct, typ, to)
}

// checkRateFields checks the account, type and number of a rate request.
func checkRateFields(account, typ, to string) error {
	switch {
	case account == "":
		return kassa.FieldError("account", "account is required")
	case typ == "":
		return kassa.FieldError("type", "type is required")
	case !kassa.ServiceType(typ).Valid():
		return kassa.FieldError("type", "type must be sms, sms-transit or voice")
	case to == "":
		return kassa.FieldError("to", "to is required")
	}
	return nil
}

// rateFor rates the number in acct's currency with the current price book.
func (s *Server) rateFor(acct *kassa.Account, typ, to string) (*destination, error) {
	snap := s.cfg.Pricing.Current()
	if snap == nil {
		return nil, kassa.Errorf(kassa.EUNAVAILABLE, "no price book is active")
	}
	rating, err := snap.Rate(kassa.ServiceType(typ), to, acct.Currency)
	if err != nil {
		return nil, err
	}
	return &destination{account: acct, service: kassa.ServiceType(typ), to: normalizeNumber(to), rating: rating}, nil
}

// accountCurrency returns the billing currency of the account key names
// without a store read when it was read before. That is always exact: a
// currency is set when the account is created and never changes, and
// accounts are never deleted; only accounts that exist are remembered, one
// small entry each. Profiles of POST /platform/v1/rate showed the account
// read as the largest cost after HTTP. Charges and holds still read the
// account (they need its limits).
func (s *Server) accountCurrency(r *http.Request, key string) (kassa.Currency, error) {
	if c, ok := s.currencies.Load(key); ok {
		return c.(kassa.Currency), nil
	}
	acct, err := s.platformAccount(r, key)
	if err != nil {
		return "", err
	}
	s.currencies.Store(acct.APIKey, acct.Currency)
	return acct.Currency, nil
}

// platformAccount finds the account a platform request names.
func (s *Server) platformAccount(r *http.Request, key string) (*kassa.Account, error) {
	acct, err := s.cfg.Store.FindAccount(r.Context(), key)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no account %q", key)
	}
	return acct, err
}

// chargingRating is the ledger's copy of a rating.
func chargingRating(r pricing.Rating) charging.Rating {
	return charging.Rating{Country: r.Country, NetworkCode: r.NetworkCode, NetworkName: r.NetworkName,
		NetworkType: r.NetworkType, UnitPrice: r.UnitPrice, Currency: r.Currency}
}

// normalizeNumber returns the digits of a number that pricing.Rate has
// accepted: without '+', spaces, '-', '(' and ')', and without a leading
// "00" international prefix, as Rate reads it.
func normalizeNumber(number string) string {
	var b strings.Builder
	for i := 0; i < len(number); i++ {
		if c := number[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	digits := b.String()
	if strings.HasPrefix(digits, "00") {
		digits = digits[2:]
	}
	return digits
}
