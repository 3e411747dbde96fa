// session.go holds the session key schema, the session manager and who the
// current user is. Every session key the site uses is declared here.

package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// The session keys, one cookie each:
//   - _auth_user_id, Private by its leading "_" (sealed, HttpOnly): who is
//     logged in. Written by POST /login, read by the server only, revoked
//     by POST /logout.
//   - user, Signed (newManager): {"surname","name"}, written by POST /login.
//     Page scripts read it for the greeting; they cannot forge it.
//   - selection, Public: a JSON array of property ids, written by the page
//     script or by POST /selection/toggle. Untrusted (selection.go).
//   - flash, Public: a message for the next page ("Welcome back, Ann"),
//     written by a POST before its redirect. The server never reads it: the
//     page script pops it (reads and removes it) and shows it as text, so
//     it works on cached pages and shows exactly once.
const (
	authIDKey    = "_auth_user_id"
	userKey      = "user"
	selectionKey = "selection" // see selection.go
	flashKey     = "flash"
)

// flashMaxAge is how long a flash waits for a page script to show it. A
// browser without scripts never pops it: the cookie then goes away soon,
// instead of showing an old message weeks later.
const flashMaxAge = 5 * time.Minute

// setFlash leaves msg for the next page the browser shows.
func setFlash(sess *clientsession.Session, msg string) error {
	return sess.SetWith(flashKey, msg, clientsession.SetOptions{MaxAge: flashMaxAge})
}

// sessionMaxAge is how long session cookies live. Revocations are kept as
// long: after that, every value issued before them has expired anyway.
const sessionMaxAge = 14 * 24 * time.Hour

// newManager configures the sessions: "user" is Signed so page scripts can
// read the name but not forge it; keys starting with "_" are Private by
// default; "selection" is Public so the page script can write it. Signed and
// Private values of a user who logged out are void (revoker, keyed by
// _auth_user_id); nil revoker: none. The cookie names are the library's
// defaults: "session.<key>" over plain HTTP (insecure), "__Host-session.<key>"
// over HTTPS, which pins them to this host (no cookie tossing from sibling
// subdomains). idle is the idle timeout of the login (0: none): the
// Signed and Private values then read as absent after idle without a
// request that reads them, and such a request renews them (renew.go).
func newManager(keys [][]byte, insecure bool, idle time.Duration, revoker clientsession.Revoker, log *slog.Logger) (*clientsession.Manager, error) {
	o := clientsession.Options{
		Keys:        keys,
		Insecure:    insecure,
		IdleTimeout: idle,
		MaxAge:      sessionMaxAge,
		Protection:  map[string]clientsession.Protection{userKey: clientsession.Signed},
		Revoker:     revoker,
		SubjectKey:  authIDKey,
		OnInvalid: func(r *http.Request, key string, err error) {
			if noteRevokerFailure(r, err) {
				return // redisrevoke logs its outage once (fleet.go)
			}
			log.InfoContext(r.Context(), "invalid session cookie ignored", "key", key, "err", err)
		},
	}
	m, err := clientsession.New(o)
	if err != nil {
		return nil, fmt.Errorf("century: %w", err)
	}
	return m, nil
}

// userView is the Signed "user" session value: what page scripts may show.
type userView struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

// currentUser returns the Signed "user" value of a logged-in session, or
// nil. Who is logged in is decided by the Private _auth_user_id, the key
// logout revokes: a "user" cookie without a valid one (copied, or kept
// from before a logout) is a name to show, not a login.
func currentUser(sess *clientsession.Session) *userView {
	if _, found, err := clientsession.Get[int64](sess, authIDKey); !found || err != nil {
		return nil
	}
	u, found, err := clientsession.Get[userView](sess, userKey)
	if !found || err != nil || u.Name == "" {
		return nil
	}
	return &u
}

// demoUser is an account of the demo site. The password of every demo
// account is "demo": the site shows sessions, not account management.
type demoUser struct {
	ID      int64
	Login   string
	Surname string
	Name    string
}

var demoUsers = []demoUser{
	{1, "ann", "Le Gall", "Ann"},
	{2, "bruno", "Martin", "Bruno"},
	{3, "chloe", "Dubois-Marchand", "Chloé"},
	{4, "zoe", "N'Diaye", "Zoë"},
}

var demoPasswordHash = sha256.Sum256([]byte("demo"))

// authenticate returns the account of users with this login and password,
// in time that does not depend on how much of the password matched.
func authenticate(users []demoUser, login, password string) (demoUser, bool) {
	h := sha256.Sum256([]byte(password))
	okPassword := subtle.ConstantTimeCompare(h[:], demoPasswordHash[:]) == 1
	for _, u := range users {
		if u.Login == login && okPassword {
			return u, true
		}
	}
	return demoUser{}, false
}
