package reload

import (
	"errors"
	"net/url"
)

// withoutURLSecrets shortens the URL that a failed request's error repeats
// (net/http's *url.Error) to its scheme, host and path, so that a token in
// the query string or the user info of a webhook URL never reaches a log
// line or an error message.
func withoutURLSecrets(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if u, perr := url.Parse(ue.URL); perr == nil {
		ue.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	} else {
		ue.URL = "(the webhook URL)"
	}
	return err
}
