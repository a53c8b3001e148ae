package pricing

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
)

// Format is the wire format of an answer.
type Format int

// The formats the pricing endpoints answer in.
const (
	JSON Format = iota
	XML
)

// Content types of the answers.
const (
	ContentTypeJSON = "application/json;charset=UTF-8"
	ContentTypeXML  = "application/xml;charset=UTF-8"
)

// index is the format's position in the pre-rendered arrays; anything but
// XML is JSON.
func (f Format) index() int {
	if f == XML {
		return 1
	}
	return 0
}

// ContentType returns the Content-Type header value for the format.
func (f Format) ContentType() string {
	if f == XML {
		return ContentTypeXML
	}
	return ContentTypeJSON
}

// Document is one pre-rendered answer. Its byte slices are shared and must
// not be changed.
type Document struct {
	Body        []byte // the answer as sent without content coding
	ContentType string
	ETag        string // strong ETag of Body, quoted: "\"3f2a…\""
	Gzip        []byte // Body gzip-compressed; nil for small answers
	GzipETag    string // strong ETag of the gzip representation; "" when Gzip is nil
}

// newDocument wraps a rendered body; with compress it also stores a
// gzip-compressed copy.
func newDocument(body []byte, f Format, compress bool) (*Document, error) {
	d := &Document{Body: body, ContentType: f.ContentType(), ETag: etagOf(body, "")}
	if !compress {
		return d, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	d.Gzip = buf.Bytes()
	d.GzipETag = etagOf(body, "-gzip")
	return d, nil
}

// etagOf returns a strong ETag derived from the body's SHA-256.
func etagOf(body []byte, suffix string) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + suffix + `"`
}
