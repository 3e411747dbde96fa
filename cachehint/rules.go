package cachehint

import (
	"net/http"
	"strings"
)

// facts are what the rules look at, gathered when headers are written.
type facts struct {
	status        int
	method        string
	authorization bool // the request carries Authorization
	mode          Mode
	public        policyHeaders // the route's (or default) public headers
	sessionRead   bool          // clientsession: the handler read or wrote the session
	sessionWrote  bool          // clientsession: session Set-Cookie headers will be sent
	tags          []string
}

// targetedHeaders give shared caches their own directives. A response
// that shared caches must not store loses all of them, since each would
// override Cache-Control: private at the cache that reads it. Each is
// listed in canonical form and as usually spelled, for handlers that set
// the header map directly.
var targetedHeaders = []string{
	"Cdn-Cache-Control", "CDN-Cache-Control",
	"Surrogate-Control",
	"Cloudflare-Cdn-Cache-Control", "Cloudflare-CDN-Cache-Control",
	"Akamai-Cache-Control",
}

// apply rewrites the caching headers of h by the rules of the package
// documentation. It reports whether the response may be stored by shared
// caches, and, when a response meant to be shared was downgraded, why.
func (c *config) apply(h http.Header, f facts, drop func(tag, reason string)) (shared bool, conflict string) {
	setCookie := f.sessionWrote || len(h["Set-Cookie"]) > 0
	varyCookie := headerHasToken(h["Vary"], "cookie")
	read := f.sessionRead || varyCookie
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
	// handler's own Cache-Control lets shared caches store it. (With
	// clientsession inside cachehint, a session Set-Cookie comes with
	// clientsession's own "private, no-store", so only the route counts.)
	ownShared := ownSet && !headerHasToken(own, "private") && !headerHasToken(own, "no-store")
	meantShared := mode == ModePublic || ownShared

	switch {
	case f.status >= 500:
		// An error page must not replace a good page in any cache.
		h.Set("Cache-Control", "no-store")
		removeShared(h)
		if setCookie || read {
			addVary(h, "Cookie")
		}
		return false, ""

	case setCookie:
		h.Set("Cache-Control", "private, no-store")
		addVary(h, "Cookie")
		removeShared(h)
		if meantShared {
			conflict = "the response sets a cookie"
			if f.sessionWrote {
				conflict = "the handler wrote the session (Set-Cookie)"
			}
		}
		return false, conflict

	case read:
		v := "private, no-cache"
		if mode == ModeNoStore || headerHasToken(own, "no-store") {
			v = "private, no-store"
		}
		h.Set("Cache-Control", v)
		addVary(h, "Cookie")
		removeShared(h)
		if meantShared {
			conflict = "the response varies on Cookie"
			if f.sessionRead {
				conflict = "the handler read the session"
			}
		}
		return false, conflict

	case ownSet:
		// The handler chose its own Cache-Control for a response that
		// depends on no cookie: keep it, and tag it if it is shared.
		if !ownShared {
			removeShared(h)
			return false, ""
		}
		c.writeTags(h, f.tags, drop)
		return true, ""

	case mode == ModePublic && f.authorization:
		// RFC 9111 §3.5: "public" would let shared caches store a
		// response to an authenticated request for everybody.
		h.Set("Cache-Control", "private, no-cache")
		removeShared(h)
		return false, ""

	case mode == ModePublic:
		h["Cache-Control"] = []string{f.public.cc}
		if name := c.cdnHeader; name != "" {
			removeTargeted(h)
			h[name] = []string{f.public.cdn}
		}
		c.writeTags(h, f.tags, drop)
		return true, ""

	case mode == ModeNoStore:
		h.Set("Cache-Control", "no-store")
		removeShared(h)
		return false, ""

	default:
		h.Set("Cache-Control", "private, no-cache")
		removeShared(h)
		return false, ""
	}
}

func (c *config) writeTags(h http.Header, tags []string, drop func(tag, reason string)) {
	if len(tags) == 0 {
		return
	}
	for _, name := range c.tagHeaders {
		f := tagFormats[name]
		f.write(h, f.key, string(name), tags, drop)
	}
}

// removeShared removes everything that speaks to shared caches only:
// targeted Cache-Control headers, tag headers and Expires (which Cache-Control
// overrides anyway, but HTTP/1.0 caches read).
func removeShared(h http.Header) {
	removeTargeted(h)
	for _, name := range tagHeaderNames {
		delete(h, name)
	}
	delete(h, "Expires")
}

func removeTargeted(h http.Header) {
	for _, name := range targetedHeaders {
		delete(h, name)
	}
}

// headerHasToken reports whether the comma-separated list in values has
// token (case-insensitive), ignoring any "=value" part of its items.
func headerHasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var item string
			item, v, _ = strings.Cut(v, ",")
			item = strings.TrimSpace(item)
			if name, _, _ := strings.Cut(item, "="); strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// addVary merges token into the Vary header without dropping what others
// (such as compression middlewares) put there. Several Vary lines are
// folded into one, since some caches read only the first.
func addVary(h http.Header, token string) {
	vs := h["Vary"]
	if headerHasToken(vs, token) || headerHasToken(vs, "*") {
		return
	}
	if len(vs) == 0 {
		h["Vary"] = []string{token}
		return
	}
	h["Vary"] = []string{strings.Join(vs, ", ") + ", " + token}
}
