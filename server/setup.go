package server

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// setupLease is the store lease under which a node does the first-start
// setup (the demo price book and the demo account), so that several nodes
// starting at once on an empty PostgreSQL database do it once between them.
const (
	setupLease    = "first-start-setup"
	setupLeaseTTL = 2 * time.Minute
	setupWait     = 100 * time.Millisecond
)

// withSetupLease runs setup while holding the first-start lease, waiting
// (until ctx ends) while another node holds it. The lease is released after
// setup; if this node dies meanwhile, it expires after setupLeaseTTL.
func withSetupLease(ctx context.Context, st kassa.LeaseStore, holder string, setup func() error) error {
	for {
		ok, err := st.AcquireLease(ctx, setupLease, holder, setupLeaseTTL)
		if err != nil {
			return fmt.Errorf("take the first-start lease: %w", err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for another node's first-start setup: %w", ctx.Err())
		case <-time.After(setupWait):
		}
	}
	defer st.ReleaseLease(context.WithoutCancel(ctx), setupLease, holder)
	return setup()
}

// demoAccount is what the startup banner shows of a demo account created
// by this start; nil when none was created.
type demoAccount struct {
	key, secret string
}

// ensureDemoAccount creates the demo account (app.Service.CreateAccount,
// audited as account.create by the system): the pinned key when it does
// not exist yet, or, without a pinned key, a generated one when the store
// holds no account at all (the first start). It has demo money, generous
// limits and auto-reload on with the trx DemoTrx.
func ensureDemoAccount(ctx context.Context, svc *app.Service, db kassa.AccountStore, key, secret string) (*demoAccount, error) {
	if key != "" {
		if !kassa.ValidAPIKey(key) {
			return nil, configErrorf("--demo-key %q: use 4 to 64 letters, digits, '-' or '_'", key)
		}
		_, err := db.FindAccount(ctx, key)
		if err == nil {
			return nil, nil
		}
		if kassa.ErrorCode(err) != kassa.ENOTFOUND {
			return nil, fmt.Errorf("look up demo account: %w", err)
		}
	} else {
		_, total, err := db.ListAccounts(ctx, kassa.AccountFilter{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		if total > 0 {
			return nil, nil
		}
	}
	created, err := svc.CreateAccount(ctx, app.System, app.NewAccount{
		APIKey: key, Secret: secret, Currency: kassa.EUR,
		Credit: DemoBalance, CreditReason: "demo opening balance",
		Limits: app.AllLimits(kassa.DemoLimits),
		AutoReload: &kassa.AutoReload{
			Enabled: true, Trx: DemoTrx, Amount: kassa.DefaultReloadAmount, Threshold: 0, DailyCap: kassa.DefaultReloadDailyCap,
		},
	})
	if kassa.ErrorField(err) == "api_secret" {
		return nil, configErrorf("--demo-secret: %s", kassa.ErrorMessage(err))
	}
	if err != nil {
		return nil, fmt.Errorf("create demo account: %w", err)
	}
	return &demoAccount{key: created.Account.APIKey, secret: created.Secret}, nil
}
