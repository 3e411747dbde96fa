// late_test.go tests the report of late session use (issue 10 item 3).
package clientsession_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type lateUses struct {
	mu   sync.Mutex
	uses []string
}

func (l *lateUses) hook(_ *http.Request, op, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.uses = append(l.uses, op+" "+key)
}

func (l *lateUses) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.uses...)
}

func TestLateUseIsReported(t *testing.T) {
	var late lateUses
	m, _ := newManager(t, clientsession.Options{OnLateUse: late.hook})

	// A template that reads the session after its first Write: the
	// response went out without Vary: Cookie.
	rec := serve(m, "session.name=%22Ann%22", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<h1>Hello ")
		name, found, err := clientsession.Get[string](clientsession.From(r), "name")
		require.NoError(t, err)
		assert.False(t, found, "a read after a shared commit reads as absent (issue 18 item 6)")
		assert.Empty(t, name)
		io.WriteString(w, name)
		clientsession.From(r).Get("name", &name) // reported once per request
		assert.Empty(t, clientsession.From(r).Keys())
		assert.ErrorIs(t, clientsession.From(r).Set("seen", true), clientsession.ErrHeadersWritten)
		assert.ErrorIs(t, clientsession.From(r).Delete("name"), clientsession.ErrHeadersWritten)
		assert.ErrorIs(t, clientsession.From(r).Clear(), clientsession.ErrHeadersWritten)
	})
	assert.Empty(t, rec.Header().Get("Vary"))
	assert.Equal(t, []string{"Get name", "Set seen", "Delete name", "Clear "}, late.get())

	// Reading before the first Write and again after it is fine: the
	// response already said Vary: Cookie.
	late = lateUses{}
	rec = serve(m, "session.name=%22Ann%22", func(w http.ResponseWriter, r *http.Request) {
		var name string
		clientsession.From(r).Get("name", &name)
		io.WriteString(w, "hello")
		clientsession.From(r).Get("name", &name)
	})
	assert.Equal(t, "Cookie", rec.Header().Get("Vary"))
	assert.Empty(t, late.get())

	// A session untouched until the handler returned is not late.
	serve(m, "", func(w http.ResponseWriter, r *http.Request) {})
	assert.Empty(t, late.get())
}

func TestLateUseDefaultLogsOncePerRouteRateLimited(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	lines := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.Contains(l, "after the response headers") {
				out = append(out, l)
			}
		}
		return out
	}

	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, Insecure: true})
	require.NoError(t, err)
	lateRead := func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "x")
		clientsession.From(r).Get("k", new(int))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/item/{id}", lateRead)
	mux.HandleFunc("/other", lateRead)
	h := m.Middleware(mux)
	do := func(path string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	for i := range 50 {
		do("/item/" + string(rune('a'+i%26)))
	}
	require.Len(t, lines(), 1, "once for the pattern, not per path")
	assert.Contains(t, lines()[0], "route=/item/{id}")
	assert.Contains(t, lines()[0], "op=Get")
	do("/other")
	assert.Len(t, lines(), 1, "a second route within the second is held back")
	time.Sleep(1100 * time.Millisecond)
	do("/other")
	do("/item/z")
	require.Len(t, lines(), 2, "then reported, once")
	assert.Contains(t, lines()[1], "route=/other")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
