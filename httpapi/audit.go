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

// auditLockout records lock-outs after too many failed authentications
// (the key may not exist; Account is set only when it does). The
// authenticator reports the first lock-out of a scope and key in a window
// at once and the later ones of the window together when it ends, so the
// detail names the scope, the key, the number of lock-outs, a sample of
// their client addresses (client when there is one) and the end of the
// latest.
func (s *Server) auditLockout(lo auth.Lockout) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	clients := lo.Clients
	if clients == nil {
		clients = []string{} // a key-scope lock-out names no address
	}
	detail, _ := json.Marshal(lockoutDetail{
		Scope: lo.Scope, APIKey: lo.APIKey, Client: lo.Client, Count: lo.Count, Clients: clients,
		Since: lo.Since.UTC().Format(time.RFC3339), Until: lo.Until.UTC().Format(time.RFC3339),
	})
	e := &kassa.AuditEvent{At: s.now().UTC(), Actor: "system", Action: "auth.lockout", RemoteAddr: lo.Client, Detail: string(detail)}
	if lo.APIKey != "" && lo.APIKey != auth.AnyKey {
		if _, err := s.cfg.Store.FindAccount(ctx, lo.APIKey); err == nil {
			e.Account = lo.APIKey
		}
	}
	if err := s.cfg.Store.AppendAudit(ctx, e); err != nil {
		s.log.Error("append audit event", "action", e.Action, "err", err)
	}
	s.log.Warn("authentication lock-out after failed attempts", "scope", lo.Scope, "count", lo.Count, "clients", lo.Clients, "until", lo.Until)
}

// lockoutDetail is the detail of an auth.lockout event.
type lockoutDetail struct {
	Scope   string   `json:"scope"`
	APIKey  string   `json:"api_key"`
	Client  string   `json:"client"`
	Count   int      `json:"count"`
	Clients []string `json:"clients"`
	Since   string   `json:"since"`
	Until   string   `json:"until"`
}
