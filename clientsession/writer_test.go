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
