// site.go assembles the site: its router, the middlewares in their order,
// and the routes with their cache policy.

package main

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/jsclient"
)

// siteConfig is what the site needs to serve requests.
type siteConfig struct {
	Store    *Store
	Sessions *clientsession.Manager
	// Revoker is the one Sessions was configured with (newManager): logout
	// records the user's revocation in it. Nil: logout only deletes the
	// cookies, and a copy taken before stays valid until it expires.
	Revoker *clientsession.MemoryRevoker
	// Users are the accounts that can log in; nil means demoUsers.
	Users []demoUser
	Log   *slog.Logger
	// TrustedProxies are the CIDRs of proxies whose X-Forwarded-For is
	// believed for rate limiting; empty: the TCP peer is the client.
	TrustedProxies []string
	// LoginLimit, SelectionLimit and RenewLimit are POSTs allowed per
	// client IP and minute; zero means the defaults (10, 60 and 30). An
	// IPv6 client counts by its /64, which one subscriber usually holds.
	LoginLimit, SelectionLimit, RenewLimit int
	// AccountLimit is failed logins allowed per username and minute, from
	// any address; zero means 5. It stops a password guesser that spreads
	// over many addresses, while successful logins are never counted.
	AccountLimit int
	// IdleTimeout is the one Sessions was configured with (newManager):
	// pages tell the page script to renew the login every quarter of it
	// (renew.go). Zero: no renewals from the script.
	IdleTimeout time.Duration
	// Shared, when set, records logouts for every instance (-redis) instead
	// of Revoker; its Revoke can fail, and logout then says so (fleet.go).
	Shared sharedRevoker
	// Ready, when set, is checked by /healthz after the database: Redis.
	Ready func(context.Context) error
	// Strict makes cachehint panic when a public route touches the
	// session: for tests.
	Strict bool
	// Purging says that changed properties are purged from the shared
	// cache (-varnish). Without it, requests that came through a shared
	// cache make the site warn, at most once an hour (cache.go).
	Purging bool
}

// site serves the pages.
type site struct {
	store     *Store
	sessions  *clientsession.Manager
	revoker   *clientsession.MemoryRevoker // may be nil
	shared    sharedRevoker                // may be nil
	ready     func(context.Context) error  // may be nil
	users     []demoUser
	log       *slog.Logger
	tmpl      templates
	scriptURL string
	js        *jsclient.Module // the session module, with the Manager's settings
	renewMs   int64            // how often the page script renews, in ms; 0: never
	failures  *loginFailures   // failed logins per account (failures.go)
}

// newSite returns the site's handler.
func newSite(c siteConfig) (http.Handler, error) {
	if c.Store == nil || c.Sessions == nil {
		return nil, errors.New("century: site needs a store and a session manager")
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &site{
		store:    c.Store,
		sessions: c.Sessions,
		revoker:  c.Revoker,
		shared:   c.Shared,
		ready:    c.Ready,
		users:    c.Users,
		log:      logger(c.Log),
		tmpl:     tmpl,
		renewMs:  renewEvery(c.IdleTimeout).Milliseconds(),
		failures: newLoginFailures(cmp.Or(c.AccountLimit, 5)),
	}
	s.js = jsclient.New(s.sessions, jsclient.Options{})
	s.scriptURL = s.js.URL()
	if s.users == nil {
		s.users = demoUsers
	}
	return s.routes(c), nil
}

func (s *site) routes(c siteConfig) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(s.accessLog)
	r.Use(clientIP(c.TrustedProxies))
	if !c.Purging {
		r.Use(warnUnpurged(s.log, time.Hour))
	}
	// HEAD is answered by the GET routes (monitoring, curl -I).
	r.Use(middleware.GetHead)
	// The one documented order: cachehint OUTSIDE the session middleware.
	// cachehint decides the caching headers from the response headers the
	// session middleware leaves (Set-Cookie, Vary: Cookie) and the route's
	// declaration, so it must see the response after the session committed.
	r.Use(cachehint.Middleware(cacheOptions(s.log, c.Strict)))
	r.Use(watchSignInChecks) // fleet.go: tells an unreachable revoker from a signed-out visitor
	r.Use(c.Sessions.Middleware)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "There is no page here.")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusMethodNotAllowed, "This page does not accept "+r.Method+".")
	})

	// Shared pages (public.go): the same bytes for every user, personalised
	// by the page script. These handlers never touch the session.
	// ETag lets browsers revalidate (max-age=0) with a 304.
	r.With(cachehint.Public(searchPolicy), cachehint.ETag).Get("/", s.search)
	r.With(cachehint.Public(propertyPolicy), cachehint.ETag).Get("/properties/{id}", s.property)
	r.With(cachehint.Public(picturePolicy), cachehint.ETag).Get("/pictures/{id}.svg", s.picture)
	r.With(cachehint.Public(staticPolicy)).Handle("/static/*",
		http.StripPrefix("/static/", http.FileServerFS(staticFiles())))
	r.Handle(s.js.Path()+"*", s.js)

	// Pages for one user (private.go).
	r.With(cachehint.Private()).Get("/selection", s.selectionPage)
	r.With(cachehint.Private()).Get("/login", s.loginPage)
	r.With(cachehint.NoStore()).Get("/healthz", s.healthz)

	// State changes: every POST is checked by CrossOriginProtection (on the
	// whole router) and the session-changing ones are rate-limited per IP.
	login := limitByIP(cmp.Or(c.LoginLimit, 10), s.tooMany)
	sel := limitByIP(cmp.Or(c.SelectionLimit, 60), s.tooMany)
	// A browser calls renewPath once per quarter idle window at most
	// (century.js); 30 a minute leaves room for many behind one address.
	renew := limitByIP(cmp.Or(c.RenewLimit, 30), s.tooMany)
	r.Group(func(r chi.Router) {
		r.Use(cachehint.NoStore())
		r.With(login).Post("/login", s.login)
		r.Post("/logout", s.logout)
		r.With(sel).Post("/selection/toggle", s.toggle)
		r.With(renew).Post(renewPath, s.renew)
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.fail(w, r, http.StatusForbidden, "This request came from another site and was refused.")
	}))
	return cop.Handler(r)
}

// clientIP records the client address for the rate limiters: the TCP peer,
// or, from a trusted proxy, the address it appended to X-Forwarded-For.
func clientIP(trusted []string) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	return middleware.ClientIPFromXFF(trusted...)
}

// limitByIP allows n requests per client IP and minute; IPv6 clients count
// by their /64. A request whose client IP is unknown shares one bucket with
// all such requests (fail closed).
func limitByIP(n int, tooMany http.HandlerFunc) func(http.Handler) http.Handler {
	return httprate.LimitBy(n, time.Minute, func(r *http.Request) (string, error) {
		return rateKey(middleware.GetClientIP(r.Context())), nil
	}, httprate.WithLimitHandler(tooMany))
}

// rateKey is the rate-limit bucket of a client address: the IPv4 address,
// or the /64 of an IPv6 one (a subscriber gets a whole /64 and can pick any
// address in it).
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return httprate.CanonicalizeIP(ip)
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// logName cuts an untrusted username to at most 64 bytes of valid UTF-8,
// for logs and rate-limit keys.
func logName(name string) string {
	const max = 64
	if len(name) > max {
		name = name[:max]
	}
	return strings.ToValidUTF8(name, "")
}

func (s *site) tooMany(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusTooManyRequests, "Too many attempts from your address. Wait a minute and try again.")
}

// accessLog logs one structured line per request.
func (s *site) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.RequestURI()),
			slog.Int("status", ww.Status()),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("took", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}
