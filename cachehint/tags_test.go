// Tests of tag validation, the tag header formats and Options checks.

package cachehint

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

var validTagTests = []struct {
	tag  string
	want bool
}{
	{"property-42", true},
	{"a", true},
	{"!#$%&'*+-.^_`|~09AZaz", true},
	{"", false},
	{"has space", false},
	{"a,b", false},
	{`"q"`, false},
	{"a:b", false},
	{"a/b", false},
	{"tab\t", false},
	{"é", false},
	{"a\x00", false},
}

func TestValidTag(t *testing.T) {
	for _, tc := range validTagTests {
		if got := ValidTag(tc.tag); got != tc.want {
			t.Errorf("ValidTag(%q) = %v, want %v", tc.tag, got, tc.want)
		}
	}
}

func makeTags(n, size int) []string {
	tags := make([]string, n)
	for i := range tags {
		s := fmt.Sprintf("t%d-", i)
		tags[i] = s + strings.Repeat("x", size-len(s))
	}
	return tags
}

func writeFormat(h TagHeader, tags []string) (http.Header, []string) {
	hdr := http.Header{}
	var dropped []string
	tagFormats[h].write(hdr, tags, func(tag, reason string) {
		if !strings.HasPrefix(reason, h.String()+": ") {
			panic("reason does not name the header: " + reason)
		}
		dropped = append(dropped, tag)
	})
	return hdr, dropped
}

func TestTagFormats(t *testing.T) {
	t.Run("separators", func(t *testing.T) {
		for h, want := range map[TagHeader]string{XKey: "a b c", SurrogateKey: "a b c", CacheTag: "a,b,c", EdgeCacheTag: "a,b,c"} {
			hdr, dropped := writeFormat(h, []string{"a", "b", "c"})
			if got := strings.Join(hdr.Values(h.String()), "|"); got != want || len(dropped) != 0 {
				t.Errorf("%s = %q (dropped %q), want %q", h, got, dropped, want)
			}
		}
	})
	t.Run("Edge-Cache-Tag limits", func(t *testing.T) {
		tags := append(makeTags(130, 10), strings.Repeat("y", 129), strings.Repeat("z", 128))
		hdr, dropped := writeFormat(EdgeCacheTag, tags)
		vals := hdr.Values("Edge-Cache-Tag")
		if len(vals) != 1 {
			t.Fatalf("%d header lines, want 1 (Akamai reads only the first)", len(vals))
		}
		got := strings.Split(vals[0], ",")
		if len(got) != 128 {
			t.Errorf("%d tags, want 128", len(got))
		}
		if len(dropped) != 4 { // 2 over the count, the 129-char tag, and the 128-char one over the count
			t.Errorf("dropped %d: %q", len(dropped), dropped)
		}
		for _, tag := range got {
			if len(tag) > 128 {
				t.Errorf("tag of %d chars", len(tag))
			}
		}
	})
	t.Run("Edge-Cache-Tag 128 chars accepted", func(t *testing.T) {
		hdr, dropped := writeFormat(EdgeCacheTag, []string{strings.Repeat("z", 128), strings.Repeat("y", 129)})
		if hdr.Get("Edge-Cache-Tag") != strings.Repeat("z", 128) || len(dropped) != 1 {
			t.Errorf("got %q, dropped %q", hdr.Get("Edge-Cache-Tag"), dropped)
		}
	})
	for _, h := range []TagHeader{SurrogateKey, CacheTag} {
		t.Run(h.String()+" limits", func(t *testing.T) {
			tags := append([]string{strings.Repeat("k", 1025)}, makeTags(40, 1000)...)
			hdr, dropped := writeFormat(h, tags)
			vals := hdr.Values(h.String())
			if len(vals) != 1 {
				t.Fatalf("%d lines", len(vals))
			}
			if len(vals[0]) > 16384 {
				t.Errorf("header of %d bytes", len(vals[0]))
			}
			if len(dropped) == 0 || dropped[0] != tags[0] {
				t.Errorf("the 1025-byte tag was not dropped: %d dropped", len(dropped))
			}
			kept := strings.Count(vals[0], tagFormats[h].sep) + 1
			if kept+len(dropped) != len(tags) || kept != 16 {
				t.Errorf("kept %d + dropped %d of %d, want 16 kept", kept, len(dropped), len(tags))
			}
		})
	}
	t.Run("xkey splits lines", func(t *testing.T) {
		tags := makeTags(50, 200)
		hdr, dropped := writeFormat(XKey, tags)
		vals := hdr.Values("Xkey")
		if len(dropped) != 0 || len(vals) < 3 {
			t.Fatalf("%d lines, dropped %d", len(vals), len(dropped))
		}
		var all []string
		for _, v := range vals {
			if len(v) > 4096 {
				t.Errorf("line of %d bytes", len(v))
			}
			all = append(all, strings.Fields(v)...)
		}
		if strings.Join(all, " ") != strings.Join(tags, " ") {
			t.Error("tags lost or reordered across lines")
		}
	})
	t.Run("none", func(t *testing.T) {
		hdr, _ := writeFormat(XKey, nil)
		if _, ok := hdr["Xkey"]; ok {
			t.Error("empty header written")
		}
	})
}

func TestPolicyHeaders(t *testing.T) {
	for _, tc := range []struct {
		p       Policy
		cc, cdn string
	}{
		{Policy{MaxAge: time.Minute, SharedMaxAge: time.Hour, StaleWhileRevalidate: 30 * time.Second, StaleIfError: 24 * time.Hour},
			"public, max-age=60, s-maxage=3600", "max-age=3600, stale-while-revalidate=30, stale-if-error=86400"},
		// Without s-maxage, stale-* do not contradict anything.
		{Policy{MaxAge: time.Minute, StaleWhileRevalidate: 30 * time.Second},
			"public, max-age=60, stale-while-revalidate=30", "max-age=60, stale-while-revalidate=30"},
		{Policy{}, "public, max-age=0", "max-age=0"},
		{Policy{MaxAge: -time.Second, SharedMaxAge: 1500 * time.Millisecond, StaleIfError: 500 * time.Millisecond},
			"public, max-age=0, s-maxage=1", "max-age=1"},
	} {
		if got := tc.p.cacheControl(); got != tc.cc {
			t.Errorf("%+v: Cache-Control %q, want %q", tc.p, got, tc.cc)
		}
		if got := tc.p.cdnControl(); got != tc.cdn {
			t.Errorf("%+v: CDN-Cache-Control %q, want %q", tc.p, got, tc.cdn)
		}
	}
}

func TestNoCDNHeader(t *testing.T) {
	c := newConfig(Options{CDNHeader: NoCDNHeader})
	h := http.Header{"Surrogate-Control": {"max-age=9"}}
	shared, _ := c.apply(h, facts{status: 200, method: "GET", mode: ModePublic,
		public: Policy{MaxAge: time.Minute, SharedMaxAge: time.Hour, StaleWhileRevalidate: time.Minute}.headers()}, nil)
	if !shared || h.Get("Cache-Control") != "public, max-age=60, s-maxage=3600" {
		t.Errorf("shared %v, Cache-Control %q", shared, h.Get("Cache-Control"))
	}
	// NoCDNHeader: cachehint adds none and leaves the handler's alone.
	if h.Get("CDN-Cache-Control") != "" || h.Get("Surrogate-Control") != "max-age=9" {
		t.Errorf("CDN headers: %v", h)
	}
}

// TestInvalidOptionsPanic checks that Options outside their closed sets
// panic at construction, naming the field, and that duplicates are
// folded.
func TestInvalidOptionsPanic(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{TagHeaders: []TagHeader{XKey, TagHeader(9)}}, "TagHeaders value TagHeader(9)"},
		{Options{TagHeaders: []TagHeader{0}}, "TagHeader(0)"},
		{Options{Default: Mode(9)}, "Options.Default Mode(9)"},
		{Options{CDNHeader: CDNHeader(7)}, "Options.CDNHeader CDNHeader(7)"},
	} {
		func() {
			defer func() {
				if p := fmt.Sprint(recover()); !strings.Contains(p, tc.want) {
					t.Errorf("newConfig(%+v) panicked with %q, want %q", tc.o, p, tc.want)
				}
			}()
			Middleware(tc.o)
		}()
	}
	c := newConfig(Options{TagHeaders: []TagHeader{XKey, CacheTag, XKey}})
	if !slices.Equal(c.tagHeaders, []TagHeader{XKey, CacheTag}) {
		t.Errorf("tag headers %v", c.tagHeaders)
	}
	for m, s := range map[fmt.Stringer]string{Mode(9): "Mode(9)", ModePublic: "public", XKey: "xkey",
		EdgeCacheTag: "Edge-Cache-Tag", NoCDNHeader: "none", SurrogateControl: "Surrogate-Control"} {
		if m.String() != s {
			t.Errorf("String() = %q, want %q", m.String(), s)
		}
	}
}
