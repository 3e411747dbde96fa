package harness

import (
	"context"
	"net/http"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/redis/go-redis/v9"
)

// SCS is alexedwards/scs v2: the browser holds a random token, the session
// lives in a server-side store (memory or Redis), encoded with scs's default
// gob codec.
type SCS struct {
	name    string
	sm      *scs.SessionManager
	closeFn func() error
}

// NewSCSMemory returns scs with its in-process memstore, without the
// memstore's expiry sweeper: no benchmark session expires, and memstore's
// StopCleanup races with the sweeper's start (it reads the stop channel the
// goroutine writes), which the race detector reports.
func NewSCSMemory() *SCS {
	s := newSCS("scs-mem", memstore.NewWithCleanupInterval(0))
	s.closeFn = func() error { return nil }
	return s
}

// NewSCSRedis returns scs with the goredisstore over a go-redis client
// connected to addr ("127.0.0.1:port"). poolSize is the client's connection
// pool size (0 picks go-redis's default of 10 per CPU). It pings the server
// once so that a wrong address fails here, not in the first request.
func NewSCSRedis(addr string, poolSize int) (*SCS, error) {
	client := redis.NewClient(&redis.Options{Addr: addr, PoolSize: poolSize})
	if err := client.Ping(context.Background()).Err(); err != nil {
		client.Close()
		return nil, err
	}
	s := newSCS("scs-redis", goredisstore.New(client))
	s.closeFn = client.Close
	return s, nil
}

func newSCS(name string, store scs.Store) *SCS {
	sm := scs.New()
	sm.Store = store
	sm.Lifetime = MaxAge
	sm.Cookie.Name = "session"
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = true
	sm.Cookie.Secure = true
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	return &SCS{name: name, sm: sm}
}

// Name implements [Store].
func (s *SCS) Name() string { return s.name }

// Middleware implements [Store] with scs's LoadAndSave.
func (s *SCS) Middleware(next http.Handler) http.Handler { return s.sm.LoadAndSave(next) }

// Login implements [Store]. It renews the token, as scs's documentation
// asks for on every privilege change.
func (s *SCS) Login(w http.ResponseWriter, r *http.Request, v Session) error {
	ctx := r.Context()
	if err := s.sm.RenewToken(ctx); err != nil {
		return err
	}
	s.sm.Put(ctx, KeyUser, v.User)
	s.sm.Put(ctx, KeySelection, v.Selection)
	s.sm.Put(ctx, KeyLang, v.Lang)
	s.sm.Put(ctx, KeyLastSearch, v.LastSearch)
	s.sm.Put(ctx, KeyAuthUserID, v.AuthUserID)
	s.sm.Put(ctx, KeyCSRF, v.CSRF)
	return nil
}

// ReadUser implements [Store].
func (s *SCS) ReadUser(w http.ResponseWriter, r *http.Request) (User, int, bool, error) {
	ctx := r.Context()
	raw := s.sm.Get(ctx, KeyUser)
	if raw == nil {
		return User{}, 0, false, nil
	}
	u, ok := raw.(User)
	if !ok {
		return User{}, 0, true, ErrWrongType
	}
	return u, s.sm.GetInt(ctx, KeyAuthUserID), true, nil
}

// SetLang implements [Store].
func (s *SCS) SetLang(w http.ResponseWriter, r *http.Request, lang string) error {
	s.sm.Put(r.Context(), KeyLang, lang)
	return nil
}

// Load implements [Store].
func (s *SCS) Load(w http.ResponseWriter, r *http.Request) (Session, bool, error) {
	ctx := r.Context()
	if !s.sm.Exists(ctx, KeyUser) {
		return Session{}, false, nil
	}
	var v Session
	var ok [3]bool
	v.User, ok[0] = s.sm.Get(ctx, KeyUser).(User)
	v.Selection, ok[1] = s.sm.Get(ctx, KeySelection).([]int)
	v.LastSearch, ok[2] = s.sm.Get(ctx, KeyLastSearch).(Search)
	v.Lang = s.sm.GetString(ctx, KeyLang)
	v.AuthUserID = s.sm.GetInt(ctx, KeyAuthUserID)
	v.CSRF = s.sm.GetString(ctx, KeyCSRF)
	for _, o := range ok {
		if !o {
			return v, true, ErrWrongType
		}
	}
	return v, true, nil
}

// Close implements [Store].
func (s *SCS) Close() error { return s.closeFn() }
