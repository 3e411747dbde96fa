// gorilla.go holds FromGorilla: sessions of github.com/gorilla/sessions,
// decoded by the site's own store.

package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// FromGorilla returns a middleware that moves the gorilla session called
// name into the request's clientsession.Session. Install it inside
// Manager.Middleware:
//
//	h := m.Middleware(migrate.FromGorilla(store, "app", mapping)(app))
//
// On a request that carries the old cookie and none of the mapped keys yet,
// it decodes the old session with store (so the site's keys, codecs and gob
// registrations apply), writes each mapped value with Session.Set, and
// expires the old cookie in the same response (a FilesystemStore's file is
// deleted too). An old cookie that does not decode is expired and nothing is
// migrated. The handler then runs as usual and sees the new keys.
// Requests without the old cookie pass straight through.
//
// It panics if mapping names a Protection that its Manager contradicts.
func FromGorilla(store sessions.Store, name string, mapping Mapping) func(http.Handler) http.Handler {
	if store == nil || name == "" {
		panic("migrate: FromGorilla needs a store and the old cookie's name")
	}
	p := newPlan(mapping)
	src := &source{
		kind:   "gorilla",
		cookie: name,
		load: func(r *http.Request) (map[string]any, func(http.ResponseWriter, *http.Request) error, error) {
			return loadGorilla(store, name, r)
		},
		expire: func(w http.ResponseWriter) { expireGorilla(store, name, w) },
	}
	return p.handler(src)
}

// loadGorilla decodes the old session and returns its string-keyed values.
// Values under keys that are not strings are counted as unmapped by their
// placeholder key.
func loadGorilla(store sessions.Store, name string, r *http.Request) (map[string]any, func(http.ResponseWriter, *http.Request) error, error) {
	sess, err := store.Get(r, name)
	if err != nil {
		if badGorilla(err) {
			return nil, nil, errUndecodable
		}
		return nil, nil, fmt.Errorf("gorilla store: %w", err)
	}
	if sess.IsNew {
		return nil, nil, errUndecodable
	}
	old := make(map[string]any, len(sess.Values))
	for k, v := range sess.Values {
		ks, ok := k.(string)
		if !ok {
			ks = fmt.Sprintf("\x00%T:%v", k, k) // never a Mapping key: unmapped
		}
		old[ks] = v
	}
	destroy := func(w http.ResponseWriter, r *http.Request) error {
		opts := *sess.Options
		opts.MaxAge = -1
		sess.Options = &opts
		return sess.Save(r, w)
	}
	return old, destroy, nil
}

// badGorilla reports whether err means bad old data rather than a store
// failure: any error of securecookie's but an internal one (the cookie
// value is the only input it decodes), and a FilesystemStore entry that no
// longer exists. Other errors, such as a file that cannot be read, are the
// store's.
func badGorilla(err error) bool {
	var sc securecookie.Error
	if errors.As(err, &sc) && !sc.IsInternal() {
		return true
	}
	return errors.Is(err, fs.ErrNotExist)
}

// expireGorilla writes the Set-Cookie that removes the old cookie, with the
// store's path and domain so that the browser matches it.
func expireGorilla(store sessions.Store, name string, w http.ResponseWriter) {
	opts := &sessions.Options{Path: "/"}
	switch s := store.(type) {
	case *sessions.CookieStore:
		opts = s.Options
	case *sessions.FilesystemStore:
		opts = s.Options
	}
	o := *opts
	o.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(name, "", &o))
}
