package cachehint_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
)

// TestCompressVary checks that chi's Compress and cachehint merge Vary
// whichever runs outside, and that the gate still holds.
func TestCompressVary(t *testing.T) {
	compress := middleware.Compress(5, "text/html")
	for _, o := range orders {
		for _, compressOuter := range []bool{true, false} {
			for _, personal := range []bool{false, true} {
				name := fmt.Sprintf("%s/compressOuter=%v/readSession=%v", o, compressOuter, personal)
				t.Run(name, func(t *testing.T) {
					m := newManager(t)
					r := chi.NewRouter()
					var got conflicts
					ch := cachehint.Middleware(cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}, OnConflict: got.record})
					switch {
					case compressOuter && o == sessionOuter:
						r.Use(compress, m.Middleware, ch)
					case compressOuter:
						r.Use(compress, ch, m.Middleware)
					case o == sessionOuter:
						r.Use(m.Middleware, ch, compress)
					default:
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
					if n := len(got.get()); n != map[bool]int{false: 0, true: 1}[personal] {
						t.Errorf("%d conflicts reported", n)
					}
				})
			}
		}
	}
}

func TestStrictPanics(t *testing.T) {
	for _, o := range orders {
		t.Run(string(o), func(t *testing.T) {
			r := newRouter(t, o, cachehint.Options{Strict: true, TagHeaders: allTagHeaders})
			r.With(cachehint.Public(testPolicy)).Get("/p/{id}", readSession)
			rec := httptest.NewRecorder()
			func() {
				defer func() {
					p := recover()
					if p == nil {
						t.Fatal("Strict did not panic on a public route that read the session")
					}
					if s := fmt.Sprint(p); !strings.Contains(s, "/p/{id}") || !strings.Contains(s, "read the session") {
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
		})
	}
}

func TestStrictInvalidTag(t *testing.T) {
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{Strict: true}))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { cachehint.Tag(r, "has space") })
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "has space") {
			t.Errorf("panic = %v, want one naming the tag", p)
		}
	}()
	serve(r, httptest.NewRequest("GET", "/", nil))
}

func TestInvalidTagDropped(t *testing.T) {
	logs := captureLog(t)
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{TagHeaders: allTagHeaders}))
	r.With(cachehint.Public(testPolicy)).Get("/", func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "ok", "has space", "", "a,b", "ok", "é")
	})
	h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
	for _, name := range []string{"Xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag"} {
		if got := h.Get(name); got != "ok" {
			t.Errorf("%s = %q, want only the valid, deduplicated tag", name, got)
		}
	}
	if n := strings.Count(logs.String(), "tag dropped"); n != 4 {
		t.Errorf("%d drops logged, want 4:\n%s", n, logs.String())
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

// TestMissingMiddleware checks that a route declaration without
// Middleware reports it loudly once and still applies the gate.
func TestMissingMiddleware(t *testing.T) {
	logs := captureLog(t)
	m := newManager(t)
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.With(cachehint.Public(testPolicy)).Get("/p/{id}", plain)
	r.With(cachehint.Public(testPolicy)).Get("/s/{id}", readSession)

	for i := 0; i < 2; i++ {
		h := serve(r, httptest.NewRequest("GET", "/p/1", nil)).Result().Header
		if got := h.Get("Cache-Control"); got != testPublicCC {
			t.Errorf("public page Cache-Control = %q, want %q", got, testPublicCC)
		}
	}
	h := serve(r, httptest.NewRequest("GET", "/s/1", nil)).Result().Header
	if got := h.Get("Cache-Control"); got != "private, no-cache" {
		t.Errorf("session page Cache-Control = %q, want private, no-cache", got)
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

// TestLateSessionRead checks that a session read after the first Write,
// too late to change the headers, is reported.
func TestLateSessionRead(t *testing.T) {
	for _, o := range orders {
		t.Run(string(o), func(t *testing.T) {
			var got conflicts
			r := newRouter(t, o, cachehint.Options{OnConflict: got.record})
			r.With(cachehint.Public(testPolicy)).Get("/p/{id}", func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "<html>")
				_, _ = clientsession.From(r).Get("user", new(string))
				io.WriteString(w, "hello")
			})
			rec := serve(r, httptest.NewRequest("GET", "/p/1", nil))
			list := got.get()
			if len(list) != 1 || !strings.Contains(list[0], "after the response headers were written") || !strings.HasPrefix(list[0], "/p/{id}") {
				t.Errorf("conflicts = %q, want one late-read report for /p/{id}", list)
			}
			_ = rec
		})
	}
}

// TestLateSessionWriteFixedWhenBuffered checks that when a buffering
// middleware sits between the client and cachehint, a session change after
// the handler's first Write still yields safe headers, and is reported.
func TestLateSessionWriteFixedWhenBuffered(t *testing.T) {
	var got conflicts
	m := newManager(t)
	r := chi.NewRouter()
	r.Use(m.Middleware, cachehint.ETag, cachehint.Middleware(cachehint.Options{OnConflict: got.record, TagHeaders: allTagHeaders}))
	r.With(cachehint.Public(testPolicy)).Get("/p/{id}", func(w http.ResponseWriter, r *http.Request) {
		cachehint.Tag(r, "p")
		io.WriteString(w, "<html>")
		_ = clientsession.From(r).Set("user", "bob")
	})
	h := serve(r, httptest.NewRequest("GET", "/p/1", nil)).Result().Header
	if got := h.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("Cache-Control = %q, want private, no-store", got)
	}
	if h.Get("Xkey") != "" || h.Get("CDN-Cache-Control") != "" {
		t.Errorf("shared-cache headers left: %v", h)
	}
	if len(got.get()) != 1 {
		t.Errorf("conflicts = %q, want one", got.get())
	}
}

func TestPanicGetsNoStore(t *testing.T) {
	r := chi.NewRouter()
	// A quiet stand-in for middleware.Recoverer, which prints the stack.
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil {
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	})
	r.Use(cachehint.Middleware(cachehint.Options{}))
	r.With(cachehint.Public(testPolicy)).Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		panic("boom")
	})
	rec := serve(r, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from Recoverer", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestNestedMiddleware(t *testing.T) {
	var outer, inner conflicts
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{OnConflict: outer.record, TagHeaders: []cachehint.TagHeader{cachehint.XKey}}))
	r.Use(cachehint.Middleware(cachehint.Options{OnConflict: inner.record, TagHeaders: []cachehint.TagHeader{cachehint.CacheTag}}))
	r.With(cachehint.Public(testPolicy)).Get("/", foreignCookie)
	h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
	if got := h.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if len(outer.get()) != 1 || len(inner.get()) != 0 {
		t.Errorf("outer conflicts %q, inner %q: the outer Middleware should do the work", outer.get(), inner.get())
	}
}

func TestEarlyHintsPassThrough(t *testing.T) {
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{}))
	r.With(cachehint.Public(testPolicy)).Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		if w.Header().Get("Cache-Control") != "" {
			t.Error("rules applied at 103")
		}
		io.WriteString(w, "page")
	})
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
	t.Run("none", func(t *testing.T) {
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(http.Flusher); ok {
				t.Error("Flusher advertised")
			}
			if _, ok := w.(http.Hijacker); ok {
				t.Error("Hijacker advertised")
			}
			if _, ok := w.(io.ReaderFrom); ok {
				t.Error("ReaderFrom advertised")
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
		if !fw.readFrom {
			t.Error("ReadFrom not passed on")
		}
	})
	t.Run("Hijack skips the rules", func(t *testing.T) {
		fw := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _, _ = w.(http.Hijacker).Hijack()
		})).ServeHTTP(fw, httptest.NewRequest("GET", "/", nil))
		if !fw.hijacked {
			t.Error("Hijack not passed on")
		}
		if got := fw.Header().Get("Cache-Control"); got != "" {
			t.Errorf("Cache-Control = %q set on a hijacked connection", got)
		}
	})
	t.Run("ResponseController", func(t *testing.T) {
		srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			if err := rc.Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			if err := rc.EnableFullDuplex(); err != nil {
				t.Errorf("EnableFullDuplex through Unwrap: %v", err)
			}
		})))
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); got != "private, no-cache" {
			t.Errorf("Cache-Control = %q", got)
		}
	})
}

// TestServeMuxPattern checks that OnConflict gets the Go ServeMux pattern.
func TestServeMuxPattern(t *testing.T) {
	var got conflicts
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", cachehint.Public(testPolicy)(foreignCookie))
	h := cachehint.Middleware(cachehint.Options{OnConflict: got.record})(mux)
	serve(h, httptest.NewRequest("GET", "/items/7", nil))
	if list := got.get(); len(list) != 1 || !strings.HasPrefix(list[0], "GET /items/{id}: ") {
		t.Errorf("conflicts = %q, want the ServeMux pattern", list)
	}
}

// TestConflictPathFallback checks the URL path is reported when no
// pattern is known (undeclared route under Default ModePublic, plain
// handler).
func TestConflictPathFallback(t *testing.T) {
	var got conflicts
	h := cachehint.Middleware(cachehint.Options{OnConflict: got.record, Default: cachehint.ModePublic, DefaultPolicy: testPolicy})(foreignCookie)
	serve(h, httptest.NewRequest("GET", "/some/path", nil))
	if list := got.get(); len(list) != 1 || !strings.HasPrefix(list[0], "/some/path: ") {
		t.Errorf("conflicts = %q, want the URL path", list)
	}
}

func TestDefaultOnConflictLogs(t *testing.T) {
	logs := captureLog(t)
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{}))
	r.With(cachehint.Public(testPolicy)).Get("/p/{id}", foreignCookie)
	serve(r, httptest.NewRequest("GET", "/p/1", nil))
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "pattern=/p/{id}") || !strings.Contains(out, "sets a cookie") {
		t.Errorf("log = %q", out)
	}
}

func TestTagAfterHeaders(t *testing.T) {
	logs := captureLog(t)
	r := chi.NewRouter()
	r.Use(cachehint.Middleware(cachehint.Options{TagHeaders: allTagHeaders}))
	r.With(cachehint.Public(testPolicy)).Get("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "x")
		cachehint.Tag(r, "late")
	})
	h := serve(r, httptest.NewRequest("GET", "/", nil)).Result().Header
	if h.Get("Xkey") != "" {
		t.Errorf("xkey = %q", h.Get("Xkey"))
	}
	if !strings.Contains(logs.String(), "after the response headers were sent") {
		t.Errorf("late tag not logged: %s", logs.String())
	}
}
