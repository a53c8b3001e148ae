package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/kassa-dev/kassa"
)

// NewID returns a random UUID-shaped identifier for secrets and holds.
func NewID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewSecret returns a secret row for the account with a random ID and fake
// salt and hash (the store never looks inside them).
func NewSecret(apiKey string) *kassa.Secret {
	return &kassa.Secret{ID: NewID(), AccountKey: apiKey, Salt: []byte("salt-" + apiKey), Hash: []byte("hash-" + apiKey)}
}

// NewAccount returns an EUR account with the default limits and auto-reload
// settings, not yet stored.
func NewAccount(apiKey string) *kassa.Account {
	return &kassa.Account{
		APIKey:   apiKey,
		Currency: kassa.EUR,
		Limits:   kassa.DefaultLimits,
		AutoReload: kassa.AutoReload{
			Amount:    kassa.DefaultReloadAmount,
			Threshold: kassa.DefaultReloadThreshold,
			DailyCap:  kassa.DefaultReloadDailyCap,
		},
	}
}

// MustCreateAccount stores NewAccount(key) with one secret and, when balance
// is not zero, an opening credit of that amount; it fails the test on error.
func MustCreateAccount(t testing.TB, s kassa.Store, key string, balance kassa.Amount) *kassa.Account {
	t.Helper()
	a := NewAccount(key)
	var opening *kassa.Entry
	if balance != 0 {
		opening = &kassa.Entry{Kind: kassa.KindCredit, Amount: balance, Reason: "opening balance"}
	}
	if err := s.CreateAccount(context.Background(), a, NewSecret(key), opening); err != nil {
		t.Fatalf("create account %s: %v", key, err)
	}
	return a
}

// MustAppend appends one entry in its own transaction and returns it filled
// in; it fails the test on error.
func MustAppend(t testing.TB, s kassa.Store, account string, kind kassa.EntryKind, amount kassa.Amount) *kassa.Entry {
	t.Helper()
	e := &kassa.Entry{Account: account, Kind: kind, Amount: amount}
	err := s.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error { return tx.Append(e) })
	if err != nil {
		t.Fatalf("append %s %s to %s: %v", kind, amount, account, err)
	}
	return e
}

// MustBalance returns the account's stored balance; it fails the test on
// error.
func MustBalance(t testing.TB, s kassa.Store, account string) kassa.Amount {
	t.Helper()
	a, err := s.FindAccount(context.Background(), account)
	if err != nil {
		t.Fatalf("find account %s: %v", account, err)
	}
	return a.Balance
}

// MustVerify fails the test unless Verify finds the ledger sound.
func MustVerify(t testing.TB, s kassa.Store) {
	t.Helper()
	d, err := s.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(d) != 0 {
		t.Fatalf("verify found discrepancies: %+v", d)
	}
}

// wantCode fails the test unless err carries the kassa error code want.
func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := kassa.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// noErr fails the test on a non-nil error.
func noErr(t testing.TB, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// amt parses an amount constant.
func amt(s string) kassa.Amount { return kassa.MustParseAmount(s) }
