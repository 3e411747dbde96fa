package main

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/testkit/browsertest"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// testCount keeps the generated database small so tests stay fast.
const testCount = 2000

// testKey is 32 bytes that do not look like text: a key of printable
// hex-like bytes (such as 32 × 'B') makes clientsession log its weak-key
// warning in every test.
var testKey = func() []byte { k := sha256.Sum256([]byte("century test key")); return k[:] }()

// sharedStore is one generated database for the tests that only read it.
var sharedStore = sync.OnceValues(func() (*Store, error) {
	sharedOpened = true
	return OpenStore(context.Background(), filepath.Join(sharedDir, "century.db"), testCount, slog.New(slog.DiscardHandler))
})

// sharedDir holds the files shared by the tests of one run.
var (
	sharedDir    string
	sharedOpened bool // set inside sharedStore's once
)

func TestMain(m *testing.M) {
	var err error
	if sharedDir, err = os.MkdirTemp("", "century-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	browsertest.Stop() // the engines the browser tests started, once per binary
	if sharedOpened {
		if s, err := sharedStore(); err == nil {
			s.Close()
		}
	}
	os.RemoveAll(sharedDir)
	closeSharedPG() // store_backends_test.go
	os.Exit(code)
}

// testStore returns the shared read-mostly store.
func testStore(t testing.TB) *Store {
	t.Helper()
	s, err := sharedStore()
	require.NoError(t, err)
	return s
}

// freshStore returns a store of its own, for tests that change properties.
func freshStore(t testing.TB, count int64) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "century.db"), count, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// testSessions returns a session manager configured as the site's, and
// the revoker it checks.
func testSessions(t testing.TB) (*clientsession.Manager, *clientsession.MemoryRevoker) {
	t.Helper()
	rv := clientsession.NewMemoryRevoker(sessionMaxAge)
	m, err := newManager([][]byte{testKey}, true, 0, rv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return m, rv
}

func testManager(t testing.TB) *clientsession.Manager {
	t.Helper()
	m, _ := testSessions(t)
	return m
}

type testSite struct {
	h        http.Handler
	m        *clientsession.Manager
	store    *Store
	logs     *syncbuf.Buffer
	remoteIP string
}

func newTestSite(t testing.TB, c siteConfig) *testSite {
	t.Helper()
	if c.Store == nil {
		c.Store = testStore(t)
	}
	if c.Sessions == nil {
		c.Sessions, c.Revoker = testSessions(t)
	}
	logs := &syncbuf.Buffer{}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h, err := newSite(c)
	require.NoError(t, err)
	return &testSite{h: h, m: c.Sessions, store: c.Store, logs: logs, remoteIP: "192.0.2.1"}
}

// do serves one request. cookie is a raw Cookie header; form, when not nil,
// makes it a same-origin form POST.
func (s *testSite) do(method, target, cookie string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = s.remoteIP + ":1234"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func (s *testSite) get(target, cookie string) *httptest.ResponseRecorder {
	return s.do(http.MethodGet, target, cookie, nil)
}

// sessionCookies returns the Cookie header a browser would send after the
// server set values through m (Public, Signed or Private as configured).
func sessionCookies(t testing.TB, m *clientsession.Manager, values map[string]any) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		for k, v := range values {
			require.NoError(t, s.Set(k, v))
		}
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	return cookieHeader(w.Result().Cookies())
}

func cookieHeader(cs []*http.Cookie) string {
	var parts []string
	for _, c := range cs {
		if c.MaxAge >= 0 && c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// jar keeps the cookies of successive responses, like a browser.
type jar map[string]string

func (j jar) update(w *httptest.ResponseRecorder) {
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(j, c.Name)
		} else {
			j[c.Name] = c.Value
		}
	}
}

func (j jar) header() string {
	var parts []string
	for k, v := range j {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}
