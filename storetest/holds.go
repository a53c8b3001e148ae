package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// openHold writes a hold entry and its hold in one transaction, as the
// ledger engine does.
func openHold(t testing.TB, s kassa.Store, id, account string, a kassa.Amount, expires time.Time) *kassa.Hold {
	t.Helper()
	h := &kassa.Hold{ID: id, Account: account, Amount: a, State: kassa.HoldOpen, ExpiresAt: expires}
	err := s.InLedgerTx(t.Context(), func(tx kassa.LedgerTx) error {
		e := &kassa.Entry{Account: account, Kind: kassa.KindHold, Amount: -a, HoldID: id}
		if err := tx.Append(e); err != nil {
			return err
		}
		h.EntryID = e.ID
		return tx.CreateHold(h)
	})
	noErr(t, err, "open hold %s", id)
	return h
}

func (h harness) testHolds(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "hold0001", amt("10"))
	h1 := openHold(t, s, "h1", "hold0001", amt("3"), Epoch.Add(time.Minute))
	h2 := openHold(t, s, "h2", "hold0001", amt("2"), Epoch.Add(5*time.Minute))
	h3 := openHold(t, s, "h3", "hold0001", amt("1"), Epoch.Add(2*time.Minute))
	if b := MustBalance(t, s, "hold0001"); b != amt("4") {
		t.Errorf("balance with three holds = %s, want 4", b)
	}

	t.Run("Read", func(t *testing.T) {
		err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			got, err := tx.Hold("h2")
			if err != nil {
				return err
			}
			if got.ID != "h2" || got.Account != "hold0001" || got.Amount != amt("2") || got.State != kassa.HoldOpen ||
				got.EntryID != h2.EntryID || got.Captured != 0 || !got.ClosedAt.IsZero() {
				t.Errorf("Hold = %+v, want %+v", got, h2)
			}
			sameTime(t, "ExpiresAt", got.ExpiresAt, h2.ExpiresAt)
			sameTime(t, "CreatedAt", got.CreatedAt, Epoch)
			_, err = tx.Hold("nope")
			wantCode(t, err, kassa.ENOTFOUND)
			err = tx.CreateHold(&kassa.Hold{ID: "h2", Account: "hold0001", Amount: amt("1"), State: kassa.HoldOpen, ExpiresAt: Epoch})
			wantCode(t, err, kassa.ECONFLICT)
			return nil
		})
		noErr(t, err, "read holds")
	})

	t.Run("Close", func(t *testing.T) {
		closeAt := clock.Advance(30 * time.Second)
		err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			if err := tx.Append(&kassa.Entry{Account: "hold0001", Kind: kassa.KindCapture, Amount: amt("1"), RelatedID: h1.EntryID, HoldID: "h1"}); err != nil {
				return err
			}
			return tx.CloseHold("h1", kassa.HoldCaptured, amt("2"))
		})
		noErr(t, err, "capture h1")
		err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			got, err := tx.Hold("h1")
			if err != nil {
				return err
			}
			if got.State != kassa.HoldCaptured || got.Captured != amt("2") {
				t.Errorf("closed hold = %+v", got)
			}
			sameTime(t, "ClosedAt", got.ClosedAt, closeAt)
			return nil
		})
		noErr(t, err, "read h1")
		err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.CloseHold("h1", kassa.HoldReleased, 0) })
		wantCode(t, err, kassa.ECONFLICT)
		err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.CloseHold("nope", kassa.HoldReleased, 0) })
		wantCode(t, err, kassa.ENOTFOUND)
		if b := MustBalance(t, s, "hold0001"); b != amt("5") {
			t.Errorf("balance after capture = %s, want 5", b)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		ids := func(now time.Time, limit int) []string {
			list, err := s.ExpiredHolds(ctx, now, limit)
			noErr(t, err, "expired holds")
			var out []string
			for _, h := range list {
				if h.State != kassa.HoldOpen {
					t.Errorf("ExpiredHolds returned %s in state %s", h.ID, h.State)
				}
				out = append(out, h.ID)
			}
			return out
		}
		// h1 (expiring at +1m) is captured and never listed.
		if got := ids(Epoch.Add(90*time.Second), 10); len(got) != 0 {
			t.Errorf("at +90s: %v, want none", got)
		}
		if got := ids(Epoch.Add(2*time.Minute), 10); len(got) != 0 {
			t.Errorf("at exactly h3's expiry: %v, want none (expired means before now)", got)
		}
		if got := ids(Epoch.Add(3*time.Minute), 10); !equalStrings(got, []string{h3.ID}) {
			t.Errorf("at +3m: %v, want [h3]", got)
		}
		if got := ids(Epoch.Add(time.Hour), 10); !equalStrings(got, []string{"h3", "h2"}) {
			t.Errorf("at +1h: %v, want [h3 h2] (earliest expiry first)", got)
		}
		if got := ids(Epoch.Add(time.Hour), 1); len(got) != 1 {
			t.Errorf("limit 1 gave %v", got)
		}
		err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.CloseHold("h3", kassa.HoldExpired, 0) })
		noErr(t, err, "expire h3")
		if got := ids(Epoch.Add(time.Hour), 10); !equalStrings(got, []string{"h2"}) {
			t.Errorf("after expiring h3: %v, want [h2]", got)
		}
	})
	MustVerify(t, s)
}
