// Fuzz tests of the rules and of If-None-Match parsing.

package cachehint

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/internal/httpcache"
)

// FuzzRules checks the gate's invariants on arbitrary handler headers:
// whatever the handler set, a response that varies on Cookie or sets a
// cookie never leaves storable by shared caches, and a 5xx is no-store.
func FuzzRules(f *testing.F) {
	f.Add(200, uint8(2), "public, max-age=60", "Accept-Encoding", "", "GET")
	f.Add(200, uint8(0), "", "Cookie", "", "GET")
	f.Add(503, uint8(2), "public", "", "a=b", "HEAD")
	f.Add(304, uint8(1), "s-maxage=9, private=\"x\"", "*", "", "POST")
	f.Add(200, uint8(2), `no-cache="a, private"`, `x="a, cookie"`, "", "GET")
	f.Fuzz(func(t *testing.T, status int, mode uint8, cc, vary, setCookie, method string) {
		c := newConfig(Options{TagHeaders: []TagHeader{XKey, SurrogateKey, CacheTag, EdgeCacheTag}})
		h := http.Header{}
		if cc != "" {
			h.Set("Cache-Control", cc)
		}
		if vary != "" {
			h.Set("Vary", vary)
		}
		if setCookie != "" {
			h.Set("Set-Cookie", setCookie)
		}
		for _, name := range httpcache.Targeted {
			h.Set(name, "max-age=999")
		}
		h["xkey"] = []string{"handler-tag"} // set directly, not canonical
		fs := facts{status: status, method: method, mode: Mode(mode % 3),
			public: Policy{MaxAge: time.Minute, SharedMaxAge: time.Hour}.headers(), tags: []string{"t1", "t2"}}
		shared, _ := c.apply(h, fs, func(string, string) {})
		personal := setCookie != "" || httpcache.HasToken([]string{vary}, "cookie")
		got := h.Values("Cache-Control")
		if status >= 500 {
			if strings.Join(got, ",") != "no-store" || shared {
				t.Fatalf("5xx: Cache-Control %q, shared %v", got, shared)
			}
		}
		if personal {
			if shared || !httpcache.HasToken(got, "private") && !httpcache.HasToken(got, "no-store") {
				t.Fatalf("personal response: Cache-Control %q, shared %v", got, shared)
			}
			if status < 500 && !httpcache.HasToken(h.Values("Vary"), "cookie") && !httpcache.HasToken(h.Values("Vary"), "*") {
				t.Fatalf("personal response without Vary: Cookie: %q", h.Values("Vary"))
			}
		}
		if !shared {
			for name, v := range h {
				if httpcache.KindOf(name) != httpcache.Other {
					t.Fatalf("unshared response keeps %s: %q", name, v)
				}
			}
		}
		if len(got) == 0 {
			t.Fatal("no Cache-Control: left to heuristics")
		}
	})
}

// FuzzNoneMatch checks that If-None-Match parsing never panics and that
// a field made of the tag itself always matches.
func FuzzNoneMatch(f *testing.F) {
	f.Add(`"abc", W/"x"`, `"x"`)
	f.Add(`*`, `"a"`)
	f.Add(`W/`, `W/"q"`)
	f.Fuzz(func(t *testing.T, field, etag string) {
		_ = noneMatch([]string{field}, etag)
		if opaque(etag) != "" && !strings.Contains(etag[1:len(etag)-1], `"`) && !noneMatch([]string{etag}, etag) {
			t.Fatalf("%q does not match itself", etag)
		}
	})
}
