// Test helpers: a clientsession Manager, a ServeMux router in the
// documented order, conflict recording and header checks.

package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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

// router is a net/http ServeMux behind cachehint.Middleware and then
// clientsession, in the documented order, with the extra middlewares
// between the session and the mux.
type router struct {
	mux *http.ServeMux
	h   http.Handler
}

func newRouter(t testing.TB, opts cachehint.Options, extra ...func(http.Handler) http.Handler) *router {
	t.Helper()
	r := &router{mux: http.NewServeMux()}
	h := http.Handler(r.mux)
	for i := len(extra) - 1; i >= 0; i-- {
		h = extra[i](h)
	}
	r.h = cachehint.Middleware(opts)(newManager(t).Middleware(h))
	return r
}

// handle registers h for pattern (a Go 1.22 ServeMux pattern, with a
// method) behind the route middlewares mws, outermost first.
func (r *router) handle(pattern string, h http.Handler, mws ...func(http.Handler) http.Handler) {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	r.mux.Handle(pattern, h)
}

func (r *router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.h.ServeHTTP(w, req) }

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

// Handlers shared by the tests; each tags its response.
var (
	plain = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		io.WriteString(w, "page")
	})
	readSession = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		var name string
		if _, err := clientsession.From(r).Get("user", &name); err != nil {
			panic(err)
		}
		io.WriteString(w, "hello "+name)
	})
	foreignCookie = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "t1"})
		io.WriteString(w, "page")
	})
)
