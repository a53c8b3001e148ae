package server

import "fmt"

// ConfigError is a refusal of the configuration (a bad setting, a pepper
// that does not match the database, an address that cannot be listened
// on): kassa serve exits with its usage code. The message says what to do.
type ConfigError struct{ err error }

// Error implements error.
func (e *ConfigError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.err }

// configErrorf returns a *ConfigError with a formatted message.
func configErrorf(format string, args ...any) error {
	return &ConfigError{err: fmt.Errorf(format, args...)}
}
