package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testAccounts(t *testing.T) {
	t.Run("CreateFind", h.testCreateFind)
	t.Run("Conflict", h.testAccountConflict)
	t.Run("NotFound", h.testAccountNotFound)
	t.Run("FindBalance", h.testFindBalance)
	t.Run("CreateIsOneTransaction", h.testCreateAtomic)
	t.Run("ListSearchPaging", h.testListAccounts)
	t.Run("Update", h.testUpdateAccount)
	t.Run("UpdateSettings", h.testUpdateSettings)
	t.Run("AutoReload", h.testAutoReloadAccounts)
}

// accountFields is an account without its timestamps, for comparison.
func accountFields(a *kassa.Account) kassa.Account {
	c := *a
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	return c
}

func (h harness) testCreateFind(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	a := NewAccount("abcd1234")
	a.Currency = kassa.USD
	a.CreditLimit = amt("-5.5")
	a.Settings = kassa.Settings{MOCallbackURL: "https://example.com/mo", DRCallbackURL: "https://example.com/dr", HTTPForwardMethod: kassa.ForwardPostJSON}
	a.Limits = kassa.Limits{MaxOutboundRequest: 1, MaxInboundRequest: 2, MaxCallsPerSecond: 3, PricingPerSecond: 4}
	a.AutoReload = kassa.AutoReload{Enabled: true, Trx: "trx-1", Amount: amt("50"), Threshold: amt("20"), DailyCap: 3}
	opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: amt("10.12345678"), Reason: "opening"}
	secret := NewSecret(a.APIKey)
	noErr(t, s.CreateAccount(ctx, a, secret, opening), "create account")

	if a.Balance != amt("10.12345678") {
		t.Errorf("created balance = %s, want 10.12345678", a.Balance)
	}
	sameTime(t, "CreatedAt", a.CreatedAt, Epoch)
	sameTime(t, "UpdatedAt", a.UpdatedAt, Epoch)
	if opening.ID == 0 || opening.BalanceAfter != opening.Amount || opening.Account != a.APIKey {
		t.Errorf("opening entry not filled in: %+v", opening)
	}

	clock.Advance(1)
	got, err := s.FindAccount(ctx, a.APIKey)
	noErr(t, err, "find account")
	if accountFields(got) != accountFields(a) {
		t.Errorf("found %+v\nwant  %+v", accountFields(got), accountFields(a))
	}
	sameTime(t, "found CreatedAt", got.CreatedAt, Epoch)

	secrets, err := s.Secrets(ctx, a.APIKey)
	noErr(t, err, "secrets")
	if len(secrets) != 1 || secrets[0].ID != secret.ID || string(secrets[0].Hash) != string(secret.Hash) || string(secrets[0].Salt) != string(secret.Salt) {
		t.Errorf("secrets = %+v, want the first secret", secrets)
	}
	entries, total, err := s.ListEntries(ctx, kassa.EntryFilter{Account: a.APIKey})
	noErr(t, err, "list entries")
	if total != 1 || len(entries) != 1 || entries[0].ID != opening.ID || entries[0].Amount != opening.Amount || entries[0].Reason != "opening" {
		t.Errorf("entries = %+v (total %d), want the opening entry", entries, total)
	}
	MustVerify(t, s)
}

func (h harness) testAccountConflict(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "dup00001", amt("1"))
	again := NewAccount("dup00001")
	err := s.CreateAccount(ctx, again, NewSecret("dup00001"), &kassa.Entry{Kind: kassa.KindCredit, Amount: amt("99")})
	wantCode(t, err, kassa.ECONFLICT)
	if b := MustBalance(t, s, "dup00001"); b != amt("1") {
		t.Errorf("balance after refused duplicate = %s, want 1", b)
	}
	secrets, err := s.Secrets(ctx, "dup00001")
	noErr(t, err, "secrets")
	if len(secrets) != 1 {
		t.Errorf("the refused duplicate left %d secrets, want 1", len(secrets))
	}
	MustVerify(t, s)
}

func (h harness) testAccountNotFound(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	a, err := s.FindAccount(ctx, "nobody00")
	wantCode(t, err, kassa.ENOTFOUND)
	if a != nil {
		t.Errorf("FindAccount returned %+v with its error", a)
	}
	limit := amt("-1")
	_, err = s.UpdateAccount(ctx, "nobody00", kassa.AccountUpdate{CreditLimit: &limit})
	wantCode(t, err, kassa.ENOTFOUND)
}

// testFindBalance checks the narrow balance read against FindAccount: it
// follows ledger entries and the auto-reload switch at once (no caching),
// and an unknown key is ENOTFOUND.
func (h harness) testFindBalance(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	a := MustCreateAccount(t, s, "bal00001", amt("3.25"))
	v, err := s.FindBalance(ctx, a.APIKey)
	noErr(t, err, "find balance")
	if v != (kassa.BalanceView{Balance: amt("3.25"), AutoReload: false}) {
		t.Errorf("FindBalance = %+v, want 3.25 without auto-reload", v)
	}

	MustAppend(t, s, a.APIKey, kassa.KindCharge, amt("-1.00000001"))
	reload := kassa.AutoReload{Enabled: true, Trx: "t", Amount: amt("10"), Threshold: amt("1"), DailyCap: 1}
	_, err = s.UpdateAccount(ctx, a.APIKey, kassa.AccountUpdate{AutoReload: &reload})
	noErr(t, err, "enable auto-reload")
	v, err = s.FindBalance(ctx, a.APIKey)
	noErr(t, err, "find balance after a charge")
	found, err := s.FindAccount(ctx, a.APIKey)
	noErr(t, err, "find account")
	want := kassa.BalanceView{Balance: amt("2.24999999"), AutoReload: true}
	if v != want || found.Balance != v.Balance || found.AutoReload.Enabled != v.AutoReload {
		t.Errorf("FindBalance = %+v, want %+v (FindAccount: %s, %v)", v, want, found.Balance, found.AutoReload.Enabled)
	}

	v, err = s.FindBalance(ctx, "nobody00")
	wantCode(t, err, kassa.ENOTFOUND)
	if v != (kassa.BalanceView{}) {
		t.Errorf("FindBalance returned %+v with its error", v)
	}
}

// testCreateAtomic makes the secret insert fail (its ID is taken) and
// checks that neither the account nor its opening entry remain.
func (h harness) testCreateAtomic(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "first001", 0)
	taken, err := s.Secrets(ctx, "first001")
	noErr(t, err, "secrets")
	dupSecret := NewSecret("second01")
	dupSecret.ID = taken[0].ID
	err = s.CreateAccount(ctx, NewAccount("second01"), dupSecret, &kassa.Entry{Kind: kassa.KindCredit, Amount: amt("5")})
	if err == nil {
		t.Fatal("CreateAccount with a taken secret id succeeded")
	}
	_, err = s.FindAccount(ctx, "second01")
	wantCode(t, err, kassa.ENOTFOUND)
	_, total, err := s.ListEntries(ctx, kassa.EntryFilter{Account: "second01"})
	noErr(t, err, "list entries")
	if total != 0 {
		t.Errorf("a failed CreateAccount left %d entries", total)
	}
	MustVerify(t, s)
}

func (h harness) testListAccounts(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	for _, k := range []string{"bb000001", "aa000002", "ab000001", "aa000001", "aa000003"} {
		MustCreateAccount(t, s, k, 0)
	}
	keys := func(list []*kassa.Account) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.APIKey)
		}
		return out
	}
	cases := []struct {
		name  string
		f     kassa.AccountFilter
		want  []string
		total int
	}{
		{"all", kassa.AccountFilter{}, []string{"aa000001", "aa000002", "aa000003", "ab000001", "bb000001"}, 5},
		{"search", kassa.AccountFilter{Search: "aa"}, []string{"aa000001", "aa000002", "aa000003"}, 3},
		{"search exact", kassa.AccountFilter{Search: "ab000001"}, []string{"ab000001"}, 1},
		{"search none", kassa.AccountFilter{Search: "zz"}, nil, 0},
		{"search is a prefix, not a substring", kassa.AccountFilter{Search: "000001"}, nil, 0},
		{"page", kassa.AccountFilter{Offset: 1, Limit: 2}, []string{"aa000002", "aa000003"}, 5},
		{"search page", kassa.AccountFilter{Search: "a", Offset: 3, Limit: 10}, []string{"ab000001"}, 4},
		{"past the end", kassa.AccountFilter{Offset: 10}, nil, 5},
	}
	_, _, err := s.ListAccounts(ctx, kassa.AccountFilter{Limit: -1})
	wantCode(t, err, kassa.EINVALID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, total, err := s.ListAccounts(ctx, c.f)
			noErr(t, err, "list accounts %+v", c.f)
			if got := keys(list); total != c.total || len(got) != len(c.want) || (len(got) > 0 && !equalStrings(got, c.want)) {
				t.Errorf("ListAccounts(%+v) = %v total %d, want %v total %d", c.f, got, total, c.want, c.total)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h harness) testUpdateAccount(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	a := MustCreateAccount(t, s, "upd00001", amt("3"))
	later := clock.Advance(90e9)

	limits := kassa.Limits{MaxOutboundRequest: 7, MaxInboundRequest: 8, MaxCallsPerSecond: 9, PricingPerSecond: 10}
	reload := kassa.AutoReload{Enabled: true, Trx: "t", Amount: amt("1"), Threshold: amt("2"), DailyCap: 1}
	credit := amt("-20")
	got, err := s.UpdateAccount(ctx, a.APIKey, kassa.AccountUpdate{Limits: &limits})
	noErr(t, err, "update the limits")
	if got.Limits != limits || got.AutoReload != a.AutoReload || got.CreditLimit != a.CreditLimit || got.Balance != amt("3") {
		t.Errorf("after a limits update: %+v", accountFields(got))
	}
	sameTime(t, "UpdatedAt", got.UpdatedAt, later)
	sameTime(t, "CreatedAt", got.CreatedAt, Epoch)

	got, err = s.UpdateAccount(ctx, a.APIKey, kassa.AccountUpdate{AutoReload: &reload, CreditLimit: &credit})
	noErr(t, err, "update the rest")
	found, err := s.FindAccount(ctx, a.APIKey)
	noErr(t, err, "find")
	if accountFields(found) != accountFields(got) {
		t.Errorf("UpdateAccount returned %+v but the store has %+v", accountFields(got), accountFields(found))
	}
	if found.Limits != limits || found.AutoReload != reload || found.CreditLimit != credit {
		t.Errorf("update not kept: %+v", accountFields(found))
	}
}

func (h harness) testAutoReloadAccounts(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	enable := func(key string) {
		r := kassa.AutoReload{Enabled: true, Trx: "trx", Amount: amt("50"), Threshold: amt("20"), DailyCap: 5}
		_, err := s.UpdateAccount(ctx, key, kassa.AccountUpdate{AutoReload: &r})
		noErr(t, err, "enable auto-reload on %s", key)
	}
	MustCreateAccount(t, s, "low00001", amt("10"))
	enable("low00001")
	MustCreateAccount(t, s, "edge0001", amt("20"))
	enable("edge0001")
	MustCreateAccount(t, s, "high0001", amt("20.00000001"))
	enable("high0001")
	MustCreateAccount(t, s, "off00001", 0) // below threshold but disabled

	list, err := s.AutoReloadAccounts(ctx)
	noErr(t, err, "auto-reload accounts")
	var got []string
	for _, a := range list {
		got = append(got, a.APIKey)
	}
	if !equalStrings(got, []string{"edge0001", "low00001"}) && !equalStrings(got, []string{"low00001", "edge0001"}) {
		t.Errorf("AutoReloadAccounts = %v, want edge0001 and low00001", got)
	}
	MustAppend(t, s, "high0001", kassa.KindDebit, amt("-1"))
	list, err = s.AutoReloadAccounts(ctx)
	noErr(t, err, "auto-reload accounts")
	if len(list) != 3 {
		t.Errorf("after a debit below the threshold: %d accounts, want 3", len(list))
	}
}
