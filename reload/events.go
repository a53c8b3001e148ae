package reload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Event is one auto-reload event sent to the operator's events URL: a
// reload or top-up credited, a decline, a pending payment, a cap reached.
// Type is the audit action ("reload.credited", "reload.declined", …).
type Event struct {
	Type    string          `json:"type"`
	Account string          `json:"account"`
	At      time.Time       `json:"at"`
	Detail  json.RawMessage `json:"detail"`
}

// Notifier receives auto-reload events. Notify is best effort: the event is
// already in the audit log, so a failure is only logged.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// WebhookNotifier POSTs events as JSON to the operator's URL, signed like
// payment requests (X-Kassa-Timestamp, X-Kassa-Signature).
type WebhookNotifier struct {
	URL    string
	Secret []byte
	Client *http.Client // a webhook.Client (guarded); one with the default guard when nil
}

// Notify implements Notifier with one attempt.
func (n *WebhookNotifier) Notify(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("events URL: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(n.Secret, ts, body))
	req.Header.Set("User-Agent", "kassa-events/1")
	client := n.Client
	if client == nil {
		client = defaultClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post event: %w", withoutURLSecrets(err))
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post event: status %d", resp.StatusCode)
	}
	return nil
}

// notify sends an event in the background, bounded by a timeout, so that
// no top-up or scheduler run waits for the operator's events URL.
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
