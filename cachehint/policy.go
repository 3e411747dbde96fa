package cachehint

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fullsession/fullsession/clientsession"
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
// cacheable by browsers and shared caches under p, as long as the handler
// neither reads the session nor sets a cookie; if it does, the response is
// downgraded and Options.OnConflict is told. It applies to GET and HEAD;
// other methods get the default of Options.Default, or ModePrivate when
// that default is ModePublic.
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
// the response headers were sent are dropped and logged. Without
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

// state is what cachehint knows about one request: the route's
// declaration, its tags, and the session the handler sees. Route
// middlewares and Tag fill it in; the writer reads it when headers are sent.
type state struct {
	cfg *config

	mu        sync.Mutex
	mode      Mode
	public    policyHeaders // for ModePublic
	declared  bool
	pattern   string
	sess      *clientsession.Session
	tags      []string
	committed bool
}

type ctxKey struct{}

func (ctxKey) String() string { return "cachehint state" }

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(ctxKey{}).(*state)
	return st
}

// observe records what only the routed request knows: its pattern, and
// the session when clientsession runs inside Middleware.
func (st *state) observe(r *http.Request) {
	if r.Pattern != "" {
		st.pattern = r.Pattern
	}
	if s := clientsession.FromContext(r.Context()); s != nil {
		st.sess = s
	}
}

func (st *state) declare(m Mode, ph policyHeaders, r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.mode, st.public, st.declared = m, ph, true
	st.observe(r)
}

func (st *state) addTags(r *http.Request, tags []string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.observe(r)
	for _, t := range tags {
		switch {
		case !ValidTag(t):
			st.cfg.dropTag(r, t, "not an RFC 9110 token")
		case st.committed:
			st.cfg.dropTag(r, t, "added after the response headers were sent")
		case !containsString(st.tags, t):
			st.tags = append(st.tags, t)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// declare returns the route middleware for m and p. The header values and
// the fallback for a missing Middleware are built once per route.
func declare(m Mode, p Policy, name string) func(http.Handler) http.Handler {
	ph := p.headers()
	return func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stateFrom(r.Context()).declare(m, ph, r)
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

// patternOf returns the route pattern for reports: what a route middleware
// saw, else r.Pattern (Go ServeMux; chi v5.1+ sets it too), else the path.
func patternOf(r *http.Request, st *state) string {
	if st != nil && st.pattern != "" {
		return st.pattern
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.URL.Path
}

// seconds formats d for a Cache-Control directive.
func seconds(d time.Duration) string {
	if d < time.Second {
		return "0"
	}
	return strconv.FormatInt(int64(d/time.Second), 10)
}

// policyHeaders are the header values of a public response under a
// Policy, computed once per route.
type policyHeaders struct {
	cc  string // Cache-Control
	cdn string // CDN-Cache-Control or Surrogate-Control
}

func (p Policy) headers() policyHeaders {
	return policyHeaders{cc: p.cacheControl(), cdn: p.cdnControl()}
}

// cacheControl returns the Cache-Control value of a public response.
// stale-* directives go here only when there is no s-maxage: s-maxage
// implies proxy-revalidate for shared caches (RFC 9111 §5.2.2.10), which
// forbids serving stale.
func (p Policy) cacheControl() string {
	var b strings.Builder
	b.WriteString("public, max-age=")
	b.WriteString(seconds(p.MaxAge))
	if p.SharedMaxAge > 0 {
		b.WriteString(", s-maxage=")
		b.WriteString(seconds(p.SharedMaxAge))
		return b.String()
	}
	p.writeStale(&b)
	return b.String()
}

// cdnControl returns the value of the CDN header (CDN-Cache-Control or
// Surrogate-Control): the shared lifetime and the stale-* windows, which
// a CDN that reads it applies instead of Cache-Control (RFC 9213).
func (p Policy) cdnControl() string {
	var b strings.Builder
	b.WriteString("max-age=")
	if p.SharedMaxAge > 0 {
		b.WriteString(seconds(p.SharedMaxAge))
	} else {
		b.WriteString(seconds(p.MaxAge))
	}
	p.writeStale(&b)
	return b.String()
}

func (p Policy) writeStale(b *strings.Builder) {
	if p.StaleWhileRevalidate >= time.Second {
		b.WriteString(", stale-while-revalidate=")
		b.WriteString(seconds(p.StaleWhileRevalidate))
	}
	if p.StaleIfError >= time.Second {
		b.WriteString(", stale-if-error=")
		b.WriteString(seconds(p.StaleIfError))
	}
}
