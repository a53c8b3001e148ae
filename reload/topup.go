package reload

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// TopUpRequest is a public top-up.
type TopUpRequest struct {
	Account        string
	Trx            string // the payment reference; must equal the account's auto-reload trx
	IdempotencyKey string // the request's Idempotency-Key header, "" when absent
	RemoteAddr     string // the caller's address, for the audit events
}

// TopUp is the public top-up (POST /account/top-up): it charges the
// account's auto-reload amount to the payment behind req.Trx and credits it
// with a top-up entry whose reference is the gateway's reference for the
// payment, both under one idempotency key (see topUpKey). A retried request
// with the same req.IdempotencyKey returns the first entry and charges
// nothing. The outcome is audited (topup.credited, topup.declined) with
// req.RemoteAddr.
//
// Errors, with the balance and the ledger unchanged:
//   - EFORBIDDEN "not auto-reload enabled" when auto-reload is off or trx
//     is not the account's (the public API answers 401 with that label);
//   - EPAYMENTDECLINED when the daily cap is reached, the gateway declines,
//     or no gateway is configured;
//   - EUNAVAILABLE when the payment's outcome is unknown (retry with the
//     same Idempotency-Key);
//   - ENOTFOUND when the account does not exist.
func (r *Reloader) TopUp(ctx context.Context, req TopUpRequest) (*kassa.Entry, error) {
	apiKey, trx, requestKey := req.Account, req.Trx, req.IdempotencyKey
	a, err := r.store.FindAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	ar := a.AutoReload
	if !ar.Enabled || ar.Trx == "" || subtle.ConstantTimeCompare([]byte(trx), []byte(ar.Trx)) != 1 {
		return nil, kassa.Errorf(kassa.EFORBIDDEN, "not auto-reload enabled")
	}
	key := topUpKey(apiKey, requestKey)
	if requestKey != "" {
		if prior, err := r.entryByKey(ctx, apiKey, key); err != nil || prior != nil {
			return prior, err
		}
	}
	if ar.Amount <= 0 {
		return nil, kassa.Errorf(kassa.EPAYMENTDECLINED, "auto-reload amount is not set")
	}
	if capped, err := r.capReached(ctx, a, dayStart(r.opts.Now()), kassa.ReloadSourceTopUp); err != nil || capped {
		if err != nil {
			return nil, err
		}
		return nil, capError(a)
	}
	return r.payTopUp(ctx, a, key, req.RemoteAddr)
}

// payTopUp charges the gateway and credits the top-up.
func (r *Reloader) payTopUp(ctx context.Context, a *kassa.Account, key, remoteAddr string) (*kassa.Entry, error) {
	actor := auditActor{name: "account:" + a.APIKey, remoteAddr: remoteAddr}
	detail := eventDetail{Key: key, Amount: a.AutoReload.Amount.String(), Currency: string(a.Currency)}
	res, err := r.gw.Charge(ctx, paymentRequest(a, key))
	if err != nil {
		detail.Reason = kassa.ErrorMessage(err)
		switch {
		case UnknownOutcome(err):
			return nil, &kassa.Error{Code: kassa.EUNAVAILABLE, Err: err,
				Message: "the payment gateway did not answer; nothing was credited (retry with the same Idempotency-Key)"}
		case kassa.ErrorCode(err) == kassa.EPAYMENTDECLINED:
			r.record(ctx, actor, a.APIKey, ActionTopUpFail, detail,
				r.failedEvent(a, kassa.ReloadSourceTopUp, kassa.ReloadDeclined, detail.Reason, key))
			return nil, err
		}
		return nil, fmt.Errorf("top-up %s: %w", a.APIKey, err)
	}
	e, _, err := r.ledger.Credit(ctx, posting(a, kassa.KindTopUp, key, res))
	if err != nil {
		return nil, fmt.Errorf("credit top-up %s (paid, reference %s): %w", key, res.Reference, err)
	}
	detail.Reference, detail.EntryID = e.Reference, e.ID
	r.audit(ctx, actor, a.APIKey, ActionTopUp, detail)
	return e, nil
}

// entryByKey returns the account's entry with the idempotency key, or nil.
func (r *Reloader) entryByKey(ctx context.Context, account, key string) (*kassa.Entry, error) {
	var found *kassa.Entry
	err := r.store.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		e, err := tx.EntryByIdempotencyKey(account, "", key)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return nil
		}
		found = e
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look up top-up %s: %w", key, err)
	}
	return found, nil
}
