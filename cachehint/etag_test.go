// Tests of ETag: entity tags, 304 answers and their caching headers.

package cachehint_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/ruletest"
)

// cachingHeaders are the headers a 304 must repeat (RFC 9110 §15.4.5),
// plus cachehint's own.
var cachingHeaders = []string{"Cache-Control", "CDN-Cache-Control", "Vary", "Etag", "Expires",
	"Xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag"}

// TestNotModifiedSameHeaders is the 304 row of the rules table: a 304
// carries the caching headers the 200 carries, for public and personal
// responses, in both ETag positions.
func TestNotModifiedSameHeaders(t *testing.T) {
	handlers := map[string]http.HandlerFunc{
		"public":       plain,
		"session read": readSession,
	}
	for name, h := range handlers {
		for _, etagOuter := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/etagOuter=%v", name, etagOuter), func(t *testing.T) {
				var got ruletest.Conflicts
				r := newRouter(t, cachehint.Options{TagHeaders: allTagHeaders, OnConflict: got.Record})
				if etagOuter {
					r.handle("GET /p/{id}", h, cachehint.ETag, cachehint.Public(testPolicy))
				} else {
					r.handle("GET /p/{id}", h, cachehint.Public(testPolicy), cachehint.ETag)
				}
				first := serve(r, httptest.NewRequest("GET", "/p/1", nil))
				if first.Code != http.StatusOK {
					t.Fatalf("first: %d", first.Code)
				}
				etag := first.Header().Get("Etag")
				if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
					t.Fatalf("ETag = %q, want a strong entity tag", etag)
				}
				req := httptest.NewRequest("GET", "/p/1", nil)
				req.Header.Set("If-None-Match", `"other", `+etag)
				second := serve(r, req)
				if second.Code != http.StatusNotModified {
					t.Fatalf("conditional: %d, want 304", second.Code)
				}
				if second.Body.Len() != 0 {
					t.Errorf("304 has a body: %q", second.Body.String())
				}
				for _, k := range cachingHeaders {
					if a, b := first.Header().Values(k), second.Header().Values(k); strings.Join(a, "|") != strings.Join(b, "|") {
						t.Errorf("%s: 200 has %q, 304 has %q", k, a, b)
					}
				}
				if name == "public" && first.Header().Get("Cache-Control") != testPublicCC {
					t.Errorf("200 Cache-Control = %q", first.Header().Get("Cache-Control"))
				}
				if name == "session read" && first.Header().Get("Cache-Control") != "private, no-cache" {
					t.Errorf("200 Cache-Control = %q", first.Header().Get("Cache-Control"))
				}
			})
		}
	}
}

func TestETag(t *testing.T) {
	body := "hello world"
	h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body[:5])
		io.WriteString(w, body[5:])
	}))
	rec := serve(h, httptest.NewRequest("GET", "/", nil))
	etag := rec.Header().Get("Etag")
	if rec.Code != 200 || rec.Body.String() != body || etag == "" {
		t.Fatalf("got %d %q etag %q", rec.Code, rec.Body.String(), etag)
	}
	if rec.Header().Get("Content-Length") != "11" {
		t.Errorf("Content-Length = %q", rec.Header().Get("Content-Length"))
	}
	// Same body, same tag; different body, different tag.
	if again := serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("Etag"); again != etag {
		t.Errorf("ETag not stable: %q then %q", etag, again)
	}
	other := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello World") }))
	if o := serve(other, httptest.NewRequest("GET", "/", nil)).Header().Get("Etag"); o == etag {
		t.Error("different bodies share an ETag")
	}

	for _, tc := range []struct {
		inm  string
		want int
	}{
		{etag, 304},
		{"W/" + etag, 304}, // weak comparison
		{"*", 304},
		{`"a", ` + etag, 304},
		{`"a","b"`, 200},
		{"garbage", 200},
		{`"unterminated`, 200},
		{"", 200},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.inm != "" {
			req.Header.Set("If-None-Match", tc.inm)
		}
		rec := serve(h, req)
		if rec.Code != tc.want {
			t.Errorf("If-None-Match %q: %d, want %d", tc.inm, rec.Code, tc.want)
		}
		if tc.want == 304 {
			if rec.Header().Get("Content-Type") != "" || rec.Header().Get("Content-Length") != "" || rec.Body.Len() != 0 {
				t.Errorf("If-None-Match %q: 304 kept representation headers or body: %v %q", tc.inm, rec.Header(), rec.Body.String())
			}
			if rec.Header().Get("Etag") != etag {
				t.Errorf("304 ETag = %q", rec.Header().Get("Etag"))
			}
		}
	}
}

func TestETagPassThrough(t *testing.T) {
	t.Run("POST", func(t *testing.T) {
		h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
		rec := serve(h, httptest.NewRequest("POST", "/", nil))
		if rec.Header().Get("Etag") != "" {
			t.Error("ETag on POST")
		}
	})
	t.Run("404", func(t *testing.T) {
		h := cachehint.ETag(http.NotFoundHandler())
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-None-Match", "*")
		rec := serve(h, req)
		if rec.Code != 404 || rec.Header().Get("Etag") != "" || !strings.Contains(rec.Body.String(), "not found") {
			t.Errorf("got %d etag %q body %q", rec.Code, rec.Header().Get("Etag"), rec.Body.String())
		}
	})
	t.Run("handler's own ETag", func(t *testing.T) {
		h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `W/"v7"`)
			io.WriteString(w, "x")
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-None-Match", `"v7"`)
		if rec := serve(h, req); rec.Code != 304 || rec.Header().Get("Etag") != `W/"v7"` {
			t.Errorf("got %d etag %q", rec.Code, rec.Header().Get("Etag"))
		}
	})
	t.Run("flush streams", func(t *testing.T) {
		h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}))
		rec := serve(h, httptest.NewRequest("GET", "/", nil))
		if rec.Body.String() != "ab" || rec.Header().Get("Etag") != "" || !rec.Flushed {
			t.Errorf("body %q etag %q flushed %v", rec.Body.String(), rec.Header().Get("Etag"), rec.Flushed)
		}
	})
	t.Run("large body streams", func(t *testing.T) {
		chunk := strings.Repeat("x", 1<<20)
		h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 5; i++ {
				io.WriteString(w, chunk)
			}
		}))
		rec := serve(h, httptest.NewRequest("GET", "/", nil))
		if rec.Body.Len() != 5<<20 || rec.Header().Get("Etag") != "" {
			t.Errorf("body %d bytes, etag %q", rec.Body.Len(), rec.Header().Get("Etag"))
		}
	})
	t.Run("HEAD without body", func(t *testing.T) {
		h := cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		rec := serve(h, httptest.NewRequest("HEAD", "/", nil))
		if rec.Code != 200 || rec.Header().Get("Etag") != "" {
			t.Errorf("got %d etag %q", rec.Code, rec.Header().Get("Etag"))
		}
	})
	t.Run("session set after body still commits", func(t *testing.T) {
		m := newManager(t)
		h := m.Middleware(cachehint.ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "x")
			if err := clientsession.From(r).Set("k", 1); err != nil {
				t.Errorf("Set after a buffered Write: %v", err)
			}
		})))
		rec := serve(h, httptest.NewRequest("GET", "/", nil))
		if len(rec.Result().Cookies()) != 1 {
			t.Errorf("cookies %v", rec.Result().Cookies())
		}
	})
}

// TestETagResponseControllerFlush checks that a Flush through
// http.ResponseController, with an Unwrap-only wrapper on either side of
// ETag, ends ETag's buffering instead of sending the headers past it: the
// response keeps its body even when If-None-Match matches the body's tag.
func TestETagResponseControllerFlush(t *testing.T) {
	for _, side := range []string{"above", "below"} {
		t.Run(side, func(t *testing.T) {
			page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "part one, ")
				if r.URL.Query().Get("flush") != "" {
					if err := http.NewResponseController(w).Flush(); err != nil {
						t.Errorf("Flush: %v", err)
					}
				}
				io.WriteString(w, "part two")
			})
			var h http.Handler
			if side == "above" {
				h = cachehint.ETag(unwrapOnlyMiddleware(page))
			} else {
				h = unwrapOnlyMiddleware(cachehint.ETag(page))
			}
			h = cachehint.Middleware(cachehint.Options{})(h)
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			etag := resp.Header.Get("Etag")
			if etag == "" {
				t.Fatal("no ETag without a flush")
			}
			req, _ := http.NewRequest("GET", srv.URL+"/?flush=1", nil)
			req.Header.Set("If-None-Match", etag)
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "part one, part two" {
				t.Errorf("flushed response: %d %q, want 200 and the whole body", resp.StatusCode, body)
			}
		})
	}
}
