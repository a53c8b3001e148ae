package kassa

import (
	"time"
	"unicode"
)

// Secret limits from the reference: at most two per account, never fewer
// than one, each 8 to 25 characters.
const (
	MaxSecrets      = 2
	MinSecrets      = 1
	MinSecretLength = 8
	MaxSecretLength = 25
)

// Secret is one API secret of an account. Only its salted, keyed hash is
// stored; the plain text exists only in the request that creates it.
type Secret struct {
	ID         string // a UUID
	AccountKey string
	Salt       []byte
	Hash       []byte
	CreatedAt  time.Time
}

// ValidateSecret checks a new secret against the reference's complexity
// rules: 8–25 characters with at least one lower-case letter, one upper-case
// letter and one digit. Other printable characters are allowed.
func ValidateSecret(s string) error {
	n := len([]rune(s))
	if n < MinSecretLength || n > MaxSecretLength {
		return FieldError("secret", "Does not meet complexity requirements: must be %d to %d characters", MinSecretLength, MaxSecretLength)
	}
	var lower, upper, digit bool
	for _, r := range s {
		switch {
		case r > unicode.MaxASCII || !unicode.IsPrint(r):
			return FieldError("secret", "Does not meet complexity requirements: printable ASCII characters only")
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	if !lower || !upper || !digit {
		return FieldError("secret", "Does not meet complexity requirements: needs a lower-case letter, an upper-case letter and a digit")
	}
	return nil
}
