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

func (w *rw) flush() {
	w.s.commit(w.ResponseWriter.Header())
	w.ResponseWriter.(http.Flusher).Flush()
}

func (w *rw) hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.s.dropped()
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

func (w *rw) readFrom(r io.Reader) (int64, error) {
	w.s.commit(w.ResponseWriter.Header())
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
}

// One type per combination of Flusher (F), Hijacker (H) and ReaderFrom
// (R). They share rw's layout, so wrap converts &Session.w to the right
// one without allocating.
type (
	rwF   rw
	rwH   rw
	rwR   rw
	rwFH  rw
	rwFR  rw
	rwHR  rw
	rwFHR rw
)

func (w *rwF) WriteHeader(code int)        { (*rw)(w).WriteHeader(code) }
func (w *rwF) Write(p []byte) (int, error) { return (*rw)(w).Write(p) }
func (w *rwF) Unwrap() http.ResponseWriter { return w.ResponseWriter }
func (w *rwF) Flush()                      { (*rw)(w).flush() }

func (w *rwH) WriteHeader(code int)                         { (*rw)(w).WriteHeader(code) }
func (w *rwH) Write(p []byte) (int, error)                  { return (*rw)(w).Write(p) }
func (w *rwH) Unwrap() http.ResponseWriter                  { return w.ResponseWriter }
func (w *rwH) Hijack() (net.Conn, *bufio.ReadWriter, error) { return (*rw)(w).hijack() }

func (w *rwR) WriteHeader(code int)                { (*rw)(w).WriteHeader(code) }
func (w *rwR) Write(p []byte) (int, error)         { return (*rw)(w).Write(p) }
func (w *rwR) Unwrap() http.ResponseWriter         { return w.ResponseWriter }
func (w *rwR) ReadFrom(r io.Reader) (int64, error) { return (*rw)(w).readFrom(r) }

func (w *rwFH) WriteHeader(code int)                         { (*rw)(w).WriteHeader(code) }
func (w *rwFH) Write(p []byte) (int, error)                  { return (*rw)(w).Write(p) }
func (w *rwFH) Unwrap() http.ResponseWriter                  { return w.ResponseWriter }
func (w *rwFH) Flush()                                       { (*rw)(w).flush() }
func (w *rwFH) Hijack() (net.Conn, *bufio.ReadWriter, error) { return (*rw)(w).hijack() }

func (w *rwFR) WriteHeader(code int)                { (*rw)(w).WriteHeader(code) }
func (w *rwFR) Write(p []byte) (int, error)         { return (*rw)(w).Write(p) }
func (w *rwFR) Unwrap() http.ResponseWriter         { return w.ResponseWriter }
func (w *rwFR) Flush()                              { (*rw)(w).flush() }
func (w *rwFR) ReadFrom(r io.Reader) (int64, error) { return (*rw)(w).readFrom(r) }

func (w *rwHR) WriteHeader(code int)                         { (*rw)(w).WriteHeader(code) }
func (w *rwHR) Write(p []byte) (int, error)                  { return (*rw)(w).Write(p) }
func (w *rwHR) Unwrap() http.ResponseWriter                  { return w.ResponseWriter }
func (w *rwHR) Hijack() (net.Conn, *bufio.ReadWriter, error) { return (*rw)(w).hijack() }
func (w *rwHR) ReadFrom(r io.Reader) (int64, error)          { return (*rw)(w).readFrom(r) }

func (w *rwFHR) WriteHeader(code int)                         { (*rw)(w).WriteHeader(code) }
func (w *rwFHR) Write(p []byte) (int, error)                  { return (*rw)(w).Write(p) }
func (w *rwFHR) Unwrap() http.ResponseWriter                  { return w.ResponseWriter }
func (w *rwFHR) Flush()                                       { (*rw)(w).flush() }
func (w *rwFHR) Hijack() (net.Conn, *bufio.ReadWriter, error) { return (*rw)(w).hijack() }
func (w *rwFHR) ReadFrom(r io.Reader) (int64, error)          { return (*rw)(w).readFrom(r) }

var (
	_ http.Flusher  = (*rwFHR)(nil)
	_ http.Hijacker = (*rwFHR)(nil)
	_ io.ReaderFrom = (*rwFHR)(nil)
)

// wrap returns w with exactly the optional interfaces (Flusher, Hijacker,
// ReaderFrom) that the writer beneath has, so callers that probe for them
// (SSE, websockets, sendfile) see the truth.
func wrap(w *rw) http.ResponseWriter {
	_, f := w.ResponseWriter.(http.Flusher)
	_, h := w.ResponseWriter.(http.Hijacker)
	_, r := w.ResponseWriter.(io.ReaderFrom)
	switch {
	case f && h && r:
		return (*rwFHR)(w)
	case f && h:
		return (*rwFH)(w)
	case f && r:
		return (*rwFR)(w)
	case h && r:
		return (*rwHR)(w)
	case f:
		return (*rwF)(w)
	case h:
		return (*rwH)(w)
	case r:
		return (*rwR)(w)
	}
	return w
}
