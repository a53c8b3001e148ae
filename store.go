package kassa

import (
	"context"
	"time"
)

// Store is everything kassa keeps. The SQLite and PostgreSQL stores both
// implement it and both pass the conformance suite in storetest.
type Store interface {
	AccountStore
	SecretStore
	LedgerStore
	TransferStore
	PriceBookStore
	PlanStore
	AuditStore
	LeaseStore
	SessionStore
	MetaStore
	EventStore
	WebhookStore
	SpendStore
	UsageStore
	// Ping checks that the store can be reached; EUNAVAILABLE if not.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// BalanceView is what get-balance answers: an account's current balance
// (never cached: other nodes and the ledger write it) and whether
// auto-reload is enabled.
type BalanceView struct {
	Balance    Amount
	AutoReload bool
}

// AccountStore keeps accounts and their settings.
type AccountStore interface {
	// CreateAccount stores a new account with its first secret and, when
	// opening is not nil, an opening ledger entry written in the same
	// transaction (its amount becomes the balance). ECONFLICT if the api key
	// is taken.
	CreateAccount(ctx context.Context, a *Account, first *Secret, opening *Entry) error
	// CreateSubaccount stores a new subaccount of a.Primary with its first
	// secret and the events (subaccount.created), in one transaction that
	// serializes with the primary's other subaccount creations: ELIMIT, and
	// nothing is stored, when the primary already has max subaccounts;
	// ENOTFOUND when the primary does not exist; ECONFLICT if the api key
	// is taken.
	CreateSubaccount(ctx context.Context, a *Account, first *Secret, max int, events ...*Event) error
	// Subaccounts returns the subaccounts of a primary, oldest first
	// (ties by api key). None when it has none or does not exist.
	Subaccounts(ctx context.Context, primary string) ([]*Account, error)
	// FindAccount returns one account. ENOTFOUND if there is none.
	FindAccount(ctx context.Context, apiKey string) (*Account, error)
	// FindBalance returns just the account's current balance and whether
	// auto-reload is enabled: the narrow read behind get-balance, which runs
	// on every poll of every client. ENOTFOUND if there is none.
	FindBalance(ctx context.Context, apiKey string) (BalanceView, error)
	// ListAccounts returns a page of accounts ordered by api key and the
	// total count matching the filter.
	ListAccounts(ctx context.Context, f AccountFilter) ([]*Account, int, error)
	// UpdateAccount applies upd and returns the account as it now is, and
	// writes the events upd.Events returns in the same transaction.
	// ENOTFOUND if there is none.
	UpdateAccount(ctx context.Context, apiKey string, upd AccountUpdate) (*Account, error)
	// UpdateSettings applies upd in one transaction: the settings fields it
	// gives (the others keep their stored values, whatever was read
	// before) and, with upd.NewSecret, the replacement of the secret
	// upd.ReplaceSecret by it (filling its AccountKey and CreatedAt). It
	// returns the settings as they were just before and the account as it
	// now is. ENOTFOUND if the account, or the secret to replace, does not
	// exist; on any error nothing changes.
	UpdateSettings(ctx context.Context, apiKey string, upd SettingsUpdate) (before Settings, after *Account, err error)
	// AutoReloadAccounts returns the accounts with auto-reload enabled whose
	// balance is at or below their threshold.
	AutoReloadAccounts(ctx context.Context) ([]*Account, error)
	// AccountTotals returns, per currency (by code), the number of accounts
	// and the sum of their balances.
	AccountTotals(ctx context.Context) ([]CurrencyTotal, error)
}

// SecretStore keeps the hashed API secrets of accounts.
type SecretStore interface {
	// Secrets returns an account's secrets, oldest first. ENOTFOUND if the
	// account does not exist.
	Secrets(ctx context.Context, apiKey string) ([]*Secret, error)
	// CreateSecret adds a secret unless the account already has MaxSecrets
	// (ELIMIT). ENOTFOUND if the account does not exist.
	CreateSecret(ctx context.Context, s *Secret) error
	// DeleteSecret removes a secret unless it is the account's last one
	// (EFORBIDDEN). ENOTFOUND if the account or the secret does not exist.
	// Every way a store deletes (or changes) a secret also deletes, in the
	// same transaction, the dashboard sessions opened with it (see Session):
	// the stores do it in their schema, not in each method.
	DeleteSecret(ctx context.Context, apiKey, id string) error
}

// PriceBookStore keeps price-book versions and which one is active.
type PriceBookStore interface {
	// CreatePriceBook stores a validated, inactive version of v.Plan
	// (DefaultPlan when ""): its description (Name, Demo, DemoTypes,
	// Source, Prices) and its encoded
	// data as a sequence of chunks, all in one transaction, and fills
	// v.Version, v.CreatedAt and v.Checksum (the hex sha256 of the chunks
	// back to back). Chunks keep their order and boundaries.
	CreatePriceBook(ctx context.Context, v *PriceBookVersion, chunks [][]byte) error
	// PriceBook returns one version's description. ENOTFOUND if there is none.
	PriceBook(ctx context.Context, version int64) (*PriceBookVersion, error)
	// ReadPriceBook calls fn with each chunk of a version's data, in
	// order, holding one at a time: a large version is never in memory
	// whole. fn must not keep chunk after it returns; an error from fn
	// ends the reading and is returned. ENOTFOUND if there is no such
	// version.
	ReadPriceBook(ctx context.Context, version int64, fn func(chunk []byte) error) error
	// PriceBooks lists every version of every plan, newest first.
	PriceBooks(ctx context.Context) ([]*PriceBookVersion, error)
	// ActivatePriceBook marks a version activated, to take effect at
	// effectiveAt (now or later), and writes events (pricebook.activated)
	// in the same transaction. ENOTFOUND if there is no such version.
	ActivatePriceBook(ctx context.Context, version int64, effectiveAt time.Time, events ...*Event) error
	// ActivePriceBook returns plan's activated version in effect at now:
	// the one with the latest effective time not after now (the latest
	// activation breaks ties). ENOTFOUND if none is.
	ActivePriceBook(ctx context.Context, plan string, now time.Time) (*PriceBookVersion, error)
}

// AuditEvent records who changed what: secret creation and revocation,
// settings changes, lock-outs, reloads. It never holds a secret.
type AuditEvent struct {
	ID         int64
	At         time.Time
	Actor      string // "account:KEY", "admin", "system", "platform"
	Account    string // the account concerned, if any
	Action     string // "secret.create", "settings.update", "auth.lockout", …
	RemoteAddr string
	Detail     string // JSON object with what changed
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	Account string
	Action  string
	Offset  int
	Limit   int
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AppendAudit records an event and fills its ID (and At when zero).
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// ListAudit returns events newest first and the total matching count.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, int, error)
}

// LeaseStore gives background jobs a lease so that one node at a time runs
// them.
type LeaseStore interface {
	// AcquireLease takes the named lease for holder until now+ttl, or renews
	// it when holder already has it. It reports false when another holder has
	// an unexpired lease.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// MetaStore keeps a few facts about the installation itself under
// well-known keys: the fingerprint of the pepper that its secrets are hashed
// with (never the pepper), the readiness write probe.
type MetaStore interface {
	// EnsureMeta stores value under key unless the key already holds a
	// value, and returns the value the key holds: value itself, or the one
	// stored first. Several nodes calling it at once all get the same value.
	EnsureMeta(ctx context.Context, key, value string) (string, error)
	// SetMeta stores value under key, replacing any value it held.
	SetMeta(ctx context.Context, key, value string) error
}
