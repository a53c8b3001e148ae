package httpapi

import (
	"net/http"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// halLink is one HAL link.
type halLink struct {
	Href string `json:"href"`
}

// selfLinks is a HAL _links object with only self.
type selfLinks struct {
	Self halLink `json:"self"`
}

// secretJSON is one secret as the secrets API shows it.
type secretJSON struct {
	Links     selfLinks `json:"_links"`
	ID        string    `json:"id"`
	CreatedAt string    `json:"created_at"`
}

// secretList is the HAL list of an account's secrets.
type secretList struct {
	Links    selfLinks `json:"_links"`
	Embedded struct {
		Secrets []secretJSON `json:"secrets"`
	} `json:"_embedded"`
}

// secretTimeLayout is the secrets API's created_at format.
const secretTimeLayout = "2006-01-02T15:04:05Z"

func secretsPath(key string) string { return "/accounts/" + key + "/secrets" }

func toSecretJSON(s *kassa.Secret) secretJSON {
	return secretJSON{
		Links:     selfLinks{Self: halLink{Href: secretsPath(s.AccountKey) + "/" + s.ID}},
		ID:        s.ID,
		CreatedAt: s.CreatedAt.UTC().Format(secretTimeLayout),
	}
}

// listSecrets answers GET /accounts/{api_key}/secrets.
func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	secrets, err := s.cfg.Store.Secrets(r.Context(), c.account.APIKey)
	if err != nil {
		return err
	}
	var body secretList
	body.Links.Self.Href = secretsPath(c.account.APIKey)
	body.Embedded.Secrets = make([]secretJSON, 0, len(secrets))
	for _, sec := range secrets {
		body.Embedded.Secrets = append(body.Embedded.Secrets, toSecretJSON(sec))
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// createSecret answers POST /accounts/{api_key}/secrets: a secret from the
// JSON or form parameter secret; 201.
func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	sec, err := s.app.CreateSecret(r.Context(), c.actor(r), c.account.APIKey, c.params.get("secret"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toSecretJSON(sec))
	return nil
}

// revokeSecret answers DELETE /accounts/{api_key}/secrets/{secret_id}: 204.
func (s *Server) revokeSecret(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	id := r.PathValue("secret_id")
	err := s.app.RevokeSecret(r.Context(), c.actor(r), c.account.APIKey, id)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return unknownSecretID(id)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// getSecret answers GET /accounts/{api_key}/secrets/{secret_id}.
func (s *Server) getSecret(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	key, id := c.account.APIKey, r.PathValue("secret_id")
	secrets, err := s.cfg.Store.Secrets(r.Context(), key)
	if err != nil {
		return err
	}
	for _, sec := range secrets {
		if sec.ID == id {
			writeJSON(w, http.StatusOK, toSecretJSON(sec))
			return nil
		}
	}
	return unknownSecretID(id)
}

// unknownSecretID is the secrets API's 404 for an id the account lacks.
func unknownSecretID(id string) error {
	return &kassa.Error{Code: kassa.ENOTFOUND, Field: fieldSecretID, Message: "ID '" + id + "' could not be found"}
}

// actor is the caller of a public request, for the audit log: the holder
// of the credentials presented (a primary acting on its subaccount is the
// primary).
func (c *publicCall) actor(r *http.Request) app.Actor {
	if c.caller != nil {
		return app.AccountHolder(c.caller.APIKey, r.RemoteAddr)
	}
	return app.AccountHolder(c.account.APIKey, r.RemoteAddr)
}
