// Command baseline is the yardstick of kassa's load benchmarks: a minimal
// net/http server that answers fixed bytes, so that bench/run can report each
// kassa endpoint as a ratio to what Go's HTTP stack alone does on the same
// machine in the same run.
//
// Routes (any method, any query; a request body is read and dropped):
//
//	/small, /   a fixed 100-byte JSON body (also every path not listed below)
//	/full       the bytes of -full (the plain full price list fetched from kassa)
//	/full-gzip  the bytes of -full-gzip, sent with Content-Encoding: gzip
//	PATH        the bytes of FILE for each -body PATH=FILE (e.g. kassa's
//	            answer for one country, to compare a handler with the
//	            same bytes written by net/http alone)
//
// It prints "baseline listening on http://ADDR" once it listens.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// smallBody is the 100-byte answer of /small.
var smallBody = []byte(`{"value":10.00000000,"autoReload":true,"padding":"` + string(bytes.Repeat([]byte("x"), 47)) + `"}` + "\n")

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	full := flag.String("full", "", "file with the plain body of /full")
	fullGzip := flag.String("full-gzip", "", "file with the gzip body of /full-gzip")
	contentType := flag.String("content-type", "application/json;charset=UTF-8", "Content-Type of every answer")
	bodies := map[string]string{}
	flag.Func("body", "PATH=FILE: answer PATH with the bytes of FILE (repeatable)", func(v string) error {
		path, file, ok := strings.Cut(v, "=")
		if !ok || !strings.HasPrefix(path, "/") || file == "" {
			return fmt.Errorf("want PATH=FILE with PATH starting with '/', got %q", v)
		}
		bodies[path] = file
		return nil
	})
	flag.Parse()
	if len(smallBody) != 100 {
		log.Fatalf("small body is %d bytes, want 100", len(smallBody))
	}
	mux := http.NewServeMux()
	mux.Handle("/", fixed(smallBody, *contentType, ""))
	if *full != "" {
		mux.Handle("/full", fixed(mustRead(*full), *contentType, ""))
	}
	if *fullGzip != "" {
		mux.Handle("/full-gzip", fixed(mustRead(*fullGzip), *contentType, "gzip"))
	}
	for path, file := range bodies {
		mux.Handle(path, fixed(mustRead(file), *contentType, ""))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("baseline listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}

// fixed answers every request with body, writing the same kind of headers
// kassa writes (Content-Type, Content-Length, nosniff and, for gzip,
// Content-Encoding), and drains any request body.
func fixed(body []byte, contentType, encoding string) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Content-Length", length)
		h.Set("X-Content-Type-Options", "nosniff")
		if encoding != "" {
			h.Set("Content-Encoding", encoding)
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return b
}
