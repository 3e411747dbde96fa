package clientsession

import (
	"net/http"
	"strings"
)

// varyCookie is shared by every response that had no Vary, to save an
// allocation per request. Capacity 1 makes any append (Header.Add) copy
// it; Header.Set and Del replace it. Nothing in net/http writes into a
// header's slice in place.
var varyCookie = []string{"Cookie"}

// addVaryCookie merges "Cookie" into the Vary header, keeping what other
// middlewares put there (compression adds Accept-Encoding). Several Vary
// lines are folded into one, since some caches read only the first.
func addVaryCookie(h http.Header) {
	vs := h["Vary"]
	for _, v := range vs {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	if len(vs) == 0 {
		h["Vary"] = varyCookie[:1:1]
		return
	}
	h["Vary"] = []string{strings.Join(vs, ", ") + ", Cookie"}
}

// forbidSharedCaching makes a response that sets session cookies unstorable
// by shared caches (RFC 9111 §3.5, §5.2.2.7): a cache that stored it would
// hand one user's cookie to the next. A Cache-Control that already says
// private or no-store is kept; anything else is replaced, and CDN-specific
// directives, which would override it at the edge, are removed.
func forbidSharedCaching(h http.Header) {
	h.Del("CDN-Cache-Control")
	h.Del("Surrogate-Control")
	for _, v := range h["Cache-Control"] {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "private" || d == "no-store" {
				return
			}
		}
	}
	h.Set("Cache-Control", "private, no-store")
}
