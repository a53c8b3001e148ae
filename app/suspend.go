package app

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// Suspend suspends an account (an operator's action, issue 17): its
// charges and holds are refused (ESUSPENDED), and so are those of its
// subaccounts; a suspended subaccount's credentials are refused. Reads,
// top-ups, and transfers back to a primary still work. Suspending a
// suspended account changes nothing. One store transaction; the
// credential cache forgets the key at once. Audited as account.suspend.
func (s *Service) Suspend(ctx context.Context, actor Actor, apiKey string) (*kassa.Account, error) {
	return s.setSuspended(ctx, actor, apiKey, true)
}

// Resume lifts a suspension. Audited as account.resume.
func (s *Service) Resume(ctx context.Context, actor Actor, apiKey string) (*kassa.Account, error) {
	return s.setSuspended(ctx, actor, apiKey, false)
}

// setSuspended writes the account's suspension in one transaction.
func (s *Service) setSuspended(ctx context.Context, actor Actor, apiKey string, suspended bool) (*kassa.Account, error) {
	action := ActionAccountSuspend
	if !suspended {
		action = ActionAccountResume
	}
	return s.updateAccount(ctx, actor, apiKey, action, kassa.AccountUpdate{Suspended: &suspended}, map[string]any{
		"suspended": suspended,
	})
}
