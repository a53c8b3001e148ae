package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// paramNewSecret is the legacy settings parameter that sets a new secret.
const paramNewSecret = "newSecret"

// newSecretParam reads and validates the legacy newSecret parameter and
// hashes it; nil when the request has none.
func newSecretParam(apiKey string, p params, h *auth.Hasher, now time.Time) (*kassa.Secret, error) {
	plain, ok := p.lookup(paramNewSecret)
	if !ok {
		return nil, nil
	}
	if err := kassa.ValidateSecret(plain); err != nil {
		return nil, kassa.FieldError(paramNewSecret, "invalid %s: %s", paramNewSecret, kassa.ErrorMessage(err))
	}
	if h == nil {
		return nil, kassa.Errorf(kassa.ENOTIMPLEMENTED, "secret rotation is not configured")
	}
	return h.NewSecret(apiKey, plain, now)
}

// rotateSecret replaces the secret the caller authenticated with by next,
// in an order that never leaves the account without a secret: with room
// for one more, next is added before the old one goes; at the limit of two,
// the old one goes first (the other secret remains) and is put back if
// next cannot be stored. The cache of this node forgets the key at once.
func (s *Server) rotateSecret(r *http.Request, c *publicCall, next *kassa.Secret) error {
	ctx, key := r.Context(), c.account.APIKey
	secrets, err := s.cfg.Store.Secrets(ctx, key)
	if err != nil {
		return err
	}
	var cur *kassa.Secret
	for _, sec := range secrets {
		if s.cfg.Hasher.Verify(sec, c.secret) {
			cur = sec
		}
	}
	if cur == nil { // revoked between authentication and now
		return auth.ErrUnauthorized
	}
	defer s.auth.Invalidate(key)
	if len(secrets) < kassa.MaxSecrets {
		if err := s.cfg.Store.CreateSecret(ctx, next); err != nil {
			return err
		}
		if err := s.cfg.Store.DeleteSecret(ctx, key, cur.ID); err != nil {
			return err
		}
	} else {
		if err := s.cfg.Store.DeleteSecret(ctx, key, cur.ID); err != nil {
			return err
		}
		if err := s.cfg.Store.CreateSecret(ctx, next); err != nil {
			if rerr := s.cfg.Store.CreateSecret(ctx, cur); rerr != nil {
				s.log.Error("restore a secret after a failed rotation", "account", key, "err", rerr)
			}
			return err
		}
	}
	detail, _ := json.Marshal(map[string]string{"old_secret_id": cur.ID, "new_secret_id": next.ID, "via": "settings.newSecret"})
	s.audit(r, "account:"+key, key, "secret.rotate", string(detail))
	return nil
}
