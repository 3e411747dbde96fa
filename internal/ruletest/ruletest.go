// Package ruletest holds cachehint's rules table (the one in cachehint's
// package documentation) as a test that runs with any session library:
// the cachehint tests run it with clientsession, the integration module
// with alexedwards/scs and gorilla/sessions. It is test support, used by
// tests only.
package ruletest

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// Session is a session library as the rules table uses it.
type Session struct {
	Name string
	// Middleware is the library's middleware (clientsession's
	// Middleware, scs's LoadAndSave), installed inside
	// cachehint.Middleware, or nil (gorilla/sessions has none).
	Middleware func(http.Handler) http.Handler
	// PerRoute installs Middleware only on the routes whose handler uses
	// the session, as scs must be installed: it adds Vary: Cookie to every
	// response it wraps, used or not.
	PerRoute bool
	// Read reads the session's "user" value, as a handler would.
	Read func(w http.ResponseWriter, r *http.Request) string
	// Write sets the session's "user" value to v.
	Write func(w http.ResponseWriter, r *http.Request, v string)
}

// Policy is the policy of the table's public routes; PublicCC and CDNCC
// are the headers it gives.
var Policy = cachehint.Policy{
	MaxAge:               time.Minute,
	SharedMaxAge:         time.Hour,
	StaleWhileRevalidate: 30 * time.Second,
	StaleIfError:         24 * time.Hour,
}

const (
	PublicCC = "public, max-age=60, s-maxage=3600"
	CDNCC    = "max-age=3600, stale-while-revalidate=30, stale-if-error=86400"
)

// AllTagHeaders is every tag header cachehint knows.
var AllTagHeaders = []cachehint.TagHeader{cachehint.XKey, cachehint.SurrogateKey, cachehint.CacheTag, cachehint.EdgeCacheTag}

// want is what a row expects.
type want struct {
	cc         string // Cache-Control, exactly
	cdn        string // CDN-Cache-Control, exactly ("" = absent)
	varyCookie bool
	tags       bool // tag headers with "property-42" and "list"
	setCookie  bool
	conflict   string // substring of the OnConflict report ("" = none)
}

// handler is a row's handler; uses says whether it touches the session.
type handler struct {
	fn   func(s Session) http.HandlerFunc
	uses bool
}

// tagged tags the response, so the table can check that tags go out only
// on shareable responses.
func tagged(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		next(w, r)
	}
}

func fixed(f http.HandlerFunc) handler {
	return handler{fn: func(Session) http.HandlerFunc { return f }}
}

func session(f func(s Session, w http.ResponseWriter, r *http.Request)) handler {
	return handler{uses: true, fn: func(s Session) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { f(s, w, r) }
	}}
}

var (
	plain = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "page")
	}))
	readSession = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		tagged(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello "+s.Read(w, r))
		})(w, r)
	})
	writeSession = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		tagged(func(w http.ResponseWriter, r *http.Request) {
			s.Write(w, r, "alice")
			io.WriteString(w, "logged in")
		})(w, r)
	})
	foreignCookie = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "t1"})
		io.WriteString(w, "page")
	}))
	serverError = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	serverErrorReadSession = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		s.Read(w, r)
		w.WriteHeader(http.StatusInternalServerError)
	})
	ownPublic = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		io.WriteString(w, "page")
	}))
	ownPublicReadSession = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		w.Header().Set("Cache-Control", "public, max-age=300")
		s.Read(w, r)
		io.WriteString(w, "page")
	})
	ownNoStore = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("CDN-Cache-Control", "max-age=600")
		io.WriteString(w, "page")
	}))
	ownVaryCookie = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Cookie")
		io.WriteString(w, "page")
	}))
	writesNothing = fixed(tagged(func(w http.ResponseWriter, r *http.Request) {}))

	// Untagged handlers on undeclared routes.
	readSessionUntagged = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		s.Read(w, r)
		io.WriteString(w, "hello")
	})
	writeSessionUntagged = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		s.Write(w, r, "alice")
		io.WriteString(w, "logged in")
	})
	readSessionNoWrite = session(func(s Session, w http.ResponseWriter, r *http.Request) {
		s.Read(w, r)
	})
)

var publicDefault = cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: Policy}

// rules has a case for every row of the rules table in cachehint's doc.go.
var rules = []struct {
	name    string
	row     string // the row of the rules table
	decl    func(http.Handler) http.Handler
	opts    cachehint.Options
	method  string
	header  map[string]string
	handler handler
	want    want
}{
	{name: "public untouched", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(Policy), handler: plain,
		want: want{cc: PublicCC, cdn: CDNCC, tags: true}},
	{name: "public HEAD", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(Policy), handler: plain, method: http.MethodHead,
		want: want{cc: PublicCC, cdn: CDNCC, tags: true}},
	{name: "public writes nothing", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(Policy), handler: writesNothing,
		want: want{cc: PublicCC, cdn: CDNCC, tags: true}},
	{name: "public Surrogate-Control", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(Policy), handler: plain, opts: cachehint.Options{CDNHeader: cachehint.SurrogateControl},
		want: want{cc: PublicCC, tags: true}},
	{name: "undeclared untouched", row: "undeclared route, session untouched",
		handler: plain, want: want{cc: "private, no-cache"}},
	{name: "undeclared default no-store", row: "undeclared route, session untouched",
		handler: plain, opts: cachehint.Options{Default: cachehint.ModeNoStore},
		want: want{cc: "no-store"}},
	{name: "undeclared default public", row: "undeclared route, session untouched",
		handler: plain, opts: publicDefault,
		want: want{cc: PublicCC, cdn: CDNCC, tags: true}},
	{name: "session read", row: "session read (or Vary: Cookie set)",
		handler: readSession, want: want{cc: "private, no-cache", varyCookie: true}},
	{name: "session read on private route", row: "session read (or Vary: Cookie set)",
		decl: cachehint.Private(), handler: readSession,
		want: want{cc: "private, no-cache", varyCookie: true}},
	{name: "session read on no-store route", row: "session read (or Vary: Cookie set)",
		decl: cachehint.NoStore(), handler: readSession,
		want: want{cc: "private, no-store", varyCookie: true}},
	{name: "session read, untagged", row: "session read (or Vary: Cookie set)",
		handler: readSessionUntagged, opts: publicDefault,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"}},
	{name: "session read, writes nothing", row: "session read (or Vary: Cookie set)",
		handler: readSessionNoWrite, opts: publicDefault,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"}},
	{name: "session write, untagged", row: "any Set-Cookie",
		handler: writeSessionUntagged, opts: publicDefault,
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "sets a cookie"}},
	{name: "session write", row: "any Set-Cookie",
		handler: writeSession, want: want{cc: "private, no-store", varyCookie: true, setCookie: true}},
	{name: "foreign Set-Cookie", row: "any Set-Cookie",
		handler: foreignCookie, want: want{cc: "private, no-store", varyCookie: true, setCookie: true}},
	{name: "public route reads session", row: "public route that read or wrote the session",
		decl: cachehint.Public(Policy), handler: readSession,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"}},
	{name: "public route writes session", row: "public route that read or wrote the session",
		decl: cachehint.Public(Policy), handler: writeSession,
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "sets a cookie"}},
	{name: "public route sets foreign cookie", row: "public route that read or wrote the session",
		decl: cachehint.Public(Policy), handler: foreignCookie,
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "sets a cookie"}},
	{name: "public route varies on Cookie", row: "public route that read or wrote the session",
		decl: cachehint.Public(Policy), handler: ownVaryCookie,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"}},
	{name: "handler's public Cache-Control reads session", row: "public route that read or wrote the session",
		handler: ownPublicReadSession,
		want:    want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"}},
	{name: "5xx on public route", row: "5xx",
		decl: cachehint.Public(Policy), handler: serverError, want: want{cc: "no-store"}},
	{name: "5xx that read the session", row: "5xx",
		handler: serverErrorReadSession, want: want{cc: "no-store", varyCookie: true}},
	{name: "handler's own public Cache-Control", row: "handler set its own Cache-Control",
		handler: ownPublic, want: want{cc: "public, max-age=300", tags: true}},
	{name: "handler's own no-store on public route", row: "handler set its own Cache-Control",
		decl: cachehint.Public(Policy), handler: ownNoStore, want: want{cc: "no-store"}},
	{name: "public route with Authorization", row: "public route, Authorization sent",
		decl: cachehint.Public(Policy), handler: plain, header: map[string]string{"Authorization": "Basic eDp5"},
		want: want{cc: "private, no-cache"}},
	{name: "public route POST", row: "public route (other methods)",
		decl: cachehint.Public(Policy), handler: plain, method: http.MethodPost,
		want: want{cc: "private, no-cache"}},
	{name: "private route", row: "Private route",
		decl: cachehint.Private(), handler: plain, want: want{cc: "private, no-cache"}},
	{name: "no-store route", row: "NoStore route",
		decl: cachehint.NoStore(), handler: plain, want: want{cc: "no-store"}},
}

// Run runs every row of the rules table with s as the session library, in
// the documented order: cachehint.Middleware, then s.Middleware, then a
// ServeMux with the row's route declaration.
func Run(t *testing.T, s Session) {
	for _, tc := range rules {
		t.Run(tc.name, func(t *testing.T) {
			var got Conflicts
			opts := tc.opts
			opts.TagHeaders = AllTagHeaders
			opts.OnConflict = got.Record
			method := cmp.Or(tc.method, http.MethodGet)
			h := http.Handler(tc.handler.fn(s))
			if tc.decl != nil {
				h = tc.decl(h)
			}
			mux := http.NewServeMux()
			pattern := method + " /p/{id}"
			mux.Handle(pattern, h)
			root := http.Handler(mux)
			if s.Middleware != nil {
				if s.PerRoute && tc.handler.uses {
					mux = http.NewServeMux()
					mux.Handle(pattern, s.Middleware(h))
					root = mux
				} else if !s.PerRoute {
					root = s.Middleware(mux)
				}
			}
			root = cachehint.Middleware(opts)(root)
			req := httptest.NewRequest(method, "/p/42", nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			root.ServeHTTP(rec, req)
			Check(t, tc.row, rec.Result().Header, tc.want.cc, tc.want.cdn, tc.want.varyCookie, tc.want.tags, tc.want.setCookie)
			checkConflict(t, got.Get(), pattern, tc.want.conflict)
		})
	}
}

// Check checks the caching headers of h against one row of the table:
// Cache-Control exactly, CDN-Cache-Control exactly ("" = absent), whether
// Vary has Cookie, whether the four tag headers carry "property-42" and
// "list", and whether Set-Cookie is present. row names the row in
// messages.
func Check(t testing.TB, row string, h http.Header, cc, cdn string, varyCookie, tags, setCookie bool) {
	t.Helper()
	if got := strings.Join(h.Values("Cache-Control"), ", "); got != cc {
		t.Errorf("[%s] Cache-Control = %q, want %q", row, got, cc)
	}
	if got := h.Get("CDN-Cache-Control"); got != cdn {
		t.Errorf("[%s] CDN-Cache-Control = %q, want %q", row, got, cdn)
	}
	if cc != PublicCC && cdn == "" && h.Get("Surrogate-Control") != "" {
		t.Errorf("[%s] Surrogate-Control = %q on a response shared caches must not store", row, h.Get("Surrogate-Control"))
	}
	if got := HasVary(h, "Cookie"); got != varyCookie {
		t.Errorf("[%s] Vary: Cookie present = %v, want %v (Vary %q)", row, got, varyCookie, h.Values("Vary"))
	}
	if got := len(h.Values("Set-Cookie")) > 0; got != setCookie {
		t.Errorf("[%s] Set-Cookie present = %v, want %v", row, got, setCookie)
	}
	wantTags := map[string]string{"Xkey": "property-42 list", "Surrogate-Key": "property-42 list",
		"Cache-Tag": "property-42,list", "Edge-Cache-Tag": "property-42,list"}
	for name, v := range wantTags {
		got := strings.Join(h.Values(name), "|")
		if !tags {
			v = ""
		}
		if got != v {
			t.Errorf("[%s] %s = %q, want %q", row, name, got, v)
		}
	}
}

// HasVary reports whether the Vary header of h lists token.
func HasVary(h http.Header, token string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}

func checkConflict(t *testing.T, got []string, pattern, want string) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Errorf("unexpected conflicts: %q", got)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("conflicts = %q, want one containing %q", got, want)
	}
	// An undeclared, untagged route is known only by its path: the
	// ServeMux sets the pattern on the request it was given, which
	// cachehint does not see.
	if !strings.HasPrefix(got[0], pattern+": ") && !strings.HasPrefix(got[0], "/p/42: ") || !strings.Contains(got[0], want) {
		t.Errorf("conflict = %q, want pattern %s (or the path) and reason containing %q", got[0], pattern, want)
	}
}

// Conflicts records what cachehint's OnConflict was told, safely for
// concurrent requests: pass its Record method as Options.OnConflict.
type Conflicts struct {
	mu   sync.Mutex
	list []string
}

// Record is an Options.OnConflict hook; it keeps "pattern: reason".
func (c *Conflicts) Record(r *http.Request, pattern, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, pattern+": "+reason)
}

// Reset forgets what was recorded.
func (c *Conflicts) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = nil
}

// Get returns a copy of what was recorded, in order.
func (c *Conflicts) Get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.list...)
}
