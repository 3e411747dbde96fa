// Package clientsession keeps a web session wholly in the browser, one
// cookie per session key, so that pages served from a shared cache can still
// be personalised by page scripts (see package jsclient).
//
// Create a [Manager] once, install its middleware, and use the request's
// [Session] in handlers:
//
//	keys, err := clientsession.ParseKeys(os.Getenv("SESSION_KEYS")) // hex or base64, 32+ bytes each
//	m, err := clientsession.New(clientsession.Options{
//		Keys:       keys,
//		Protection: map[string]clientsession.Protection{"user": clientsession.Signed},
//	})
//	r := chi.NewRouter()
//	r.Use(m.Middleware)
//	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
//		s := clientsession.From(r)
//		u, found, err := clientsession.Get[User](s, "user")
//		...
//		err = s.Set("lang", "fr")
//	})
//
// Each key has a [Protection]: Public keys are plain JSON that page scripts
// read and write; Signed keys are readable by scripts but any change made
// outside the server makes them read as absent; Private keys (by default,
// keys starting with "_") are sealed with XChaCha20-Poly1305 and HttpOnly.
// The wire format is specified, with test vectors, in FORMAT.md.
//
// Only what the handler reads is decoded, and only what it changes is
// written: a request that does not touch the session costs a few
// allocations, and an unchanged key sends no Set-Cookie.
//
// Beyond Get, Set and Delete: [Session.Pop] reads and deletes in one call
// (flash messages); [Session.SetWith] gives one write its own lifetime, or
// makes a browser-session cookie; [Session.Renew] re-issues the Signed and
// Private values at a change of privilege; Options.IdleTimeout ages out
// values left unused; Options.Partitioned writes CHIPS cookies for sites
// embedded in third-party frames. Generate secrets with
// `go run github.com/fullsession/fullsession/cmd/fullsession-keygen` and
// read them with [ParseKeys].
//
// # Commit point
//
// Changes are turned into Set-Cookie headers when the response headers are
// sent: at the first WriteHeader (1xx responses other than 101 pass
// through), Write, ReadFrom or Flush, or when the handler returns. A Set,
// Delete or Clear after that, or after a Hijack, returns
// [ErrHeadersWritten]: nothing is lost silently. A read after the headers
// went out without Vary: Cookie (a template reading the session after its
// first Write) finds nothing, since a shared cache may store that response
// for everyone. Such late use is reported through Options.OnLateUse, which
// logs once per route by default. The response writer
// implements every method of http.ResponseController itself (Flush,
// Hijack, the deadlines, EnableFullDuplex) and delegates through one, so
// no route to the server's writer skips the commit, even past an
// Unwrap-only wrapper. It advertises Flusher and Hijacker when a writer
// down the Unwrap chain has them, and ReaderFrom when the writer beneath
// has it, so server-sent events, websockets and sendfile work.
//
// # Caching
//
// When the handler read or wrote the session, "Cookie" is merged into the
// Vary header. A response that sets session cookies is made unstorable by
// every shared cache, with or without package cachehint: Cache-Control
// becomes "private, no-store" unless it already says private or no-store,
// and the headers that speak to shared caches over Cache-Control's head
// are removed: CDN-Cache-Control, Surrogate-Control,
// Cloudflare-CDN-Cache-Control, Fastly-Surrogate-Control,
// Akamai-Cache-Control, Edge-Control, the tag headers (xkey,
// Surrogate-Key, Cache-Tag, Edge-Cache-Tag) and Expires.
//
// # Idle timeout and cached pages
//
// With Options.IdleTimeout, a Signed or Private value is renewed only by a
// request whose handler reads it. Pages served from a shared cache never
// reach the server, and public routes do not read the session, so they do
// not renew: a user who only reads cached pages is logged out after
// IdleTimeout. A site renews from its page script through a tiny private
// endpoint that reads the idle-timed keys (say POST /session/renew,
// answering 204), rate-limited per client, which the script calls while
// the user is active, at most every IdleTimeout/4: each call leaves the
// value at least half its window, so the next one finds it still valid.
// The script cannot see the sealed last-seen time; it keeps the time of its
// own last call. examples/century does this (renew.go, static/century.js).
//
// # Security
//
// Keys derive their MAC and AEAD sub-keys with HKDF-SHA256. Signed and
// Private values carry an expiry, an issue time and a last-seen time under
// their MAC or seal, are bound to their cookie name, and have exactly one
// accepted spelling. Setting Options.SubjectKey is a login: every Signed and
// Private value is then bound to it, so values of two logins never mix (a
// revoked user's value next to another user's subject reads as absent).
// Rotation: put the new secret first in Options.Keys; a value read under an
// older key is re-sealed in the same response with its original expiry.
// Public values are user input: validate them. Cookies are Secure and
// SameSite=Lax by default, named "__Host-session.<key>", so that neither a
// sibling subdomain nor a plain-HTTP page can plant (toss) one; with
// Insecure, for plain-HTTP development, they are "session.<key>" and can
// be tossed. Deleting a session on the server does not end it: a copied
// Signed or Private cookie stays valid until it expires, unless
// Options.Revoker voids it (to the
// millisecond; [Session.Renew] keeps the current browser signed in) or
// Options.IdleTimeout ages it out. Bad cookies never fail a request: the
// key reads as absent and Options.OnInvalid is told (by default, one log
// line per request at most). A request's Cookie header is read up to its
// 200th cookie (browsers keep about 180 per site; the rest of a flood is
// ignored). Only the valid values of keys the application uses (declared
// in Options.Protection, the subject key, or read in the request) count
// toward Options.MaxTotalSize: when a Set needs room, junk session cookies
// (unknown keys, invalid values) are deleted in the same response. For websocket upgraders that write their own
// 101 response, pass [Session.PendingCookies] as its headers.
//
// # Compatibility
//
// Public values are encoded exactly as js-cookie 3 encodes them, so
// JSON.parse(Cookies.get(name)) reads what Go wrote and Go reads
// Cookies.set(name, JSON.stringify(v)). Cookie names are Prefix+key, with
// keys made of A-Z a-z 0-9 _ - . (1 to 64 bytes).
package clientsession

//go:generate go test -run ^TestVectors$ -update
