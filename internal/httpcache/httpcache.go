// Package httpcache holds what clientsession and cachehint share about HTTP
// caching: the one list of response headers that speak to shared caches,
// Cache-Control and Vary token scanning, Vary merging, and ForbidShared,
// which makes a response unstorable by every shared cache in that list.
//
// Both packages decide from response headers alone, so they must agree on
// these; keeping them here keeps them from drifting apart.
package httpcache

import (
	"net/http"
	"strings"
)

// Targeted are the headers, in canonical form, that give shared caches
// their own caching directives in place of Cache-Control. Each one would
// override "Cache-Control: private" at the cache that reads it.
//
//   - CDN-Cache-Control: RFC 9213, read by Cloudflare and the VCL in
//     cachehint/varnish
//   - Surrogate-Control: Fastly, Akamai, Varnish's builtin VCL
//   - Cloudflare-CDN-Cache-Control: Cloudflare only (RFC 9213 §2.1 form)
//   - Fastly-Surrogate-Control: Fastly only
//   - Akamai-Cache-Control: Akamai only
//   - Edge-Control: Akamai's older form
var Targeted = [...]string{
	"Cdn-Cache-Control",
	"Surrogate-Control",
	"Cloudflare-Cdn-Cache-Control",
	"Fastly-Surrogate-Control",
	"Akamai-Cache-Control",
	"Edge-Control",
}

// Tags are the headers, in canonical form, that carry tags (surrogate
// keys) to shared caches for purging: xkey (Varnish), Surrogate-Key
// (Fastly), Cache-Tag (Cloudflare), Edge-Cache-Tag (Akamai).
var Tags = [...]string{"Xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag"}

// Kind says what a response header is to shared caches.
type Kind uint8

const (
	Other  Kind = iota // not a shared-cache header
	Target             // one of Targeted
	Tag                // one of Tags
	Expiry             // Expires, which HTTP/1.0 caches read
)

// KindOf returns the Kind of the header called name, compared
// case-insensitively, since handlers may set the header map directly
// with any spelling ("CDN-Cache-Control", "xkey").
func KindOf(name string) Kind {
	for _, t := range Targeted {
		if len(name) == len(t) && strings.EqualFold(name, t) {
			return Target
		}
	}
	for _, t := range Tags {
		if len(name) == len(t) && strings.EqualFold(name, t) {
			return Tag
		}
	}
	if len(name) == len("Expires") && strings.EqualFold(name, "Expires") {
		return Expiry
	}
	return Other
}

// RemoveShared removes from h every header of a Kind in kinds, whatever
// its spelling. With no kinds it removes all of them: Targeted, Tags and
// Expires.
func RemoveShared(h http.Header, kinds ...Kind) {
	for name := range h {
		k := KindOf(name)
		if k == Other {
			continue
		}
		if len(kinds) == 0 || containsKind(kinds, k) {
			delete(h, name)
		}
	}
}

func containsKind(list []Kind, k Kind) bool {
	for _, v := range list {
		if v == k {
			return true
		}
	}
	return false
}

// ForbidShared makes the response with headers h unstorable by every
// shared cache (RFC 9111 §3.5, §5.2.2.7): it removes every Targeted and
// Tags header and Expires, and keeps a Cache-Control that already says
// private or no-store, replacing any other with "private, no-store".
// Cache-Control keys not in canonical form (set directly on the map) are
// folded into that decision and removed.
func ForbidShared(h http.Header) {
	keep := HasToken(h["Cache-Control"], "private") || HasToken(h["Cache-Control"], "no-store")
	for name := range h {
		switch {
		case name == "Cache-Control":
		case KindOf(name) != Other:
			delete(h, name)
		case strings.EqualFold(name, "Cache-Control"):
			// A second, oddly spelled Cache-Control would go out too;
			// only the canonical one is kept.
			keep = false
			delete(h, name)
		}
	}
	if !keep {
		h["Cache-Control"] = privateNoStore[:1:1]
	}
}

// privateNoStore and varyCookie are shared by every response that gets
// exactly that header value, to save an allocation per request. Capacity
// 1 makes any append (Header.Add) copy them; Header.Set and Del replace
// them. Nothing in net/http writes into a header's slice in place.
var (
	privateNoStore = []string{"private, no-store"}
	varyCookie     = []string{"Cookie"}
)

// HasToken reports whether the comma-separated lists in values (the lines
// of one header, such as Cache-Control or Vary) hold an item named token,
// compared case-insensitively. An item's "=value" part is ignored, and
// commas inside a quoted value (no-cache="Set-Cookie, X") do not split
// items.
func HasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var item string
			item, v = nextItem(v)
			name, _, _ := strings.Cut(item, "=")
			if strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// nextItem returns the first item of the comma-separated list s and the
// rest after its comma. A comma inside a quoted string (RFC 9110 §5.6.4,
// with backslash escapes) belongs to the item. A quote that never closes
// quotes nothing: the item ends at the next comma, so that a malformed
// value cannot hide the items after it (a cache that does not parse
// quotes, as for Vary, would see them).
func nextItem(s string) (item, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:]
		}
	}
	if i := strings.IndexByte(s, ','); quoted && i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// AddVary merges token into the Vary header of h, keeping what others
// put there (a compressing middleware adds Accept-Encoding). Nothing is
// added when Vary already has token or "*". Several Vary lines are folded
// into one, since some caches read only the first.
func AddVary(h http.Header, token string) {
	vs := h["Vary"]
	if HasToken(vs, token) || HasToken(vs, "*") {
		return
	}
	switch {
	case len(vs) > 0:
		h["Vary"] = []string{strings.Join(vs, ", ") + ", " + token}
	case token == "Cookie":
		h["Vary"] = varyCookie[:1:1]
	default:
		h["Vary"] = []string{token}
	}
}
