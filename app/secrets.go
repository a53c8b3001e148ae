package app

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// CreateSecret adds plain as a new secret of the account (8–25 printable
// ASCII characters with a lower-case letter, an upper-case letter and a
// digit; EINVALID naming "secret" otherwise). ELIMIT when the account
// already has kassa.MaxSecrets. The credential cache forgets the key;
// audited as secret.create.
func (s *Service) CreateSecret(ctx context.Context, actor Actor, apiKey, plain string) (*kassa.Secret, error) {
	if s.hasher == nil {
		return nil, errNoHasher
	}
	sec, err := s.hasher.NewSecret(apiKey, plain, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateSecret(ctx, sec); err != nil {
		return nil, err
	}
	s.invalidate(apiKey)
	s.audit(ctx, actor, apiKey, ActionSecretCreate, map[string]any{"secret_id": sec.ID})
	return sec, nil
}

// RevokeSecret deletes one secret of the account, never its last
// (EFORBIDDEN). ENOTFOUND when the account has no such secret. The
// credential cache forgets the key at once, so the secret stops working
// on this node immediately; audited as secret.revoke.
func (s *Service) RevokeSecret(ctx context.Context, actor Actor, apiKey, id string) error {
	if err := s.store.DeleteSecret(ctx, apiKey, id); err != nil {
		return err
	}
	s.invalidate(apiKey)
	s.audit(ctx, actor, apiKey, ActionSecretRevoke, map[string]any{"secret_id": id})
	return nil
}
