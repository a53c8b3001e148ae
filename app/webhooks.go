package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"net/url"
	"slices"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

// Bounds of webhook endpoints.
const (
	// MaxWebhookEndpoints bounds the endpoints of an installation: each
	// event is delivered to every one, so their number multiplies the
	// dispatcher's work.
	MaxWebhookEndpoints = 50
	MinWebhookSecretLen = 16
	MaxWebhookSecretLen = 256
	MaxWebhookDescLen   = 200
	maxWebhookURLLen    = 2048
)

// ReloadEventsEndpoint is the ID of the endpoint that --reload-events-url
// keeps registered (EnsureWebhook).
const ReloadEventsEndpoint = "reload-events"

// NewWebhook asks for a webhook endpoint.
type NewWebhook struct {
	URL         string   // http or https; its host may not be a private address the guard refuses
	Secret      string   // signs the deliveries; generated when ""
	Events      []string // the event types it receives; every type when empty
	Description string
}

// CreateWebhook registers an endpoint; it receives the events written
// from now on. The secret is generated (and returned) when none is given.
// ELIMIT beyond MaxWebhookEndpoints. Audited as webhook.create.
func (s *Service) CreateWebhook(ctx context.Context, actor Actor, req NewWebhook) (ep *kassa.WebhookEndpoint, generated bool, err error) {
	w, err := s.checkWebhook(req)
	if err != nil {
		return nil, false, err
	}
	if w.Secret == "" {
		w.Secret, generated = newWebhookSecret(), true
	}
	all, err := s.store.WebhookEndpoints(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(all) >= MaxWebhookEndpoints {
		return nil, false, kassa.Errorf(kassa.ELIMIT, "at most %d webhook endpoints; delete one first", MaxWebhookEndpoints)
	}
	w.ID = newWebhookID()
	if err := s.store.CreateWebhookEndpoint(ctx, w); err != nil {
		return nil, false, err
	}
	s.audit(ctx, actor, "", ActionWebhookCreate, webhookDetail(w))
	return w, generated, nil
}

// WebhookChange changes some of an endpoint's fields; nil fields stay.
type WebhookChange struct {
	URL         *string
	Secret      *string // "" generates a new one
	Events      *[]string
	Description *string
}

// UpdateWebhook changes an endpoint: its URL, secret (rotated: the next
// delivery is signed with the new one), types or description. The secret
// is returned in full only when it was generated. Audited as
// webhook.update.
func (s *Service) UpdateWebhook(ctx context.Context, actor Actor, id string, ch WebhookChange) (ep *kassa.WebhookEndpoint, generated bool, err error) {
	w, err := s.store.WebhookEndpoint(ctx, id)
	if err != nil {
		return nil, false, err
	}
	req := NewWebhook{URL: w.URL, Secret: w.Secret, Events: w.Types, Description: w.Description}
	if ch.URL != nil {
		req.URL = *ch.URL
	}
	if ch.Secret != nil {
		req.Secret = *ch.Secret
	}
	if ch.Events != nil {
		req.Events = *ch.Events
	}
	if ch.Description != nil {
		req.Description = *ch.Description
	}
	checked, err := s.checkWebhook(req)
	if err != nil {
		return nil, false, err
	}
	checked.ID = id
	if checked.Secret == "" {
		checked.Secret, generated = newWebhookSecret(), true
	}
	if err := s.store.UpdateWebhookEndpoint(ctx, checked); err != nil {
		return nil, false, err
	}
	detail := webhookDetail(checked)
	detail["secret_rotated"] = checked.Secret != w.Secret
	s.audit(ctx, actor, "", ActionWebhookUpdate, detail)
	return checked, generated, nil
}

// DeleteWebhook removes an endpoint and its delivery log; deliveries in
// flight finish, nothing more is sent to it. Audited as webhook.delete.
func (s *Service) DeleteWebhook(ctx context.Context, actor Actor, id string) error {
	w, err := s.store.WebhookEndpoint(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhookEndpoint(ctx, id); err != nil {
		return err
	}
	s.audit(ctx, actor, "", ActionWebhookDelete, webhookDetail(w))
	return nil
}

// Redeliver sends one event to an endpoint again, now, ahead of the later
// events of its account (which wait for it). Audited as
// webhook.redeliver.
func (s *Service) Redeliver(ctx context.Context, actor Actor, id string, eventID int64) (*kassa.Delivery, error) {
	d, err := s.store.Redeliver(ctx, id, eventID)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, d.Event.Account, ActionWebhookRedeliver, map[string]any{"id": id, "event_id": eventID})
	return d, nil
}

// EnsureWebhook keeps the endpoint id registered as req says (the
// --reload-events-url endpoint): created when missing, changed when it
// differs, left alone otherwise. The secret must be given.
func (s *Service) EnsureWebhook(ctx context.Context, actor Actor, id string, req NewWebhook) (*kassa.WebhookEndpoint, error) {
	if req.Secret == "" {
		return nil, kassa.FieldError("secret", "secret is required")
	}
	w, err := s.checkWebhook(req)
	if err != nil {
		return nil, err
	}
	w.ID = id
	cur, err := s.store.WebhookEndpoint(ctx, id)
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		if err := s.store.CreateWebhookEndpoint(ctx, w); err != nil {
			return nil, err
		}
		s.audit(ctx, actor, "", ActionWebhookCreate, webhookDetail(w))
		return w, nil
	case err != nil:
		return nil, err
	case cur.URL == w.URL && cur.Secret == w.Secret && slices.Equal(cur.Types, w.Types) && cur.Description == w.Description:
		return cur, nil
	}
	if err := s.store.UpdateWebhookEndpoint(ctx, w); err != nil {
		return nil, err
	}
	detail := webhookDetail(w)
	detail["secret_rotated"] = cur.Secret != w.Secret
	s.audit(ctx, actor, "", ActionWebhookUpdate, detail)
	return w, nil
}

// checkWebhook checks an endpoint's fields and returns it (without ID).
func (s *Service) checkWebhook(req NewWebhook) (*kassa.WebhookEndpoint, error) {
	if req.URL == "" {
		return nil, kassa.FieldError("url", "url is required")
	}
	if len(req.URL) > maxWebhookURLLen {
		return nil, kassa.FieldError("url", "url must be at most %d bytes", maxWebhookURLLen)
	}
	u, err := webhook.ValidateURL(req.URL)
	if err != nil {
		return nil, kassa.FieldError("url", "%s", kassa.ErrorMessage(err))
	}
	// A literal address is checked now; a name is checked on every
	// delivery, on the address it resolves to.
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := s.outbound.Check(addr); err != nil {
			return nil, kassa.FieldError("url", "%v (allow its network with --allow-callback-net)", err)
		}
	}
	if req.Secret != "" {
		if len(req.Secret) < MinWebhookSecretLen || len(req.Secret) > MaxWebhookSecretLen {
			return nil, kassa.FieldError("secret", "secret must be %d to %d bytes", MinWebhookSecretLen, MaxWebhookSecretLen)
		}
		if err := checkText("secret", req.Secret, MaxWebhookSecretLen); err != nil {
			return nil, kassa.FieldError("secret", "secret must be text without control characters")
		}
	}
	types := []string{}
	for _, t := range req.Events {
		if !kassa.ValidEventType(t) {
			return nil, kassa.FieldError("events", "unknown event type %q (see docs/events.md)", t)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if err := checkText("description", req.Description, MaxWebhookDescLen); err != nil {
		return nil, err
	}
	return &kassa.WebhookEndpoint{URL: req.URL, Secret: req.Secret, Types: types, Description: req.Description}, nil
}

// webhookDetail is an endpoint's audit detail: no secret, and of the URL
// only the scheme, host and path (a query may hold a token).
func webhookDetail(w *kassa.WebhookEndpoint) map[string]any {
	return map[string]any{"id": w.ID, "url": redactedURL(w.URL), "events": w.Types, "description": w.Description}
}

// redactedURL is rawURL without user information, query and fragment.
func redactedURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// newWebhookID returns a random endpoint ID.
func newWebhookID() string { return "wh_" + randomHex(8) }

// newWebhookSecret returns a random signing secret (192 bits).
func newWebhookSecret() string { return "whsec_" + randomHex(24) }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
