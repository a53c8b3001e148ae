package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// auditEventJSON is one audit event on the admin API. Detail is the JSON
// object the event was recorded with (a string when it is not JSON).
type auditEventJSON struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	Account    string          `json:"account"`
	Action     string          `json:"action"`
	RemoteAddr string          `json:"remote_addr"`
	Detail     json.RawMessage `json:"detail"`
}

func toAuditJSON(e *kassa.AuditEvent) auditEventJSON {
	detail := json.RawMessage(e.Detail)
	if !json.Valid(detail) {
		detail, _ = json.Marshal(e.Detail)
	}
	return auditEventJSON{
		ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Account: e.Account,
		Action: e.Action, RemoteAddr: e.RemoteAddr, Detail: detail,
	}
}

// adminListAudit answers GET /admin/v1/audit?account=&action=&offset=&limit=:
// audit events newest first, filtered by account and action (exact
// matches), and the total matching count.
func (s *Server) adminListAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := pageParams(q)
	if err != nil {
		return err
	}
	events, total, err := s.cfg.Store.ListAudit(r.Context(), kassa.AuditFilter{
		Account: q.Get("account"), Action: q.Get("action"), Offset: offset, Limit: limit,
	})
	if err != nil {
		return err
	}
	writePage(w, "events", mapEach(events, toAuditJSON), total, offset, limit)
	return nil
}
