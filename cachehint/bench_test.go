package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
)

// BenchmarkMiddleware measures what cachehint adds to a request, with and
// without clientsession in front.
func BenchmarkMiddleware(b *testing.B) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42")
		io.WriteString(w, "page")
	})
	opts := cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}}
	cases := map[string]http.Handler{
		"bare handler":       page,
		"public route":       cachehint.Middleware(opts)(cachehint.Public(testPolicy)(page)),
		"public+session":     newManager(b).Middleware(cachehint.Middleware(opts)(cachehint.Public(testPolicy)(page))),
		"undeclared+session": newManager(b).Middleware(cachehint.Middleware(opts)(page)),
	}
	for _, name := range []string{"bare handler", "public route", "public+session", "undeclared+session"} {
		h := cases[name]
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/properties/42", nil)
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
