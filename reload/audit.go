package reload

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kassa-dev/kassa"
)

// Audit actions written by the package.
const (
	ActionReloaded   = "reload.credited"
	ActionDeclined   = "reload.declined"
	ActionPending    = "reload.pending"
	ActionCapReached = "reload.cap_reached"
	ActionTopUp      = "topup.credited"
	ActionTopUpFail  = "topup.declined"
)

// Actions lists every audit action of the package, which are also the
// values of kassa_reload_events_total's type label; docs/admin-api.md,
// docs/auto-reload.md and docs/operations.md list them (tests keep the
// lists equal).
var Actions = []string{ActionReloaded, ActionDeclined, ActionPending, ActionCapReached, ActionTopUp, ActionTopUpFail}

// eventDetail is the JSON detail of an audit event. It never holds a
// secret.
type eventDetail struct {
	Key       string `json:"idempotency_key,omitempty"`
	Amount    string `json:"amount,omitempty"`
	Currency  string `json:"currency,omitempty"`
	Reference string `json:"reference,omitempty"`
	EntryID   int64  `json:"entry_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Cap       int    `json:"cap,omitempty"`
	Day       string `json:"day,omitempty"`
}

// auditActor is who an event names: its actor and, for a caller's top-up,
// the caller's address.
type auditActor struct {
	name       string
	remoteAddr string
}

// systemActor is the scheduler's actor.
var systemActor = auditActor{name: "system"}

// audit appends an audit event; a failure is logged, never returned,
// because the money has already moved (or not) by then.
func (r *Reloader) audit(ctx context.Context, actor auditActor, account, action string, d eventDetail) {
	r.record(ctx, actor, account, action, d, nil)
}

// record appends an audit event and, when ev is not nil, writes ev to the
// outbox in the same transaction (the refusals, whose only trace in the
// store is the audit record). A failure is logged, never returned.
func (r *Reloader) record(ctx context.Context, actor auditActor, account, action string, d eventDetail, ev *kassa.Event) {
	raw, _ := json.Marshal(d)
	e := &kassa.AuditEvent{Actor: actor.name, Account: account, Action: action, RemoteAddr: actor.remoteAddr, Detail: string(raw)}
	// Recorded even when the caller has given up: the payment already happened (or not).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	if ev != nil {
		err = r.store.AppendEvents(ctx, e, ev)
	} else {
		err = r.store.AppendAudit(ctx, e)
	}
	if err != nil {
		r.log.Error("append audit event", "action", action, "account", account, "err", err)
	}
	at := e.At
	if at.IsZero() {
		at = r.opts.Now()
	}
	r.notify(ctx, Event{Type: action, Account: account, At: at.UTC(), Detail: raw})
}

// failedEvent is the reload.failed event of a refused reload or top-up;
// nil (logged) if it cannot be encoded.
func (r *Reloader) failedEvent(a *kassa.Account, source, code, reason, key string) *kassa.Event {
	data := kassa.ReloadFailedData{Source: source, Code: code, Reason: reason, IdempotencyKey: key,
		Amount: a.AutoReload.Amount.String(), Currency: string(a.Currency)}
	if code == kassa.ReloadCapReached {
		data.DailyCap = dailyCap(a)
	}
	ev, err := kassa.NewEvent(kassa.EventReloadFailed, a.APIKey, data)
	if err != nil {
		r.log.Error("reload.failed event", "account", a.APIKey, "err", err)
	}
	return ev
}

// lastEvent returns the detail of the newest event of action for account,
// or false when there is none.
func (r *Reloader) lastEvent(ctx context.Context, account, action string) (eventDetail, bool, error) {
	list, _, err := r.store.ListAudit(ctx, kassa.AuditFilter{Account: account, Action: action, Limit: 1})
	if err != nil || len(list) == 0 {
		return eventDetail{}, false, err
	}
	var d eventDetail
	_ = json.Unmarshal([]byte(list[0].Detail), &d)
	return d, true, nil
}
