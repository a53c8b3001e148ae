package pricing

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
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

// Document is one answer: pre-rendered (Body, and Gzip for the large
// ones), or, for a large price book, streamed: rendered from the snapshot
// each time it is written (Streamed, WriteBody), so that no request builds
// a body of a hundred MiB in memory. Its byte slices are shared and must
// not be changed.
type Document struct {
	Body        []byte // the answer as sent without content coding; nil when Streamed
	ContentType string
	// ETag is a strong ETag, quoted: "\"3f2a…\"". A pre-rendered answer's
	// is derived from Body; a streamed answer's from what the body depends
	// on (the version's content, the reference data, the exchange rates,
	// the rendering code, the answer's parameters).
	ETag string
	Gzip []byte // Body gzip-compressed; nil for small answers and streamed ones
	// GzipETag is the strong ETag of the gzip representation: "" when the
	// answer is not offered gzip-compressed (Gzip is nil and it is not
	// streamed).
	GzipETag string

	write func(w io.Writer) error // renders the body of a streamed answer
}

// Streamed reports whether the answer is rendered as it is written: Body
// and Gzip are nil; WriteBody and WriteGzip write it.
func (d *Document) Streamed() bool { return d.write != nil }

// WriteBody writes the answer's body to w, without content coding.
func (d *Document) WriteBody(w io.Writer) error {
	if d.write != nil {
		return d.write(w)
	}
	_, err := w.Write(d.Body)
	return err
}

// WriteGzip writes the answer gzip-compressed to w: the stored copy, or
// for a streamed answer the body compressed as it is rendered (at
// gzip.BestSpeed). It is for answers whose GzipETag is set.
func (d *Document) WriteGzip(w io.Writer) error {
	if d.write == nil {
		_, err := w.Write(d.Gzip)
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if err := d.write(zw); err != nil {
		return err
	}
	return zw.Close()
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

// streamETag returns the ETag (without quotes) of a streamed answer: a
// digest of the snapshot's fingerprint and the answer's parameters.
func (s *Snapshot) streamETag(key string) string {
	h := sha256.New()
	h.Write(s.fingerprint[:])
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
