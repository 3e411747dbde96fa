// commit_test.go tests the commit point: the writer wrapper, its optional
// interfaces and every route to the server's writer.
package clientsession_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerSentEventsStreamThroughTheMiddleware(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	release := make(chan struct{})
	afterFlush := make(chan error, 1)
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("stream", "on"))
		w.Header().Set("Content-Type", "text/event-stream")
		f, ok := w.(http.Flusher)
		require.True(t, ok, "the wrapper keeps http.Flusher")
		io.WriteString(w, "data: one\n\n")
		f.Flush()
		afterFlush <- s.Set("late", 1)
		<-release // the client must see event one before the handler ends
		io.WriteString(w, "data: two\n\n")
	})))
	defer srv.Close()
	defer close(release)

	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(res.Header.Get("Set-Cookie"), "session.stream=%22on%22;"))
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "data: one\n", line)
	assert.ErrorIs(t, <-afterFlush, clientsession.ErrHeadersWritten)
}

func TestHijackedConnectionWorks(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		_, err := clientsession.From(r).Get("name", &name)
		require.NoError(t, err)
		conn, buf, err := http.NewResponseController(w).Hijack()
		require.NoError(t, err)
		defer conn.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		buf.WriteString("hello " + name + "\n")
		buf.Flush()
		assert.ErrorIs(t, clientsession.From(r).Set("x", 1), clientsession.ErrHeadersWritten)
	})))
	defer srv.Close()

	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nCookie: session.name=%22Ann%22\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "hello Ann\n", line)
}

// recorderOnly hides every optional interface of the recorder.
type recorderOnly struct{ http.ResponseWriter }

type flushHijacker struct {
	*httptest.ResponseRecorder
}

func (flushHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, nil }

func TestWrapperAdvertisesOnlyWhatTheWriterHas(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	cases := []struct {
		name                    string
		w                       http.ResponseWriter
		flush, hijack, readFrom bool
	}{
		{"plain", recorderOnly{httptest.NewRecorder()}, false, false, false},
		{"recorder", httptest.NewRecorder(), true, false, false},
		{"flush+hijack", flushHijacker{httptest.NewRecorder()}, true, true, false},
		{"unwrap-only over recorder", unwrapOnly{httptest.NewRecorder()}, true, false, false},
		{"unwrap-only over flush+hijack", unwrapOnly{flushHijacker{httptest.NewRecorder()}}, true, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, f := w.(http.Flusher)
				_, h := w.(http.Hijacker)
				_, rf := w.(io.ReaderFrom)
				assert.Equal(t, c.flush, f, "Flusher")
				assert.Equal(t, c.hijack, h, "Hijacker")
				assert.Equal(t, c.readFrom, rf, "ReaderFrom")
				u, ok := w.(interface{ Unwrap() http.ResponseWriter })
				require.True(t, ok)
				assert.Equal(t, c.w, u.Unwrap())
			})).ServeHTTP(c.w, httptest.NewRequest("GET", "/", nil))
		})
	}
	// A real HTTP/1 server writer has all three; ReadFrom commits too.
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, f := w.(http.Flusher)
		_, h := w.(http.Hijacker)
		rf, ok := w.(io.ReaderFrom)
		assert.True(t, f && h && ok)
		require.NoError(t, clientsession.From(r).Set("k", 1))
		rf.ReadFrom(strings.NewReader("body"))
		assert.ErrorIs(t, clientsession.From(r).Set("k", 2), clientsession.ErrHeadersWritten)
	})))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, "body", body(t, res))
	assert.True(t, strings.HasPrefix(res.Header.Get("Set-Cookie"), "session.k=1;"))
}

// unwrapOnly is the usual logging-middleware wrapper: it implements
// Unwrap and nothing else, hiding the writer's Flusher and Hijacker.
type unwrapOnly struct{ http.ResponseWriter }

func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// outside puts an Unwrap-only wrapper between the server and h.
func outside(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(unwrapOnly{w}, r) })
}

// TestNoRouteSkipsTheCommit flushes through http.ResponseController with
// an Unwrap-only wrapper on either side of the middleware (issue 18 item
// 2): the flush must commit, so a logout's deletion reaches the browser
// and a later Set is refused instead of lost.
func TestNoRouteSkipsTheCommit(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	for _, side := range []string{"outside", "inside"} {
		t.Run(side, func(t *testing.T) {
			late := make(chan error, 1)
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := clientsession.From(r)
				require.NoError(t, s.Delete("user"))
				require.NoError(t, http.NewResponseController(w).Flush())
				late <- s.Set("late", 1)
				io.WriteString(w, "bye")
			})
			if side == "inside" {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.ServeHTTP(unwrapOnly{w}, r) })
				h = m.Middleware(h)
			} else {
				h = outside(m.Middleware(h))
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Cookie", "session.user=x")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			assert.Equal(t, "bye", body(t, res))
			assert.True(t, strings.HasPrefix(res.Header.Get("Set-Cookie"), "session.user=; Path=/;"), "deletion sent: %q", res.Header.Get("Set-Cookie"))
			assert.Contains(t, res.Header.Get("Set-Cookie"), "Max-Age=0")
			assert.Equal(t, "Cookie", res.Header.Get("Vary"))
			assert.Equal(t, "private, no-store", res.Header.Get("Cache-Control"))
			assert.ErrorIs(t, <-late, clientsession.ErrHeadersWritten)
		})
	}
}

// TestHijackThroughUnwrapOnlyWrapper hijacks with an Unwrap-only wrapper
// between the server and the middleware: Set afterwards is an error.
func TestHijackThroughUnwrapOnlyWrapper(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	srv := httptest.NewServer(outside(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := w.(http.Hijacker)
		assert.True(t, ok, "the server's Hijacker is found down the Unwrap chain")
		conn, buf, err := http.NewResponseController(w).Hijack()
		require.NoError(t, err)
		defer conn.Close()
		assert.ErrorIs(t, clientsession.From(r).Set("x", 1), clientsession.ErrHeadersWritten)
		assert.ErrorIs(t, clientsession.From(r).Delete("x"), clientsession.ErrHeadersWritten)
		buf.WriteString("HTTP/1.1 204 No Content\r\n\r\n")
		buf.Flush()
	}))))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.Empty(t, res.Header.Values("Set-Cookie"))
}

// TestDeadlinesAndFullDuplexDoNotCommit: these controller calls reach the
// server through an Unwrap-only wrapper and send nothing, so the session
// can still be changed after them.
func TestDeadlinesAndFullDuplexDoNotCommit(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	srv := httptest.NewServer(outside(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		assert.NoError(t, rc.SetReadDeadline(time.Now().Add(time.Minute)))
		assert.NoError(t, rc.SetWriteDeadline(time.Now().Add(time.Minute)))
		assert.NoError(t, rc.EnableFullDuplex())
		assert.NoError(t, clientsession.From(r).Set("k", 1))
	}))))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.True(t, strings.HasPrefix(res.Header.Get("Set-Cookie"), "session.k=1;"))

	// Where nothing beneath can do them, the errors are net/http's and the
	// session is not committed.
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		assert.ErrorIs(t, rc.Flush(), http.ErrNotSupported)
		_, _, err := rc.Hijack()
		assert.ErrorIs(t, err, http.ErrNotSupported)
		assert.ErrorIs(t, rc.SetWriteDeadline(time.Now()), http.ErrNotSupported)
		assert.NoError(t, clientsession.From(r).Set("k", 2))
	})).ServeHTTP(recorderOnly{rec}, httptest.NewRequest("GET", "/", nil))
	assert.True(t, strings.HasPrefix(rec.Header().Get("Set-Cookie"), "session.k=2;"))
}
