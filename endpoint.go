package kassa

import (
	"context"
	"slices"
	"time"
)

// WebhookEndpoint is a URL that the events are delivered to, signed with
// its secret.
type WebhookEndpoint struct {
	ID          string
	URL         string
	Secret      string   // signs each delivery (HMAC-SHA256); kept to sign, never shown again
	Types       []string // the event types it receives; every type when empty
	Description string
	// Cursor is the ID of the last event considered for this endpoint:
	// deliveries exist for the matching events up to it. A new endpoint
	// starts at the last event written before it, so it receives the
	// events that follow its creation.
	Cursor    int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Wants reports whether the endpoint receives events of type t.
func (w *WebhookEndpoint) Wants(t string) bool {
	return len(w.Types) == 0 || slices.Contains(w.Types, t)
}

// DeliveryState is where the delivery of one event to one endpoint is.
type DeliveryState string

// The states of a delivery.
const (
	DeliveryPending   DeliveryState = "pending"   // not delivered yet: due, retried later, or waiting behind an earlier event
	DeliveryDelivered DeliveryState = "delivered" // the endpoint answered 2xx
	DeliveryFailed    DeliveryState = "failed"    // given up after the retry period
)

// Delivery is the delivery of one event to one endpoint.
type Delivery struct {
	Endpoint string
	Event    Event
	State    DeliveryState
	Attempts int
	// NextAttemptAt is when the next attempt is due. It is zero while the
	// delivery waits behind an earlier pending delivery of the same
	// endpoint and account (events reach an endpoint in order per
	// account), and once it is delivered or failed.
	NextAttemptAt time.Time
	LastAttemptAt time.Time
	LastStatus    int    // the HTTP status of the last attempt; 0 when it got none
	LastError     string // why the last attempt failed; "" after a success
	DeliveredAt   time.Time
	CreatedAt     time.Time
}

// DeliveryOutcome is the result of one delivery attempt.
type DeliveryOutcome struct {
	Endpoint  string
	EventID   int64
	At        time.Time // when the attempt was made
	Delivered bool
	Status    int    // the HTTP status, 0 when there was none
	Error     string // why it failed; never a secret
	// RetryAt is when a failed attempt is retried; zero gives the delivery
	// up (failed).
	RetryAt time.Time
}

// DeliveryFilter selects deliveries, newest event first: those to
// Endpoint, in State (any when ""), with an event ID below Before (any
// when 0), at most Limit (0: the store's default page).
type DeliveryFilter struct {
	Endpoint string
	State    DeliveryState
	Before   int64
	Limit    int
}

// WebhookStore keeps the webhook endpoints and the delivery of each event
// to each of them. The dispatcher (one node of the cluster at a time, under
// a lease) fans events out into deliveries and records each attempt.
type WebhookStore interface {
	// CreateWebhookEndpoint stores a new endpoint, filling its CreatedAt,
	// UpdatedAt and Cursor (the last event written). ECONFLICT if the ID is
	// taken.
	CreateWebhookEndpoint(ctx context.Context, w *WebhookEndpoint) error
	// WebhookEndpoints returns every endpoint, oldest first.
	WebhookEndpoints(ctx context.Context) ([]*WebhookEndpoint, error)
	// WebhookEndpoint returns one endpoint. ENOTFOUND if there is none.
	WebhookEndpoint(ctx context.Context, id string) (*WebhookEndpoint, error)
	// UpdateWebhookEndpoint replaces an endpoint's URL, Secret, Types and
	// Description (its cursor and deliveries stay) and fills UpdatedAt.
	// ENOTFOUND if there is none.
	UpdateWebhookEndpoint(ctx context.Context, w *WebhookEndpoint) error
	// DeleteWebhookEndpoint removes an endpoint and its deliveries.
	// ENOTFOUND if there is none.
	DeleteWebhookEndpoint(ctx context.Context, id string) error

	// FanOut creates a pending delivery to the endpoint of each event
	// (given in ID order, each above after and at most upTo) and moves the
	// endpoint's cursor from after to upTo, in one transaction. A delivery
	// is due at once when no earlier delivery of the endpoint and the
	// event's account is pending; otherwise it waits for it. ECONFLICT,
	// and nothing changes, when the cursor is no longer after; ENOTFOUND
	// when the endpoint is gone.
	FanOut(ctx context.Context, endpoint string, after, upTo int64, events []*Event) error
	// DueDeliveries returns up to limit pending deliveries whose next
	// attempt is due at now, earliest due first: at most one per endpoint
	// and account, the earliest pending one.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*Delivery, error)
	// FinishAttempt records an attempt: delivered, retried at o.RetryAt, or
	// given up. A delivery that leaves the pending state makes the next
	// pending delivery of its endpoint and account due at o.At. ENOTFOUND
	// if there is no such delivery; ECONFLICT if it is not pending.
	FinishAttempt(ctx context.Context, o DeliveryOutcome) error
	// ListDeliveries returns the deliveries f selects, newest event first,
	// and how many match f's Endpoint and State.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, int, error)
	// Redeliver makes a delivery pending again and due now (the store's
	// clock), ahead of the later pending deliveries of its endpoint and
	// account, which wait for it again; its attempts count on. ENOTFOUND
	// if there is no such delivery.
	Redeliver(ctx context.Context, endpoint string, eventID int64) (*Delivery, error)
	// DeliveryBacklog counts the pending deliveries and returns the
	// creation time of the oldest (zero when there is none).
	DeliveryBacklog(ctx context.Context) (pending int, oldest time.Time, err error)
}
