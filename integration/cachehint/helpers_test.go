// Test helpers: a clientsession Manager, a chi router in the documented
// order, conflict recording and header checks.

package cachehint_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
)

// testKey is a 32-byte clientsession key for tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

func newManager(t testing.TB) *clientsession.Manager {
	t.Helper()
	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{testKey}, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newRouter returns a chi router with cachehint and then clientsession,
// the documented order, then the extra middlewares.
func newRouter(t testing.TB, opts cachehint.Options, extra ...func(http.Handler) http.Handler) *chi.Mux {
	t.Helper()
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(opts), newManager(t).Middleware)
	r.Use(extra...)
	return r
}

var allTagHeaders = []cachehint.TagHeader{cachehint.XKey, cachehint.SurrogateKey, cachehint.CacheTag, cachehint.EdgeCacheTag}

var testPolicy = cachehint.Policy{
	MaxAge:               time.Minute,
	SharedMaxAge:         time.Hour,
	StaleWhileRevalidate: 30 * time.Second,
	StaleIfError:         24 * time.Hour,
}

const (
	testPublicCC = "public, max-age=60, s-maxage=3600"
	testCDNCC    = "max-age=3600, stale-while-revalidate=30, stale-if-error=86400"
)

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// varyTokens returns the Vary tokens of h, lower-cased.
func varyTokens(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

func hasVary(h http.Header, token string) bool {
	for _, v := range varyTokens(h) {
		if v == strings.ToLower(token) {
			return true
		}
	}
	return false
}
