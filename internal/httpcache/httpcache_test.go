// Tests of the shared-cache header list, token scanning, Vary merging and
// ForbidShared.
package httpcache_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/fullsession/fullsession/internal/httpcache"
)

// sharedHeaders is every header the issue names, as people spell them.
// Each must be removed by ForbidShared, by name.
var sharedHeaders = []struct {
	name string
	kind httpcache.Kind
}{
	{"CDN-Cache-Control", httpcache.Target},
	{"Surrogate-Control", httpcache.Target},
	{"Cloudflare-CDN-Cache-Control", httpcache.Target},
	{"Fastly-Surrogate-Control", httpcache.Target},
	{"Akamai-Cache-Control", httpcache.Target},
	{"Edge-Control", httpcache.Target},
	{"xkey", httpcache.Tag},
	{"Surrogate-Key", httpcache.Tag},
	{"Cache-Tag", httpcache.Tag},
	{"Edge-Cache-Tag", httpcache.Tag},
	{"Expires", httpcache.Expiry},
}

func TestKindOf(t *testing.T) {
	for _, tc := range sharedHeaders {
		for _, spelling := range []string{tc.name, http.CanonicalHeaderKey(tc.name), "x" + tc.name} {
			want := tc.kind
			if spelling[0] == 'x' && spelling != "xkey" {
				want = httpcache.Other
			}
			if got := httpcache.KindOf(spelling); got != want {
				t.Errorf("KindOf(%q) = %d, want %d", spelling, got, want)
			}
		}
	}
	for _, name := range []string{"Cache-Control", "Vary", "Set-Cookie", "Content-Type", ""} {
		if k := httpcache.KindOf(name); k != httpcache.Other {
			t.Errorf("KindOf(%q) = %d, want Other", name, k)
		}
	}
}

func TestForbidSharedEachHeader(t *testing.T) {
	for _, tc := range sharedHeaders {
		for _, direct := range []bool{false, true} {
			h := http.Header{}
			if direct {
				h[tc.name] = []string{"max-age=86400"} // as spelled, not canonical
			} else {
				h.Set(tc.name, "max-age=86400")
			}
			h.Set("Cache-Control", "public, max-age=86400")
			h.Set("Content-Type", "text/html")
			httpcache.ForbidShared(h)
			for name := range h {
				if httpcache.KindOf(name) != httpcache.Other {
					t.Errorf("%s (direct=%v): %q survived: %v", tc.name, direct, name, h)
				}
			}
			if got := h["Cache-Control"]; !slices.Equal(got, []string{"private, no-store"}) {
				t.Errorf("%s: Cache-Control = %q", tc.name, got)
			}
			if h.Get("Content-Type") != "text/html" {
				t.Errorf("%s: Content-Type lost", tc.name)
			}
		}
	}
}

// TestForbidSharedRedTeam is issue 18's case: vendor-targeted headers with
// a day's lifetime next to a Set-Cookie.
func TestForbidSharedRedTeam(t *testing.T) {
	h := http.Header{}
	h.Add("Set-Cookie", "session.user=x")
	h.Set("Cloudflare-CDN-Cache-Control", "max-age=86400")
	h.Set("Akamai-Cache-Control", "max-age=86400")
	httpcache.ForbidShared(h)
	if len(h) != 2 || h.Get("Cache-Control") != "private, no-store" || h.Get("Set-Cookie") == "" {
		t.Fatalf("headers = %v", h)
	}
}

func TestForbidSharedCacheControl(t *testing.T) {
	for _, tc := range []struct {
		in   map[string][]string
		want []string
	}{
		{nil, []string{"private, no-store"}},
		{map[string][]string{"Cache-Control": {"public, max-age=60"}}, []string{"private, no-store"}},
		{map[string][]string{"Cache-Control": {"no-cache"}}, []string{"private, no-store"}},
		{map[string][]string{"Cache-Control": {"private, max-age=60"}}, []string{"private, max-age=60"}},
		{map[string][]string{"Cache-Control": {"max-age=0", "No-Store"}}, []string{"max-age=0", "No-Store"}},
		// private inside a quoted value is not the directive.
		{map[string][]string{"Cache-Control": {`no-cache="private, x", max-age=60`}}, []string{"private, no-store"}},
		// A second spelling would go out as a second header line.
		{map[string][]string{"Cache-Control": {"private"}, "cache-control": {"public, max-age=60"}}, []string{"private, no-store"}},
	} {
		h := http.Header(tc.in)
		if h == nil {
			h = http.Header{}
		}
		httpcache.ForbidShared(h)
		if got := h["Cache-Control"]; !slices.Equal(got, tc.want) || len(h) != 1 {
			t.Errorf("ForbidShared(%v): %v, want Cache-Control %q", tc.in, h, tc.want)
		}
	}
}

func TestRemoveSharedKinds(t *testing.T) {
	h := http.Header{}
	for _, tc := range sharedHeaders {
		h[tc.name] = []string{"x"}
	}
	h.Set("Cache-Control", "public")
	httpcache.RemoveShared(h, httpcache.Target)
	for name := range h {
		if httpcache.KindOf(name) == httpcache.Target {
			t.Errorf("%s survived", name)
		}
	}
	if len(h) != 6 { // 4 tags, Expires, Cache-Control
		t.Errorf("RemoveShared(Target) removed too much: %v", h)
	}
	httpcache.RemoveShared(h)
	if len(h) != 1 || h.Get("Cache-Control") != "public" {
		t.Errorf("RemoveShared(): %v", h)
	}
}

func TestHasToken(t *testing.T) {
	for _, tc := range []struct {
		values []string
		token  string
		want   bool
	}{
		{nil, "private", false},
		{[]string{"private"}, "private", true},
		{[]string{"public, PRIVATE"}, "private", true},
		{[]string{"public", " private "}, "private", true},
		{[]string{"privatex"}, "private", false},
		{[]string{"max-age=60"}, "max-age", true},
		{[]string{"s-maxage=60"}, "max-age", false},
		{[]string{`no-cache="private"`}, "private", false},
		{[]string{`no-cache="a, private", public`}, "private", false},
		{[]string{`no-cache="a, private", public`}, "public", true},
		{[]string{`x="a\", private", public`}, "private", false},
		{[]string{"Accept-Encoding, Cookie"}, "cookie", true},
		{[]string{",,cookie,"}, "cookie", true},
		// A quote that never closes hides nothing.
		{[]string{`x="unterminated, cookie`}, "cookie", true},
		{[]string{`"`, "Cookie"}, "cookie", true},
		{[]string{`", Cookie`}, "cookie", true},
		{[]string{`a="b\", c`}, "c", true},
		{[]string{`"\`}, "x", false},
		{[]string{`"\, Cookie`}, "cookie", true},
		{[]string{`x="a\,", cookie`}, "cookie", true},
	} {
		if got := httpcache.HasToken(tc.values, tc.token); got != tc.want {
			t.Errorf("HasToken(%q, %q) = %v, want %v", tc.values, tc.token, got, tc.want)
		}
	}
}

func TestAddVary(t *testing.T) {
	for _, tc := range []struct {
		in    []string
		token string
		want  []string
	}{
		{nil, "Cookie", []string{"Cookie"}},
		{nil, "Origin", []string{"Origin"}},
		{[]string{"Accept-Encoding"}, "Cookie", []string{"Accept-Encoding, Cookie"}},
		{[]string{"Accept-Encoding", "Origin"}, "Cookie", []string{"Accept-Encoding, Origin, Cookie"}},
		{[]string{"accept-encoding, cookie"}, "Cookie", []string{"accept-encoding, cookie"}},
		{[]string{"*"}, "Cookie", []string{"*"}},
	} {
		h := http.Header{}
		if tc.in != nil {
			h["Vary"] = slices.Clone(tc.in)
		}
		httpcache.AddVary(h, tc.token)
		if got := h["Vary"]; !slices.Equal(got, tc.want) {
			t.Errorf("AddVary(%q, %q) = %q, want %q", tc.in, tc.token, got, tc.want)
		}
	}
}

// TestSharedSlices checks that the values shared between responses are
// never written through: appending copies them.
func TestSharedSlices(t *testing.T) {
	a, b := http.Header{}, http.Header{}
	httpcache.AddVary(a, "Cookie")
	httpcache.AddVary(b, "Cookie")
	a.Add("Vary", "Origin")
	httpcache.ForbidShared(a)
	httpcache.ForbidShared(b)
	a.Add("Cache-Control", "x")
	if !slices.Equal(b["Vary"], []string{"Cookie"}) || !slices.Equal(b["Cache-Control"], []string{"private, no-store"}) {
		t.Fatalf("shared slice written through: %v", b)
	}
}

func BenchmarkForbidShared(b *testing.B) {
	b.ReportAllocs()
	h := http.Header{"Content-Type": {"text/html"}, "Set-Cookie": {"a=b"}, "Cache-Control": {"public"}}
	for b.Loop() {
		httpcache.ForbidShared(h)
		httpcache.AddVary(h, "Cookie")
		delete(h, "Vary")
		h["Cache-Control"] = []string{"public"}
	}
}

// FuzzAddVary checks that whatever Vary lines a handler set, AddVary
// leaves a Vary that HasToken reads the token in (or "*"), and that
// HasToken never panics.
func FuzzAddVary(f *testing.F) {
	f.Add("Accept-Encoding", "")
	f.Add(`"\`, `x="a, b`)
	f.Add("*", "cookie")
	f.Fuzz(func(t *testing.T, a, b string) {
		h := http.Header{"Vary": {a, b}}
		httpcache.AddVary(h, "Cookie")
		if !httpcache.HasToken(h["Vary"], "Cookie") && !httpcache.HasToken(h["Vary"], "*") {
			t.Fatalf("Vary %q lacks Cookie after AddVary", h["Vary"])
		}
	})
}
