package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/kassa-dev/kassa"
)

// testAccountTotals: AccountTotals sums balances exactly per currency;
// ListAccounts with Attention keeps the suspended accounts and those below
// their low-balance threshold, and counts them.
func (h harness) testAccountTotals(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	got, err := s.AccountTotals(ctx)
	noErr(t, err, "totals of no accounts")
	if len(got) != 0 {
		t.Errorf("AccountTotals of an empty store = %+v, want none", got)
	}
	MustCreateAccount(t, s, "tot00001", amt("10.00000001"))
	MustCreateAccount(t, s, "tot00002", amt("-2.5"))
	MustCreateAccount(t, s, "tot00003", amt("0"))
	usd := NewAccount("tot00004")
	usd.Currency = kassa.USD
	noErr(t, s.CreateAccount(ctx, usd, NewSecret("tot00004"), &kassa.Entry{Kind: kassa.KindCredit, Amount: amt("7"), Reason: "opening"}), "create a USD account")
	got, err = s.AccountTotals(ctx)
	noErr(t, err, "totals")
	want := []kassa.CurrencyTotal{{Currency: kassa.EUR, Accounts: 3, Balance: amt("7.50000001")}, {Currency: kassa.USD, Accounts: 1, Balance: amt("7")}}
	if !slices.Equal(got, want) {
		t.Errorf("AccountTotals = %+v, want %+v", got, want)
	}

	attention := func() ([]string, int) {
		t.Helper()
		list, total, err := s.ListAccounts(ctx, kassa.AccountFilter{Attention: true})
		noErr(t, err, "list accounts needing attention")
		var keys []string
		for _, a := range list {
			keys = append(keys, a.APIKey)
		}
		return keys, total
	}
	if keys, total := attention(); len(keys) != 0 || total != 0 {
		t.Errorf("attention before any: %v (total %d), want none", keys, total)
	}
	yes := true
	_, err = s.UpdateAccount(ctx, "tot00003", kassa.AccountUpdate{Suspended: &yes})
	noErr(t, err, "suspend")
	setAlerted(t, s, "tot00002", true)
	setAlerted(t, s, "tot00001", false) // controls without a fired alert
	keys, total := attention()
	if !slices.Equal(keys, []string{"tot00002", "tot00003"}) || total != 2 {
		t.Errorf("attention = %v (total %d), want tot00002 (below its threshold) and tot00003 (suspended)", keys, total)
	}
	list, total, err := s.ListAccounts(ctx, kassa.AccountFilter{Attention: true, Search: "tot00003"})
	noErr(t, err, "attention with a search")
	if len(list) != 1 || total != 1 || list[0].APIKey != "tot00003" {
		t.Errorf("attention and search: %d accounts (total %d), want tot00003", len(list), total)
	}
}

// setAlerted gives apiKey a low-balance threshold with its alert fired or
// not.
func setAlerted(t *testing.T, s kassa.Store, apiKey string, alerted bool) {
	t.Helper()
	th := amt("1")
	sp := kassa.Spend{SpendControls: kassa.SpendControls{LowBalanceThreshold: &th}, SpendState: kassa.SpendState{LowBalanceAlerted: alerted}}
	err := s.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts(apiKey); err != nil {
			return err
		}
		return tx.SetSpend(apiKey, sp)
	})
	noErr(t, err, "set spend controls")
}
