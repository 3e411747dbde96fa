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
	"strings"
	"time"

	"github.com/fullsession/fullsession/internal/httpcache"
)

// rw wraps the response writer so that session cookies reach the headers
// at the first header-sending call: WriteHeader (but not 1xx other than
// 101), Write, ReadFrom or Flush; Hijack ends the session's output.
//
// Every method of http.ResponseController is implemented here, committing
// first where it sends anything, and delegates through a
// ResponseController on the writer beneath, so that neither a controller
// made on this writer nor an Unwrap-only wrapper beneath it (a logging
// middleware) reaches the server's writer past the commit.
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

// Unwrap returns the wrapped writer. http.ResponseController never needs
// it, since rw implements all of the controller's methods; code that
// unwraps and writes to the writer beneath skips the commit point.
func (w *rw) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// FlushError commits and flushes, for http.ResponseController.Flush. It
// returns http.ErrNotSupported when nothing beneath can flush.
func (w *rw) FlushError() error {
	if f, _ := abilities(w.ResponseWriter); !f {
		return http.ErrNotSupported // nothing sent, so nothing committed
	}
	w.s.commit(w.ResponseWriter.Header())
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// SetReadDeadline delegates to the writer beneath. It sends nothing, so
// it does not commit: a handler may set deadlines before using the session.
func (w *rw) SetReadDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetReadDeadline(t)
}

// SetWriteDeadline delegates to the writer beneath, without committing.
func (w *rw) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// EnableFullDuplex delegates to the writer beneath, without committing.
func (w *rw) EnableFullDuplex() error {
	return http.NewResponseController(w.ResponseWriter).EnableFullDuplex()
}

func (w *rw) flush() { w.FlushError() }

// hijack hands the connection over. Once it is, the session's changes can
// no longer be sent: Set and Delete return ErrHeadersWritten, and changes
// made before are reported as lost.
func (w *rw) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, buf, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.s.dropped()
	}
	return conn, buf, err
}

func (w *rw) readFrom(r io.Reader) (int64, error) {
	w.s.commit(w.ResponseWriter.Header())
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
}

// One type per combination of Flusher (F), Hijacker (H) and ReaderFrom
// (R). Each holds only a pointer to Session.w, so storing one in an
// interface does not allocate.
type (
	rwF   struct{ *rw }
	rwH   struct{ *rw }
	rwR   struct{ *rw }
	rwFH  struct{ *rw }
	rwFR  struct{ *rw }
	rwHR  struct{ *rw }
	rwFHR struct{ *rw }
)

func (w rwF) Flush() { w.flush() }

func (w rwH) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

func (w rwR) ReadFrom(r io.Reader) (int64, error) { return w.readFrom(r) }

func (w rwFH) Flush()                                       { w.flush() }
func (w rwFH) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

func (w rwFR) Flush()                              { w.flush() }
func (w rwFR) ReadFrom(r io.Reader) (int64, error) { return w.readFrom(r) }

func (w rwHR) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w rwHR) ReadFrom(r io.Reader) (int64, error)          { return w.readFrom(r) }

func (w rwFHR) Flush()                                       { w.flush() }
func (w rwFHR) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w rwFHR) ReadFrom(r io.Reader) (int64, error)          { return w.readFrom(r) }

var (
	_ http.Flusher  = rwFHR{}
	_ http.Hijacker = rwFHR{}
	_ io.ReaderFrom = rwFHR{}
	_ interface {
		FlushError() error
		SetReadDeadline(time.Time) error
		SetWriteDeadline(time.Time) error
		EnableFullDuplex() error
		Unwrap() http.ResponseWriter
	} = rwFHR{}
)

// wrap returns w with exactly the optional interfaces (Flusher, Hijacker,
// ReaderFrom) that the writer beneath offers, so callers that probe for
// them (SSE, websockets, sendfile) see the truth. Flusher and Hijacker
// count when any writer down the Unwrap chain has them, since
// http.ResponseController would reach it there.
func wrap(w *rw) http.ResponseWriter {
	f, h := abilities(w.ResponseWriter)
	_, r := w.ResponseWriter.(io.ReaderFrom)
	switch {
	case f && h && r:
		return rwFHR{w}
	case f && h:
		return rwFH{w}
	case f && r:
		return rwFR{w}
	case h && r:
		return rwHR{w}
	case f:
		return rwF{w}
	case h:
		return rwH{w}
	case r:
		return rwR{w}
	}
	return w
}

// abilities reports whether w, or a writer down its Unwrap chain, can
// flush and hijack.
func abilities(w http.ResponseWriter) (flush, hijack bool) {
	for range 16 { // a longer chain is a cycle
		switch w.(type) {
		case http.Flusher, interface{ FlushError() error }:
			flush = true
		}
		if _, ok := w.(http.Hijacker); ok {
			hijack = true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	return flush, hijack
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
		s.varied = true
	}
	if wrote {
		httpcache.ForbidShared(h)
	}
	s.logJunk()
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
		// Rotation, format upgrade or idle renewal: re-seal under Keys[0]
		// in the current version, keeping the original expiry.
		value = s.seal(name, e.key, e.meta, e.js)
		maxAge = e.meta.exp - s.m.now().Unix()
		if maxAge <= 0 || len(name)+len(value) > MaxCookieSize {
			return ""
		}
	default:
		return ""
	}
	var b strings.Builder // one allocation
	b.Grow(len(name) + len(value) + len(s.m.attrs) + 48)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	b.WriteString(s.m.attrs)
	if e.op == opSet && e.life != 0 {
		maxAge = e.life // SetWith; -1: a browser-session cookie
	}
	if maxAge >= 0 {
		var n [20]byte
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(n[:0], maxAge, 10))
	}
	if s.m.Protection(e.key) == Private {
		b.WriteString("; HttpOnly")
	}
	return b.String()
}

// dropped reports session changes lost to a hijacked connection.
func (s *Session) dropped() {
	s.mu.Lock()
	lost := !s.committed && s.pending() // a 101 or PendingCookies sent them
	s.committed, s.varied = true, true
	s.mu.Unlock()
	if lost {
		slog.WarnContext(s.req.Context(), errHijackedLost.Error())
	}
}
