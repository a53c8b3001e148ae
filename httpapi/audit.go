package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// audit records an event; a failure is logged and does not fail the
// request, whose change is already committed.
func (s *Server) audit(r *http.Request, actor, account, action, detail string) {
	e := &kassa.AuditEvent{At: s.now().UTC().Truncate(time.Microsecond), Actor: actor, Account: account, Action: action, RemoteAddr: r.RemoteAddr, Detail: detail}
	if err := s.cfg.Store.AppendAudit(r.Context(), e); err != nil {
		s.log.Error("append audit event", "action", action, "account", account, "err", err)
	}
}

// auditLockout records that a client was locked out of a key after too many
// failed authentications (the key may not exist; it is in the detail).
func (s *Server) auditLockout(client, apiKey string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	detail, _ := json.Marshal(map[string]string{"api_key": apiKey, "client": client})
	e := &kassa.AuditEvent{At: s.now().UTC(), Actor: "system", Action: "auth.lockout", RemoteAddr: client, Detail: string(detail)}
	if err := s.cfg.Store.AppendAudit(ctx, e); err != nil {
		s.log.Error("append audit event", "action", e.Action, "err", err)
	}
	s.log.Warn("client locked out after failed authentications", "client", client)
}
