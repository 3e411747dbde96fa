// Package cachehint sets the caching headers of every response from what
// the handler did with the session, as the response headers tell it, so
// that public pages stay cacheable by shared caches (Varnish, CDNs) and
// personal ones never leak to another visitor.
//
// The pattern it makes safe: a page such as a property listing is the same
// for everybody and is served from a shared cache; what is personal (the
// visitor's name, their selection) is added in the browser by a script
// that reads the session cookies (package clientsession, jsclient). The
// page handler must then never read the session, and any response that
// does is kept out of shared caches. cachehint enforces that at the moment
// headers are written.
//
// Install Middleware once, declare routes, tag public responses:
//
//	r := chi.NewRouter()
//	r.Use(cachehint.Middleware(cachehint.Options{TagHeaders: []cachehint.TagHeader{cachehint.XKey}}))
//	r.Use(sessions.Middleware) // clientsession, or any session library: inside cachehint
//	r.With(cachehint.Public(cachehint.Policy{MaxAge: time.Minute, SharedMaxAge: time.Hour,
//		StaleWhileRevalidate: 30 * time.Second, StaleIfError: 24 * time.Hour})).Get("/properties/{id}", property)
//	r.With(cachehint.Private()).Get("/selection", selection)
//	r.With(cachehint.NoStore()).Get("/account", account)
//
//	func property(w http.ResponseWriter, r *http.Request) {
//		cachehint.Tag(r, "property-"+chi.URLParam(r, "id"))
//		...
//	}
//
// and purge by tag when the data changes, with a Purger such as
// VarnishPurger. ETag adds entity tags and 304 answers to dynamic handlers.
//
// # Rules
//
// The rules apply when the response headers are written (first
// WriteHeader, Write, ReadFrom, Flush or Hijack, or when the handler
// returns), to the headers as they are then, first matching row wins:
//
//	| response                            | what cachehint sends                               |
//	|-------------------------------------|----------------------------------------------------|
//	| 5xx                                 | no-store; CDN and tag headers removed; Vary:       |
//	|                                     |   Cookie kept (added if Set-Cookie)                |
//	| any Set-Cookie, from the session    | private, no-store; Vary: Cookie; CDN headers,      |
//	|   library or anyone else            |   tag headers and Expires removed                  |
//	| Vary: Cookie (the session library   | private, no-cache (private, no-store on a NoStore  |
//	|   says the handler read or wrote    |   route); CDN headers, tag headers and Expires     |
//	|   the session)                      |   removed                                          |
//	| public route with Set-Cookie or     | downgraded as in the two rows above; OnConflict    |
//	|   Vary: Cookie                      |   is told the route pattern and the reason; Strict |
//	|                                     |   panics (tests, development)                      |
//	| handler set its own Cache-Control   | kept; tags added if shared caches may store the    |
//	|                                     |   response, CDN and tag headers removed if it says |
//	|                                     |   private or no-store                              |
//	| public route, Authorization sent    | private, no-cache (RFC 9111 §3.5)                  |
//	| public route, no Set-Cookie, no     | Cache-Control: public, max-age=M, s-maxage=S;      |
//	|   Vary: Cookie                      |   CDN-Cache-Control: max-age=S,                    |
//	|                                     |   stale-while-revalidate=W, stale-if-error=E;      |
//	|                                     |   tag headers; no Vary: Cookie                     |
//	| Private route                       | private, no-cache                                  |
//	| NoStore route                       | no-store                                           |
//	| undeclared route, session untouched | Options.Default: private, no-cache unless          |
//	|                                     |   configured otherwise; never left to heuristics   |
//	|                                     |   (Varnish caches 120 s by default)                |
//	| 304                                 | the same caching headers the 200 would carry       |
//	|                                     |   (same rules, same handler run; see ETag)         |
//
// "CDN headers" are every header aimed at shared caches: CDN-Cache-Control,
// Surrogate-Control, Cloudflare-CDN-Cache-Control, Fastly-Surrogate-Control,
// Akamai-Cache-Control and Edge-Control; "tag headers" are xkey,
// Surrogate-Key, Cache-Tag and Edge-Cache-Tag, configured or not. All are
// matched whatever their spelling. clientsession removes the same list
// from its own Set-Cookie responses. On a public route, the handler's
// request has no Cookie header (see below).
//
// A public route answers other methods than GET and HEAD as an undeclared
// one would (or "private, no-cache" when the default is public). Vary is
// always merged, never overwritten, so a compressing middleware's
// "Vary: Accept-Encoding" survives whichever side of cachehint it runs.
//
// # CDN-Cache-Control, not stale-* next to s-maxage
//
// s-maxage implies proxy-revalidate for shared caches (RFC 9111
// §5.2.2.10), so "s-maxage=3600, stale-while-revalidate=30" contradicts
// itself on paper. cachehint therefore sends stale-while-revalidate and
// stale-if-error in Cache-Control only when there is no s-maxage, and gives
// shared caches their own lifetime and stale windows in CDN-Cache-Control
// (RFC 9213), which a cache that reads it applies instead of Cache-Control.
// Cloudflare reads it, and so does the shipped VCL (it sets Varnish's ttl
// and grace from it). A cache that does not read it still finds its
// lifetime in s-maxage, and only loses the stale windows.
//
// CDN-Cache-Control is the default over Surrogate-Control because it is a
// published standard and because, in Varnish's builtin VCL, a
// Surrogate-Control header makes Cache-Control: private be ignored.
// Fastly reads Surrogate-Control (and not CDN-Cache-Control): choose it
// with Options.CDNHeader for a Fastly deployment. Responses that shared
// caches must not store lose every such header, whichever was chosen.
//
// # How cachehint knows what the handler did with the session
//
// From the response headers alone: Set-Cookie from anyone, and "Vary:
// Cookie", which clientsession merges in whenever the handler read or
// wrote the session. cachehint imports no session package, so it works in
// front of any session library that says so in the headers:
//
//   - clientsession: Vary: Cookie when the session was read or written,
//     Set-Cookie (with private, no-store) when it was written.
//   - alexedwards/scs: LoadAndSave adds Vary: Cookie to every response it
//     wraps, read or not, so install it only on the routes that use the
//     session (a chi Group, or wrap those handlers); around a public route
//     it downgrades every response, and cachehint reports that.
//   - gorilla/sessions, or a handler that calls r.Cookie itself: nothing
//     tells cachehint about a read. On a Public route the handler gets no
//     Cookie header (below), so such a read finds nothing; elsewhere the
//     handler must add "Vary: Cookie" or run on a Private route. Writes
//     send Set-Cookie and are always seen.
//
// On GET and HEAD, Public removes the Cookie header from the request that
// reaches the handler (a shallow copy; nothing is restored): a public page
// cannot depend on cookies by construction. This matters behind the
// shipped VCL, which forwards the first visitor's cookies on a miss and
// shares the answer. Middlewares further out keep the cookies: a session
// library that parsed them there still answers the handler, and tells
// cachehint through Vary: Cookie.
//
// # Order: cachehint outside the session middleware
//
// Install Middleware outside (before) the session middleware, so that the
// session's writer adds its headers before cachehint's decides:
//
//	r.Use(cachehint.Middleware(opts), sessions.Middleware) // chi
//	h := cachehint.Middleware(opts)(sessions.Middleware(mux)) // net/http
//
// In the other order, the session's headers are added after cachehint
// decided, and a page can go out public with Vary: Cookie, which some CDNs
// ignore. cachehint detects it after the first call that sends the
// headers: a Set-Cookie or Vary: Cookie that appeared beneath it meanwhile
// was added by a middleware between it and the server. It reports that
// once per Middleware through OnConflict, with the fix; Strict panics on
// every such response. A response whose headers are sent only when the
// handler returns (nothing written) is not checked.
//
// Reading or writing the session after the headers went out (from a
// template, after the first Write) is the session library's to report:
// clientsession does so through its Options.OnLateUse. cachehint does not
// look again when the handler returns.
//
// cachehint's writer implements Flush, FlushError, Hijack, ReadFrom,
// SetReadDeadline, SetWriteDeadline and EnableFullDuplex itself, applying
// the rules before anything is sent and delegating through
// http.NewResponseController, so a caller that reaches it through an
// Unwrap-only wrapper cannot get past it. Where the writer beneath lacks
// one, the call returns an error wrapping http.ErrNotSupported.
//
// Route declarations record the route in a per-request state that
// Middleware puts in the context. A route that declares a policy without
// Middleware further out logs an error on its first request and is served
// through a Middleware with zero Options, so the gate still holds (without
// tag headers).
//
// # Tags
//
// Tags are RFC 9110 tokens (ValidTag), so they mean the same in every tag
// header; other tags are dropped and logged (Strict panics). Each tag header
// has its own separators and limits (see TagHeader); tags beyond a limit are
// left out of that header only, and logged. Tags go out only on responses
// that shared caches may store.
//
// # Why the VCL is only safe with the origin gate
//
// cachehint/varnish/default.vcl lets requests that carry cookies look up
// the cache, and hashes without cookies: a stored page is served to every
// visitor, whatever their cookies. On a miss, Varnish sends the first
// visitor's session cookies to the origin and stores the answer for
// everybody. That is safe only if every response that depends on those
// cookies says so. The VCL trusts the origin for that: private, no-store,
// no-cache, Vary: Cookie or Set-Cookie make a response uncacheable
// (hit-for-miss), and so does a response without any freshness
// information. It cannot see a page that was built from the session but
// claims to be public; that is cachehint's job at the origin, which marks
// every response that read the session, set a cookie, or belongs to an
// undeclared route. Without cachehint (or with a handler that bypasses it)
// the VCL would store one visitor's page and serve it to the next: the kind
// of failure that showed account pages to other users on Steam at
// Christmas 2015. Deploy this VCL only in front of an origin whose every
// route runs through cachehint.Middleware.
//
// The VCL drops cookies whose names do not start with the session prefix
// (edit the line marked CONFIGURE if clientsession's Options.Prefix is
// not "session."; other cookies the application needs must be renamed or
// added to that line) and keeps the others in their order, duplicates
// included, accepts PURGE (xkey) and BAN only on its dedicated "purge"
// listener, from localhost, with a shared secret when one is configured,
// and only for a list of valid tags; it never uses Varnish's default_ttl,
// and adds an X-Cache header (HIT, MISS or PASS). cachehint/varnish embeds
// it as DefaultVCL and documents how to run it.
//
// # Purges that reach every cache and survive failures
//
// VarnishPurger purges one Varnish; MultiPurger fans out to several (each
// node of a fleet, a CDN) and reports every failure, each naming its
// target. A purge that fails must not be dropped, or a changed price stays
// stale for the page's shared max-age. Put a PurgeQueue in front:
//
//	q := cachehint.NewPurgeQueue(cachehint.MultiPurger(node1, node2), cachehint.PurgeQueueOptions{})
//	go q.Run(ctx)
//	defer q.Flush(shutdownCtx)
//	...
//	q.Enqueue("property-42") // after the change is committed
//
// Enqueue never waits for the network. The queue merges duplicate tags,
// batches them, and retries each target on its own with exponential
// backoff and jitter; a tag leaves the queue only once every target has
// confirmed it, so a Varnish that was down gets every purge when it
// returns, and Pending says how many tags are still owed.
//
// The queue lives in memory. To survive a crash of the process, use a
// transactional outbox (PurgeOutbox): in the same database transaction as
// the data change, insert a row (tag, written_at); after the commit, call
// Enqueue. When Run starts, Outbox.Load returns the rows left over, which
// are enqueued again; once every target has confirmed tags, the queue calls
// Outbox.Confirmed(tags, sent), and the application deletes the rows of
// those tags written before sent. A crash between the commit and the purge
// then costs a late purge, never a lost one; a crash after the purge but
// before the delete costs one needless purge.
package cachehint
