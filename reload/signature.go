package reload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed webhook request.
const (
	SignatureHeader = "X-Kassa-Signature"
	TimestampHeader = "X-Kassa-Timestamp"
)

// DefaultSignatureTolerance is how far a request's timestamp may be from the
// receiver's clock in Verify.
const DefaultSignatureTolerance = 5 * time.Minute

// Sign returns the X-Kassa-Signature value of a body sent at timestamp (Unix
// seconds, the X-Kassa-Timestamp value): "sha256=" followed by the lower-case
// hex HMAC-SHA256, keyed with secret, of timestamp + "." + body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signed request as a receiver should: the signature must
// match Sign(secret, timestamp, body), compared in constant time, and the
// timestamp must be within tolerance of now (DefaultSignatureTolerance when
// 0), which bounds replays.
func Verify(secret []byte, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp outside the tolerance")
	}
	if !strings.HasPrefix(signature, "sha256=") {
		return errors.New("signature is not sha256=<hex>")
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return errors.New("signature mismatch")
	}
	return nil
}
