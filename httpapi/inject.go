package httpapi

import "context"

// injectedErrorKey is the context key of an injected error.
type injectedErrorKey struct{}

// WithInjectedError returns ctx carrying err: a request served with it is
// answered with err, in the shape and status of the surface it reaches
// (the legacy Account API's error-code body, the secrets API's or the
// admin and platform APIs' problem+json), before its handler runs. The
// emulator's faults use it to answer, say, the real 429 or 420 of a path;
// nothing sets it in normal operation.
func WithInjectedError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, injectedErrorKey{}, err)
}

// injectedError returns the error ctx carries, or nil.
func injectedError(ctx context.Context) error {
	err, _ := ctx.Value(injectedErrorKey{}).(error)
	return err
}
