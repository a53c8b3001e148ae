package charging

import (
	"encoding/json"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// Usage rollups (docs/ledger.md#usage-rollups): every charge, capture (of
// more than 0) and refund adds one delta to the row of its payer, the
// shared-balance subaccount it was for, its UTC day and the service type,
// country and network it was rated for, in its own transaction. A refund
// counts on its own day, under the key of what it refunds.

// usageKey is the rating part of a rollup row.
type usageKey struct {
	typ              kassa.ServiceType
	country, network string
	units            int64
}

// usageKeyOf reads the key from the meta of a charge entry or of a rated
// hold's entry; an entry without a rating (a hold of an amount) has the
// empty key.
func usageKeyOf(e *kassa.Entry) (usageKey, error) {
	if e.Meta == "" {
		return usageKey{}, nil
	}
	var m chargeMeta
	if err := json.Unmarshal([]byte(e.Meta), &m); err != nil {
		return usageKey{}, fmt.Errorf("decode meta of entry %d: %w", e.ID, err)
	}
	return usageKey{typ: m.Type, country: m.Country, network: m.NetworkCode, units: m.Units}, nil
}

// addUsage adds one charge or capture (units and amount charged) or one
// refund (amount refunded) of entry e, keyed by k, to the rollups.
func addUsage(tx kassa.LedgerTx, e *kassa.Entry, cur kassa.Currency, k usageKey, charged, refunded kassa.Amount) error {
	d := kassa.UsageDelta{
		Account: e.Account, Subaccount: e.Subaccount, Day: kassa.DayStart(tx.Now()),
		Type: k.typ, Country: k.country, Network: k.network, Currency: cur,
	}
	if refunded > 0 {
		d.Refunds, d.Refunded = 1, refunded
	} else {
		d.Count, d.Units, d.Charged = 1, k.units, charged
	}
	if err := tx.AddUsage(d); err != nil {
		return fmt.Errorf("add usage of entry %d: %w", e.ID, err)
	}
	return nil
}

// ratedEntry is the entry whose meta rates a charge or a capture: the
// charge itself, or the capture's hold entry.
func ratedEntry(tx kassa.LedgerTx, c *kassa.Entry) (*kassa.Entry, error) {
	if c.Kind == kassa.KindCharge {
		return c, nil
	}
	h, err := tx.Entry(c.RelatedID)
	if err != nil {
		return nil, fmt.Errorf("read hold entry %d: %w", c.RelatedID, err)
	}
	return h, nil
}
