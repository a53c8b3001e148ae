package kassa

import (
	"context"
	"time"
)

// TransferKind says what a transfer moved between a primary account and
// one of its subaccounts.
type TransferKind string

// The kinds of transfers.
const (
	// TransferBalance moves balance: a transfer-out entry on one account
	// and a transfer-in entry on the other, in one transaction.
	TransferBalance TransferKind = "balance"
	// TransferCredit moves credit limit: the source's credit limit rises
	// (towards 0) by the amount and the destination's falls by it.
	TransferCredit TransferKind = "credit"
)

// Valid reports whether k is a known transfer kind.
func (k TransferKind) Valid() bool { return k == TransferBalance || k == TransferCredit }

// Transfer is one balance or credit transfer between a primary account and
// one of its subaccounts, as the Subaccounts API lists it.
type Transfer struct {
	ID             string // a UUID
	Kind           TransferKind
	Primary        string // the primary account whose family it is
	From, To       string
	Amount         Amount // positive
	Reference      string
	IdempotencyKey string // unique per primary when not empty
	RequestHash    string // hash of the request, for replays
	CreatedAt      time.Time
}

// TransferFilter selects the transfers of one primary account, newest
// first. Accounts, when not empty, keeps the transfers whose From or To is
// one of them; a zero Since or Until does not bound.
type TransferFilter struct {
	Primary  string
	Kind     TransferKind
	Accounts []string
	Since    time.Time // inclusive
	Until    time.Time // inclusive
	Limit    int       // 0: the store's default page (at least 1000)
}

// TransferStore keeps the record of transfers (written by the ledger,
// LedgerTx.CreateTransfer).
type TransferStore interface {
	// ListTransfers returns the transfers matching f, newest first.
	ListTransfers(ctx context.Context, f TransferFilter) ([]*Transfer, error)
}
