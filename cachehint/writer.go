// The response writer that applies the rules when the headers are sent,
// and offers every optional interface without letting a caller skip that.

package cachehint

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/fullsession/fullsession/internal/httpcache"
)

// writer applies the rules at the first header-sending call: WriteHeader
// (1xx other than 101 pass through), Write, ReadFrom, Flush or Hijack, or
// when the handler returns.
//
// It implements Flush, FlushError, Hijack, ReadFrom, SetReadDeadline,
// SetWriteDeadline and EnableFullDuplex itself and delegates them through
// http.NewResponseController, so a caller that reaches it through an
// Unwrap-only wrapper (http.ResponseController follows Unwrap) cannot get
// past it to the writer beneath without the rules. A method the writer
// beneath lacks returns an error wrapping http.ErrNotSupported (Flush:
// does nothing).
type writer struct {
	http.ResponseWriter
	cfg *config
	st  *state
	req *http.Request

	committed bool
	hijacked  bool
	checked   bool // the order check ran
	cookies   int  // Set-Cookie lines when the rules were applied
	vary      bool // Vary: Cookie when the rules were applied
}

func (w *writer) WriteHeader(code int) {
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // 103 Early Hints and the like
		return
	}
	w.commit(code)
	w.ResponseWriter.WriteHeader(code)
	w.checkOrder()
}

func (w *writer) Write(p []byte) (int, error) {
	w.commit(http.StatusOK)
	n, err := w.ResponseWriter.Write(p)
	w.checkOrder()
	return n, err
}

// ReadFrom lets io.Copy reach the writer beneath's ReadFrom (sendfile),
// or copies when it has none.
func (w *writer) ReadFrom(src io.Reader) (n int64, err error) {
	w.commit(http.StatusOK)
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(w.ResponseWriter, src)
	}
	w.checkOrder()
	return n, err
}

// Flush sends the headers (after the rules) and any buffered body.
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError is Flush, with the error of the writer beneath.
func (w *writer) FlushError() error {
	w.commit(http.StatusOK)
	err := http.NewResponseController(w.ResponseWriter).Flush()
	w.checkOrder()
	return err
}

// Hijack applies the rules (in case the hijack fails and the response goes
// on), then hands the connection over.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.commit(http.StatusOK)
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// SetReadDeadline sends nothing, so it needs no rules.
func (w *writer) SetReadDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetReadDeadline(t)
}

// SetWriteDeadline sends nothing, so it needs no rules.
func (w *writer) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// EnableFullDuplex sends nothing, so it needs no rules.
func (w *writer) EnableFullDuplex() error {
	return http.NewResponseController(w.ResponseWriter).EnableFullDuplex()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Compile-time checks of the optional interfaces.
var (
	_ http.Flusher  = (*writer)(nil)
	_ http.Hijacker = (*writer)(nil)
	_ io.ReaderFrom = (*writer)(nil)
)

func (w *writer) gather(status int) facts {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	w.st.committed = true
	return facts{
		status:        status,
		method:        w.req.Method,
		authorization: w.req.Header.Get("Authorization") != "",
		mode:          w.st.mode,
		public:        w.st.public,
		tags:          w.st.tags,
	}
}

// commit applies the rules to the headers, once.
func (w *writer) commit(status int) {
	if w.committed {
		return
	}
	w.committed = true
	f := w.gather(status)
	h := w.ResponseWriter.Header()
	_, conflict := w.cfg.apply(h, f, w.drop)
	w.cookies, w.vary = len(h["Set-Cookie"]), httpcache.HasToken(h["Vary"], "Cookie")
	if conflict != "" {
		w.cfg.report(w.req, w.pattern(), conflict)
	}
}

// checkOrder runs after the first call that sent the headers through the
// writer beneath. A Set-Cookie or Vary: Cookie that appeared meanwhile was
// added by a middleware between cachehint and the server, after the rules
// were applied: the wrong order.
func (w *writer) checkOrder() {
	if w.checked || w.hijacked {
		return
	}
	w.checked = true
	h := w.ResponseWriter.Header()
	switch {
	case len(h["Set-Cookie"]) > w.cookies:
		w.cfg.reportOrder(w.req, w.pattern(), "Set-Cookie")
	case !w.vary && httpcache.HasToken(h["Vary"], "Cookie"):
		w.cfg.reportOrder(w.req, w.pattern(), "Vary: Cookie")
	}
}

func (w *writer) drop(tag, reason string) { w.cfg.dropTag(w.req, w.pattern(), tag, reason) }

func (w *writer) pattern() string {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	return patternOf(w.req, w.st)
}
