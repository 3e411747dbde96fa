package cachehint_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
)

// Handlers used by the rules table. Each tags its response, so the table
// can check that tags go out only on shareable responses.
func tagged(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "property-42", "list")
		next(w, r)
	}
}

var (
	plain = tagged(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "page")
	})
	readSession = tagged(func(w http.ResponseWriter, r *http.Request) {
		var name string
		if _, err := clientsession.From(r).Get("user", &name); err != nil {
			panic(err)
		}
		io.WriteString(w, "hello "+name)
	})
	writeSession = tagged(func(w http.ResponseWriter, r *http.Request) {
		if err := clientsession.From(r).Set("user", "alice"); err != nil {
			panic(err)
		}
		io.WriteString(w, "logged in")
	})
	foreignCookie = tagged(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "t1"})
		io.WriteString(w, "page")
	})
	serverError = tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	serverErrorReadSession = tagged(func(w http.ResponseWriter, r *http.Request) {
		_, _ = clientsession.From(r).Get("user", new(string))
		w.WriteHeader(http.StatusInternalServerError)
	})
	ownPublic = tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		io.WriteString(w, "page")
	})
	ownPublicReadSession = tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = clientsession.From(r).Get("user", new(string))
		io.WriteString(w, "page")
	})
	ownNoStore = tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("CDN-Cache-Control", "max-age=600")
		io.WriteString(w, "page")
	})
	ownVaryCookie = tagged(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Cookie")
		io.WriteString(w, "page")
	})
	writesNothing = tagged(func(w http.ResponseWriter, r *http.Request) {})

	// Untagged handlers on undeclared routes: cachehint learns about the
	// session only through the Middleware's own view (clientsession
	// outside) or the headers (clientsession inside).
	readSessionUntagged = func(w http.ResponseWriter, r *http.Request) {
		_, _ = clientsession.From(r).Get("user", new(string))
		io.WriteString(w, "hello")
	}
	writeSessionUntagged = func(w http.ResponseWriter, r *http.Request) {
		_ = clientsession.From(r).Set("user", "alice")
		io.WriteString(w, "logged in")
	}
	readSessionNoWrite = func(w http.ResponseWriter, r *http.Request) {
		_, _ = clientsession.From(r).Get("user", new(string))
	}
)

type want struct {
	cc         string // Cache-Control, exactly
	cdn        string // CDN-Cache-Control, exactly ("" = absent)
	varyCookie bool
	tags       bool // tag headers with "property-42" and "list"
	setCookie  bool
	conflict   string // substring of the OnConflict report ("" = none, "*" = any)
}

// ruleTests has a case for every row of the rules table in doc.go, and
// each runs in both registration orders.
var ruleTests = []struct {
	name    string
	row     string // the row of the rules table
	decl    func(http.Handler) http.Handler
	opts    cachehint.Options
	method  string
	header  map[string]string
	handler http.HandlerFunc
	want    want
}{
	{
		name: "public untouched", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(testPolicy), handler: plain,
		want: want{cc: testPublicCC, cdn: testCDNCC, tags: true},
	},
	{
		name: "public HEAD", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(testPolicy), handler: plain, method: http.MethodHead,
		want: want{cc: testPublicCC, cdn: testCDNCC, tags: true},
	},
	{
		name: "public writes nothing", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(testPolicy), handler: writesNothing,
		want: want{cc: testPublicCC, cdn: testCDNCC, tags: true},
	},
	{
		name: "public Surrogate-Control", row: "public route, session untouched, no Set-Cookie",
		decl: cachehint.Public(testPolicy), handler: plain,
		opts: cachehint.Options{CDNHeader: cachehint.SurrogateControl},
		want: want{cc: testPublicCC, tags: true},
	},
	{
		name: "undeclared untouched", row: "undeclared route, session untouched",
		handler: plain,
		want:    want{cc: "private, no-cache"},
	},
	{
		name: "undeclared default no-store", row: "undeclared route, session untouched",
		handler: plain, opts: cachehint.Options{Default: cachehint.ModeNoStore},
		want: want{cc: "no-store"},
	},
	{
		name: "undeclared default public", row: "undeclared route, session untouched",
		handler: plain, opts: cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: testPolicy},
		want: want{cc: testPublicCC, cdn: testCDNCC, tags: true},
	},
	{
		name: "session read", row: "session read",
		handler: readSession,
		want:    want{cc: "private, no-cache", varyCookie: true},
	},
	{
		name: "session read on private route", row: "session read",
		decl: cachehint.Private(), handler: readSession,
		want: want{cc: "private, no-cache", varyCookie: true},
	},
	{
		name: "session read on no-store route", row: "session read",
		decl: cachehint.NoStore(), handler: readSession,
		want: want{cc: "private, no-store", varyCookie: true},
	},
	{
		name: "session read, untagged", row: "session read",
		handler: readSessionUntagged, opts: cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: testPolicy},
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "*"},
	},
	{
		name: "session read, writes nothing", row: "session read",
		handler: readSessionNoWrite, opts: cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: testPolicy},
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "*"},
	},
	{
		name: "session write, untagged", row: "any Set-Cookie",
		handler: writeSessionUntagged, opts: cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: testPolicy},
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "*"},
	},
	{
		name: "session write", row: "any Set-Cookie",
		handler: writeSession,
		want:    want{cc: "private, no-store", varyCookie: true, setCookie: true},
	},
	{
		name: "foreign Set-Cookie", row: "any Set-Cookie",
		handler: foreignCookie,
		want:    want{cc: "private, no-store", varyCookie: true, setCookie: true},
	},
	{
		name: "public route reads session", row: "public route that read or wrote the session",
		decl: cachehint.Public(testPolicy), handler: readSession,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "read the session"},
	},
	{
		name: "public route writes session", row: "public route that read or wrote the session",
		decl: cachehint.Public(testPolicy), handler: writeSession,
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "session"},
	},
	{
		name: "public route sets foreign cookie", row: "public route that read or wrote the session",
		decl: cachehint.Public(testPolicy), handler: foreignCookie,
		want: want{cc: "private, no-store", varyCookie: true, setCookie: true, conflict: "sets a cookie"},
	},
	{
		name: "public route varies on Cookie", row: "public route that read or wrote the session",
		decl: cachehint.Public(testPolicy), handler: ownVaryCookie,
		want: want{cc: "private, no-cache", varyCookie: true, conflict: "varies on Cookie"},
	},
	{
		name: "handler's public Cache-Control reads session", row: "public route that read or wrote the session",
		handler: ownPublicReadSession,
		want:    want{cc: "private, no-cache", varyCookie: true, conflict: "read the session"},
	},
	{
		name: "5xx on public route", row: "5xx",
		decl: cachehint.Public(testPolicy), handler: serverError,
		want: want{cc: "no-store"},
	},
	{
		name: "5xx that read the session", row: "5xx",
		handler: serverErrorReadSession,
		want:    want{cc: "no-store", varyCookie: true},
	},
	{
		name: "handler's own public Cache-Control", row: "handler set its own Cache-Control",
		handler: ownPublic,
		want:    want{cc: "public, max-age=300", tags: true},
	},
	{
		name: "handler's own no-store on public route", row: "handler set its own Cache-Control",
		decl: cachehint.Public(testPolicy), handler: ownNoStore,
		want: want{cc: "no-store"},
	},
	{
		name: "public route with Authorization", row: "public route, GET/HEAD, Authorization sent",
		decl: cachehint.Public(testPolicy), handler: plain, header: map[string]string{"Authorization": "Basic eDp5"},
		want: want{cc: "private, no-cache"},
	},
	{
		name: "public route POST", row: "public route (other methods)",
		decl: cachehint.Public(testPolicy), handler: plain, method: http.MethodPost,
		want: want{cc: "private, no-cache"},
	},
	{
		name: "private route", row: "Private route",
		decl: cachehint.Private(), handler: plain,
		want: want{cc: "private, no-cache"},
	},
	{
		name: "no-store route", row: "NoStore route",
		decl: cachehint.NoStore(), handler: plain,
		want: want{cc: "no-store"},
	},
}

func TestRules(t *testing.T) {
	for _, tc := range ruleTests {
		for _, o := range orders {
			t.Run(tc.name+"/"+string(o), func(t *testing.T) {
				var got conflicts
				opts := tc.opts
				opts.TagHeaders = allTagHeaders
				opts.OnConflict = got.record
				r := newRouter(t, o, opts)
				method := tc.method
				if method == "" {
					method = http.MethodGet
				}
				h := http.Handler(tc.handler)
				if tc.decl != nil {
					r.With(tc.decl).Method(method, "/p/{id}", h)
				} else {
					r.Method(method, "/p/{id}", h)
				}
				req := httptest.NewRequest(method, "/p/42", nil)
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				rec := serve(r, req)
				checkWant(t, tc.row, rec.Result().Header, tc.want)
				checkConflict(t, got.get(), tc.want.conflict)
			})
		}
	}
}

func checkWant(t *testing.T, row string, h http.Header, w want) {
	t.Helper()
	if got := strings.Join(h.Values("Cache-Control"), ", "); got != w.cc {
		t.Errorf("[%s] Cache-Control = %q, want %q", row, got, w.cc)
	}
	if got := h.Get("CDN-Cache-Control"); got != w.cdn {
		t.Errorf("[%s] CDN-Cache-Control = %q, want %q", row, got, w.cdn)
	}
	if w.cc != testPublicCC && w.cdn == "" && h.Get("Surrogate-Control") != "" {
		t.Errorf("[%s] Surrogate-Control = %q on a response shared caches must not store", row, h.Get("Surrogate-Control"))
	}
	if got := hasVary(h, "Cookie"); got != w.varyCookie {
		t.Errorf("[%s] Vary: Cookie present = %v, want %v (Vary %q)", row, got, w.varyCookie, h.Values("Vary"))
	}
	if got := len(h.Values("Set-Cookie")) > 0; got != w.setCookie {
		t.Errorf("[%s] Set-Cookie present = %v, want %v", row, got, w.setCookie)
	}
	wantTags := map[string]string{"Xkey": "property-42 list", "Surrogate-Key": "property-42 list",
		"Cache-Tag": "property-42,list", "Edge-Cache-Tag": "property-42,list"}
	for name, v := range wantTags {
		got := strings.Join(h.Values(name), "|")
		if !w.tags {
			v = ""
		}
		if got != v {
			t.Errorf("[%s] %s = %q, want %q", row, name, got, v)
		}
	}
}

func checkConflict(t *testing.T, got []string, want string) {
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
	if want == "*" {
		// Undeclared, untagged route with clientsession inside cachehint:
		// only the headers and the URL path are known.
		if !strings.HasPrefix(got[0], "/p/{id}: ") && !strings.HasPrefix(got[0], "/p/42: ") {
			t.Errorf("conflict = %q, want the pattern or the path", got[0])
		}
		return
	}
	if !strings.HasPrefix(got[0], "/p/{id}: ") || !strings.Contains(got[0], want) {
		t.Errorf("conflict = %q, want pattern /p/{id} and reason containing %q", got[0], want)
	}
}
