package harness

import (
	"errors"
	"net/http"
	"time"
)

// Store is one session library set up for the benchmarks.
//
// Every method that takes a request must run inside the handler chain built
// by Middleware (for libraries without a middleware, Middleware returns next
// unchanged and the methods do the library's own load and save).
type Store interface {
	// Name is a short lower-case identifier used in benchmark names.
	Name() string
	// Middleware wraps next with the library's session middleware.
	Middleware(next http.Handler) http.Handler
	// Login writes all six keys of s, as a fresh log-in does.
	Login(w http.ResponseWriter, r *http.Request, s Session) error
	// ReadUser reads the "user" and "_auth_user_id" keys. found is false when
	// the request carries no session; a missing session is not an error.
	ReadUser(w http.ResponseWriter, r *http.Request) (u User, uid int, found bool, err error)
	// SetLang changes the "lang" key.
	SetLang(w http.ResponseWriter, r *http.Request, lang string) error
	// Load reads all six keys; found is false when the request carries no
	// session.
	Load(w http.ResponseWriter, r *http.Request) (s Session, found bool, err error)
	// Close releases what the store holds (connections, cleanup goroutines).
	Close() error
}

// MaxAge is the cookie and session lifetime every store is configured with.
const MaxAge = 14 * 24 * time.Hour

// ErrWrongType reports a session value that came back with another type than
// the one stored: a harness bug, never expected.
var ErrWrongType = errors.New("harness: session value has an unexpected type")

// Stores returns the stores in report order: clientsession,
// clientsession-revoker, gorilla, scs-mem and, when redisAddr is not empty,
// scs-redis. The caller must Close each one.
func Stores(redisAddr string) ([]Store, error) {
	cs, err := NewClientSession()
	if err != nil {
		return nil, err
	}
	csr, err := NewClientSessionRevoker()
	if err != nil {
		return nil, err
	}
	stores := []Store{cs, csr, NewGorilla(), NewSCSMemory()}
	if redisAddr != "" {
		r, err := NewSCSRedis(redisAddr, 0)
		if err != nil {
			for _, s := range stores {
				s.Close()
			}
			return nil, err
		}
		stores = append(stores, r)
	}
	return stores, nil
}
