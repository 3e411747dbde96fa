package clientsession_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/require"
)

var (
	secretA = bytes.Repeat([]byte{0xa1}, 32) // raw bytes: text would make New warn
	secretB = bytes.Repeat([]byte{0xb2}, 32)
)

type user struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

// invalids records OnInvalid calls.
type invalids struct {
	mu   sync.Mutex
	keys []string
	errs []error
}

func (v *invalids) hook(_ *http.Request, key string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys = append(v.keys, key)
	v.errs = append(v.errs, err)
}

func (v *invalids) Keys() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.keys...)
}

func newManager(t testing.TB, o clientsession.Options) (*clientsession.Manager, *invalids) {
	t.Helper()
	inv := &invalids{}
	if o.Keys == nil {
		o.Keys = [][]byte{secretA}
	}
	if o.OnInvalid == nil {
		o.OnInvalid = inv.hook
	}
	if o.OnLateUse == nil {
		o.OnLateUse = func(*http.Request, string, string) {} // tested in late_test.go
	}
	if o.Protection == nil {
		o.Protection = map[string]clientsession.Protection{"user": clientsession.Signed}
	}
	o.Insecure = true
	m, err := clientsession.New(o)
	require.NoError(t, err)
	return m, inv
}

// serve runs h behind m's middleware for one request carrying cookie.
func serve(m *clientsession.Manager, cookie string, h http.HandlerFunc) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	m.Middleware(h).ServeHTTP(rec, req)
	return rec
}

// cookieHeader turns the Set-Cookie headers of rec into a Cookie header,
// as a browser would send them back (deletions dropped).
func cookieHeader(rec *httptest.ResponseRecorder) string {
	var parts []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

func jarClient(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func get(t testing.TB, c *http.Client, url string) *http.Response {
	t.Helper()
	res, err := c.Get(url)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func body(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
