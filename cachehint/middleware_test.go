// Tests of Middleware: conflicts and Strict, the documented order and the
// detection of the other, route declarations without Middleware, Cookie
// hiding on public routes, the writer's optional interfaces.

package cachehint_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
)

// TestNoClientsessionImport checks that cachehint decides from headers
// alone: none of its non-test files imports clientsession.
func TestNoClientsessionImport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.Contains(p, "clientsession") {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}

func TestStrictPanics(t *testing.T) {
	r := newRouter(t, cachehint.Options{Strict: true, TagHeaders: allTagHeaders})
	r.handle("GET /p/{id}", readSession, cachehint.Public(testPolicy))
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			p := recover()
			if p == nil {
				t.Fatal("Strict did not panic on a public route that read the session")
			}
			if s := fmt.Sprint(p); !strings.Contains(s, "GET /p/{id}") || !strings.Contains(s, "varies on Cookie") {
				t.Errorf("panic %q lacks the pattern or the reason", s)
			}
		}()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/p/1", nil))
	}()
	// The headers were made safe before the panic.
	if got := rec.Header().Get("Cache-Control"); got != "private, no-cache" {
		t.Errorf("Cache-Control = %q after the panic, want private, no-cache", got)
	}
	if rec.Header().Get("Xkey") != "" {
		t.Error("tags left on a downgraded response")
	}
}

func TestStrictInvalidTag(t *testing.T) {
	h := cachehint.Middleware(cachehint.Options{Strict: true})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "has space")
	}))
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "has space") {
			t.Errorf("panic = %v, want one naming the tag", p)
		}
	}()
	serve(h, httptest.NewRequest("GET", "/", nil))
}

func TestInvalidTagDropped(t *testing.T) {
	logs := captureLog(t)
	r := newRouter(t, cachehint.Options{TagHeaders: allTagHeaders})
	r.handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "ok", "has space", "", "a,b", "ok", "é")
	}), cachehint.Public(testPolicy))
	h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
	for _, name := range []string{"Xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag"} {
		if got := h.Get(name); got != "ok" {
			t.Errorf("%s = %q, want only the valid, deduplicated tag", name, got)
		}
	}
	serve(r, httptest.NewRequest("GET", "/", nil))
	// One line per route and reason, however many tags and requests.
	if n := strings.Count(logs.String(), "tag dropped"); n != 1 {
		t.Errorf("%d drops logged, want 1:\n%s", n, logs.String())
	}
}

// TestDefaultLogsLimited checks that the default conflict and tag logs
// cannot flood: once per route and reason, and a bounded number of routes
// even when every request has its own path.
func TestDefaultLogsLimited(t *testing.T) {
	logs := captureLog(t)
	h := cachehint.Middleware(cachehint.Options{Default: cachehint.ModePublic, DefaultPolicy: testPolicy})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cachehint.Tag(r, strings.Repeat("é", 1000)) // from the request, say
			http.SetCookie(w, &http.Cookie{Name: "t", Value: "1"})
		}))
	for range 50 {
		serve(h, httptest.NewRequest("GET", "/same", nil))
	}
	if n := strings.Count(logs.String(), "\n"); n != 2 {
		t.Errorf("50 requests to one path logged %d lines, want 2 (conflict, tag):\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), strings.Repeat("é", 100)) {
		t.Error("a 2000-byte tag was logged whole")
	}
	for i := range 3000 {
		serve(h, httptest.NewRequest("GET", "/p"+strconv.Itoa(i), nil))
	}
	if n := strings.Count(logs.String(), "\n"); n > 1024+2 {
		t.Errorf("3000 distinct paths logged %d lines, want at most %d", n, 1024+2)
	}
}

// syncBuffer is a log destination for slog in tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLog sends slog's default logger to a buffer for the test.
func captureLog(t *testing.T) *syncBuffer {
	buf := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

// wrongOrder returns a handler with clientsession OUTSIDE cachehint, the
// order the documentation forbids.
func wrongOrder(t *testing.T, opts cachehint.Options, pattern string, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(pattern, cachehint.Public(testPolicy)(h))
	return newManager(t).Middleware(cachehint.Middleware(opts)(mux))
}

// TestWrongOrderReported checks that a session middleware outside
// cachehint is detected from the headers it adds after cachehint decided,
// reported once through OnConflict with the fix, and that Strict panics.
func TestWrongOrderReported(t *testing.T) {
	write := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = clientsession.From(r).Set("user", "ann")
		io.WriteString(w, "hi")
	})
	for name, tc := range map[string]struct {
		h      http.Handler
		header string
	}{
		"session write": {write, "Set-Cookie was added"},
		"session read":  {readSession, "Vary: Cookie was added"},
	} {
		t.Run(name, func(t *testing.T) {
			var got ruletest.Conflicts
			h := wrongOrder(t, cachehint.Options{OnConflict: got.Record}, "GET /p/{id}", tc.h)
			for range 3 {
				serve(h, httptest.NewRequest("GET", "/p/1", nil))
			}
			list := got.Get()
			if len(list) != 1 {
				t.Fatalf("reports = %q, want exactly one", list)
			}
			if !strings.HasPrefix(list[0], "GET /p/{id}: "+tc.header) ||
				!strings.Contains(list[0], "Install cachehint.Middleware outside the session middleware") {
				t.Errorf("report %q lacks the pattern, the header or the fix", list[0])
			}

			strict := wrongOrder(t, cachehint.Options{Strict: true, OnConflict: func(*http.Request, string, string) {}}, "GET /p/{id}", tc.h)
			for i := range 2 {
				func() {
					defer func() {
						if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "outside the session middleware") {
							t.Errorf("request %d: Strict panic = %v", i, p)
						}
					}()
					serve(strict, httptest.NewRequest("GET", "/p/1", nil))
				}()
			}
		})
	}
	// The documented order reports nothing.
	var got ruletest.Conflicts
	r := newRouter(t, cachehint.Options{OnConflict: got.Record})
	r.handle("GET /p/{id}", plain, cachehint.Private())
	r.handle("GET /s/{id}", readSession, cachehint.Private())
	serve(r, httptest.NewRequest("GET", "/p/1", nil))
	serve(r, httptest.NewRequest("GET", "/s/1", nil))
	if list := got.Get(); len(list) != 0 {
		t.Errorf("documented order reported %q", list)
	}
}

// TestPublicRouteHidesCookies is issue 18 item 6: the handler of a public
// route gets a request without Cookie (so r.Cookie and any session
// library reading it find nothing), middlewares further out keep theirs,
// and other routes and methods are untouched.
func TestPublicRouteHidesCookies(t *testing.T) {
	var outer, inner []string
	seen := func(dst *[]string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r)
				*dst = append(*dst, r.Header.Get("Cookie"))
			})
		}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("lang")
		if err == nil {
			io.WriteString(w, c.Value)
		}
	})
	r := newRouter(t, cachehint.Options{}, seen(&outer))
	r.handle("GET /pub", handler, cachehint.Public(testPolicy), seen(&inner))
	r.handle("POST /pub", handler, cachehint.Public(testPolicy), seen(&inner))
	r.handle("GET /priv", handler, cachehint.Private(), seen(&inner))
	for _, tc := range []struct {
		method, path, body, cc string
	}{
		{"GET", "/pub", "", testPublicCC},
		{"HEAD", "/pub", "", testPublicCC},
		{"POST", "/pub", "fr", "private, no-cache"},
		{"GET", "/priv", "fr", "private, no-cache"},
	} {
		outer, inner = nil, nil
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("Cookie", "lang=fr; session.user=x")
		rec := serve(r, req)
		if tc.method != "HEAD" && rec.Body.String() != tc.body {
			t.Errorf("%s %s: handler saw cookie %q, want %q", tc.method, tc.path, rec.Body.String(), tc.body)
		}
		if got := rec.Header().Get("Cache-Control"); got != tc.cc {
			t.Errorf("%s %s: Cache-Control = %q, want %q", tc.method, tc.path, got, tc.cc)
		}
		if len(outer) != 1 || outer[0] != "lang=fr; session.user=x" {
			t.Errorf("%s %s: outer middleware saw Cookie %q", tc.method, tc.path, outer)
		}
		if len(inner) != 1 || (inner[0] == "") != (tc.body == "") {
			t.Errorf("%s %s: inner middleware saw Cookie %q", tc.method, tc.path, inner)
		}
		if req.Header.Get("Cookie") == "" {
			t.Errorf("%s %s: the caller's request lost its Cookie", tc.method, tc.path)
		}
	}
}

// TestMissingMiddleware checks that a route declaration without
// Middleware reports it loudly once per route and still applies the gate.
func TestMissingMiddleware(t *testing.T) {
	logs := captureLog(t)
	mux := http.NewServeMux()
	mux.Handle("GET /p/{id}", cachehint.Public(testPolicy)(plain))
	mux.Handle("GET /c/{id}", cachehint.Public(testPolicy)(foreignCookie))
	for range 2 {
		h := serve(mux, httptest.NewRequest("GET", "/p/1", nil)).Result().Header
		if got := h.Get("Cache-Control"); got != testPublicCC {
			t.Errorf("public page Cache-Control = %q, want %q", got, testPublicCC)
		}
	}
	h := serve(mux, httptest.NewRequest("GET", "/c/1", nil)).Result().Header
	if got := h.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("cookie page Cache-Control = %q, want private, no-store", got)
	}
	out := logs.String()
	if n := strings.Count(out, "cachehint.Middleware is not installed"); n != 2 {
		t.Errorf("missing-middleware error logged %d times, want once per route:\n%s", n, out)
	}
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "/p/{id}") {
		t.Errorf("log lacks the level or the pattern:\n%s", out)
	}
}

func TestTagWithoutMiddleware(t *testing.T) {
	logs := captureLog(t)
	req := httptest.NewRequest("GET", "/", nil)
	cachehint.Tag(req, "x") // must not panic
	cachehint.Tag(req, "y")
	// The report is once per process, so an earlier test may have used it.
	if n := strings.Count(logs.String(), "without cachehint.Middleware"); n > 1 {
		t.Errorf("logged %d times", n)
	}
}

func TestPanicGetsNoStore(t *testing.T) {
	// A quiet stand-in for chi's middleware.Recoverer, which prints the stack.
	recoverer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil {
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", cachehint.Public(testPolicy)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		panic("boom")
	})))
	rec := serve(recoverer(cachehint.Middleware(cachehint.Options{})(mux)), httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from the recoverer", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestNestedMiddleware(t *testing.T) {
	var outer, inner ruletest.Conflicts
	mux := http.NewServeMux()
	mux.Handle("GET /", cachehint.Public(testPolicy)(foreignCookie))
	h := cachehint.Middleware(cachehint.Options{OnConflict: outer.Record, TagHeaders: []cachehint.TagHeader{cachehint.XKey}})(
		cachehint.Middleware(cachehint.Options{OnConflict: inner.Record, TagHeaders: []cachehint.TagHeader{cachehint.CacheTag}})(mux))
	got := serve(h, httptest.NewRequest("GET", "/", nil)).Result().Header
	if cc := got.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if len(outer.Get()) != 1 || len(inner.Get()) != 0 {
		t.Errorf("outer conflicts %q, inner %q: the outer Middleware should do the work", outer.Get(), inner.Get())
	}
}

func TestEarlyHintsPassThrough(t *testing.T) {
	r := newRouter(t, cachehint.Options{})
	r.handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		if w.Header().Get("Cache-Control") != "" {
			t.Error("rules applied at 103")
		}
		io.WriteString(w, "page")
	}), cachehint.Public(testPolicy))
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Cache-Control"); got != testPublicCC {
		t.Errorf("final Cache-Control = %q", got)
	}
}

// unwrapOnly is the usual logging-middleware wrapper: it implements only
// Unwrap, which hides Flusher and Hijacker from type assertions.
type unwrapOnly struct{ http.ResponseWriter }

func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func unwrapOnlyMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(unwrapOnly{w}, r)
	})
}

// TestResponseControllerCommits is issue 18 item 2 for cachehint's
// writer: with an Unwrap-only wrapper on either side of cachehint,
// http.ResponseController's Flush and Hijack apply the rules first (a
// public route that set a cookie is never flushed out as public), and
// deadlines and full duplex reach the server.
func TestResponseControllerCommits(t *testing.T) {
	for _, side := range []string{"inside", "outside", "both"} {
		t.Run(side, func(t *testing.T) {
			var got ruletest.Conflicts
			mux := http.NewServeMux()
			route := func(h http.HandlerFunc) http.Handler {
				if side != "outside" {
					return cachehint.Public(testPolicy)(unwrapOnlyMiddleware(h))
				}
				return cachehint.Public(testPolicy)(h)
			}
			mux.Handle("GET /flush", route(func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "t", Value: "1"})
				rc := http.NewResponseController(w)
				if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
					t.Errorf("SetWriteDeadline: %v", err)
				}
				if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
					t.Errorf("SetReadDeadline: %v", err)
				}
				if err := rc.EnableFullDuplex(); err != nil {
					t.Errorf("EnableFullDuplex: %v", err)
				}
				if err := rc.Flush(); err != nil {
					t.Errorf("Flush: %v", err)
				}
				cachehint.Tag(r, "late") // after the flush: dropped
				io.WriteString(w, "body")
			}))
			mux.Handle("GET /hijack", route(func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				defer conn.Close()
				buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
				buf.Flush()
			}))
			h := cachehint.Middleware(cachehint.Options{OnConflict: got.Record, TagHeaders: allTagHeaders})(mux)
			if side != "inside" {
				h = unwrapOnlyMiddleware(h)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()

			resp, err := http.Get(srv.URL + "/flush")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" || string(body) != "body" {
				t.Errorf("flushed response: Cache-Control %q, body %q", cc, body)
			}
			if resp.Header.Get("Cdn-Cache-Control") != "" || resp.Header.Get("Xkey") != "" {
				t.Errorf("shared-cache headers on a flushed cookie response: %v", resp.Header)
			}
			if list := got.Get(); len(list) != 1 || !strings.Contains(list[0], "sets a cookie") {
				t.Errorf("conflicts = %q", list)
			}

			resp, err = http.Get(srv.URL + "/hijack")
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "ok" || resp.Header.Get("Cache-Control") != "" {
				t.Errorf("hijacked response: %q %v", body, resp.Header)
			}
		})
	}
}

// fullWriter has every optional interface; plainWriter has none.
type fullWriter struct {
	*httptest.ResponseRecorder
	flushed, hijacked, readFrom bool
}

func (f *fullWriter) Flush() { f.flushed = true }
func (f *fullWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.hijacked = true
	return nil, nil, nil
}
func (f *fullWriter) ReadFrom(r io.Reader) (int64, error) {
	f.readFrom = true
	return io.Copy(f.ResponseRecorder, r)
}

type plainWriter struct{ h http.Header }

func (p *plainWriter) Header() http.Header         { return p.h }
func (p *plainWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *plainWriter) WriteHeader(int)             {}

func TestWriterInterfaces(t *testing.T) {
	mw := cachehint.Middleware(cachehint.Options{})
	t.Run("none beneath", func(t *testing.T) {
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			if err := rc.Flush(); !errors.Is(err, http.ErrNotSupported) {
				t.Errorf("Flush = %v, want ErrNotSupported", err)
			}
			if _, _, err := rc.Hijack(); !errors.Is(err, http.ErrNotSupported) {
				t.Errorf("Hijack = %v, want ErrNotSupported", err)
			}
			if err := rc.SetWriteDeadline(time.Time{}); !errors.Is(err, http.ErrNotSupported) {
				t.Errorf("SetWriteDeadline = %v, want ErrNotSupported", err)
			}
			if got := w.Header().Get("Cache-Control"); got != "private, no-cache" {
				t.Errorf("after Flush Cache-Control = %q", got)
			}
			if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() == nil {
				t.Error("no Unwrap")
			}
		}))
		h.ServeHTTP(&plainWriter{h: http.Header{}}, httptest.NewRequest("GET", "/", nil))
	})
	t.Run("flush commits", func(t *testing.T) {
		fw := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			if got := w.Header().Get("Cache-Control"); got != "private, no-cache" {
				t.Errorf("after Flush Cache-Control = %q", got)
			}
		})).ServeHTTP(fw, httptest.NewRequest("GET", "/", nil))
		if !fw.flushed {
			t.Error("Flush not passed on")
		}
	})
	t.Run("ReadFrom commits", func(t *testing.T) {
		fw := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("x"))
			if got := w.Header().Get("Cache-Control"); got != "private, no-cache" {
				t.Errorf("after ReadFrom Cache-Control = %q", got)
			}
		})).ServeHTTP(fw, httptest.NewRequest("GET", "/", nil))
		if !fw.readFrom || fw.Body.String() != "x" {
			t.Error("ReadFrom not passed on")
		}
	})
	t.Run("Hijack commits first", func(t *testing.T) {
		fw := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _, _ = w.(http.Hijacker).Hijack()
		})).ServeHTTP(fw, httptest.NewRequest("GET", "/", nil))
		if !fw.hijacked {
			t.Error("Hijack not passed on")
		}
		if got := fw.Header().Get("Cache-Control"); got != "private, no-cache" {
			t.Errorf("Cache-Control = %q: the rules must apply before the hijack, in case it fails", got)
		}
	})
}

// TestServeMuxPattern checks that OnConflict gets the Go ServeMux pattern.
func TestServeMuxPattern(t *testing.T) {
	var got ruletest.Conflicts
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", cachehint.Public(testPolicy)(foreignCookie))
	h := cachehint.Middleware(cachehint.Options{OnConflict: got.Record})(mux)
	serve(h, httptest.NewRequest("GET", "/items/7", nil))
	if list := got.Get(); len(list) != 1 || !strings.HasPrefix(list[0], "GET /items/{id}: ") {
		t.Errorf("conflicts = %q, want the ServeMux pattern", list)
	}
}

// TestConflictPathFallback checks the URL path is reported when no
// pattern is known (undeclared route under Default ModePublic, plain
// handler).
func TestConflictPathFallback(t *testing.T) {
	var got ruletest.Conflicts
	h := cachehint.Middleware(cachehint.Options{OnConflict: got.Record, Default: cachehint.ModePublic, DefaultPolicy: testPolicy})(foreignCookie)
	serve(h, httptest.NewRequest("GET", "/some/path", nil))
	if list := got.Get(); len(list) != 1 || !strings.HasPrefix(list[0], "/some/path: ") {
		t.Errorf("conflicts = %q, want the URL path", list)
	}
}

func TestDefaultOnConflictLogs(t *testing.T) {
	logs := captureLog(t)
	r := newRouter(t, cachehint.Options{})
	r.handle("GET /p/{id}", foreignCookie, cachehint.Public(testPolicy))
	serve(r, httptest.NewRequest("GET", "/p/1", nil))
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, `pattern="GET /p/{id}"`) || !strings.Contains(out, "sets a cookie") {
		t.Errorf("log = %q", out)
	}
}

func TestTagAfterHeaders(t *testing.T) {
	logs := captureLog(t)
	r := newRouter(t, cachehint.Options{TagHeaders: allTagHeaders})
	r.handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "x")
		cachehint.Tag(r, "late")
	}), cachehint.Public(testPolicy))
	h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
	if h.Get("Xkey") != "" {
		t.Errorf("xkey = %q", h.Get("Xkey"))
	}
	if !strings.Contains(logs.String(), "after the response headers were sent") {
		t.Errorf("late tag not logged: %s", logs.String())
	}
}

// TestNoLateRecheck is issue 10 item 3: cachehint does not look at the
// session again when the handler returns. A read after the first Write
// is clientsession's to report (Options.OnLateUse); cachehint reports
// nothing and leaves the headers it sent.
func TestNoLateRecheck(t *testing.T) {
	var got ruletest.Conflicts
	r := newRouter(t, cachehint.Options{OnConflict: got.Record})
	r.handle("GET /p/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>")
		_, _ = clientsession.From(r).Get("user", new(string))
	}), cachehint.Public(testPolicy))
	rec := serve(r, httptest.NewRequest("GET", "/p/1", nil))
	if list := got.Get(); len(list) != 0 {
		t.Errorf("cachehint reported %q; late use is clientsession's to report", list)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != testPublicCC {
		t.Errorf("Cache-Control = %q, want the public headers decided at the first Write", cc)
	}
}

// TestMissingMiddlewareWrongOrder checks that a route declaration without
// Middleware, behind a session middleware, is reported twice over: the
// missing Middleware, and the order of its stand-in.
func TestMissingMiddlewareWrongOrder(t *testing.T) {
	logs := captureLog(t)
	mux := http.NewServeMux()
	mux.Handle("GET /s/{id}", cachehint.Public(testPolicy)(readSession))
	serve(newManager(t).Middleware(mux), httptest.NewRequest("GET", "/s/1", nil))
	out := logs.String()
	if !strings.Contains(out, "cachehint.Middleware is not installed") || !strings.Contains(out, "Install cachehint.Middleware outside the session middleware") {
		t.Errorf("log lacks the missing Middleware or the order:\n%s", out)
	}
}
