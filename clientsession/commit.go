// commit.go holds the commit point: the response writer that turns the
// session's changes into Set-Cookie headers when the headers go out.
package clientsession

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/fullsession/fullsession/internal/httpcache"
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

// commit adds the Set-Cookie, Vary and Cache-Control headers to h, once.
// It runs when the response headers are about to be sent.
func (s *Session) commit(h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return
	}
	s.committed = true
	wrote := false
	for i := range s.entries {
		if c := s.setCookie(&s.entries[i]); c != "" {
			h.Add("Set-Cookie", c)
			wrote = true
		}
	}
	if s.accessed || wrote {
		httpcache.AddVary(h, "Cookie")
	}
	if wrote {
		httpcache.ForbidShared(h)
	}
}

// setCookie returns the Set-Cookie value for e, or "" when e is unchanged.
func (s *Session) setCookie(e *entry) string {
	name := e.name
	maxAge := int64(s.m.maxAge / 1e9)
	value := e.out
	switch {
	case e.op == opDelete:
		value, maxAge = "", 0
	case e.op == opSet:
	case e.old && e.state == stValid:
		// Rotation: re-seal under Keys[0], keeping the original expiry.
		value = s.encode(name, e.key, e.exp, e.js)
		maxAge = e.exp - s.m.now().Unix()
		if maxAge <= 0 || len(name)+len(value) > MaxCookieSize {
			return ""
		}
	default:
		return ""
	}
	b := make([]byte, 0, len(name)+len(value)+len(s.m.attrs)+32)
	b = append(b, name...)
	b = append(b, '=')
	b = append(b, value...)
	b = append(b, s.m.attrs...)
	b = append(b, "; Max-Age="...)
	b = strconv.AppendInt(b, maxAge, 10)
	if s.m.Protection(e.key) == Private {
		b = append(b, "; HttpOnly"...)
	}
	return string(b)
}

// dropped reports session changes lost to a hijacked connection.
func (s *Session) dropped() {
	s.mu.Lock()
	lost := s.pending()
	s.committed = true
	s.mu.Unlock()
	if lost {
		slog.WarnContext(s.req.Context(), errHijackedLost.Error())
	}
}
