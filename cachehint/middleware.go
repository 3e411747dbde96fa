// Options, Middleware, and how conflicts are reported.

package cachehint

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
)

// Options configures Middleware. The zero value is usable: no tag
// headers, CDN-Cache-Control, "private, no-cache" for undeclared routes,
// conflicts logged with log/slog.
type Options struct {
	// TagHeaders are the headers that carry the tags given to Tag, for
	// the caches in front of the site: XKey (Varnish, see
	// cachehint/varnish), SurrogateKey (Fastly), CacheTag (Cloudflare),
	// EdgeCacheTag (Akamai). Default: none. Middleware panics on a
	// value outside this set; duplicates are ignored.
	TagHeaders []TagHeader

	// CDNHeader is the header that gives shared caches their own
	// lifetime and stale-* directives on public responses. Default:
	// CDN-Cache-Control (RFC 9213). Middleware panics on a value
	// outside the CDNHeader constants.
	CDNHeader CDNHeader

	// Default is what responses of routes without Public, Private or
	// NoStore get. Default: ModePrivate ("private, no-cache"). With
	// ModePublic, DefaultPolicy applies, and undeclared handlers keep
	// the Cookie header (only Public routes hide it): a handler that
	// reads cookies without adding Vary: Cookie would be shared. Middleware
	// panics on a value outside the Mode constants.
	Default Mode
	// DefaultPolicy is the policy of undeclared routes when Default is
	// ModePublic.
	DefaultPolicy Policy

	// OnConflict is told when a response meant to be shared (a Public
	// route, Default ModePublic, or a handler's own public Cache-Control)
	// carried Set-Cookie or "Vary: Cookie" and was therefore downgraded,
	// and, once per Middleware, when a middleware between Middleware and
	// the server added Set-Cookie or "Vary: Cookie" after the caching
	// headers were decided (the session middleware runs outside
	// Middleware; see the package documentation). pattern is the route
	// pattern (r.Pattern as seen by the route, else the URL path); reason
	// says what happened and how to fix it. Default: log/slog at Error
	// level, once per route (pattern, else path) and reason, for up to
	// 1024 of them, then at most one line a minute, so that a busy route
	// or crafted paths never flood the log.
	OnConflict func(r *http.Request, pattern, reason string)

	// Strict makes conflicts (every time, including the wrong order),
	// and tags that are not tokens, panic after the headers are made
	// safe as far as they still can be. For tests and development.
	Strict bool
}

// CDNHeader selects the header that carries shared-cache directives.
type CDNHeader uint8

const (
	// CDNCacheControl sends CDN-Cache-Control (RFC 9213), read by
	// Cloudflare and the VCL in cachehint/varnish. It is the default.
	CDNCacheControl CDNHeader = iota
	// SurrogateControl sends Surrogate-Control, for caches that read it
	// and not CDN-Cache-Control, such as Fastly.
	SurrogateControl
	// NoCDNHeader sends neither, and leaves such headers set by the
	// handler alone on public responses; stale-* directives are then sent
	// only when Policy.SharedMaxAge is zero.
	NoCDNHeader
)

// String returns the header name, or "none" for NoCDNHeader.
func (c CDNHeader) String() string {
	switch c {
	case CDNCacheControl, SurrogateControl:
		return c.name()
	case NoCDNHeader:
		return "none"
	}
	return "CDNHeader(" + strconv.Itoa(int(c)) + ")"
}

// name returns the header name, or "" for NoCDNHeader.
func (c CDNHeader) name() string {
	switch c {
	case CDNCacheControl:
		return "CDN-Cache-Control"
	case SurrogateControl:
		return "Surrogate-Control"
	}
	return ""
}

// config is Options checked once by Middleware.
type config struct {
	tagHeaders []TagHeader
	cdnHeader  string
	def        Mode
	defPublic  policyHeaders
	onConflict func(r *http.Request, pattern, reason string)
	strict     bool
	orderTold  atomic.Bool // the wrong order was reported
	logs       logLimiter  // the default reports
}

// newConfig checks o, and panics on values outside their sets, as chi
// does on a bad route: a misconfiguration is a programming error.
func newConfig(o Options) *config {
	if o.CDNHeader > NoCDNHeader {
		panic("cachehint: invalid Options.CDNHeader " + o.CDNHeader.String())
	}
	if o.Default > ModePublic {
		panic("cachehint: invalid Options.Default " + o.Default.String())
	}
	c := &config{
		cdnHeader:  http.CanonicalHeaderKey(o.CDNHeader.name()),
		def:        o.Default,
		defPublic:  o.DefaultPolicy.headers(),
		onConflict: o.OnConflict,
		strict:     o.Strict,
	}
	for _, h := range o.TagHeaders {
		if _, ok := h.format(); !ok {
			panic("cachehint: invalid Options.TagHeaders value " + h.String())
		}
		if !slices.Contains(c.tagHeaders, h) {
			c.tagHeaders = append(c.tagHeaders, h)
		}
	}
	return c
}

// Middleware returns a middleware that sets the caching headers of every
// response when its headers are written, by the rules in the package
// documentation. Install it once, before the routes and outside
// (before) the session middleware, so that the session's Set-Cookie and
// "Vary: Cookie" are in the headers when cachehint decides:
//
//	r.Use(cachehint.Middleware(o), sessions.Middleware)
//
// The other order is detected when the session middleware adds those
// headers after cachehint decided, and reported once (see
// Options.OnConflict). Middleware panics on invalid Options.
//
// Responses whose headers are never written get them when the handler
// returns (and the session middleware inside has added its own); a handler that panics gets "no-store" headers in case an outer
// middleware answers for it. When Middleware is nested in another
// Middleware, the outer one does the work.
func Middleware(o Options) func(http.Handler) http.Handler {
	c := newConfig(o)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stateFrom(r.Context()) != nil {
				next.ServeHTTP(w, r)
				return
			}
			// One allocation for the request's state and writer.
			rs := &struct {
				st state
				cw writer
			}{st: state{cfg: c, mode: c.def, public: c.defPublic}}
			st, cw := &rs.st, &rs.cw
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
			*cw = writer{ResponseWriter: w, cfg: c, st: st, req: r}
			finished := false
			defer func() {
				if !finished {
					cw.commit(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(cw, r)
			finished = true
			cw.commit(http.StatusOK)
		})
	}
}

// report tells OnConflict (or the log, once per route and reason) about
// a downgraded response, and panics under Strict.
func (c *config) report(r *http.Request, pattern, reason string) {
	if c.onConflict != nil {
		c.onConflict(r, pattern, reason)
	} else {
		logLimited(&c.logs, pattern+"\x00"+reason, slog.LevelError, "cachehint: cacheable response downgraded (logged once per route and reason)",
			"pattern", pattern, "reason", reason, "path", r.URL.Path)
	}
	if c.strict {
		panic(fmt.Sprintf("cachehint: %s: %s", pattern, reason))
	}
}

// dropTag reports a tag left out of a response (logged once per route and
// reason), and panics under Strict for tags that are not tokens (a
// programming error).
func (c *config) dropTag(r *http.Request, pattern, tag, reason string) {
	logLimited(&c.logs, pattern+"\x00tag\x00"+reason, slog.LevelWarn, "cachehint: tag dropped (logged once per route and reason)",
		"tag", shorten(tag), "reason", reason, "pattern", pattern, "path", r.URL.Path)
	if c.strict && !ValidTag(tag) {
		panic(fmt.Sprintf("cachehint: tag %q: %s", tag, reason))
	}
}

// wrongOrder is the report of a middleware that added Set-Cookie or
// Vary: Cookie beneath cachehint after it decided.
const wrongOrder = "%s was added after cachehint set the caching headers, by a middleware between cachehint.Middleware and the server " +
	"(usually the session middleware installed outside cachehint); the response may have gone out storable by shared caches. " +
	"Install cachehint.Middleware outside the session middleware: r.Use(cachehint.Middleware(opts), sessions.Middleware), " +
	"or cachehint.Middleware(opts)(sessions.Middleware(mux))"

// reportOrder reports the wrong order: through OnConflict once per
// Middleware, and with a panic every time under Strict.
func (c *config) reportOrder(r *http.Request, pattern, header string) {
	reason := fmt.Sprintf(wrongOrder, header)
	if c.orderTold.CompareAndSwap(false, true) {
		if c.onConflict != nil {
			c.onConflict(r, pattern, reason)
		} else {
			slog.Error("cachehint: middleware order", "pattern", pattern, "reason", reason, "path", r.URL.Path)
		}
	}
	if c.strict {
		panic(fmt.Sprintf("cachehint: %s: %s", pattern, reason))
	}
}
