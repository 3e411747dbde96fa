// ETag: entity tags and 304 answers for dynamic handlers, by buffering the body.

package cachehint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxETagBody is the largest body ETag buffers. A larger response is sent
// as it is written, without an ETag.
const MaxETagBody = 4 << 20

// ETag is a middleware that gives an ordinary dynamic handler a strong
// entity tag and answers conditional GET and HEAD requests. It buffers
// what the handler writes; when the handler is done and the status is 200,
// it sets ETag to a hash of the body (unless the handler set one) and,
// when the request's If-None-Match matches it (weak comparison, RFC 9110
// §13.1.2), answers 304 Not Modified with the same headers the 200 would
// carry, minus Content-Type, Content-Length and Content-Encoding, and
// without a body. The handler still runs in full: ETag saves bandwidth,
// not work. http.ServeContent needs an io.ReadSeeker; ETag does not.
//
// Other methods, statuses other than 200, responses the handler flushes
// and bodies larger than MaxETagBody pass through unchanged (the latter
// two without an ETag). Installed inside Middleware, the 304 carries the
// same caching headers as the 200, since the rules are applied to the
// same handler run.
//
// The hash covers the bytes the handler writes. A compressing middleware
// further out (chi middleware.Compress) sends other bytes under the same
// ETag; put ETag outside it if strong validators must be exact per
// encoding.
func ETag(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		b := &etagWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(b, r)
		b.finish(r)
	})
}

// etagWriter buffers a response until the handler returns, then sends it
// or a 304. It falls back to streaming on Flush or a large body. Like
// cachehint's writer, it implements http.ResponseController's methods
// itself, so that a Flush reaching it through an Unwrap-only wrapper ends
// buffering instead of sending the headers past it.
type etagWriter struct {
	http.ResponseWriter
	status    int
	wroteCode bool
	buf       bytes.Buffer
	streaming bool
}

func (b *etagWriter) WriteHeader(code int) {
	if b.streaming {
		b.ResponseWriter.WriteHeader(code)
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		b.ResponseWriter.WriteHeader(code) // 103 Early Hints and the like
		return
	}
	if !b.wroteCode {
		b.status, b.wroteCode = code, true
	}
}

func (b *etagWriter) Write(p []byte) (int, error) {
	if b.streaming {
		return b.ResponseWriter.Write(p)
	}
	b.wroteCode = true
	if b.buf.Len()+len(p) > MaxETagBody {
		if err := b.stream(); err != nil {
			return 0, err
		}
		return b.ResponseWriter.Write(p)
	}
	return b.buf.Write(p)
}

// stream sends what was buffered and passes everything after it through.
func (b *etagWriter) stream() error {
	if b.streaming {
		return nil
	}
	b.streaming = true
	b.ResponseWriter.WriteHeader(b.status)
	_, err := b.ResponseWriter.Write(b.buf.Bytes())
	b.buf = bytes.Buffer{}
	return err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (b *etagWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// Flush ends buffering: a handler that flushes wants its bytes sent now.
func (b *etagWriter) Flush() { _ = b.FlushError() }

// FlushError is Flush, with the error of the writer beneath.
func (b *etagWriter) FlushError() error {
	if err := b.stream(); err != nil {
		return err
	}
	return http.NewResponseController(b.ResponseWriter).Flush()
}

// Hijack hands the connection over; nothing buffered is sent.
func (b *etagWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(b.ResponseWriter).Hijack()
	if err == nil {
		b.streaming, b.buf = true, bytes.Buffer{}
	}
	return c, rw, err
}

// SetReadDeadline, SetWriteDeadline and EnableFullDuplex send nothing.
func (b *etagWriter) SetReadDeadline(t time.Time) error {
	return http.NewResponseController(b.ResponseWriter).SetReadDeadline(t)
}

func (b *etagWriter) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(b.ResponseWriter).SetWriteDeadline(t)
}

func (b *etagWriter) EnableFullDuplex() error {
	return http.NewResponseController(b.ResponseWriter).EnableFullDuplex()
}

var (
	_ http.Flusher  = (*etagWriter)(nil)
	_ http.Hijacker = (*etagWriter)(nil)
)

func (b *etagWriter) finish(r *http.Request) {
	if b.streaming {
		return
	}
	h := b.Header()
	if b.status == http.StatusOK && (b.buf.Len() > 0 || r.Method == http.MethodGet) {
		tag := h.Get("Etag")
		if tag == "" {
			sum := sha256.Sum256(b.buf.Bytes())
			tag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
			h.Set("Etag", tag)
		}
		if noneMatch(r.Header.Values("If-None-Match"), tag) {
			// RFC 9110 §15.4.5, as net/http's ServeContent does.
			delete(h, "Content-Type")
			delete(h, "Content-Length")
			delete(h, "Content-Encoding")
			delete(h, "Last-Modified")
			b.ResponseWriter.WriteHeader(http.StatusNotModified)
			return
		}
		if h.Get("Content-Length") == "" && h.Get("Content-Encoding") == "" {
			h.Set("Content-Length", strconv.Itoa(b.buf.Len()))
		}
	}
	if b.wroteCode {
		b.ResponseWriter.WriteHeader(b.status)
	}
	if b.buf.Len() > 0 {
		_, _ = b.ResponseWriter.Write(b.buf.Bytes())
	}
}

// noneMatch reports whether an If-None-Match field (RFC 9110 §13.1.2)
// matches etag by weak comparison. A malformed field matches nothing.
func noneMatch(fields []string, etag string) bool {
	want := opaque(etag)
	if want == "" {
		return false
	}
	for _, f := range fields {
		for f != "" {
			f = strings.TrimLeft(f, " \t,")
			if f == "" {
				break
			}
			if f[0] == '*' {
				return true
			}
			tag, rest, ok := scanETag(f)
			if !ok {
				return false
			}
			if opaque(tag) == want {
				return true
			}
			f = rest
		}
	}
	return false
}

// scanETag reads one entity-tag ([W/]"...") from the start of s.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s) < start+2 || s[start] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[start+1:], '"')
	if end < 0 {
		return "", "", false
	}
	end += start + 2
	return s[:end], s[end:], true
}

// opaque returns the quoted part of an entity-tag, without any W/ prefix,
// or "" when tag is not an entity-tag.
func opaque(tag string) string {
	tag = strings.TrimPrefix(tag, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return ""
	}
	return tag
}
