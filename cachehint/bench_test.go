// Benchmark of what Middleware adds to a request.

package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
)

// BenchmarkMiddleware measures what cachehint adds to a request, with and
// without clientsession inside (the documented order).
func BenchmarkMiddleware(b *testing.B) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42")
		io.WriteString(w, "page")
	})
	opts := cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}}
	cases := map[string]http.Handler{
		"bare handler":       page,
		"public route":       cachehint.Middleware(opts)(cachehint.Public(testPolicy)(page)),
		"public+session":     cachehint.Middleware(opts)(newManager(b).Middleware(cachehint.Public(testPolicy)(page))),
		"undeclared+session": cachehint.Middleware(opts)(newManager(b).Middleware(page)),
	}
	for _, name := range []string{"bare handler", "public route", "public+session", "undeclared+session"} {
		h := cases[name]
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/properties/42", nil)
			req.Header.Set("Cookie", "session.lang=fr; _ga=x")
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
			}
		})
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
