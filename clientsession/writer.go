package clientsession

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// rw wraps the response writer so that session cookies reach the headers
// at the first header-sending call: WriteHeader (but not 1xx other than
// 101), Write, ReadFrom, Flush or Hijack. Unwrap lets
// http.ResponseController reach the writer beneath.
type rw struct {
	http.ResponseWriter
	s *Session
}

func (w *rw) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.s.commit(w.ResponseWriter.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rw) Write(p []byte) (int, error) {
	w.s.commit(w.ResponseWriter.Header())
	return w.ResponseWriter.Write(p)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *rw) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type flusher struct{ w *rw }

func (f flusher) Flush() {
	f.w.s.commit(f.w.ResponseWriter.Header())
	f.w.ResponseWriter.(http.Flusher).Flush()
}

type hijacker struct{ w *rw }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.w.s.dropped()
	return h.w.ResponseWriter.(http.Hijacker).Hijack()
}

type readerFrom struct{ w *rw }

func (f readerFrom) ReadFrom(r io.Reader) (int64, error) {
	f.w.s.commit(f.w.ResponseWriter.Header())
	return f.w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
}

// wrap returns w with exactly the optional interfaces (Flusher, Hijacker,
// ReaderFrom) that the writer beneath has, so callers that probe for them
// (SSE, websockets, sendfile) see the truth.
func wrap(w *rw) http.ResponseWriter {
	_, f := w.ResponseWriter.(http.Flusher)
	_, h := w.ResponseWriter.(http.Hijacker)
	_, r := w.ResponseWriter.(io.ReaderFrom)
	switch {
	case f && h && r:
		return struct {
			*rw
			flusher
			hijacker
			readerFrom
		}{w, flusher{w}, hijacker{w}, readerFrom{w}}
	case f && h:
		return struct {
			*rw
			flusher
			hijacker
		}{w, flusher{w}, hijacker{w}}
	case f && r:
		return struct {
			*rw
			flusher
			readerFrom
		}{w, flusher{w}, readerFrom{w}}
	case h && r:
		return struct {
			*rw
			hijacker
			readerFrom
		}{w, hijacker{w}, readerFrom{w}}
	case f:
		return struct {
			*rw
			flusher
		}{w, flusher{w}}
	case h:
		return struct {
			*rw
			hijacker
		}{w, hijacker{w}}
	case r:
		return struct {
			*rw
			readerFrom
		}{w, readerFrom{w}}
	}
	return w
}
