package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// Headers of a delivery besides the signature's (reload.TimestampHeader,
// reload.SignatureHeader).
const (
	EventIDHeader   = "X-Kassa-Event-Id"
	EventTypeHeader = "X-Kassa-Event-Type"
	AttemptHeader   = "X-Kassa-Delivery-Attempt"
	UserAgent       = "kassa-events/1"
)

// post sends one delivery: the event's JSON, signed with the endpoint's
// secret as the auto-reload webhooks are (X-Kassa-Timestamp and
// X-Kassa-Signature: HMAC-SHA256 of timestamp "." body). It returns the
// HTTP status (0 when there was none) and an error unless the endpoint
// answered 2xx. The error names no secret: the URL's query and user
// information are left out of it.
func (d *Dispatcher) post(ctx context.Context, ep *kassa.WebhookEndpoint, dl *kassa.Delivery) (int, error) {
	body, err := Body(&dl.Event)
	if err != nil {
		return 0, fmt.Errorf("encode event %d: %w", dl.Event.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("the endpoint's URL is not usable")
	}
	ts := strconv.FormatInt(d.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(EventIDHeader, strconv.FormatInt(dl.Event.ID, 10))
	req.Header.Set(EventTypeHeader, dl.Event.Type)
	req.Header.Set(AttemptHeader, strconv.Itoa(dl.Attempts+1))
	req.Header.Set(reload.TimestampHeader, ts)
	req.Header.Set(reload.SignatureHeader, reload.Sign([]byte(ep.Secret), ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, redactURL(err)
	}
	// Read a little of the answer so that the connection can be reused;
	// what the endpoint says is not kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("the endpoint answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, nil
}

// redactURL shortens the URL that a transport error repeats to its scheme,
// host and path, so that a token in the query or the user information of
// an endpoint's URL never reaches the delivery log or a log line.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if u, perr := url.Parse(ue.URL); perr == nil {
		ue.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	} else {
		ue.URL = "(the endpoint's URL)"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within the delivery timeout: %w", err)
	}
	return err
}
