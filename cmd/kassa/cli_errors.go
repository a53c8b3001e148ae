package main

import (
	"errors"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// exitCodes maps kassa error codes onto the CLI's exit codes.
var exitCodes = map[string]int{
	kassa.EINVALID:          exitUsage,
	kassa.EUNAUTHORIZED:     exitAuth,
	kassa.ENOTFOUND:         exitNotFound,
	kassa.ECONFLICT:         exitConflict,
	kassa.EFORBIDDEN:        exitConflict,
	kassa.ELIMIT:            exitConflict,
	kassa.EINSUFFICIENT:     exitConflict,
	kassa.EIDEMPOTENCY:      exitConflict,
	kassa.EPAYMENTDECLINED:  exitConflict,
	kassa.ECALLBACKREJECTED: exitConflict,
	kassa.ESUSPENDED:        exitConflict,
	kassa.ESPENDCAP:         exitConflict,
	kassa.ERATELIMITED:      exitUnavailable,
	kassa.EUNAVAILABLE:      exitUnavailable,
}

// apiError gives an error from the client the exit code its kind deserves:
// server answers by their kassa code, no answer at all as unavailable.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		if code, ok := exitCodes[ce.KassaCode()]; ok {
			return &codedError{code: code, err: err}
		}
		return &codedError{code: exitError, err: err}
	}
	if client.IsUnreachable(err) {
		return &codedError{code: exitUnavailable, err: err}
	}
	return err
}
