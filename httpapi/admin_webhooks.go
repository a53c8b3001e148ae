package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/events"
)

// webhookJSON is a webhook endpoint on the admin API. The secret is shown
// only in the answer that set it, when kassa generated it; secret_set says
// that there is one.
type webhookJSON struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	Secret      string   `json:"secret,omitempty"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	// Pending and Failed count the deliveries in those states (on the
	// answer of one endpoint only).
	Pending *int `json:"pending,omitempty"`
	Failed  *int `json:"failed,omitempty"`
}

func toWebhookJSON(w *kassa.WebhookEndpoint) webhookJSON {
	types := w.Types
	if types == nil {
		types = []string{}
	}
	return webhookJSON{ID: w.ID, URL: w.URL, Events: types, Description: w.Description,
		CreatedAt: adminTime(w.CreatedAt), UpdatedAt: adminTime(w.UpdatedAt)}
}

// webhookRequest is the body of POST /admin/v1/webhooks and PATCH
// /admin/v1/webhooks/{id}.
type webhookRequest struct {
	URL         *string   `json:"url"`
	Secret      *string   `json:"secret"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
}

// adminCreateWebhook answers POST /admin/v1/webhooks: 201 with the new
// endpoint, and its secret when kassa generated it.
func (s *Server) adminCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	n := app.NewWebhook{}
	if req.URL != nil {
		n.URL = *req.URL
	}
	if req.Secret != nil {
		n.Secret = *req.Secret
	}
	if req.Events != nil {
		n.Events = *req.Events
	}
	if req.Description != nil {
		n.Description = *req.Description
	}
	ep, generated, err := s.app.CreateWebhook(r.Context(), adminActor(r), n)
	if err != nil {
		return err
	}
	body := toWebhookJSON(ep)
	if generated {
		body.Secret = ep.Secret
	}
	w.Header().Set("Location", "/admin/v1/webhooks/"+ep.ID)
	writeAdminJSON(w, http.StatusCreated, body)
	return nil
}

// adminListWebhooks answers GET /admin/v1/webhooks.
func (s *Server) adminListWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.WebhookEndpoints(r.Context())
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, map[string]any{"webhooks": mapEach(list, toWebhookJSON)})
	return nil
}

// adminGetWebhook answers GET /admin/v1/webhooks/{id}: the endpoint with
// its numbers of pending and failed deliveries.
func (s *Server) adminGetWebhook(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.cfg.Store.WebhookEndpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	body := toWebhookJSON(ep)
	for state, dst := range map[kassa.DeliveryState]**int{kassa.DeliveryPending: &body.Pending, kassa.DeliveryFailed: &body.Failed} {
		_, n, err := s.cfg.Store.ListDeliveries(r.Context(), kassa.DeliveryFilter{Endpoint: ep.ID, State: state, Limit: 1})
		if err != nil {
			return err
		}
		*dst = &n
	}
	writeAdminJSON(w, http.StatusOK, body)
	return nil
}

// adminPatchWebhook answers PATCH /admin/v1/webhooks/{id}: the fields
// given change ("secret": "" generates a new one, shown in the answer).
func (s *Server) adminPatchWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	ep, generated, err := s.app.UpdateWebhook(r.Context(), adminActor(r), r.PathValue("id"), app.WebhookChange{
		URL: req.URL, Secret: req.Secret, Events: req.Events, Description: req.Description,
	})
	if err != nil {
		return err
	}
	body := toWebhookJSON(ep)
	if generated {
		body.Secret = ep.Secret
	}
	writeAdminJSON(w, http.StatusOK, body)
	return nil
}

// adminDeleteWebhook answers DELETE /admin/v1/webhooks/{id}: 204.
func (s *Server) adminDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.DeleteWebhook(r.Context(), adminActor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deliveryJSON is one delivery of the log.
type deliveryJSON struct {
	EventID       int64       `json:"event_id"`
	EventType     string      `json:"event_type"`
	Account       *string     `json:"account"`
	State         string      `json:"state"`
	Attempts      int         `json:"attempts"`
	NextAttemptAt *string     `json:"next_attempt_at"`
	LastAttemptAt *string     `json:"last_attempt_at"`
	LastStatus    *int        `json:"last_status"`
	LastError     string      `json:"last_error"`
	DeliveredAt   *string     `json:"delivered_at"`
	CreatedAt     string      `json:"created_at"`
	Event         events.Wire `json:"event"`
}

func toDeliveryJSON(d *kassa.Delivery) deliveryJSON {
	wire := events.ToWire(&d.Event)
	out := deliveryJSON{
		EventID: d.Event.ID, EventType: d.Event.Type, Account: wire.Account, State: string(d.State),
		Attempts: d.Attempts, NextAttemptAt: optionalEventTime(d.NextAttemptAt), LastAttemptAt: optionalEventTime(d.LastAttemptAt),
		LastError: d.LastError, DeliveredAt: optionalEventTime(d.DeliveredAt), CreatedAt: eventTime(d.CreatedAt), Event: wire,
	}
	if d.LastStatus != 0 {
		status := d.LastStatus
		out.LastStatus = &status
	}
	return out
}

// optionalEventTime is t as the event times are written, nil for the zero time.
func optionalEventTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := eventTime(t)
	return &s
}

// eventTime writes a time of the events' resources.
func eventTime(t time.Time) string { return t.UTC().Format(events.TimeFormat) }

// deliveryStates are the states the delivery log can be filtered by.
var deliveryStates = []kassa.DeliveryState{kassa.DeliveryPending, kassa.DeliveryDelivered, kassa.DeliveryFailed}

// adminListDeliveries answers GET /admin/v1/webhooks/{id}/deliveries?state=&before=&limit=:
// the endpoint's delivery log, newest event first.
func (s *Server) adminListDeliveries(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.cfg.Store.WebhookEndpoint(r.Context(), id); err != nil {
		return err
	}
	q := r.URL.Query()
	f := kassa.DeliveryFilter{Endpoint: id}
	if st := q.Get("state"); st != "" {
		f.State = kassa.DeliveryState(st)
		if !slices.Contains(deliveryStates, f.State) {
			return kassa.FieldError("state", "state must be pending, delivered or failed")
		}
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return kassa.FieldError("before", "before must be an event id")
		}
		f.Before = n
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return err
	}
	f.Limit = limit
	list, total, err := s.cfg.Store.ListDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	body := map[string]any{"deliveries": mapEach(list, toDeliveryJSON), "total": total}
	if len(list) == limit {
		body["next_before"] = list[len(list)-1].Event.ID
	}
	writeAdminJSON(w, http.StatusOK, body)
	return nil
}

// adminRedeliver answers POST /admin/v1/webhooks/{id}/deliveries/{event_id}/redeliver:
// the delivery, pending and due now.
func (s *Server) adminRedeliver(w http.ResponseWriter, r *http.Request) error {
	eventID, err := strconv.ParseInt(r.PathValue("event_id"), 10, 64)
	if err != nil || eventID < 1 {
		return kassa.Errorf(kassa.ENOTFOUND, "no delivery of event %q", r.PathValue("event_id"))
	}
	d, err := s.app.Redeliver(r.Context(), adminActor(r), r.PathValue("id"), eventID)
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toDeliveryJSON(d))
	return nil
}
