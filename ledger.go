package kassa

import (
	"context"
	"time"
)

// EntryKind says what a ledger entry did to the balance.
type EntryKind string

// The kinds of ledger entries. Credits, top-ups, reloads, refunds, releases
// and captures (returning the unused part of a hold) add to the balance;
// debits and holds take from it; adjustments go either way.
const (
	KindCredit     EntryKind = "credit"
	KindDebit      EntryKind = "debit"
	KindTopUp      EntryKind = "top-up"
	KindReload     EntryKind = "reload"
	KindRefund     EntryKind = "refund"
	KindAdjustment EntryKind = "adjustment"
	KindHold       EntryKind = "hold"
	KindCapture    EntryKind = "capture"
	KindRelease    EntryKind = "release"
	KindCharge     EntryKind = "charge"
	// KindTransferOut and KindTransferIn are the two entries of a balance
	// transfer between a primary account and one of its subaccounts: the
	// same amount leaves one balance and reaches the other, in one
	// transaction.
	KindTransferOut EntryKind = "transfer-out"
	KindTransferIn  EntryKind = "transfer-in"
)

// EntryKinds lists every kind, for validation and documentation.
var EntryKinds = []EntryKind{KindCredit, KindDebit, KindCharge, KindTopUp, KindReload, KindRefund, KindAdjustment, KindHold, KindCapture, KindRelease, KindTransferOut, KindTransferIn}

// Valid reports whether k is a known entry kind.
func (k EntryKind) Valid() bool {
	for _, v := range EntryKinds {
		if v == k {
			return true
		}
	}
	return false
}

// Entry is one change to one account's balance. Balance and entry are always
// written in the same transaction, so the balance equals the sum of the
// account's entries at every commit.
type Entry struct {
	ID             int64
	Account        string
	Kind           EntryKind
	Amount         Amount // signed: positive adds to the balance
	BalanceAfter   Amount
	Reason         string
	Reference      string // message id, trx, payment reference…
	IdempotencyKey string // unique per account when not empty
	RequestHash    string // hash of the request that made it, for replay checks
	RelatedID      int64  // the charge a refund refunds; the hold entry a capture or release closes
	HoldID         string // the hold this entry opened or closed
	Meta           string // JSON with what the surface that made it needs to replay its answer
	// Subaccount is the shared-balance subaccount on whose behalf the entry
	// was written on its primary's ledger (a charge, a hold and what closes
	// or refunds them); "" otherwise. Idempotency keys are unique per
	// account and subaccount.
	Subaccount string
	CreatedAt  time.Time
}

// EntryFilter selects ledger entries. Entries come newest first. Zero fields
// do not filter; Limit 0 means the store's default page size.
type EntryFilter struct {
	Account   string
	Kinds     []EntryKind
	Since     time.Time // inclusive
	Until     time.Time // exclusive
	Before    int64     // only entries with an ID below this (keyset paging)
	Offset    int
	Limit     int
	Reference string
	// Subaccount selects the entries written on behalf of a shared-balance
	// subaccount (on its primary's ledger).
	Subaccount string
}

// HoldState is where a hold is in its life.
type HoldState string

// The states of a hold.
const (
	HoldOpen     HoldState = "open"
	HoldCaptured HoldState = "captured"
	HoldReleased HoldState = "released"
	HoldExpired  HoldState = "expired"
)

// Hold reserves part of a balance for a call of unknown length. Opening it
// writes a hold entry that takes Amount from the balance; capturing it
// charges Captured and returns the rest; releasing or expiring returns all.
type Hold struct {
	ID      string
	Account string // the account whose balance is held
	// Subaccount is the shared-balance subaccount the hold was opened for
	// (on its primary's balance, Account); "" otherwise.
	Subaccount string
	Amount     Amount // positive
	Captured   Amount
	State      HoldState
	EntryID    int64 // the hold entry
	ExpiresAt  time.Time
	CreatedAt  time.Time
	ClosedAt   time.Time
}

// AccountBalance is what the ledger needs of an account inside a write
// transaction.
type AccountBalance struct {
	APIKey        string
	Currency      Currency
	Balance       Amount
	CreditLimit   Amount
	AutoReload    AutoReload
	Primary       string // a subaccount's primary; "" otherwise
	SharedBalance bool   // a subaccount that spends its primary's balance
	Suspended     bool
	Spend         Spend // the spend controls and their state; zero when none
}

// Discrepancy is an account whose balance differs from the sum of its
// entries, as Verify finds it.
type Discrepancy struct {
	Account    string
	Balance    Amount
	EntriesSum Amount
	Entries    int64
}

// UsageDiscrepancy is an account whose usage rollups differ from its
// entries, as VerifyUsage finds it: each total as the rollups hold it and
// as the entries give it.
type UsageDiscrepancy struct {
	Account                   string
	Count, EntriesCount       int64  // charges and captures of more than 0
	Charged, EntriesCharged   Amount // what they took
	Refunds, EntriesRefunds   int64  // refunds
	Refunded, EntriesRefunded Amount // what the refunds gave back
}

// LedgerTx is one write transaction on the ledger. Every method is called
// from one goroutine. Stores read the clock once per transaction: Now is the
// timestamp of every row the transaction writes.
type LedgerTx interface {
	// Now is the transaction's timestamp.
	Now() time.Time
	// LockAccounts takes write locks on the accounts, in the order given
	// (callers sort the keys, so that concurrent transactions cannot deadlock).
	LockAccounts(keys ...string) error
	// Balance returns the account's balance row. ENOTFOUND if no such account.
	Balance(key string) (*AccountBalance, error)
	// Append writes e and sets the account's balance to balance+e.Amount,
	// filling e.ID, e.BalanceAfter and e.CreatedAt. It does not check floors:
	// the caller does. ECONFLICT if the idempotency key is taken.
	Append(e *Entry) error
	// EntryByIdempotencyKey returns the account's entry with that key,
	// among those written on behalf of subaccount ("" for the account's
	// own). ENOTFOUND if there is none.
	EntryByIdempotencyKey(account, subaccount, key string) (*Entry, error)
	// Entry returns one entry. ENOTFOUND if there is none.
	Entry(id int64) (*Entry, error)
	// RelatedTotal sums the amounts of the entries of the given kind whose
	// RelatedID is id (e.g. the refunds of a charge).
	RelatedTotal(id int64, kind EntryKind) (Amount, error)
	// CountEntries counts the account's entries of a kind written at or after since.
	CountEntries(account string, kind EntryKind, since time.Time) (int, error)
	// CreateHold stores a new hold.
	CreateHold(h *Hold) error
	// Hold returns a hold. ENOTFOUND if there is none.
	Hold(id string) (*Hold, error)
	// CloseHold moves an open hold to state with the captured amount.
	// ECONFLICT if it is not open.
	CloseHold(id string, state HoldState, captured Amount) error
	// AppendEvent writes e to the outbox in this transaction, filling its
	// ID and CreatedAt: the event exists if and only if the transaction
	// commits.
	AppendEvent(e *Event) error
	// SetCreditLimit sets the account's credit limit (a credit transfer).
	// ENOTFOUND if there is no such account.
	SetCreditLimit(key string, limit Amount) error
	// CreateTransfer records a transfer and fills its CreatedAt. ECONFLICT
	// if its id, or its primary's idempotency key, is taken.
	CreateTransfer(t *Transfer) error
	// TransferByIdempotencyKey returns the primary's transfer with that
	// key. ENOTFOUND if there is none.
	TransferByIdempotencyKey(primary, key string) (*Transfer, error)
	// SetSpend stores the account's spend controls and their state.
	// ENOTFOUND if there is no such account.
	SetSpend(key string, s Spend) error
	// SpentSince returns what account spent from since until now:
	// the charges and holds written from since on, less what was given
	// back of them (capture remainders, releases, refunds) from since on,
	// counting only what gives back a charge or hold written from since
	// on (for a refund of a capture: its hold). With subaccount, only the
	// entries written on account's ledger on behalf of that
	// shared-balance subaccount count; without, all of account's entries.
	SpentSince(account, subaccount string, since time.Time) (Amount, error)
	// AddUsage adds d to its usage rollup row (account, day, subaccount,
	// type, country, network), creating it at zero first: one row per
	// charge, capture or refund, whatever the ledger's size.
	AddUsage(d UsageDelta) error
}

// LedgerStore is the ledger part of a Store.
type LedgerStore interface {
	// InLedgerTx runs fn in one write transaction and commits it when fn
	// returns nil; any error rolls everything back. A commit that returns nil
	// is durable. EUNAVAILABLE when the database cannot be reached. A store
	// may run fn more than once (PostgreSQL reruns a transaction that lost
	// a serialization race), so fn must start afresh on each run.
	InLedgerTx(ctx context.Context, fn func(LedgerTx) error) error
	// ListEntries returns entries newest first and the number of entries
	// matching f's filters (Account, Kinds, Since, Until, Reference),
	// whatever the page: Before, Offset and Limit do not change it.
	ListEntries(ctx context.Context, f EntryFilter) ([]*Entry, int, error)
	// ExpiredHolds returns up to limit open holds that expired before now.
	ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*Hold, error)
	// Verify compares every account's balance with the sum of its entries and
	// returns those that differ (none when the ledger is sound).
	Verify(ctx context.Context) ([]Discrepancy, error)
	// VerifyUsage compares the usage rollups with the entries they sum
	// (docs/ledger.md#usage-rollups) and returns the accounts whose count,
	// charged, refunds or refunded differ (none when they agree).
	VerifyUsage(ctx context.Context) ([]UsageDiscrepancy, error)
}
