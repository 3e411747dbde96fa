// cachehint next to chi's Compress middleware: Vary is merged whichever
// runs outside, and the gate still holds.

package cachehint_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
)

func TestCompressVary(t *testing.T) {
	compress := middleware.Compress(5, "text/html")
	for _, compressOuter := range []bool{true, false} {
		for _, personal := range []bool{false, true} {
			t.Run(fmt.Sprintf("compressOuter=%v/readSession=%v", compressOuter, personal), func(t *testing.T) {
				m := newManager(t)
				r := chi.NewRouter()
				var got ruletest.Conflicts
				ch := cachehint.Middleware(cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}, OnConflict: got.Record})
				if compressOuter {
					r.Use(compress, ch, m.Middleware)
				} else {
					r.Use(ch, m.Middleware, compress)
				}
				r.With(cachehint.Public(testPolicy)).Get("/", func(w http.ResponseWriter, r *http.Request) {
					cachehint.Tag(r, "home")
					if personal {
						_, _ = clientsession.From(r).Get("user", new(string))
					}
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, strings.Repeat("<p>hello</p>", 100))
				})
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				h := serve(r, req).Result().Header
				if h.Get("Content-Encoding") != "gzip" {
					t.Fatalf("not compressed: %v", h)
				}
				if !hasVary(h, "Accept-Encoding") {
					t.Errorf("Vary %q lost Accept-Encoding", h.Values("Vary"))
				}
				if hasVary(h, "Cookie") != personal {
					t.Errorf("Vary %q: Cookie present = %v, want %v", h.Values("Vary"), !personal, personal)
				}
				wantCC, wantKey := testPublicCC, "home"
				if personal {
					wantCC, wantKey = "private, no-cache", ""
				}
				if got := h.Get("Cache-Control"); got != wantCC {
					t.Errorf("Cache-Control = %q, want %q", got, wantCC)
				}
				if got := h.Get("Xkey"); got != wantKey {
					t.Errorf("xkey = %q, want %q", got, wantKey)
				}
				if n := len(got.Get()); n != map[bool]int{false: 0, true: 1}[personal] {
					t.Errorf("%d conflicts reported: %q", n, got.Get())
				}
			})
		}
	}
}

// TestChiPattern checks that OnConflict gets chi's route pattern, which
// the route declaration sees.
func TestChiPattern(t *testing.T) {
	var got ruletest.Conflicts
	r := newRouter(t, cachehint.Options{OnConflict: got.Record})
	r.With(cachehint.Public(testPolicy)).Get("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "t", Value: "1"})
	})
	serve(r, httptest.NewRequest("GET", "/items/7", nil))
	if list := got.Get(); len(list) != 1 || !strings.HasPrefix(list[0], "/items/{id}: ") {
		t.Errorf("conflicts = %q, want chi's pattern", list)
	}
}
