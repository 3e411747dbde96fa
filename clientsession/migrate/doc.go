// Package migrate moves a site's users from gorilla/sessions or scs to
// clientsession without logging anyone out or losing a cart.
//
// Install the migrator inside the clientsession middleware, with a Mapping
// that says where each old value goes:
//
//	mapping := migrate.Mapping{
//		Manager: m, // the *clientsession.Manager: checks the Protections below
//		Keys: map[string]migrate.Key{
//			"user_id": {To: "_auth_user_id", Protection: clientsession.Private},
//			"name":    {To: "user", Protection: clientsession.Signed},
//			"cart":    {Convert: cartToJSON}, // same name, Public by the default rule
//		},
//		OnResult: func(r *http.Request, res migrate.Result) { metrics.Record(res) },
//	}
//	h := m.Middleware(migrate.FromGorilla(store, "app", mapping)(router))
//	// or: h := m.Middleware(migrate.FromSCS(sessionManager, mapping)(router))
//
// A request that carries the old cookie and none of the new keys is
// migrated before the handler runs: the old session is decoded by the
// site's own store (its keys, codecs, gob registrations and server-side
// storage), each mapped value is written with Session.Set, and the old
// session is removed in the same response: the cookie expired, a
// FilesystemStore file or an scs store entry deleted so that the token
// cannot be replayed. The handler sees the new keys at once. Later requests
// carry only clientsession cookies. Requests without the old cookie pass
// straight through and allocate nothing.
//
// Nothing about the old data can fail a request. An old cookie that does not
// decode (wrong key, expired, tampered, a token the store does not know) is
// expired and counted in Result.Undecodable, and it is not logged, since it
// is attacker-controlled. A value that does not fit (over the cookie size
// limit, or its Convert fails) is dropped and the key named in the log; the
// rest migrate. Old keys the Mapping does not name are dropped and counted.
// If the old store itself fails (Redis down), nothing is removed and the
// next request tries again.
//
// Parallel first requests with the same old cookie (a page and its assets)
// all get the session: each process remembers a migrated cookie for
// Mapping.Grace (5 s), and a copy of the old cookie sent to the same process
// within that window still migrates.
//
// # Moving from gorilla/sessions or scs, step by step
//
//  1. Add clientsession with the keys you map to (Options.Protection for
//     the Signed ones), and install the migrator inside m.Middleware as
//     above. Keep the old store's configuration exactly as it was: its keys,
//     gob.Register calls, FilesystemStore path or scs Store.
//  2. Rolling deploys, where old and new instances serve side by side for a
//     while: deploy first with Mapping.KeepOld set, so that the old cookie
//     and its server-side entry stay for the old instances. Once every
//     instance runs the new code, deploy again without KeepOld: requests
//     that carry both are then only cleaned up. Changes an old instance makes
//     to the old session after a user's first visit to a new instance are
//     not carried over, so keep that window short (or sticky).
//  3. Keep the migrator installed for the old sessions' lifetime: the
//     gorilla store's MaxAge (30 days by default) or scs's Lifetime (and
//     IdleTimeout), counted from the last deploy with KeepOld.
//     Result (through OnResult) shows the migrations tapering off.
//  4. Remove the migrator, the old store and its keys. A user who comes back
//     later with an old cookie is then simply logged out.
//
// The migrator lives in its own module so that clientsession itself does not
// depend on gorilla/sessions or scs.
package migrate
