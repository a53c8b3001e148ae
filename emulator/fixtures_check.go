package emulator

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/webhook"
)

// Bounds of a fixture document.
const (
	MaxFixtureAccounts = 10_000
	MaxFixturePrices   = 100_000
)

// accountPlan is a checked account fixture, ready to be written.
type accountPlan struct {
	src         *Account
	create      app.NewAccount
	debit       kassa.Amount // taken after creation when the balance is negative
	secrets     []string     // secrets beyond the first
	settings    *app.SettingsChange
	subaccounts []subaccountPlan
}

// subaccountPlan is a checked subaccount fixture.
type subaccountPlan struct {
	src     *Subaccount
	create  app.NewSubaccount
	credit  kassa.Amount // the opening balance of one with a balance of its own
	secrets []string     // secrets beyond the first
}

// pricePlan is a checked price override.
type pricePlan struct {
	src      *Price
	typ      kassa.ServiceType
	price    kassa.Amount
	currency kassa.Currency
}

// Check checks every field of the fixtures (as ParseFixtures does for a
// document); fixtures built as Go values are checked when loaded. A
// refusal is a *ParseError listing the problems.
func (fx *Fixtures) Check() error {
	_, _, err := fx.plan()
	return err
}

// plan checks the fixtures and turns them into the writes that load them.
func (fx *Fixtures) plan() ([]accountPlan, []pricePlan, error) {
	var p problems
	if len(fx.Accounts) > MaxFixtureAccounts {
		p.add(0, "at most %d accounts, not %d", MaxFixtureAccounts, len(fx.Accounts))
	}
	if len(fx.Prices) > MaxFixturePrices {
		p.add(0, "at most %d prices, not %d", MaxFixturePrices, len(fx.Prices))
	}
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	keys := map[string]int{} // api key → the line it was first given on (or -1)
	accounts := make([]accountPlan, 0, len(fx.Accounts))
	for i := range fx.Accounts {
		a := &fx.Accounts[i]
		if first, dup := keys[a.APIKey]; dup && a.APIKey != "" {
			p.add(a.at.line("api_key"), "api_key %q is given twice%s", a.APIKey, firstLine(first))
		}
		keys[a.APIKey] = a.at.line("api_key")
		plan := planAccount(a, &p)
		for j := range a.Subaccounts {
			sub := &a.Subaccounts[j]
			if first, dup := keys[sub.APIKey]; dup && sub.APIKey != "" {
				p.add(sub.at.line("api_key"), "api_key %q is given twice%s", sub.APIKey, firstLine(first))
			}
			keys[sub.APIKey] = sub.at.line("api_key")
			plan.subaccounts = append(plan.subaccounts, planSubaccount(sub, &p))
		}
		accounts = append(accounts, plan)
	}
	prices := make([]pricePlan, 0, len(fx.Prices))
	for i := range fx.Prices {
		prices = append(prices, planPrice(&fx.Prices[i], &p))
	}
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	return accounts, prices, nil
}

// firstLine is " (first on line N)" when N is known.
func firstLine(line int) string {
	if line <= 0 {
		return ""
	}
	return " (first on line " + strconv.Itoa(line) + ")"
}

// planAccount checks one account.
func planAccount(a *Account, p *problems) accountPlan {
	at := a.at
	out := accountPlan{src: a}
	switch {
	case a.APIKey == "":
		p.add(at.line(""), "an account needs an api_key")
	case !kassa.ValidAPIKey(a.APIKey):
		p.add(at.line("api_key"), "api_key %q: use 4 to 64 letters, digits, '-' or '_'", truncate(a.APIKey, 70))
	}
	out.secrets = checkSecrets(a.APIKey, a.Secrets, at, p)
	cur := kassa.Currency(strings.ToUpper(a.Currency))
	if cur == "" {
		cur = kassa.EUR
	}
	if !cur.Valid() {
		p.add(at.line("currency"), "currency %q: use EUR or USD", truncate(a.Currency, 20))
	}
	balance := amount(a.Balance, "balance", at, p)
	floor := amount(a.CreditLimit, "credit_limit", at, p)
	if floor > 0 {
		p.add(at.line("credit_limit"), "credit_limit must be zero or negative (the floor of the balance), not %s", a.CreditLimit)
	}
	if balance < floor {
		p.add(at.line("balance"), "balance %s is below the credit_limit %s", a.Balance, a.CreditLimit)
	}
	out.create = app.NewAccount{
		APIKey: a.APIKey, Currency: cur, CreditLimit: floor,
		CreditReason: "emulator fixture balance",
		Limits:       planLimits(a.Limits, at, p),
		AutoReload:   planAutoReload(a.AutoReload, at, p),
	}
	if balance > 0 {
		out.create.Credit = balance
	} else {
		out.debit = -balance
	}
	if len(a.Secrets) > 0 {
		out.create.Secret = a.Secrets[0]
	}
	out.settings = planSettings(a.Settings, at, p)
	return out
}

// planSubaccount checks one subaccount.
func planSubaccount(sub *Subaccount, p *problems) subaccountPlan {
	at := sub.at
	out := subaccountPlan{src: sub}
	switch {
	case sub.APIKey == "":
		p.add(at.line(""), "a subaccount needs an api_key")
	case !kassa.ValidAPIKey(sub.APIKey):
		p.add(at.line("api_key"), "api_key %q: use 4 to 64 letters, digits, '-' or '_'", truncate(sub.APIKey, 70))
	}
	out.secrets = checkSecrets(sub.APIKey, sub.Secrets, at, p)
	name := sub.Name
	if name == "" {
		name = sub.APIKey
	}
	out.create = app.NewSubaccount{APIKey: sub.APIKey, Name: name, SharedBalance: sub.UsePrimaryAccountBalance}
	if len(sub.Secrets) > 0 {
		out.create.Secret = sub.Secrets[0]
	}
	shared := sub.UsePrimaryAccountBalance == nil || *sub.UsePrimaryAccountBalance
	if sub.Balance != "" {
		out.credit = amount(sub.Balance, "balance", at, p)
		switch {
		case shared:
			p.add(at.line("balance"), "subaccount %s spends its primary's balance and has none of its own: drop balance, or set use_primary_account_balance: false", sub.APIKey)
		case out.credit < 0:
			p.add(at.line("balance"), "a subaccount's balance must not be negative")
		}
	}
	return out
}

// checkSecrets checks an account's or subaccount's secrets and returns
// those beyond the first.
func checkSecrets(key string, secrets []string, at lines, p *problems) []string {
	if len(secrets) > kassa.MaxSecrets {
		p.add(at.line("secrets"), "an account has at most %d secrets, not %d", kassa.MaxSecrets, len(secrets))
	}
	for i, s := range secrets {
		if err := kassa.ValidateSecret(s); err != nil {
			p.add(at.line("secrets"), "secret %d of %s: %s", i+1, key, kassa.ErrorMessage(err))
		}
		if slices.Index(secrets, s) < i {
			p.add(at.line("secrets"), "secret %d of %s repeats an earlier one", i+1, key)
		}
	}
	if len(secrets) > 1 {
		return secrets[1:]
	}
	return nil
}

// amount parses an optional amount field ("" is zero).
func amount(text, field string, at lines, p *problems) kassa.Amount {
	if text == "" {
		return 0
	}
	v, err := kassa.ParseAmount(text)
	if err != nil {
		p.add(at.line(field), "%s %q is not a decimal amount such as 10.00", field, truncate(text, 40))
		return 0
	}
	return v
}

// planLimits applies the given limits over the emulator's generous
// defaults.
func planLimits(l *Limits, at lines, p *problems) app.LimitsChange {
	limits := kassa.DemoLimits
	if l != nil {
		for _, f := range []struct {
			name string
			v    int
			dst  *int
		}{
			{"max_outbound_request", l.MaxOutboundRequest, &limits.MaxOutboundRequest},
			{"max_inbound_request", l.MaxInboundRequest, &limits.MaxInboundRequest},
			{"max_calls_per_second", l.MaxCallsPerSecond, &limits.MaxCallsPerSecond},
			{"pricing_per_second", l.PricingPerSecond, &limits.PricingPerSecond},
		} {
			switch {
			case f.v == 0:
			case f.v < 0 || f.v > app.MaxLimit:
				p.add(at.line("limits."+f.name), "limits.%s must be from 1 to %d", f.name, app.MaxLimit)
			default:
				*f.dst = f.v
			}
		}
	}
	return app.AllLimits(limits)
}

// planAutoReload checks an auto-reload block; nil when there is none.
func planAutoReload(r *AutoReload, at lines, p *problems) *kassa.AutoReload {
	if r == nil {
		return nil
	}
	ar := &kassa.AutoReload{
		Enabled: r.Enabled == nil || *r.Enabled, Trx: r.Trx,
		Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: kassa.DefaultReloadDailyCap,
	}
	if r.Amount != "" {
		ar.Amount = amount(r.Amount, "auto_reload.amount", at, p)
		if ar.Amount <= 0 {
			p.add(at.line("auto_reload.amount"), "auto_reload.amount must be positive")
		}
	}
	if r.Threshold != "" {
		ar.Threshold = amount(r.Threshold, "auto_reload.threshold", at, p)
		if ar.Threshold < 0 {
			p.add(at.line("auto_reload.threshold"), "auto_reload.threshold must not be negative")
		}
	}
	if r.DailyCap != 0 {
		ar.DailyCap = r.DailyCap
		if r.DailyCap < 0 || r.DailyCap > app.MaxDailyCap {
			p.add(at.line("auto_reload.daily_cap"), "auto_reload.daily_cap must be from 1 to %d", app.MaxDailyCap)
		}
	}
	if ar.Enabled && ar.Trx == "" {
		p.add(at.line("auto_reload"), "auto_reload needs a trx (the payment reference a top-up names) when it is enabled")
	}
	if len(ar.Trx) > app.MaxTrxLen {
		p.add(at.line("auto_reload.trx"), "auto_reload.trx must be at most %d characters", app.MaxTrxLen)
	}
	return ar
}

// planSettings checks a settings block; nil when it sets nothing.
func planSettings(s *Settings, at lines, p *problems) *app.SettingsChange {
	if s == nil || *s == (Settings{}) {
		return nil
	}
	c := &app.SettingsChange{}
	for _, f := range []struct {
		name string
		v    string
		dst  **string
	}{
		{"mo_callback_url", s.MOCallbackURL, &c.MOCallbackURL},
		{"dr_callback_url", s.DRCallbackURL, &c.DRCallbackURL},
	} {
		if f.v == "" {
			continue
		}
		if _, err := webhook.ValidateURL(f.v); err != nil {
			p.add(at.line("settings."+f.name), "settings.%s: %v", f.name, err)
		}
		v := f.v
		*f.dst = &v
	}
	if s.HTTPForwardMethod != "" {
		if !slices.Contains(app.ForwardMethods, s.HTTPForwardMethod) {
			p.add(at.line("settings.http_forward_method"), "settings.http_forward_method %q: use %s", truncate(s.HTTPForwardMethod, 40), strings.Join(app.ForwardMethods, ", "))
		}
		v := s.HTTPForwardMethod
		c.HTTPForwardMethod = &v
	}
	return c
}

// planPrice checks one price override.
func planPrice(pr *Price, p *problems) pricePlan {
	at := pr.at
	out := pricePlan{src: pr, typ: kassa.ServiceType(pr.Type), currency: kassa.Currency(strings.ToUpper(pr.Currency))}
	if !out.typ.Valid() {
		p.add(at.line("type"), "a price needs a type: sms, sms-transit or voice (not %q)", truncate(pr.Type, 20))
	}
	if out.currency == "" {
		out.currency = kassa.EUR
	}
	if !out.currency.Valid() {
		p.add(at.line("currency"), "currency %q: use EUR or USD", truncate(pr.Currency, 20))
	}
	if pr.Country == "" && pr.Prefix == "" && pr.Network == "" {
		p.add(at.line(""), "a price needs a country, a network or a prefix")
	}
	if pr.Price == "" {
		p.add(at.line(""), "a price needs a price")
	} else {
		out.price = amount(pr.Price, "price", at, p)
		if out.price < 0 {
			p.add(at.line("price"), "price must not be negative")
		}
	}
	for _, f := range []struct{ name, v string }{{"country", pr.Country}, {"network", pr.Network}, {"prefix", pr.Prefix}} {
		if strings.ContainsAny(f.v, ",;\t\r\n\"") {
			p.add(at.line(f.name), "%s %q holds a character no %s has", f.name, truncate(f.v, 40), f.name)
		}
	}
	return out
}
