package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// PepperSize is the length in bytes of a generated pepper.
const PepperSize = 32

// SaltSize is the length in bytes of a secret's salt.
const SaltSize = 16

// Hasher hashes secrets with a server-side key (the pepper).
type Hasher struct {
	pepper []byte
}

// NewHasher returns a Hasher keyed with pepper, which must hold at least 16
// bytes.
func NewHasher(pepper []byte) (*Hasher, error) {
	if len(pepper) < 16 {
		return nil, errors.New("auth: pepper must be at least 16 bytes")
	}
	return &Hasher{pepper: append([]byte(nil), pepper...)}, nil
}

// fingerprintLabel is what Fingerprint hashes: a fixed label, so that the
// fingerprint says nothing about any secret.
const fingerprintLabel = "kassa pepper fingerprint v1"

// Fingerprint identifies the pepper without revealing it: the hex
// HMAC-SHA256 of a fixed label keyed with the pepper. The store keeps it so
// that a node started with another pepper (whose secrets would never
// verify) can refuse to start; it cannot be turned back into the pepper.
func (h *Hasher) Fingerprint() string {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// NewPepper returns a fresh random pepper.
func NewPepper() []byte {
	b := make([]byte, PepperSize)
	rand.Read(b) // never fails (crypto/rand panics on an unusable source)
	return b
}

// Hash returns HMAC-SHA256(pepper, len(salt) || salt || secret).
func (h *Hasher) Hash(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte{byte(len(salt))})
	m.Write(salt)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// Verify reports in constant time whether secret is the plain text of s.
func (h *Hasher) Verify(s *kassa.Secret, secret string) bool {
	return hmac.Equal(h.Hash(s.Salt, secret), s.Hash)
}

// NewSecret validates plain against kassa.ValidateSecret and returns a new
// Secret for the account with a fresh UUID, salt and hash. The plain text is
// not kept.
func (h *Hasher) NewSecret(accountKey, plain string, now time.Time) (*kassa.Secret, error) {
	if err := kassa.ValidateSecret(plain); err != nil {
		return nil, err
	}
	return h.newSecret(accountKey, plain, now), nil
}

func (h *Hasher) newSecret(accountKey, plain string, now time.Time) *kassa.Secret {
	salt := make([]byte, SaltSize)
	rand.Read(salt)
	return &kassa.Secret{
		ID:         NewUUID(),
		AccountKey: accountKey,
		Salt:       salt,
		Hash:       h.Hash(salt, plain),
		CreatedAt:  now.UTC().Truncate(time.Second),
	}
}

// NewUUID returns a random (version 4) UUID in its canonical text form.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", x[0:8], x[8:12], x[12:16], x[16:20], x[20:32])
}

// GenerateSecret returns a random secret of 16 characters that meets
// kassa.ValidateSecret: letters and digits with at least one lower-case
// letter, one upper-case letter and one digit.
func GenerateSecret() string {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		all    = lower + upper + digits
	)
	for {
		b := make([]byte, 16)
		for i := range b {
			b[i] = all[randIndex(len(all))]
		}
		if kassa.ValidateSecret(string(b)) == nil {
			return string(b)
		}
	}
}

// GenerateAPIKey returns a random api key of 8 lower-case hex characters,
// like the Vonage keys.
func GenerateAPIKey() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// randIndex returns a uniform random integer in [0, n), n ≤ 256.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
