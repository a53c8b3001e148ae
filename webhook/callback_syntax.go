package webhook

import (
	"errors"
	"fmt"
	"net/url"
)

// The reasons CallbackSyntax gives for refusing a callback URL.
var (
	ErrCallbackTooLong     = fmt.Errorf("longer than %d characters", MaxURLLength)
	ErrCallbackSpaces      = errors.New("spaces and control characters are not allowed")
	ErrCallbackNotAbsolute = errors.New("must be an absolute http or https URL")
)

// CallbackSyntax checks the syntax a settings surface (the Account API, the
// dashboard) accepts for a callback URL before its live check: at most
// MaxURLLength characters, no spaces or control characters, an absolute
// http or https URL with a host. It returns one of the ErrCallback errors,
// or nil. ValidateURL, which the live check applies, is stricter.
func CallbackSyntax(raw string) error {
	if len(raw) > MaxURLLength {
		return ErrCallbackTooLong
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] == 0x7f {
			return ErrCallbackSpaces
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return ErrCallbackNotAbsolute
	}
	return nil
}
