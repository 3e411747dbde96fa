package harness

import (
	"encoding/gob"
	"net/http"

	"github.com/gorilla/sessions"
)

func init() {
	// gorilla's default codec is encoding/gob: values stored behind
	// interface{} must be registered. This is the "gob registration pain"
	// every gorilla user goes through.
	gob.Register(User{})
	gob.Register(Search{})
}

// gorillaName is the cookie name of the gorilla session.
const gorillaName = "session"

// Gorilla is gorilla/sessions' CookieStore with its default codec
// (securecookie: gob, AES-256-CTR and HMAC-SHA256), holding the whole session
// in one cookie.
type Gorilla struct {
	store *sessions.CookieStore
}

// NewGorilla returns a CookieStore with a 64-byte hash key and a 32-byte
// block key, as gorilla's documentation recommends.
func NewGorilla() *Gorilla {
	cs := sessions.NewCookieStore(key("gorilla hash", 64), key("gorilla block", 32))
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(MaxAge.Seconds()),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(cs.Options.MaxAge) // keep the codecs' own max age in step
	return &Gorilla{store: cs}
}

// Name implements [Store].
func (g *Gorilla) Name() string { return "gorilla" }

// Middleware implements [Store]: gorilla has no middleware, the handler loads
// and saves explicitly.
func (g *Gorilla) Middleware(next http.Handler) http.Handler { return next }

// session returns the request's session. A cookie that does not decode gives
// a new empty session, as gorilla documents ("Get returns a new session and
// an error if the session exists but could not be decoded").
func (g *Gorilla) session(r *http.Request) *sessions.Session {
	s, _ := g.store.Get(r, gorillaName)
	return s
}

// Login implements [Store].
func (g *Gorilla) Login(w http.ResponseWriter, r *http.Request, s Session) error {
	sess := g.session(r)
	sess.Values[KeyUser] = s.User
	sess.Values[KeySelection] = s.Selection
	sess.Values[KeyLang] = s.Lang
	sess.Values[KeyLastSearch] = s.LastSearch
	sess.Values[KeyAuthUserID] = s.AuthUserID
	sess.Values[KeyCSRF] = s.CSRF
	return sess.Save(r, w)
}

// ReadUser implements [Store].
func (g *Gorilla) ReadUser(w http.ResponseWriter, r *http.Request) (User, int, bool, error) {
	sess := g.session(r)
	if sess.IsNew {
		return User{}, 0, false, nil
	}
	u, ok1 := sess.Values[KeyUser].(User)
	uid, ok2 := sess.Values[KeyAuthUserID].(int)
	if !ok1 || !ok2 {
		return User{}, 0, true, ErrWrongType
	}
	return u, uid, true, nil
}

// SetLang implements [Store]: gorilla re-encodes and re-sends the whole
// session.
func (g *Gorilla) SetLang(w http.ResponseWriter, r *http.Request, lang string) error {
	sess := g.session(r)
	sess.Values[KeyLang] = lang
	return sess.Save(r, w)
}

// Load implements [Store].
func (g *Gorilla) Load(w http.ResponseWriter, r *http.Request) (Session, bool, error) {
	sess := g.session(r)
	if sess.IsNew {
		return Session{}, false, nil
	}
	var s Session
	var ok [6]bool
	s.User, ok[0] = sess.Values[KeyUser].(User)
	s.Selection, ok[1] = sess.Values[KeySelection].([]int)
	s.Lang, ok[2] = sess.Values[KeyLang].(string)
	s.LastSearch, ok[3] = sess.Values[KeyLastSearch].(Search)
	s.AuthUserID, ok[4] = sess.Values[KeyAuthUserID].(int)
	s.CSRF, ok[5] = sess.Values[KeyCSRF].(string)
	for _, o := range ok {
		if !o {
			return s, true, ErrWrongType
		}
	}
	return s, true, nil
}

// Close implements [Store].
func (g *Gorilla) Close() error { return nil }
