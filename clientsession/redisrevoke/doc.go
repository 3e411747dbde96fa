// Package redisrevoke is a [clientsession.Revoker] shared through Redis: a
// logout on one server voids the user's copied cookies on every server.
//
//	rv, err := redisrevoke.New(redisrevoke.Options{
//		URL:    "redis://127.0.0.1:6379/0",
//		MaxAge: 24 * time.Hour, // the Manager's MaxAge
//	})
//	m, err := clientsession.New(clientsession.Options{Keys: keys, MaxAge: 24 * time.Hour, Revoker: rv})
//	// at logout:
//	if err := rv.Revoke(r.Context(), userID, time.Now()); err != nil {
//		// not recorded: do not say "logged out everywhere"
//	}
//
// # How it works
//
// Revoke stores the revocation time, in Unix milliseconds, at the key
// Prefix+subject, with a TTL of MaxAge: after that every value issued
// before it has expired anyway, so Redis memory stays bounded by one
// MaxAge of logouts. A later revocation is never replaced by an earlier one.
//
// NotBefore runs on every request that reads a Signed or Private key, so it
// must not cost a network round trip. It reads through the client-side
// cache of [github.com/redis/rueidis]: the first lookup of a subject asks
// Redis and enables RESP3 CLIENT TRACKING for the key; later lookups are
// answered from this process's memory, including "not revoked" for a
// subject that was never revoked. When any server changes the key, Redis
// pushes an invalidation on the same connection and the next lookup asks
// again. The cache is bound to that connection: when it breaks,
// invalidations may have been missed, so the whole cache is dropped and
// every subject is asked again after reconnecting. Entries also expire
// after Options.CacheTTL, and the least recently used go first beyond
// Options.CacheSize.
//
// Redis 6 or later is needed, and the data should be persisted (RDB or
// AOF): a Redis that restarts empty forgets the revocations it held.
//
// # Outages
//
// When Redis cannot be reached, NotBefore fails with an error wrapping
// [ErrUnavailable] and clientsession fails closed: every Signed and Private
// value of a session that names a subject reads as absent, so signed-in
// users look signed out until Redis is back; nothing is deleted, and the
// next request after the return sees their session again. One error is
// logged when the outage starts and one line when it ends. During an
// outage one lookup every 100 ms probes Redis; the others fail at once
// rather than wait. A connection that goes silent instead of breaking (a
// network partition) is given up within about three times Options.Timeout, found
// by a PING; until then the cache answers, and a revocation made meanwhile
// through another server is not yet seen by this one.
//
// [Options.FailOpenFor] trades strictness for availability: for that long
// after an outage starts, NotBefore answers "not revoked", so users stay
// signed in, and so do stolen cookies of users who logged out elsewhere.
//
// Revoke fails during an outage; the caller must then not claim the user's
// other sessions were closed.
//
// No reconnect or restart is needed when Redis comes back: the next
// lookup, at most 100 ms later, reconnects, and revocations made meanwhile
// through other servers are seen.
package redisrevoke
