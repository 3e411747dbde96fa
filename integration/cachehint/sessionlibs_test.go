// cachehint with alexedwards/scs and gorilla/sessions as the session
// library: the rules table, and public routes that read or write them.

package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/sessions"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
)

// scsLib is scs as the rules table uses it. LoadAndSave adds Vary: Cookie
// to every response it wraps, so, as cachehint's documentation says, it
// is installed only on the routes whose handler uses the session.
func scsLib() (ruletest.Session, *scs.SessionManager) {
	sm := scs.New()
	return ruletest.Session{
		Name:       "scs",
		Middleware: sm.LoadAndSave,
		PerRoute:   true,
		Read:       func(w http.ResponseWriter, r *http.Request) string { return sm.GetString(r.Context(), "user") },
		Write:      func(w http.ResponseWriter, r *http.Request, v string) { sm.Put(r.Context(), "user", v) },
	}, sm
}

var gorillaKey = []byte("0123456789abcdef0123456789abcdef")

// gorillaLib is gorilla/sessions as the rules table uses it. gorilla has
// no middleware and says nothing about a read, so the handler adds Vary:
// Cookie when it reads, as cachehint's documentation asks of handlers
// that read cookies themselves. (Without it, on a Public route the read
// finds nothing: see TestPublicRouteSessionLibraries.)
func gorillaLib() ruletest.Session {
	store := sessions.NewCookieStore(gorillaKey)
	return ruletest.Session{
		Name: "gorilla",
		Read: func(w http.ResponseWriter, r *http.Request) string {
			w.Header().Add("Vary", "Cookie")
			s, _ := store.Get(r, "app")
			v, _ := s.Values["user"].(string)
			return v
		},
		Write: func(w http.ResponseWriter, r *http.Request, v string) {
			s, _ := store.Get(r, "app")
			s.Values["user"] = v
			if err := s.Save(r, w); err != nil {
				panic(err)
			}
		},
	}
}

// TestRulesSCS and TestRulesGorilla run cachehint's rules table (the one
// in its package documentation, also run with clientsession by the
// cachehint tests) with the other session libraries.
func TestRulesSCS(t *testing.T) {
	lib, _ := scsLib()
	ruletest.Run(t, lib)
}

func TestRulesGorilla(t *testing.T) { ruletest.Run(t, gorillaLib()) }

// TestPublicRouteSessionLibraries is issue 10 item 1 with each session
// library used as its users use it: a public route whose handler reads or
// writes the session, for a visitor logged in as alice, never goes out
// storable by shared caches with alice's data in it. clientsession and
// scs say so through Vary: Cookie, so the response is downgraded and
// reported; a plain gorilla read says nothing, and finds nothing, since
// the handler of a Public route gets no Cookie header. Writes are always
// downgraded and reported.
func TestPublicRouteSessionLibraries(t *testing.T) {
	m := newManager(t)
	sm := scs.New()
	store := sessions.NewCookieStore(gorillaKey)
	type lib struct {
		wrap  func(http.Handler) http.Handler // the library's middleware, inside cachehint
		read  func(r *http.Request) string
		write func(w http.ResponseWriter, r *http.Request, v string)
	}
	libs := map[string]lib{
		"clientsession": {m.Middleware,
			func(r *http.Request) string {
				v, _, _ := clientsession.Get[string](clientsession.From(r), "user")
				return v
			},
			func(w http.ResponseWriter, r *http.Request, v string) { _ = clientsession.From(r).Set("user", v) }},
		"scs": {sm.LoadAndSave,
			func(r *http.Request) string { return sm.GetString(r.Context(), "user") },
			func(w http.ResponseWriter, r *http.Request, v string) { sm.Put(r.Context(), "user", v) }},
		"gorilla": {func(h http.Handler) http.Handler { return h },
			func(r *http.Request) string {
				s, _ := store.Get(r, "app")
				v, _ := s.Values["user"].(string)
				return v
			},
			func(w http.ResponseWriter, r *http.Request, v string) {
				s, _ := store.Get(r, "app")
				s.Values["user"] = v
				_ = s.Save(r, w)
			}},
	}
	for name, l := range libs {
		t.Run(name, func(t *testing.T) {
			var got ruletest.Conflicts
			mux := http.NewServeMux()
			mux.Handle("GET /login", cachehint.Private()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				l.write(w, r, "alice")
			})))
			mux.Handle("GET /whoami", cachehint.Private()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, l.read(r))
			})))
			public := cachehint.Public(testPolicy)
			mux.Handle("GET /greet", public(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello "+l.read(r))
			})))
			mux.Handle("GET /visit", public(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				l.write(w, r, "visitor")
				io.WriteString(w, "welcome")
			})))
			h := cachehint.Middleware(cachehint.Options{OnConflict: got.Record, TagHeaders: allTagHeaders})(l.wrap(mux))

			login := serve(h, httptest.NewRequest("GET", "/login", nil)).Result()
			var cookie []string
			for _, c := range login.Cookies() {
				cookie = append(cookie, c.Name+"="+c.Value)
			}
			if len(cookie) == 0 {
				t.Fatal("login set no cookie")
			}
			do := func(path string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Cookie", strings.Join(cookie, "; "))
				return serve(h, req)
			}
			if body := do("/whoami").Body.String(); body != "alice" {
				t.Fatalf("private route read %q, want alice: the login did not work", body)
			}
			got.Reset()

			greet := do("/greet")
			cc := greet.Header().Get("Cache-Control")
			shared := strings.HasPrefix(cc, "public")
			if shared && strings.Contains(greet.Body.String(), "alice") {
				t.Fatalf("public page with alice's data went out shared: %q, Cache-Control %q", greet.Body.String(), cc)
			}
			wantShared := name == "gorilla" // nothing to leak: the read found nothing
			if shared != wantShared {
				t.Errorf("read: Cache-Control %q (body %q), shared = %v, want %v", cc, greet.Body.String(), shared, wantShared)
			}
			if wantShared && greet.Body.String() != "hello " {
				t.Errorf("gorilla read on a public route found %q", greet.Body.String())
			}
			if n := len(got.Get()); n != map[bool]int{true: 0, false: 1}[wantShared] {
				t.Errorf("read: conflicts %q", got.Get())
			}

			got.Reset()
			visit := do("/visit")
			if cc := visit.Header().Get("Cache-Control"); cc != "private, no-store" || visit.Header().Get("Set-Cookie") == "" {
				t.Errorf("write: Cache-Control %q, Set-Cookie %q", cc, visit.Header().Get("Set-Cookie"))
			}
			if visit.Header().Get("Xkey") != "" || visit.Header().Get("CDN-Cache-Control") != "" {
				t.Errorf("write: shared-cache headers left: %v", visit.Header())
			}
			if list := got.Get(); len(list) != 1 || !strings.Contains(list[0], "GET /visit: the response sets a cookie") {
				t.Errorf("write: conflicts %q", list)
			}
		})
	}
}

// TestSCSAroundPublicRoute shows why scs goes on the routes that use it:
// LoadAndSave says Vary: Cookie on every response, so a public route it
// wraps is downgraded even when the handler never touches the session,
// and cachehint reports it instead of letting it pass.
func TestSCSAroundPublicRoute(t *testing.T) {
	var got ruletest.Conflicts
	_, sm := scsLib()
	mux := http.NewServeMux()
	mux.Handle("GET /p", cachehint.Public(testPolicy)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "page")
	})))
	h := cachehint.Middleware(cachehint.Options{OnConflict: got.Record})(sm.LoadAndSave(mux))
	rec := serve(h, httptest.NewRequest("GET", "/p", nil))
	if cc := rec.Header().Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	if list := got.Get(); len(list) != 1 || !strings.Contains(list[0], "varies on Cookie") {
		t.Errorf("conflicts %q", list)
	}
}
