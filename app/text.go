package app

import "github.com/kassa-dev/kassa"

// checkText checks a free-text field (a reason, a reference, a trx): at
// most max bytes. EINVALID naming field otherwise.
func checkText(field, text string, max int) error {
	if len(text) > max {
		return kassa.FieldError(field, "%s must be at most %d bytes", field, max)
	}
	return nil
}
