// scs.go holds FromSCS: sessions of github.com/alexedwards/scs/v2, read
// from the site's own store and destroyed once migrated.

package migrate

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// FromSCS returns a middleware that moves the scs session of sm (its token
// cookie, its Store and its Codec) into the request's clientsession.Session.
// Install it inside Manager.Middleware, and without sm.LoadAndSave:
//
//	h := m.Middleware(migrate.FromSCS(sm, mapping)(app))
//
// On a request that carries sm's cookie and none of the mapped keys yet, it
// finds the token in sm.Store, decodes it with sm.Codec (so gob
// registrations apply), writes each mapped value with Session.Set, then
// deletes the entry from the store, so that the token cannot be replayed,
// and expires the cookie. A token the store does not know, an expired
// session or data that does not decode is expired and not migrated. A
// failure of the store itself (Redis down) changes nothing: the old cookie
// stays and the next request tries again.
//
// It panics if mapping names a Protection that its Manager contradicts.
func FromSCS(sm *scs.SessionManager, mapping Mapping) func(http.Handler) http.Handler {
	if sm == nil || sm.Store == nil || sm.Codec == nil {
		panic("migrate: FromSCS needs a SessionManager with its Store and Codec")
	}
	p := newPlan(mapping)
	src := &source{
		kind:   "scs",
		cookie: sm.Cookie.Name,
		load: func(r *http.Request) (map[string]any, func(http.ResponseWriter, *http.Request) error, error) {
			return loadSCS(sm, r)
		},
		expire: func(w http.ResponseWriter) { expireSCS(sm, w) },
	}
	return p.handler(src)
}

// loadSCS finds and decodes the session whose token the request carries.
func loadSCS(sm *scs.SessionManager, r *http.Request) (map[string]any, func(http.ResponseWriter, *http.Request) error, error) {
	token, _ := oldCookie(r.Header, sm.Cookie.Name)
	ctx := r.Context()
	b, found, err := find(ctx, sm.Store, token)
	if err != nil {
		return nil, nil, fmt.Errorf("scs store: %w", err)
	}
	if !found {
		return nil, nil, errUndecodable
	}
	deadline, values, err := sm.Codec.Decode(b)
	if err != nil || !time.Now().Before(deadline) {
		return nil, nil, errUndecodable
	}
	destroy := func(w http.ResponseWriter, r *http.Request) error {
		if err := del(r.Context(), sm.Store, token); err != nil {
			return fmt.Errorf("scs store: %w", err)
		}
		expireSCS(sm, w)
		return nil
	}
	return values, destroy, nil
}

// find and del use the context-aware store methods when the store has them.
func find(ctx context.Context, st scs.Store, token string) ([]byte, bool, error) {
	if cs, ok := st.(scs.CtxStore); ok {
		return cs.FindCtx(ctx, token)
	}
	return st.Find(token)
}

func del(ctx context.Context, st scs.Store, token string) error {
	if cs, ok := st.(scs.CtxStore); ok {
		return cs.DeleteCtx(ctx, token)
	}
	return st.Delete(token)
}

// expireSCS writes the Set-Cookie that removes sm's token cookie.
func expireSCS(sm *scs.SessionManager, w http.ResponseWriter) {
	c := sm.Cookie
	http.SetCookie(w, &http.Cookie{
		Name:        c.Name,
		Value:       "",
		Path:        c.Path,
		Domain:      c.Domain,
		Secure:      c.Secure,
		HttpOnly:    c.HttpOnly,
		SameSite:    c.SameSite,
		Partitioned: c.Partitioned,
		MaxAge:      -1,
		Expires:     time.Unix(1, 0),
	})
}
