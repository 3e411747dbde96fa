package cachehint

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/fullsession/fullsession/clientsession"
)

// writer applies the rules at the first header-sending call: WriteHeader
// (1xx other than 101 pass through), Write, ReadFrom or Flush, or when the
// handler returns. Unwrap lets http.ResponseController reach the writer
// beneath.
type writer struct {
	http.ResponseWriter
	cfg  *config
	st   *state
	req  *http.Request
	sess *clientsession.Session // when clientsession runs outside Middleware

	committed bool
	hijacked  bool
	shared    bool // the response went out storable by shared caches
	facts     facts
}

func (w *writer) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.commit(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(p []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sessionState reports whether the handler read (or wrote) the session and
// whether session cookies will be sent, from whichever session cachehint
// can see: the one around Middleware (clientsession outside) or the one a
// route middleware or Tag saw (clientsession inside).
func (w *writer) sessionState() (read, wrote bool) {
	w.st.mu.Lock()
	inner := w.st.sess
	w.st.mu.Unlock()
	for _, s := range []*clientsession.Session{w.sess, inner} {
		if s != nil {
			read = read || s.Accessed()
			wrote = wrote || s.Modified()
		}
	}
	return read, wrote
}

func (w *writer) gather(status int) facts {
	read, wrote := w.sessionState()
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	return facts{
		status:        status,
		method:        w.req.Method,
		authorization: w.req.Header.Get("Authorization") != "",
		mode:          w.st.mode,
		public:        w.st.public,
		sessionRead:   read,
		sessionWrote:  wrote,
		tags:          w.st.tags,
	}
}

func (w *writer) commit(status int) {
	if w.committed {
		return
	}
	w.committed = true
	w.facts = w.gather(status)
	w.st.mu.Lock()
	w.st.committed = true
	w.st.mu.Unlock()
	var conflict string
	w.shared, conflict = w.cfg.apply(w.ResponseWriter.Header(), w.facts, w.drop)
	if conflict != "" {
		w.cfg.report(w.req, w.pattern(), conflict)
	}
}

func (w *writer) drop(tag, reason string) { w.cfg.dropTag(w.req, tag, reason) }

func (w *writer) pattern() string {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	return patternOf(w.req, w.st)
}

// finish runs when the handler returns. Headers never written get their
// rules now. A response that went out shareable although the handler used
// the session afterwards (say, from a template after the first Write) is
// reported loudly, and its headers are fixed in case they have not really
// been sent yet (a buffering middleware between cachehint and the client).
func (w *writer) finish() {
	if !w.committed {
		w.commit(http.StatusOK)
		return
	}
	if !w.shared || w.hijacked {
		return
	}
	read, wrote := w.sessionState()
	if read == w.facts.sessionRead && wrote == w.facts.sessionWrote {
		return
	}
	f := w.facts
	f.sessionRead, f.sessionWrote = read, wrote
	w.shared, _ = w.cfg.apply(w.ResponseWriter.Header(), f, w.drop)
	what := "read"
	if wrote {
		what = "wrote"
	}
	w.cfg.report(w.req, w.pattern(), "the handler "+what+" the session after the response headers were written; the response may have gone out cacheable")
}

type flusher struct{ w *writer }

func (f flusher) Flush() {
	f.w.commit(http.StatusOK)
	f.w.ResponseWriter.(http.Flusher).Flush()
}

type hijacker struct{ w *writer }

// Hijack hands the connection over; no caching headers apply to what the
// handler writes on it.
func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.w.committed, h.w.hijacked = true, true
	return h.w.ResponseWriter.(http.Hijacker).Hijack()
}

type readerFrom struct{ w *writer }

func (f readerFrom) ReadFrom(r io.Reader) (int64, error) {
	f.w.commit(http.StatusOK)
	return f.w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
}

// Compile-time checks of the optional interfaces.
var (
	_ http.Flusher  = flusher{}
	_ http.Hijacker = hijacker{}
	_ io.ReaderFrom = readerFrom{}
)

// wrap returns w with exactly the optional interfaces (Flusher, Hijacker,
// ReaderFrom) that the writer beneath has, so that callers probing for them
// see the truth.
func (w *writer) wrap() http.ResponseWriter {
	_, f := w.ResponseWriter.(http.Flusher)
	_, h := w.ResponseWriter.(http.Hijacker)
	_, r := w.ResponseWriter.(io.ReaderFrom)
	switch {
	case f && h && r:
		return struct {
			*writer
			flusher
			hijacker
			readerFrom
		}{w, flusher{w}, hijacker{w}, readerFrom{w}}
	case f && h:
		return struct {
			*writer
			flusher
			hijacker
		}{w, flusher{w}, hijacker{w}}
	case f && r:
		return struct {
			*writer
			flusher
			readerFrom
		}{w, flusher{w}, readerFrom{w}}
	case h && r:
		return struct {
			*writer
			hijacker
			readerFrom
		}{w, hijacker{w}, readerFrom{w}}
	case f:
		return struct {
			*writer
			flusher
		}{w, flusher{w}}
	case h:
		return struct {
			*writer
			hijacker
		}{w, hijacker{w}}
	case r:
		return struct {
			*writer
			readerFrom
		}{w, readerFrom{w}}
	}
	return w
}
