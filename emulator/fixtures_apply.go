package emulator

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/pricing"
)

// fixtureActor is who loads fixtures, as the audit log records it.
var fixtureActor = app.System.Via("emulator")

// loader writes fixtures through the use cases, as an operator would: it
// creates each account (with its opening balance entry), its further
// secrets and its settings, and imports and activates a price-book
// version with the overrides laid over the prices in use.
type loader struct {
	app    *app.Service // without a live callback check: fixtures set URLs whose receivers need not run yet
	prices *pricing.Service
}

// load checks and writes fx. A refusal is a *ParseError naming the line of
// the field at fault; what was written before it is left for the caller to
// roll back.
func (l *loader) load(ctx context.Context, fx *Fixtures) error {
	accounts, prices, err := fx.plan()
	if err != nil {
		return err
	}
	if len(prices) > 0 {
		if err := l.loadPrices(ctx, prices); err != nil {
			return err
		}
	}
	for i := range accounts {
		if err := l.loadAccount(ctx, &accounts[i]); err != nil {
			return err
		}
	}
	return nil
}

// loadAccount writes one account.
func (l *loader) loadAccount(ctx context.Context, a *accountPlan) error {
	if _, err := l.app.CreateAccount(ctx, fixtureActor, a.create); err != nil {
		return accountProblem(a.src, err)
	}
	key := a.create.APIKey
	if a.debit > 0 {
		_, err := l.app.Debit(ctx, fixtureActor, app.Posting{Account: key, Amount: a.debit, Reason: "emulator fixture balance"})
		if err != nil {
			return accountProblem(a.src, err)
		}
	}
	for _, s := range a.secrets {
		if _, err := l.app.CreateSecret(ctx, fixtureActor, key, s); err != nil {
			return accountProblem(a.src, err)
		}
	}
	if a.settings != nil {
		if _, err := l.app.UpdateSettings(ctx, fixtureActor, key, *a.settings); err != nil {
			return accountProblem(a.src, err)
		}
	}
	for i := range a.subaccounts {
		if err := l.loadSubaccount(ctx, key, &a.subaccounts[i]); err != nil {
			return err
		}
	}
	if a.src.Suspended { // last: a suspended primary still gets its subaccounts
		if _, err := l.app.Suspend(ctx, fixtureActor, key); err != nil {
			return accountProblem(a.src, err)
		}
	}
	return nil
}

// loadSubaccount writes one subaccount of primary.
func (l *loader) loadSubaccount(ctx context.Context, primary string, sub *subaccountPlan) error {
	fail := func(err error) error { return fixtureProblem(sub.src.APIKey, "subaccount", sub.src.at, err) }
	if _, err := l.app.CreateSubaccount(ctx, fixtureActor, primary, sub.create); err != nil {
		return fail(err)
	}
	key := sub.create.APIKey
	if sub.credit > 0 {
		if _, err := l.app.Credit(ctx, fixtureActor, app.Posting{Account: key, Amount: sub.credit, Reason: "emulator fixture balance"}); err != nil {
			return fail(err)
		}
	}
	for _, s := range sub.secrets {
		if _, err := l.app.CreateSecret(ctx, fixtureActor, key, s); err != nil {
			return fail(err)
		}
	}
	if sub.src.Suspended {
		if _, err := l.app.Suspend(ctx, fixtureActor, key); err != nil {
			return fail(err)
		}
	}
	return nil
}

// fixtureFields maps the field names of the use cases' errors to the keys
// of an account fixture.
var fixtureFields = map[string]string{
	"api_key": "api_key", "api_secret": "secrets", "secret": "secrets", "currency": "currency",
	"credit": "balance", "amount": "balance", "credit_limit": "credit_limit",
	"trx": "auto_reload.trx", "threshold": "auto_reload.threshold", "daily_cap": "auto_reload.daily_cap", "name": "name",
	app.FieldMOCallbackURL: "settings.mo_callback_url", app.FieldDRCallbackURL: "settings.dr_callback_url",
	app.FieldHTTPForwardMethod: "settings.http_forward_method",
}

// accountProblem is the refusal of an account by a use case.
func accountProblem(a *Account, err error) error {
	return fixtureProblem(a.APIKey, "account", a.at, err)
}

// fixtureProblem is the refusal of an account or subaccount (what) by a
// use case, at the line of the field it names. An api key that exists
// already (the demo account's, say) is a conflict named as such; a failure
// that is not about the fixture (the store) is returned as it is.
func fixtureProblem(key, what string, at lines, err error) error {
	var msg string
	switch kassa.ErrorCode(err) {
	case kassa.ECONFLICT:
		msg = fmt.Sprintf("%s %s: %s (an account with this api_key exists already: the demo account, or another fixture)", what, key, kassa.ErrorMessage(err))
	case kassa.EINVALID, kassa.ELIMIT, kassa.EINSUFFICIENT, kassa.EFORBIDDEN, kassa.ENOTFOUND:
		msg = fmt.Sprintf("%s %s: %s", what, key, kassa.ErrorMessage(err))
	default:
		return fmt.Errorf("load %s %s: %w", what, key, err)
	}
	return &ParseError{Problems: []Problem{{Line: at.line(fixtureFields[kassa.ErrorField(err)]), Message: msg}}}
}

// loadPrices lays the overrides over the prices in use (the demo tariff)
// and makes the result the active price-book version.
func (l *loader) loadPrices(ctx context.Context, prices []pricePlan) error {
	deck, err := pricing.ParseCSV(strings.NewReader(pricesCSV(prices)), pricing.CSVOptions{Name: "emulator fixtures", Ref: l.prices.Ref()})
	if err != nil {
		return priceProblems(prices, err)
	}
	base := pricing.DemoBook(l.prices.Ref())
	if cur := l.prices.Current(); cur != nil {
		base = cur.Book()
	}
	book := overlay(base, deck)
	v, err := l.prices.Import(ctx, book, "emulator")
	if err != nil {
		return priceProblems(prices, err)
	}
	if err := l.prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		return fmt.Errorf("activate the fixtures' price book: %w", err)
	}
	return nil
}

// pricesCSV writes the overrides as a rate deck, one row per override in
// order (row i is line i+2); plan refused the characters CSV would need
// to quote.
func pricesCSV(prices []pricePlan) string {
	var b strings.Builder
	b.WriteString("type,country,network code,prefix,price,currency\n")
	for _, p := range prices {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", p.typ, p.src.Country, p.src.Network, p.src.Prefix, p.price.String(), p.currency)
	}
	return b.String()
}

// csvLine finds the line a rate-deck problem names.
var csvLine = regexp.MustCompile(`^line (\d+)`)

// priceProblems maps the problems of the deck made of the overrides (and
// of the book they make) to the overrides' lines: deck line i+2 is
// override i.
func priceProblems(prices []pricePlan, err error) error {
	list := pricing.Problems(err)
	if len(list) == 0 {
		if kassa.ErrorCode(err) == kassa.EINVALID {
			return &ParseError{Problems: []Problem{{Message: "prices: " + kassa.ErrorMessage(err)}}}
		}
		return fmt.Errorf("load the fixtures' prices: %w", err)
	}
	var p problems
	for _, pr := range list {
		line := 0
		if m := csvLine.FindStringSubmatch(pr.Where); m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= 2 && n-2 < len(prices) {
				line = prices[n-2].src.at.line("")
			}
		}
		p.add(line, "price: %s", pr.Reason)
	}
	return p.err()
}

// priceKey identifies the line a price sets: its type, country and network.
type priceKey struct {
	typ              kassa.ServiceType
	country, network string
}

// overlay returns base with the deck's lines in place of base's lines for
// the same type, country and network, the deck's lines first (so that a
// problem of the whole book is numbered as in the deck), and the networks
// of both books.
func overlay(base, deck *kassa.PriceBook) *kassa.PriceBook {
	out := &kassa.PriceBook{Name: base.Name + " + emulator fixtures", Demo: base.Demo, DemoTypes: base.DemoTypes}
	replaced := make(map[priceKey]bool, len(deck.Prices))
	for _, p := range deck.Prices {
		replaced[priceKey{p.Type, p.Country, p.Network}] = true
	}
	out.Prices = append(out.Prices, deck.Prices...)
	for _, p := range base.Prices {
		if !replaced[priceKey{p.Type, p.Country, p.Network}] {
			out.Prices = append(out.Prices, p)
		}
	}
	networks := make(map[string]bool, len(deck.Networks))
	for _, n := range deck.Networks {
		networks[n.Code] = true
	}
	out.Networks = append(out.Networks, deck.Networks...)
	for _, n := range base.Networks {
		if !networks[n.Code] {
			out.Networks = append(out.Networks, n)
		}
	}
	return out
}
