// renew.go holds POST /session/renew, the private endpoint through which the
// page script keeps an active user's login alive on pages served from the
// shared cache, which never read the session and so never renew it.

package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// renewPath is the endpoint century.js calls (static/century.js).
const renewPath = "/session/renew"

// renew reads the login, which is all clientsession needs to renew it: a
// Signed or Private value read with less than half of its idle window left
// is re-sealed in this response with a new last-seen time (its absolute
// expiry stays). The response is private and never stored (a Set-Cookie
// response always is; the route is NoStore besides). A browser whose login
// is gone (idle for too long, revoked, forged) still holds the Signed name
// that cached pages greet it with: it is deleted here, so the script shows
// the page logged out. Otherwise 204: the cookies say the rest.
//
// When the login cannot be checked (the shared revoker is unreachable,
// fleet.go) it fails closed like every signed-in page: 503 with
// Retry-After and the "Sign-in cannot be checked" answer (JSON when the
// client asks for it), nothing renewed and nothing deleted, so the user is
// still signed in once the check works again.
func (s *site) renew(w http.ResponseWriter, r *http.Request) {
	sess := clientsession.From(r)
	_, found, _ := clientsession.Get[int64](sess, authIDKey)
	if s.signInUnavailable(w, r, "keeping you signed in") {
		return
	}
	if found {
		clientsession.Get[userView](sess, userKey) // read, so renewed too
	} else if err := errors.Join(sess.Delete(authIDKey), sess.Delete(userKey)); err != nil {
		// Deleting a key the browser did not send writes nothing.
		s.internalError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// renewEvery is how often, at most, the page script calls renewPath while
// the user is active: a quarter of the idle window (0: never). A call
// leaves the login with at least half the window (renewed, or not yet due),
// so the next call, a quarter later, still finds it valid with a quarter
// left: an active user is never logged out, and each browser renews at
// most once per half window.
func renewEvery(idle time.Duration) time.Duration {
	return idle / 4
}
