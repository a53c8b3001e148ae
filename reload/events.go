package reload

import (
	"context"
	"encoding/json"
	"time"
)

// Event is one auto-reload audit event as Options.Events hears it (the
// serve command counts them in metrics): a reload or top-up credited, a
// decline, a pending payment, a cap reached. Type is the audit action
// ("reload.credited", "reload.declined", …). The outbox's reload.succeeded
// and reload.failed events are what webhooks receive (see the events
// package).
type Event struct {
	Type    string          `json:"type"`
	Account string          `json:"account"`
	At      time.Time       `json:"at"`
	Detail  json.RawMessage `json:"detail"`
}

// Notifier hears auto-reload audit events. Notify is best effort: the
// event is already in the audit log, so a failure is only logged.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// notify passes an event on in the background, bounded by a timeout, so
// that no top-up or scheduler run waits for the notifier.
func (r *Reloader) notify(ctx context.Context, e Event) {
	if r.opts.Events == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		if err := r.opts.Events.Notify(ctx, e); err != nil {
			r.log.Warn("auto-reload event not delivered", "type", e.Type, "account", e.Account, "err", err)
		}
	}()
}

// Wait blocks until every event sent so far has been delivered or has
// failed. The serve command calls it on shutdown; tests call it too.
func (r *Reloader) Wait() { r.wg.Wait() }
