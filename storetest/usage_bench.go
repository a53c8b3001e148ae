package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// usageCountries are the destinations SeedCharges spreads charges over.
var usageCountries = []string{"DE", "FR", "GB", "US", "IT", "ES", "NL", "BE", "PL", "SE",
	"AT", "CH", "DK", "NO", "FI", "IE", "PT", "CZ", "HU", "RO"}

// SeedCharges writes n charge entries of account through the store, as
// the ledger writes them (the entry with its rating in Meta, and its usage
// rollup delta, in the same transaction), spread evenly over the 365 days
// from start (one transaction per day) and over 20 countries, each with
// one network. It is how the usage benchmarks fill a ledger fast: the
// charging engine's checks are not what they measure.
func SeedCharges(tb testing.TB, s kassa.Store, clock *Clock, account string, start time.Time, n int) {
	tb.Helper()
	const days = 365
	price := kassa.MustParseAmount("0.0123")
	written := 0
	for d := 0; d < days; d++ {
		clock.Set(start.AddDate(0, 0, d).Add(12 * time.Hour))
		todo := (n*(d+1))/days - written
		err := s.InLedgerTx(tb.Context(), func(tx kassa.LedgerTx) error {
			if err := tx.LockAccounts(account); err != nil {
				return err
			}
			b, err := tx.Balance(account)
			if err != nil {
				return err
			}
			for i := 0; i < todo; i++ {
				c := usageCountries[(written+i)%len(usageCountries)]
				network := c + "01"
				meta, _ := json.Marshal(map[string]any{"type": "sms", "to": "1", "units": 1, "country": c,
					"network_code": network, "network_name": "", "network_type": "mobile", "unit_price": price.String(), "currency": "EUR"})
				e := &kassa.Entry{Account: account, Kind: kassa.KindCharge, Amount: -price, Reason: "seed", Meta: string(meta)}
				if err := tx.Append(e); err != nil {
					return err
				}
				if err := tx.AddUsage(kassa.UsageDelta{Account: account, Day: kassa.DayStart(tx.Now()), Type: kassa.SMS,
					Country: c, Network: network, Currency: b.Currency, Count: 1, Units: 1, Charged: price}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("seed day %d: %v", d, err)
		}
		written += todo
	}
}

// BenchUsageMonth measures a month's usage of one account grouped by day
// and country, with 10,000 and with 1,000,000 charges in its ledger (a
// fresh store each, seeded with SeedCharges over a year), in one run; and,
// for contrast, the same figures computed from the month's entries. open
// returns a fresh store on the clock.
func BenchUsageMonth(b *testing.B, open func(b *testing.B, now func() time.Time) kassa.Store, sizes ...int) {
	if len(sizes) == 0 {
		sizes = []int{10_000, 1_000_000}
	}
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	f := kassa.UsageFilter{Account: "usebench", From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), GroupBy: []kassa.UsageGroup{kassa.GroupDay, kassa.GroupCountry}}
	for _, n := range sizes {
		clock := NewClock(start)
		s := open(b, clock.Now)
		MustCreateAccount(b, s, "usebench", kassa.MustParseAmount("1000000"))
		seeded := time.Now()
		SeedCharges(b, s, clock, "usebench", start, n)
		b.Logf("seeded %d charges in %s", n, time.Since(seeded).Round(time.Millisecond))
		rows, err := s.Usage(b.Context(), f)
		if err != nil || len(rows) != 30*len(usageCountries) {
			b.Fatalf("usage of June: %d rows, %v; want %d", len(rows), err, 30*len(usageCountries))
		}
		b.Run(fmt.Sprintf("rollups/entries=%d", n), func(b *testing.B) {
			for range b.N {
				if _, err := s.Usage(b.Context(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("entries-scan/entries=%d", n), func(b *testing.B) {
			for range b.N {
				scanMonth(b, s, f)
			}
		})
	}
}

// scanMonth computes what BenchUsageMonth's rollups answer from the
// month's entries instead, page by page through the store: the cost the
// rollups avoid.
func scanMonth(b *testing.B, s kassa.Store, f kassa.UsageFilter) map[[2]string]kassa.Amount {
	out := map[[2]string]kassa.Amount{}
	ef := kassa.EntryFilter{Account: f.Account, Kinds: []kassa.EntryKind{kassa.KindCharge}, Since: f.From, Until: f.To.AddDate(0, 0, 1), Limit: 1000}
	for {
		list, _, err := s.ListEntries(b.Context(), ef)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range list {
			var m struct {
				Country string `json:"country"`
			}
			if err := json.Unmarshal([]byte(e.Meta), &m); err != nil {
				b.Fatal(err)
			}
			k := [2]string{e.CreatedAt.UTC().Format(kassa.DayLayout), m.Country}
			out[k] -= e.Amount
		}
		if len(list) < ef.Limit {
			return out
		}
		ef.Before = list[len(list)-1].ID
	}
}
