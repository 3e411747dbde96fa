// Route declarations (Public, Private, NoStore), their Policy and Mode,
// and Tag.

package cachehint

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Policy is the caching policy of a public route: how long browsers and
// shared caches may reuse its responses. Durations are sent in whole
// seconds; negative durations count as zero.
type Policy struct {
	// MaxAge is how long browsers may reuse a response (max-age). Shared
	// caches use it too when SharedMaxAge is zero.
	MaxAge time.Duration
	// SharedMaxAge is how long shared caches may reuse a response:
	// s-maxage in Cache-Control and max-age in the CDN header. Optional.
	SharedMaxAge time.Duration
	// StaleWhileRevalidate is how long a cache may serve a stale response
	// while it fetches a fresh one in the background. Optional.
	StaleWhileRevalidate time.Duration
	// StaleIfError is how long a cache may serve a stale response when the
	// origin fails. Optional.
	StaleIfError time.Duration
}

// Mode is what a route's responses get when nothing personal happened.
type Mode uint8

const (
	// ModePrivate sends "private, no-cache": browsers may keep the
	// response but must revalidate it, shared caches must not store it.
	// It is the zero value, so the default for undeclared routes.
	ModePrivate Mode = iota
	// ModeNoStore sends "no-store": nobody may store the response.
	ModeNoStore
	// ModePublic sends the route's Policy to browsers and shared caches,
	// with the response's tags.
	ModePublic
)

// String returns "private", "no-store" or "public".
func (m Mode) String() string {
	switch m {
	case ModePrivate:
		return "private"
	case ModeNoStore:
		return "no-store"
	case ModePublic:
		return "public"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Public is a route middleware that declares the route's responses
// cacheable by browsers and shared caches under p, as long as they carry
// no Set-Cookie and no "Vary: Cookie" (which clientsession adds whenever
// the handler reads or writes the session); if they do, the response is
// downgraded and Options.OnConflict is told. It applies to GET and HEAD;
// other methods get the default of Options.Default, or ModePrivate when
// that default is ModePublic.
//
// On GET and HEAD, the request that reaches the handler has no Cookie
// header: a public page cannot depend on cookies, whatever session
// library or r.Cookie call the handler uses. Middlewares further out
// (clientsession.Middleware) still see the cookies; what the handler
// reads through them is reported by the Vary: Cookie they add.
//
// Route declarations need Middleware further out. Without it, the first
// request logs an error (log/slog) and the route is served through a
// Middleware with zero Options, so the gate still holds.
func Public(p Policy) func(http.Handler) http.Handler {
	return declare(ModePublic, p, "Public")
}

// Private is a route middleware that declares the route's responses
// personal: "private, no-cache". See Public for what happens without
// Middleware.
func Private() func(http.Handler) http.Handler {
	return declare(ModePrivate, Policy{}, "Private")
}

// NoStore is a route middleware that declares the route's responses
// unstorable anywhere: "no-store". See Public for what happens without
// Middleware.
func NoStore() func(http.Handler) http.Handler {
	return declare(ModeNoStore, Policy{}, "NoStore")
}

// Tag adds surrogate keys (tags) to the response of r, for purging by tag
// (see Purger). Tags are sent in the headers chosen by Options.TagHeaders,
// and only on responses that shared caches may store.
//
// A tag must be an RFC 9110 token (see ValidTag); other tags are dropped
// and logged, and Options.Strict makes Tag panic on them. Tags added after
// the response headers were sent are dropped and logged. Drops are logged
// as conflicts are by default (once per route and reason, bounded), with
// the tag cut to 64 bytes. Without
// Middleware, Tag does nothing but log an error once.
func Tag(r *http.Request, tags ...string) {
	st := stateFrom(r.Context())
	if st == nil {
		missingOnce.Do(func() {
			slog.Error("cachehint: Tag called without cachehint.Middleware; tags are ignored", "path", r.URL.Path)
		})
		return
	}
	st.addTags(r, tags)
}

var missingOnce sync.Once

// declare returns the route middleware for m and p. The header values and
// the fallback for a missing Middleware are built once per route.
func declare(m Mode, p Policy, name string) func(http.Handler) http.Handler {
	ph := p.headers()
	return func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stateFrom(r.Context()).declare(m, ph, r)
			if m == ModePublic {
				r = withoutCookies(r)
			}
			next.ServeHTTP(w, r)
		})
		var once sync.Once
		fallback := Middleware(Options{})(inner)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stateFrom(r.Context()) != nil {
				inner.ServeHTTP(w, r)
				return
			}
			once.Do(func() {
				slog.Error("cachehint: route declares "+name+"() but cachehint.Middleware is not installed further out; serving it through a default Middleware (no tag headers)",
					"pattern", patternOf(r, nil))
			})
			fallback.ServeHTTP(w, r)
		})
	}
}

// withoutCookies returns r, for GET and HEAD without its Cookie header: a
// shallow copy with a copy of the header, so that middlewares further out
// keep theirs. Nothing is restored afterwards.
func withoutCookies(r *http.Request) *http.Request {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return r
	}
	if _, ok := r.Header["Cookie"]; !ok {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = make(http.Header, len(r.Header)-1)
	for k, v := range r.Header {
		if k != "Cookie" {
			r2.Header[k] = v
		}
	}
	return r2
}
