// The rules: how a response's caching headers are set from its facts.

package cachehint

import (
	"net/http"
	"strings"

	"github.com/fullsession/fullsession/internal/httpcache"
)

// facts are what the rules look at, gathered when headers are written.
type facts struct {
	status        int
	method        string
	authorization bool // the request carries Authorization
	mode          Mode
	public        policyHeaders // the route's (or default) public headers
	tags          []string
}

// apply rewrites the caching headers of h by the rules of the package
// documentation. It reports whether the response may be stored by shared
// caches, and, when a response meant to be shared was downgraded, why.
func (c *config) apply(h http.Header, f facts, drop func(tag, reason string)) (shared bool, conflict string) {
	setCookie := hasSetCookie(h)
	read := httpcache.HasToken(h["Vary"], "Cookie")
	own, ownSet := h["Cache-Control"], len(h["Cache-Control"]) > 0
	mode := f.mode
	if mode == ModePublic && f.method != http.MethodGet && f.method != http.MethodHead {
		mode = ModePrivate
		if c.def == ModeNoStore {
			mode = ModeNoStore
		}
	}
	// Whether the response would have been shared without the session,
	// for conflict reports: the route (or default) is public, or the
	// handler's own Cache-Control lets shared caches store it. (A session
	// Set-Cookie from clientsession comes with its own "private,
	// no-store", so then only the route counts.)
	// A Cache-Control that only restricts (scs's no-cache="Set-Cookie")
	// asks for nothing, so it is no conflict.
	ownShared := ownSet && !httpcache.HasToken(own, "private") && !httpcache.HasToken(own, "no-store")
	ownAsks := ownShared && (httpcache.HasToken(own, "public") || httpcache.HasToken(own, "s-maxage") || httpcache.HasToken(own, "max-age"))
	meantShared := mode == ModePublic || ownAsks

	switch {
	case f.status >= 500:
		// An error page must not replace a good page in any cache.
		h.Set("Cache-Control", "no-store")
		httpcache.RemoveShared(h)
		if setCookie || read {
			httpcache.AddVary(h, "Cookie")
		}
		return false, ""

	case setCookie:
		h.Set("Cache-Control", "private, no-store")
		httpcache.AddVary(h, "Cookie")
		httpcache.RemoveShared(h)
		if meantShared {
			conflict = "the response sets a cookie (Set-Cookie: the handler wrote the session, or set a cookie)"
		}
		return false, conflict

	case read:
		v := "private, no-cache"
		if mode == ModeNoStore || httpcache.HasToken(own, "no-store") {
			v = "private, no-store"
		}
		h.Set("Cache-Control", v)
		httpcache.AddVary(h, "Cookie")
		httpcache.RemoveShared(h)
		if meantShared {
			conflict = "the response varies on Cookie (Vary: Cookie: the handler read the session, or said it depends on cookies)"
		}
		return false, conflict

	case ownSet:
		// The handler chose its own Cache-Control for a response that
		// depends on no cookie: keep it, and tag it if it is shared.
		if !ownShared {
			httpcache.RemoveShared(h)
			return false, ""
		}
		c.writeTags(h, f.tags, drop)
		return true, ""

	case mode == ModePublic && f.authorization:
		// RFC 9111 §3.5: "public" would let shared caches store a
		// response to an authenticated request for everybody.
		h.Set("Cache-Control", "private, no-cache")
		httpcache.RemoveShared(h)
		return false, ""

	case mode == ModePublic:
		h["Cache-Control"] = []string{f.public.cc}
		if name := c.cdnHeader; name != "" {
			httpcache.RemoveShared(h, httpcache.Target)
			h[name] = []string{f.public.cdn}
		}
		c.writeTags(h, f.tags, drop)
		return true, ""

	case mode == ModeNoStore:
		h.Set("Cache-Control", "no-store")
		httpcache.RemoveShared(h)
		return false, ""

	default:
		h.Set("Cache-Control", "private, no-cache")
		httpcache.RemoveShared(h)
		return false, ""
	}
}

func (c *config) writeTags(h http.Header, tags []string, drop func(tag, reason string)) {
	if len(tags) == 0 {
		return
	}
	for _, t := range c.tagHeaders {
		tagFormats[t].write(h, tags, drop)
	}
}

// hasSetCookie reports whether h sets a cookie, under any spelling of
// the header name (a handler may set the map directly).
func hasSetCookie(h http.Header) bool {
	if len(h["Set-Cookie"]) > 0 {
		return true
	}
	for k, v := range h {
		if len(v) > 0 && len(k) == len("Set-Cookie") && strings.EqualFold(k, "Set-Cookie") {
			return true
		}
	}
	return false
}
