package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// audit records an event; a failure is logged and does not fail the
// request, whose change is already committed.
func (s *Server) audit(r *http.Request, actor, account, action, detail string) {
	e := &kassa.AuditEvent{At: s.now().UTC().Truncate(time.Microsecond), Actor: actor, Account: account, Action: action, RemoteAddr: r.RemoteAddr, Detail: detail}
	if err := s.cfg.Store.AppendAudit(r.Context(), e); err != nil {
		s.log.Error("append audit event", "action", action, "account", account, "err", err)
	}
}

// auditLockout records that a lock-out started after too many failed
// authentications (the key may not exist; Account is set only when it
// does). The detail names the scope, the key, the client and the end.
func (s *Server) auditLockout(lo auth.Lockout) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	detail, _ := json.Marshal(map[string]string{
		"scope": lo.Scope, "api_key": lo.APIKey, "client": lo.Client, "until": lo.Until.UTC().Format(time.RFC3339),
	})
	e := &kassa.AuditEvent{At: s.now().UTC(), Actor: "system", Action: "auth.lockout", RemoteAddr: lo.Client, Detail: string(detail)}
	if lo.APIKey != "" {
		if _, err := s.cfg.Store.FindAccount(ctx, lo.APIKey); err == nil {
			e.Account = lo.APIKey
		}
	}
	if err := s.cfg.Store.AppendAudit(ctx, e); err != nil {
		s.log.Error("append audit event", "action", e.Action, "err", err)
	}
	s.log.Warn("authentication lock-out after failed attempts", "scope", lo.Scope, "client", lo.Client, "until", lo.Until)
}
