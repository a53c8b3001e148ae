package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/kassa-dev/kassa"
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

// secretsCollection answers GET (list) and POST (create) on
// /accounts/{api_key}/secrets.
func (s *Server) secretsCollection(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	if r.Method == http.MethodPost {
		return s.createSecret(w, r, c)
	}
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

// createSecret adds a secret from the JSON or form parameter secret; 201.
func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	key := c.account.APIKey
	sec, err := s.cfg.Hasher.NewSecret(key, c.params.get("secret"), s.now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.CreateSecret(r.Context(), sec); err != nil {
		return err
	}
	s.auth.Invalidate(key)
	s.audit(r, "account:"+key, key, "secret.create", secretDetail(sec.ID))
	writeJSON(w, http.StatusCreated, toSecretJSON(sec))
	return nil
}

// secretItem answers GET (read) and DELETE (revoke) on
// /accounts/{api_key}/secrets/{secret_id}.
func (s *Server) secretItem(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	key, id := c.account.APIKey, r.PathValue("secret_id")
	if r.Method == http.MethodDelete {
		err := s.cfg.Store.DeleteSecret(r.Context(), key, id)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return unknownSecretID(id)
		}
		if err != nil {
			return err
		}
		s.auth.Invalidate(key)
		s.audit(r, "account:"+key, key, "secret.revoke", secretDetail(id))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
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

func secretDetail(id string) string {
	b, _ := json.Marshal(map[string]string{"secret_id": id})
	return string(b)
}
