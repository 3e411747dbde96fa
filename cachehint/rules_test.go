// The rules table with clientsession as the session library, and the
// headers cachehint removes, by name.

package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
)

// clientsessionLib is clientsession as the rules table uses it.
func clientsessionLib(t testing.TB) ruletest.Session {
	return ruletest.Session{
		Name:       "clientsession",
		Middleware: newManager(t).Middleware,
		Read: func(w http.ResponseWriter, r *http.Request) string {
			var name string
			if _, err := clientsession.From(r).Get("user", &name); err != nil {
				panic(err)
			}
			return name
		},
		Write: func(w http.ResponseWriter, r *http.Request, v string) {
			if err := clientsession.From(r).Set("user", v); err != nil {
				panic(err)
			}
		},
	}
}

func TestRules(t *testing.T) { ruletest.Run(t, clientsessionLib(t)) }

// sharedHeaders are the headers aimed at shared caches (issue 10 item 4),
// as handlers spell them.
var sharedHeaders = []string{
	"CDN-Cache-Control", "Surrogate-Control", "Cloudflare-CDN-Cache-Control", "Fastly-Surrogate-Control",
	"Akamai-Cache-Control", "Edge-Control", "xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag", "Expires",
}

// TestSharedHeadersRemovedByName checks, header by header, that a
// response shared caches must not store loses every header aimed at them
// however the handler spelled it, whether it is personal because of a
// foreign Set-Cookie, a session write or read, or because the route is
// private.
func TestSharedHeadersRemovedByName(t *testing.T) {
	lib := clientsessionLib(t)
	cases := map[string]struct {
		decl func(http.Handler) http.Handler
		do   func(w http.ResponseWriter, r *http.Request)
		cc   string
	}{
		"foreign Set-Cookie": {cachehint.Public(testPolicy), func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "t", Value: "1"})
		}, "private, no-store"},
		"session write": {cachehint.Public(testPolicy), func(w http.ResponseWriter, r *http.Request) { lib.Write(w, r, "ann") }, "private, no-store"},
		"session read":  {cachehint.Public(testPolicy), func(w http.ResponseWriter, r *http.Request) { lib.Read(w, r) }, "private, no-cache"},
		"private route": {cachehint.Private(), func(w http.ResponseWriter, r *http.Request) {}, "private, no-cache"},
	}
	for name, tc := range cases {
		for _, header := range sharedHeaders {
			for _, direct := range []bool{false, true} {
				r := newRouter(t, cachehint.Options{OnConflict: func(*http.Request, string, string) {}})
				r.handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if direct {
						w.Header()[header] = []string{"max-age=86400"}
					} else {
						w.Header().Set(header, "max-age=86400")
					}
					tc.do(w, r)
					io.WriteString(w, "page")
				}), tc.decl)
				h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
				for k := range h {
					if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(header) {
						t.Errorf("%s, %s (direct=%v): %s survived: %v", name, header, direct, k, h)
					}
				}
				if got := h.Get("Cache-Control"); got != tc.cc {
					t.Errorf("%s, %s: Cache-Control = %q, want %q", name, header, got, tc.cc)
				}
			}
		}
	}
}

// TestRedTeamCDNHeaders is issue 18 item 12: Cloudflare-CDN-Cache-Control
// and Akamai-Cache-Control with a day's lifetime on a response that sets
// the session, through clientsession alone and through cachehint.
func TestRedTeamCDNHeaders(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cloudflare-CDN-Cache-Control", "max-age=86400")
		w.Header().Set("Akamai-Cache-Control", "max-age=86400")
		if err := clientsession.From(r).Set("user", "ann"); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "welcome")
	})
	for name, h := range map[string]http.Handler{
		"clientsession alone": newManager(t).Middleware(handler),
		"with cachehint": cachehint.Middleware(cachehint.Options{OnConflict: func(*http.Request, string, string) {}})(
			newManager(t).Middleware(cachehint.Public(testPolicy)(handler))),
	} {
		got := serve(h, httptest.NewRequest("GET", "/", nil)).Result().Header
		if got.Get("Set-Cookie") == "" {
			t.Fatalf("%s: no Set-Cookie", name)
		}
		for _, k := range []string{"Cloudflare-Cdn-Cache-Control", "Akamai-Cache-Control"} {
			if v := got.Get(k); v != "" {
				t.Errorf("%s: %s = %q kept on a Set-Cookie response", name, k, v)
			}
		}
		if cc := got.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("%s: Cache-Control = %q", name, cc)
		}
	}
}
