package kassa

// The payloads of the event types (Event.Data), as docs/events.md
// documents them. Amounts are decimal strings with 8 decimals, times are
// RFC 3339 in UTC. Fields may be added; none is removed or changes meaning.

// Sources of a reload event.
const (
	ReloadSourceAuto  = "auto-reload" // the scheduler reloaded an account at its threshold
	ReloadSourceTopUp = "top-up"      // the account holder's POST /account/top-up
)

// Codes of a reload.failed event.
const (
	ReloadDeclined   = "declined"    // the payment gateway declined, or none is configured
	ReloadCapReached = "cap_reached" // the account's daily reload cap is reached
)

// ReloadSucceededData is the payload of reload.succeeded: an auto-reload
// or a top-up was paid and credited (the event is written with the credit).
type ReloadSucceededData struct {
	Source           string `json:"source"` // ReloadSourceAuto or ReloadSourceTopUp
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	BalanceAfter     string `json:"balance_after"`
	EntryID          int64  `json:"entry_id"`
	PaymentReference string `json:"payment_reference"`
	IdempotencyKey   string `json:"idempotency_key"`
}

// ReloadFailedData is the payload of reload.failed: an auto-reload or a
// top-up was refused and nothing was credited.
type ReloadFailedData struct {
	Source         string `json:"source"` // ReloadSourceAuto or ReloadSourceTopUp
	Code           string `json:"code"`   // ReloadDeclined or ReloadCapReached
	Reason         string `json:"reason"`
	Amount         string `json:"amount,omitempty"`
	Currency       string `json:"currency,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	DailyCap       int    `json:"daily_cap,omitempty"` // with ReloadCapReached
}

// PriceBookActivatedData is the payload of pricebook.activated: a price
// book version was activated, to take effect at EffectiveAt.
type PriceBookActivatedData struct {
	Version     int64  `json:"version"`
	Plan        string `json:"plan"` // the price plan whose version it is
	Name        string `json:"name"`
	Demo        bool   `json:"demo"`
	Prices      int    `json:"prices"`
	Checksum    string `json:"checksum"`
	EffectiveAt string `json:"effective_at"`
}

// AccountSuspensionData is the payload of account.suspended and
// account.resumed (the event's account is the one suspended or resumed).
type AccountSuspensionData struct {
	// Primary is the primary account of a subaccount; "" otherwise.
	Primary string `json:"primary,omitempty"`
	// By is who did it, as the audit log names actors: "admin" (an
	// operator), "account:KEY" (a primary, through the Subaccounts API).
	By string `json:"by"`
}

// SubaccountCreatedData is the payload of subaccount.created (the event's
// account is the new subaccount).
type SubaccountCreatedData struct {
	Primary                  string `json:"primary"`
	Name                     string `json:"name"`
	UsePrimaryAccountBalance bool   `json:"use_primary_account_balance"`
	Currency                 string `json:"currency"`
}

// TransferCreatedData is the payload of transfer.created: a balance or
// credit transfer between a primary and one of its subaccounts (the
// event's account is the primary).
type TransferCreatedData struct {
	TransferID string `json:"transfer_id"`
	Kind       string `json:"kind"` // "balance" or "credit"
	Primary    string `json:"primary"`
	From       string `json:"from"`
	To         string `json:"to"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	Reference  string `json:"reference"`
}

// BalanceAlertData is the payload of balance.low and balance.recovered:
// the balance fell below the account's low-balance threshold, or rose
// above it again.
type BalanceAlertData struct {
	Balance   string `json:"balance"`   // the balance after the change (open holds taken off)
	Threshold string `json:"threshold"` // the account's low-balance threshold
	Currency  string `json:"currency"`
	// EntryID is the ledger entry that crossed the threshold; 0 when a
	// change of the threshold itself did.
	EntryID int64 `json:"entry_id"`
}

// SpendCapReachedData is the payload of spend_cap.reached: a charge or
// hold was refused because it would have exceeded a cap (written once per
// account, cap and period, at the first refusal).
type SpendCapReachedData struct {
	Cap         string `json:"cap"`    // "daily" or "monthly"
	Limit       string `json:"limit"`  // the cap
	Spent       string `json:"spent"`  // spent in the period when the charge or hold was refused
	Amount      string `json:"amount"` // the refused charge or hold
	Currency    string `json:"currency"`
	PeriodStart string `json:"period_start"`
	ResetsAt    string `json:"resets_at"`
}
