package httpapi

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

// callbackChecker is the default Config.CheckCallback: the webhook
// checker's guarded GET (public addresses and allow only, no redirect into
// a refused address, timeout), its refusal named after the parameter.
func callbackChecker(allow []netip.Prefix, timeout time.Duration) func(ctx context.Context, field, url string) error {
	checker := webhook.NewChecker(webhook.Guard{Allow: allow}, timeout)
	return func(ctx context.Context, field, url string) error {
		err := checker.CheckCallback(ctx, url)
		if err == nil {
			return nil
		}
		var e *kassa.Error
		if errors.As(err, &e) {
			return &kassa.Error{Code: e.Code, Field: field, Message: "invalid " + field + ": " + e.Message, Err: e.Err}
		}
		return &kassa.Error{Code: kassa.ECALLBACKREJECTED, Field: field, Message: "invalid " + field + ": callback URL check failed", Err: err}
	}
}
