package pricing

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"sync"
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

// GzipMinSize is the body size from which an answer is sent
// gzip-compressed to a client that accepts it (see Document.Gzipped):
// below it, compression saves less than a packet.
const GzipMinSize = 1024

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

	lazy     sync.Once // compresses a pre-rendered body of GzipMinSize or more on first use
	lazyGzip []byte
	lazyETag string

	plainOnce, gzipOnce     sync.Once
	plainHeader, gzipHeader *HeaderValues
}

// HeaderValues are the response header values of one representation of a
// pre-rendered answer, built once per document: a server sets them
// straight into its header map, skipping Header.Set's work (canonical
// names, a slice per value) on every request. Each slice has one element
// and capacity one; nobody may modify them (net/http copies the header
// map when it writes it, and an append copies).
type HeaderValues struct {
	ContentType   []string
	ContentLength []string
	ETag          []string // nil when the answer has no ETag
}

// newHeaderValues returns the header values of a body with etag.
func newHeaderValues(contentType string, body []byte, etag string) *HeaderValues {
	v := &HeaderValues{ContentType: one(contentType), ContentLength: one(strconv.Itoa(len(body)))}
	if etag != "" {
		v.ETag = one(etag)
	}
	return v
}

// one returns a header value slice of s with capacity one.
func one(s string) []string { return []string{s}[:1:1] }

// PlainHeader returns the header values of the answer sent without
// content coding; nil for a streamed answer.
func (d *Document) PlainHeader() *HeaderValues {
	if d.Streamed() {
		return nil
	}
	d.plainOnce.Do(func() { d.plainHeader = newHeaderValues(d.ContentType, d.Body, d.ETag) })
	return d.plainHeader
}

// GzipHeader returns the header values of the gzip representation (see
// Compressed, which it calls); nil when there is none.
func (d *Document) GzipHeader() *HeaderValues {
	d.gzipOnce.Do(func() {
		if z, etag := d.Compressed(); z != nil {
			d.gzipHeader = newHeaderValues(d.ContentType, z, etag)
		}
	})
	return d.gzipHeader
}

// Gzipped reports whether the answer is offered gzip-compressed: a full
// list (compressed when rendered), a streamed answer (compressed as it is
// written), and any other answer of GzipMinSize or more (a prefix answer,
// a country with many networks: compressed the first time a client asks,
// see Compressed).
func (d *Document) Gzipped() bool { return d.GzipETag != "" || len(d.Body) >= GzipMinSize }

// Compressed returns the gzip form of a pre-rendered answer that is
// Gzipped, and its strong ETag: the copy made when it was rendered, or
// one made on the first call and kept with the document (which lives as
// long as its snapshot). It returns nil and "" for a streamed answer
// (WriteGzip writes it) and for one that is not Gzipped.
func (d *Document) Compressed() ([]byte, string) {
	switch {
	case d.Gzip != nil:
		return d.Gzip, d.GzipETag
	case d.Streamed() || len(d.Body) < GzipMinSize:
		return nil, ""
	}
	d.lazy.Do(func() {
		z, err := gzipBytes(d.Body)
		if err != nil {
			return // never for an in-memory buffer; the answer goes uncompressed
		}
		d.lazyGzip, d.lazyETag = z, etagOf(d.Body, "-gzip")
	})
	return d.lazyGzip, d.lazyETag
}

// gzipBytes returns body gzip-compressed at the default level.
func gzipBytes(body []byte) ([]byte, error) {
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
	return buf.Bytes(), nil
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
	z, err := gzipBytes(body)
	if err != nil {
		return nil, err
	}
	d.Gzip = z
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
