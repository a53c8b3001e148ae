package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// The audit actions the use cases write: noun.verb, the noun in snake_case.
// docs/admin-api.md lists them with their details (a test keeps the list
// and Actions equal). The reload package writes its own outcome events
// (reload.*, topup.*).
const (
	ActionAccountCreate       = "account.create"
	ActionSecretCreate        = "secret.create"
	ActionSecretRevoke        = "secret.revoke"
	ActionSecretRotate        = "secret.rotate"
	ActionSettingsUpdate      = "settings.update"
	ActionLedgerCredit        = "ledger.credit"
	ActionLedgerDebit         = "ledger.debit"
	ActionAutoReloadUpdate    = "auto_reload.update"
	ActionLimitsUpdate        = "limits.update"
	ActionCreditLimitUpdate   = "credit_limit.update"
	ActionPriceBookImport     = "price_book.import"
	ActionPriceBookActivate   = "price_book.activate"
	ActionAuthLockout         = "auth.lockout"
	ActionAccountSuspend      = "account.suspend"
	ActionAccountResume       = "account.resume"
	ActionAccountPrimary      = "account.primary"
	ActionSubaccountCreate    = "subaccount.create"
	ActionSubaccountUpdate    = "subaccount.update"
	ActionTransferBalance     = "transfer.balance"
	ActionTransferCredit      = "transfer.credit"
	ActionWebhookCreate       = "webhook.create"
	ActionWebhookUpdate       = "webhook.update"
	ActionWebhookDelete       = "webhook.delete"
	ActionWebhookRedeliver    = "webhook.redeliver"
	ActionSpendControlsUpdate = "spend_controls.update"
	ActionPlanCreate          = "plan.create"
	ActionPlanDelete          = "plan.delete"
	ActionAccountPlan         = "account.plan"
)

// Actions lists every action of this package, for documentation checks.
var Actions = []string{
	ActionAccountCreate, ActionSecretCreate, ActionSecretRevoke, ActionSecretRotate, ActionSettingsUpdate,
	ActionLedgerCredit, ActionLedgerDebit, ActionAutoReloadUpdate, ActionLimitsUpdate, ActionCreditLimitUpdate,
	ActionPriceBookImport, ActionPriceBookActivate, ActionAuthLockout,
	ActionAccountSuspend, ActionAccountResume, ActionAccountPrimary, ActionSubaccountCreate, ActionSubaccountUpdate,
	ActionTransferBalance, ActionTransferCredit,
	ActionWebhookCreate, ActionWebhookUpdate, ActionWebhookDelete, ActionWebhookRedeliver,
	ActionSpendControlsUpdate,
	ActionPlanCreate, ActionPlanDelete, ActionAccountPlan,
}

// auditTimeout bounds an audit write, which outlives a caller that has gone:
// its change is already committed.
const auditTimeout = 10 * time.Second

// audit records that actor did action on account ("" for none) with detail
// (a JSON object; "surface" is added for a dashboard actor). A failure is
// logged and does not fail the use case, whose change is already committed.
func (s *Service) audit(ctx context.Context, actor Actor, account, action string, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	if actor.Surface != "" {
		detail["surface"] = actor.Surface
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		s.log.Error("encode audit detail", "action", action, "err", err)
		raw = []byte("{}")
	}
	e := &kassa.AuditEvent{
		At: s.now().UTC().Truncate(time.Microsecond), Actor: actor.Name, Account: account,
		Action: action, RemoteAddr: actor.RemoteAddr, Detail: string(raw),
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.Error("append audit event", "action", action, "account", account, "err", err)
	}
}

// auditLockout records lock-outs after too many failed authentications
// (the Authenticator's OnLockout; the key may not exist: the event's
// account is set only when it does). The authenticator reports the first
// lock-out of a scope and key in a window at once and the later ones of the
// window together when it ends, so the detail names the scope, the key, the
// number of lock-outs, a sample of their client addresses (client when
// there is one) and the end of the latest.
func (s *Service) auditLockout(lo auth.Lockout) {
	ctx := context.Background()
	account := ""
	if lo.APIKey != "" && lo.APIKey != auth.AnyKey {
		if _, err := s.store.FindAccount(ctx, lo.APIKey); err == nil {
			account = lo.APIKey
		}
	}
	clients := lo.Clients
	if clients == nil {
		clients = []string{} // a key-scope lock-out names no address
	}
	s.audit(ctx, Actor{Name: NameSystem, RemoteAddr: lo.Client}, account, ActionAuthLockout, map[string]any{
		"scope": lo.Scope, "api_key": lo.APIKey, "client": lo.Client, "count": lo.Count, "clients": clients,
		"since": lo.Since.UTC().Format(time.RFC3339), "until": lo.Until.UTC().Format(time.RFC3339),
	})
	s.log.Warn("authentication lock-out after failed attempts", "scope", lo.Scope, "count", lo.Count, "clients", lo.Clients, "until", lo.Until)
}
