package kassa

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The event types: what happened to an account (or to the installation),
// as the outbox records it and the feed and the webhooks deliver it.
// docs/events.md describes the payload of each.
const (
	EventBalanceLow         = "balance.low"
	EventBalanceRecovered   = "balance.recovered"
	EventSpendCapReached    = "spend_cap.reached"
	EventAccountSuspended   = "account.suspended"
	EventAccountResumed     = "account.resumed"
	EventReloadSucceeded    = "reload.succeeded"
	EventReloadFailed       = "reload.failed"
	EventTransferCreated    = "transfer.created"
	EventSubaccountCreated  = "subaccount.created"
	EventPriceBookActivated = "pricebook.activated"
)

// EventTypes lists every event type, for validation and documentation.
var EventTypes = []string{
	EventBalanceLow, EventBalanceRecovered, EventSpendCapReached,
	EventAccountSuspended, EventAccountResumed,
	EventReloadSucceeded, EventReloadFailed,
	EventTransferCreated, EventSubaccountCreated, EventPriceBookActivated,
}

// ValidEventType reports whether t is a known event type.
func ValidEventType(t string) bool { return slices.Contains(EventTypes, t) }

// Event is one thing that happened, written to the outbox in the same
// transaction as the change that caused it: it exists if and only if the
// change committed.
type Event struct {
	// ID is unique and grows in commit order across the cluster: every
	// event with a smaller ID committed before this one, so the highest ID
	// a reader has seen is a cursor from which it can resume without
	// missing one. IDs may have gaps.
	ID        int64
	Type      string
	Account   string          // the account it is about; "" for none (pricebook.activated)
	CreatedAt time.Time       // the time of the transaction that wrote it
	Data      json.RawMessage // a JSON object: the type's payload (docs/events.md)
}

// NewEvent returns an event of type typ about account with data, encoded
// as JSON, for a store to write (it fills ID and CreatedAt).
func NewEvent(typ, account string, data any) (*Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", typ, err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("encode %s event: the payload is not a JSON object", typ)
	}
	return &Event{Type: typ, Account: account, Data: raw}, nil
}

// EventFilter selects events, oldest first: those with an ID above After,
// at most Limit (0: the store's default page of at least 100), of one of
// Types (any when empty) and about Account (any when "").
type EventFilter struct {
	After   int64
	Limit   int
	Types   []string
	Account string
}

// EventStore keeps the outbox of events. Events are written by the changes
// that cause them, inside their own transactions (LedgerTx.AppendEvent for
// ledger changes, the store methods that take events for the others);
// AppendEvents is for events whose cause is no other change of the store.
type EventStore interface {
	// AppendEvents writes the events and, when audit is not nil, the audit
	// record in one transaction, filling each event's ID and CreatedAt
	// (and audit's ID, and its At when zero).
	AppendEvents(ctx context.Context, audit *AuditEvent, events ...*Event) error
	// ListEvents returns the events f selects, oldest first.
	ListEvents(ctx context.Context, f EventFilter) ([]*Event, error)
	// LastEventID returns the highest ID of the events written so far, 0
	// when there is none.
	LastEventID(ctx context.Context) (int64, error)
}
