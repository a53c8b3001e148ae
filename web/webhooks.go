package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// deliveriesPerPage is the delivery log's page size.
const deliveriesPerPage = 50

// webhookRow is an endpoint with its counts of pending and failed
// deliveries.
type webhookRow struct {
	*kassa.WebhookEndpoint
	Pending, Failed int
}

// webhooksData is the webhooks page's data.
type webhooksData struct {
	Webhooks []webhookRow
	Types    []string
	Error    string
	Form     url.Values // the values of a refused form
	CanAdd   bool
}

// webhooksPage lists the endpoints with a form to register one.
func (h *handler) webhooksPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderWebhooks(w, r, sess, http.StatusOK, "", nil)
}

func (h *handler) renderWebhooks(w http.ResponseWriter, r *http.Request, sess *session, status int, errMsg string, form url.Values) {
	list, err := h.cfg.Store.WebhookEndpoints(r.Context())
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list webhook endpoints", err))
		return
	}
	d := webhooksData{Types: kassa.EventTypes, Error: errMsg, Form: form, CanAdd: len(list) < app.MaxWebhookEndpoints}
	for _, ep := range list {
		row := webhookRow{WebhookEndpoint: ep}
		if row.Pending, row.Failed, err = h.deliveryCounts(r, ep.ID); err != nil {
			h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "count deliveries", err))
			return
		}
		d.Webhooks = append(d.Webhooks, row)
	}
	h.render(w, r, sess, status, "webhooks", "Webhooks", "webhooks", d)
}

// deliveryCounts counts an endpoint's pending and failed deliveries.
func (h *handler) deliveryCounts(r *http.Request, id string) (pending, failed int, err error) {
	if _, pending, err = h.cfg.Store.ListDeliveries(r.Context(), kassa.DeliveryFilter{Endpoint: id, State: kassa.DeliveryPending, Limit: 1}); err != nil {
		return 0, 0, err
	}
	_, failed, err = h.cfg.Store.ListDeliveries(r.Context(), kassa.DeliveryFilter{Endpoint: id, State: kassa.DeliveryFailed, Limit: 1})
	return pending, failed, err
}

// createWebhook registers an endpoint; a generated secret is shown once.
func (h *handler) createWebhook(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := r.ParseForm(); err != nil {
		h.renderWebhooks(w, r, sess, http.StatusBadRequest, "The form could not be read.", nil)
		return
	}
	req := app.NewWebhook{
		URL:         strings.TrimSpace(r.PostForm.Get("url")),
		Secret:      r.PostForm.Get("secret"),
		Events:      r.PostForm["events"],
		Description: strings.TrimSpace(r.PostForm.Get("description")),
	}
	ep, generated, err := h.app.CreateWebhook(r.Context(), operatorActor(r), req)
	if err != nil {
		form := url.Values{"url": {req.URL}, "description": {req.Description}, "events": req.Events}
		h.renderWebhooks(w, r, sess, statusOf(err), "The endpoint was not added: "+h.userMessage(r, "add the webhook endpoint", err), form)
		return
	}
	f := &flash{Kind: "ok", Message: "Endpoint " + ep.ID + " added: it receives the events from now on."}
	if generated {
		f.Message += " Copy its signing secret now: it will not be shown again."
		f.Secret = ep.Secret
	}
	h.sessions.setFlash(sess, f)
	redirect(w, r, "/ui/operator/webhooks")
}

// deleteWebhook removes an endpoint and its delivery log.
func (h *handler) deleteWebhook(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	if err := h.app.DeleteWebhook(r.Context(), operatorActor(r), id); err != nil {
		h.renderWebhooks(w, r, sess, statusOf(err), "The endpoint was not deleted: "+h.userMessage(r, "delete the webhook endpoint", err), nil)
		return
	}
	h.setFlash(sess, "ok", "Endpoint "+id+" deleted.")
	redirect(w, r, "/ui/operator/webhooks")
}

// deliveriesData is the delivery log's data.
type deliveriesData struct {
	Endpoint        *kassa.WebhookEndpoint
	Base            string
	Deliveries      []*kassa.Delivery
	State           string
	States          []kassa.DeliveryState
	Total           int
	Pending, Failed int
	NextURL         string
	Error           string
}

// deliveriesPage shows an endpoint's delivery log, newest event first,
// filtered by state and paged by event id.
func (h *handler) deliveriesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderDeliveries(w, r, sess, http.StatusOK, "")
}

func (h *handler) renderDeliveries(w http.ResponseWriter, r *http.Request, sess *session, status int, errMsg string) {
	id := r.PathValue("id")
	ep, err := h.cfg.Store.WebhookEndpoint(r.Context(), id)
	if err != nil {
		h.renderError(w, r, sess, statusOf(err), h.userMessage(r, "load the webhook endpoint", err))
		return
	}
	q := r.URL.Query()
	d := deliveriesData{Endpoint: ep, Base: "/ui/operator/webhooks/" + url.PathEscape(id), Error: errMsg,
		States: []kassa.DeliveryState{kassa.DeliveryPending, kassa.DeliveryDelivered, kassa.DeliveryFailed}}
	f := kassa.DeliveryFilter{Endpoint: id, Limit: deliveriesPerPage}
	if st := kassa.DeliveryState(q.Get("state")); st == kassa.DeliveryPending || st == kassa.DeliveryDelivered || st == kassa.DeliveryFailed {
		f.State, d.State = st, string(st)
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.Before = b
	}
	if d.Deliveries, d.Total, err = h.cfg.Store.ListDeliveries(r.Context(), f); err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list deliveries", err))
		return
	}
	if d.Pending, d.Failed, err = h.deliveryCounts(r, id); err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "count deliveries", err))
		return
	}
	if len(d.Deliveries) == deliveriesPerPage {
		last := d.Deliveries[len(d.Deliveries)-1].Event.ID
		d.NextURL = d.Base + "?" + url.Values{"state": {d.State}, "before": {strconv.FormatInt(last, 10)}}.Encode()
	}
	h.render(w, r, sess, status, "deliveries", "Deliveries to "+ep.ID, "webhooks", d)
}

// redeliver sends one event to the endpoint again, now.
func (h *handler) redeliver(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	eventID, err := strconv.ParseInt(r.PathValue("event"), 10, 64)
	if err != nil || eventID < 1 {
		h.renderDeliveries(w, r, sess, http.StatusNotFound, "There is no such delivery.")
		return
	}
	if _, err := h.app.Redeliver(r.Context(), operatorActor(r), id, eventID); err != nil {
		h.renderDeliveries(w, r, sess, statusOf(err), "Event "+strconv.FormatInt(eventID, 10)+" was not redelivered: "+h.userMessage(r, "redeliver the event", err))
		return
	}
	h.setFlash(sess, "ok", "Event "+strconv.FormatInt(eventID, 10)+" will be delivered again within a second.")
	redirect(w, r, "/ui/operator/webhooks/"+url.PathEscape(id))
}
