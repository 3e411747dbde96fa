package cachehint

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/fullsession/fullsession/clientsession"
)

// Options configures Middleware. The zero value is usable: no tag
// headers, CDN-Cache-Control, "private, no-cache" for undeclared routes,
// conflicts logged with log/slog.
type Options struct {
	// TagHeaders are the headers that carry the tags given to Tag, for
	// the caches in front of the site: XKey (Varnish, see
	// cachehint/varnish), SurrogateKey (Fastly), CacheTag (Cloudflare),
	// EdgeCacheTag (Akamai). Default: none. Unknown names are logged and
	// ignored.
	TagHeaders []TagHeader

	// CDNHeader is the header that gives shared caches their own
	// lifetime and stale-* directives on public responses. Default:
	// CDN-Cache-Control (RFC 9213).
	CDNHeader CDNHeader

	// Default is what responses of routes without Public, Private or
	// NoStore get. Default: ModePrivate ("private, no-cache"). With
	// ModePublic, DefaultPolicy applies.
	Default Mode
	// DefaultPolicy is the policy of undeclared routes when Default is
	// ModePublic.
	DefaultPolicy Policy

	// OnConflict is told when a response meant to be shared (a Public
	// route, Default ModePublic, or a handler's own public Cache-Control)
	// read the session or set a cookie and was therefore downgraded.
	// pattern is the route pattern (r.Pattern as seen by the route, else
	// the URL path); reason says what happened. Default: log/slog at
	// Error level.
	OnConflict func(r *http.Request, pattern, reason string)

	// Strict makes conflicts, and tags that are not tokens, panic after
	// the headers are made safe. For tests and development.
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
}

func newConfig(o Options) *config {
	c := &config{
		cdnHeader:  http.CanonicalHeaderKey(o.CDNHeader.name()),
		def:        o.Default,
		defPublic:  o.DefaultPolicy.headers(),
		onConflict: o.OnConflict,
		strict:     o.Strict,
	}
	for _, h := range o.TagHeaders {
		if _, ok := tagFormats[h]; !ok {
			slog.Error("cachehint: unknown tag header ignored", "header", string(h))
			continue
		}
		if !containsTagHeader(c.tagHeaders, h) {
			c.tagHeaders = append(c.tagHeaders, h)
		}
	}
	if c.def > ModePublic {
		slog.Error("cachehint: unknown Options.Default; using ModePrivate", "default", c.def.String())
		c.def = ModePrivate
	}
	return c
}

func containsTagHeader(list []TagHeader, h TagHeader) bool {
	for _, v := range list {
		if v == h {
			return true
		}
	}
	return false
}

// Middleware returns a middleware that sets the caching headers of every
// response when its headers are written, by the rules in the package
// documentation. Install it once, before the routes; with clientsession,
// either order works.
//
// Responses whose headers are never written get them when the handler
// returns; a handler that panics gets "no-store" headers in case an outer
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
			*cw = writer{ResponseWriter: w, cfg: c, st: st, req: r, sess: clientsession.FromContext(r.Context())}
			finished := false
			defer func() {
				if !finished {
					cw.commit(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(cw.wrap(), r)
			finished = true
			cw.finish()
		})
	}
}

// report tells OnConflict (or the log) about a downgraded response, and
// panics under Strict.
func (c *config) report(r *http.Request, pattern, reason string) {
	if c.onConflict != nil {
		c.onConflict(r, pattern, reason)
	} else {
		slog.Error("cachehint: cacheable response downgraded", "pattern", pattern, "reason", reason, "path", r.URL.Path)
	}
	if c.strict {
		panic(fmt.Sprintf("cachehint: %s: %s", pattern, reason))
	}
}

// dropTag reports a tag left out of a response, and panics under Strict
// for tags that are not tokens (a programming error).
func (c *config) dropTag(r *http.Request, tag, reason string) {
	slog.Warn("cachehint: tag dropped", "tag", tag, "reason", reason, "path", r.URL.Path)
	if c.strict && !ValidTag(tag) {
		panic(fmt.Sprintf("cachehint: tag %q: %s", tag, reason))
	}
}
