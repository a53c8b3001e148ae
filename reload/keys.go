package reload

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa/charging"
)

// dayStart is the start of t's day in UTC: daily caps and reload keys count
// from there.
func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// reloadKey is the idempotency key of the n-th reload (from 1) of an
// account on a UTC day: "reload:<account>:<yyyymmdd>:<n>". n counts the
// reloads already credited that day, so every attempt at the same reload
// (a retry, the next tick after a crash or an unknown outcome, another
// node) uses the same key until it is credited.
func reloadKey(account string, day time.Time, n int) string {
	return fmt.Sprintf("reload:%s:%s:%d", account, day.Format("20060102"), n)
}

// topUpKey is the idempotency key of a public top-up. With the request's
// Idempotency-Key header it is "topup:<account>:<first 32 hex of
// SHA-256(header)>", so a retried request names the same payment and the
// same entry; without one every request is a new top-up with a random key.
func topUpKey(account, requestKey string) string {
	if requestKey == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return "topup:" + account + ":r" + hex.EncodeToString(b[:])
	}
	sum := sha256.Sum256([]byte(requestKey))
	return "topup:" + account + ":" + hex.EncodeToString(sum[:16])
}

// creditHash is the request hash stored with a reload or top-up entry. It
// leaves out the payment reference, so that a retry whose gateway answer
// differs still replays the first entry instead of conflicting.
func creditHash(kind, account, amount, key string) string {
	return charging.HashRequest(kind, account, amount, key)
}
