package harness

import (
	"context"
	"net/http"
	"time"

	"github.com/fullsession/fullsession/clientsession"
)

// ClientSession is this project's clientsession: one cookie per key, public
// keys as percent-encoded JSON, "_" keys sealed with XChaCha20-Poly1305.
type ClientSession struct {
	m    *clientsession.Manager
	name string
}

// NewClientSession returns a Manager with the default options: Secure,
// SameSite=Lax, 14 days, "_" keys Private, the others Public.
func NewClientSession() (*ClientSession, error) {
	return newClientSession("clientsession", nil)
}

// NewClientSessionRevoker is [NewClientSession] with a Revoker that never
// revokes anything: it measures what checking revocations costs the
// library itself, without any store behind the Revoker. Its name is
// "clientsession-revoker".
func NewClientSessionRevoker() (*ClientSession, error) {
	return newClientSession("clientsession-revoker", noRevoker{})
}

func newClientSession(name string, r clientsession.Revoker) (*ClientSession, error) {
	m, err := clientsession.New(clientsession.Options{
		Keys:    [][]byte{key("clientsession", 32)},
		MaxAge:  MaxAge,
		Revoker: r,
	})
	if err != nil {
		return nil, err
	}
	return &ClientSession{m: m, name: name}, nil
}

// noRevoker is a Revoker with no revocations, answering from memory.
type noRevoker struct{}

func (noRevoker) NotBefore(context.Context, string) (time.Time, error) { return time.Time{}, nil }

// Name implements [Store].
func (c *ClientSession) Name() string { return c.name }

// Middleware implements [Store].
func (c *ClientSession) Middleware(next http.Handler) http.Handler { return c.m.Middleware(next) }

// Login implements [Store].
func (c *ClientSession) Login(w http.ResponseWriter, r *http.Request, v Session) error {
	s := clientsession.From(r)
	for _, kv := range []struct {
		k string
		v any
	}{
		{KeyUser, v.User}, {KeySelection, v.Selection}, {KeyLang, v.Lang},
		{KeyLastSearch, v.LastSearch}, {KeyAuthUserID, v.AuthUserID}, {KeyCSRF, v.CSRF},
	} {
		if err := s.Set(kv.k, kv.v); err != nil {
			return err
		}
	}
	return nil
}

// ReadUser implements [Store].
func (c *ClientSession) ReadUser(w http.ResponseWriter, r *http.Request) (User, int, bool, error) {
	s := clientsession.From(r)
	u, found, err := clientsession.Get[User](s, KeyUser)
	if err != nil || !found {
		return User{}, 0, found, err
	}
	uid, _, err := clientsession.Get[int](s, KeyAuthUserID)
	return u, uid, true, err
}

// SetLang implements [Store].
func (c *ClientSession) SetLang(w http.ResponseWriter, r *http.Request, lang string) error {
	return clientsession.From(r).Set(KeyLang, lang)
}

// Load implements [Store].
func (c *ClientSession) Load(w http.ResponseWriter, r *http.Request) (Session, bool, error) {
	s := clientsession.From(r)
	var v Session
	found, err := s.Get(KeyUser, &v.User)
	if err != nil || !found {
		return v, found, err
	}
	for k, p := range map[string]any{
		KeySelection: &v.Selection, KeyLang: &v.Lang, KeyLastSearch: &v.LastSearch,
		KeyAuthUserID: &v.AuthUserID, KeyCSRF: &v.CSRF,
	} {
		if _, err := s.Get(k, p); err != nil {
			return v, true, err
		}
	}
	return v, true, nil
}

// Close implements [Store].
func (c *ClientSession) Close() error { return nil }
