// session.go holds the Session of one request and what handlers call on it:
// Get, Set, Delete, Clear and Keys.

package clientsession

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Session is the session of one request. Values are read from the request's
// cookies lazily, one key at a time, and changes are sent as Set-Cookie
// headers, one per changed key, when the response headers are written.
//
// A Session is safe for concurrent use by the goroutines serving its
// request. A nil *Session (no middleware) returns ErrNoSession.
type Session struct {
	m   *Manager
	req *http.Request
	w   rw // the response writer wrapper, kept here to save an allocation

	// The request's context and request as the handler gets them, kept
	// here to save two allocations (context.go).
	ctx     sessionContext
	reqCopy http.Request

	arena     []byte // decoded values of all keys; starts in buf
	buf       [256]byte
	junk      junkLog      // junk cookies deleted to make room
	revoked   revocation   // revoke.go
	b         binding      // bind.go
	inv       invalidCount // invalid.go
	mu        sync.Mutex
	index     map[string]int // key -> entries index, once there are many
	scanned   bool
	accessed  bool
	committed bool
	varied    bool // the response went out with Vary: Cookie, or was hijacked
	lateRead  bool // a read after a shared commit was reported
	entries   []entry
}

// Get decodes the value of key into v, which must be a non-nil pointer, as
// json.Unmarshal does. found is false, with a nil error, when the key is
// absent, deleted, or its cookie is invalid (OnInvalid is told) or does not
// fit v. A value set earlier in the same request is returned as set. Once
// the response went out without Vary: Cookie (the handler wrote before
// reading the session), Get finds nothing and OnLateUse is told: that
// response may be stored by a shared cache for everyone.
func (s *Session) Get(key string, v any) (found bool, err error) {
	if ok, err := s.startGet(key); !ok {
		return false, err
	}
	defer s.mu.Unlock()
	return s.get(key, v)
}

// startGet checks key and locks and loads s for a read. When it reports
// false, s is not locked and Get finds nothing, with err.
func (s *Session) startGet(key string) (bool, error) {
	if s == nil {
		return false, ErrNoSession
	}
	if !validName(key) {
		return false, invalidKey(key)
	}
	if !s.lockRead("Get", key) {
		s.mu.Unlock()
		return false, nil
	}
	s.load()
	s.accessed = true
	return true, nil
}

// getScalar is Get for a *string, *int or *bool that must not escape to
// the heap: done is false when the value needs encoding/json (escapes, a
// float, a type mismatch), and Get must then read it; nothing is reported.
func (s *Session) getScalar(key string, v any) (found, done bool, err error) {
	if ok, err := s.startGet(key); !ok {
		return false, true, err
	}
	defer s.mu.Unlock()
	js := s.value(key)
	if js == nil {
		return false, true, nil
	}
	return true, fastScalar(js, v), nil
}

// get decodes the value of key into v; s is locked and loaded.
func (s *Session) get(key string, v any) (found bool, err error) {
	js := s.value(key)
	if js == nil {
		return false, nil
	}
	if fastUnmarshal(js, v) {
		return true, nil
	}
	if err := json.Unmarshal(js, v); err != nil {
		var inv *json.InvalidUnmarshalError
		if errors.As(err, &inv) {
			return false, errors.New("clientsession: Get needs a non-nil pointer, got " + inv.Type.String())
		}
		reason := errJSONType
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			reason = errJSON // Public values are checked here, not when decoded
		}
		s.invalid(key, &FormatError{Cookie: s.m.prefix + key, Protection: s.m.Protection(key), Err: reason})
		return false, nil
	}
	return true, nil
}

// Pop reads the value of key into v, as Get does, and deletes key in the
// same call: the deletion goes out with this response, so a flash message
// shows once. The key is deleted even when its value is invalid or does
// not fit v. Pop returns ErrHeadersWritten, without reading, when the
// response headers have gone and the deletion could not be sent.
func (s *Session) Pop(key string, v any) (found bool, err error) {
	if s == nil {
		return false, ErrNoSession
	}
	if !validName(key) {
		return false, invalidKey(key)
	}
	if !s.lockLive("Pop", key) {
		return false, ErrHeadersWritten
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	found, err = s.get(key, v)
	if err != nil {
		return false, err // v is not a pointer: keep the value
	}
	s.delete(key)
	return found, nil
}

// Get returns the value of key decoded as a T. See [Session.Get].
func Get[T any](s *Session, key string) (T, bool, error) {
	var v T
	switch any(&v).(type) {
	case *string, *int, *bool: // no heap copy of v for these
		if found, done, err := s.getScalar(key, &v); done {
			return v, found, err
		}
	}
	p := new(T)
	found, err := s.Get(key, p)
	return *p, found, err
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// marshal encodes v as JSON without HTML escaping, as JSON.stringify does,
// which also keeps cookies short.
func marshal(v any) ([]byte, error) {
	if js, ok := fastMarshal(v); ok { // fast.go
		return js, nil
	}
	b := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(b)
	b.Reset()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(b.Bytes(), []byte{'\n'})), nil
}

// Set stores v, encoded as JSON, under key. The encoding is checked now:
// Set returns an error wrapping ErrInvalidKey, a *TooLargeError (the value
// is then not stored), a JSON error, or ErrHeadersWritten when the response
// headers have already gone and the cookie could not be sent. The cookie
// and a Signed or Private value last Options.MaxAge; see [Session.SetWith]
// for another lifetime.
func (s *Session) Set(key string, v any) error {
	return s.SetWith(key, v, SetOptions{})
}

// SetOptions are the settings of one [Session.SetWith].
type SetOptions struct {
	// MaxAge is the life of this cookie and, for a Signed or Private key,
	// of the sealed value, whose expiry matches the cookie's: a
	// short-lived token, or "remember me" for 30 days. Default
	// Options.MaxAge; otherwise between 1s and 400 days.
	MaxAge time.Duration

	// Session writes a browser-session cookie, without Max-Age, which the
	// browser drops when it closes. A Signed or Private value still
	// expires: after IdleTimeout without use when Options.IdleTimeout is
	// set, and in any case MaxAge (or Options.MaxAge) after it was set.
	// Renewals and key rotation re-send such a value with a Max-Age.
	Session bool
}

// SetWith is Set with settings for this write.
func (s *Session) SetWith(key string, v any, o SetOptions) error {
	if s == nil {
		return ErrNoSession
	}
	if !validName(key) {
		return invalidKey(key)
	}
	life := s.m.maxAge
	if o.MaxAge != 0 {
		if o.MaxAge < time.Second || o.MaxAge > maxMaxAge {
			return fmt.Errorf("clientsession: setting %q: SetOptions.MaxAge %v must be between 1s and 400 days", key, o.MaxAge)
		}
		life = o.MaxAge
	}
	js, err := marshal(v)
	if err != nil {
		return errors.New("clientsession: encoding " + strconv.Quote(key) + ": " + err.Error())
	}
	if !s.lockLive("Set", key) {
		return ErrHeadersWritten
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	var name string
	if i := s.find(key); i >= 0 {
		name = s.entries[i].name // prefix + key, without an allocation
	} else {
		name = s.m.prefix + key
	}
	m := s.metaFor(key, life) // bind.go
	out := s.encode(name, key, m, js)
	if n := len(name) + len(out); n > MaxCookieSize {
		return &TooLargeError{Key: key, Size: n, Limit: MaxCookieSize}
	}
	if total, ok := s.room(key, len(name)+len(out)+3); !ok {
		return &TooLargeError{Key: key, Size: total, Limit: s.m.maxTotal, Total: true}
	}
	i := s.find(key)
	if i < 0 {
		i = s.add(entry{key: key, name: name})
	}
	e := &s.entries[i]
	e.life = int64(life / time.Second)
	if o.Session {
		e.life = -1
	}
	if e.in && e.raw == out && s.m.Protection(key) == Public && o == (SetOptions{}) {
		// The browser already holds exactly this: send nothing.
		e.op, e.out, e.js, e.state = opNone, "", js, stValid
		return nil
	}
	e.op, e.js, e.out, e.meta = opSet, js, out, m
	if key == s.m.subjectKey {
		s.subjectSet() // a login (bind.go)
	}
	return nil
}

// invalidKey returns an error naming key that matches ErrInvalidKey.
func invalidKey(key string) error { return &keyError{key: key} }

func (s *Session) encode(name, key string, m meta, js []byte) string {
	if s.m.Protection(key) == Public {
		return pctString(js) // appendPublic, in one allocation (fast.go)
	}
	return s.seal(name, key, m, js)
}

// Delete removes key: its cookie is expired in the response. Deleting an
// absent key sends nothing. It returns ErrHeadersWritten when too late.
func (s *Session) Delete(key string) error {
	if s == nil {
		return ErrNoSession
	}
	if !validName(key) {
		return invalidKey(key)
	}
	if !s.lockLive("Delete", key) {
		return ErrHeadersWritten
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	s.delete(key)
	return nil
}

// delete removes key; s is locked and loaded.
func (s *Session) delete(key string) {
	if i := s.find(key); i >= 0 {
		s.remove(&s.entries[i])
	}
	if key == s.m.subjectKey {
		s.subjectDeleted() // a logout (bind.go)
	}
}

// Clear deletes every key of the session, including ones whose cookies
// are invalid. It returns ErrHeadersWritten when too late.
func (s *Session) Clear() error {
	if s == nil {
		return ErrNoSession
	}
	if !s.lockLive("Clear", "") {
		return ErrHeadersWritten
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	for i := range s.entries {
		s.remove(&s.entries[i])
	}
	s.b.resp, s.b.respSet = sessionID{}, true // no login left (bind.go)
	return nil
}

// Keys returns, sorted, the keys that have a cookie in the request or were
// set in this response, less deleted ones. Values are not decoded, so a
// listed key whose cookie is invalid still reads as absent in Get.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	if !s.lockRead("Keys", "") {
		s.mu.Unlock()
		return nil
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	var keys []string
	for i := range s.entries {
		e := &s.entries[i]
		if e.op == opSet || e.op == opNone && e.in {
			keys = append(keys, e.key)
		}
	}
	slices.Sort(keys)
	return keys
}

// Accessed reports whether the handler read or wrote the session (the
// response then depends on the Cookie header). It is false for nil.
func (s *Session) Accessed() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// Modified reports whether the response will carry (or carried) session
// Set-Cookie headers: a Set or Delete, or a re-seal under a rotated key.
func (s *Session) Modified() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending()
}

// ctxKey is the context key of the request's *Session. It is a pointer to
// an unexported type, so no other package can collide with it.
type ctxKeyType struct{}

var ctxKey = &ctxKeyType{}

// From returns the session of r, or nil when Manager.Middleware did not
// run. Every method of a nil *Session returns ErrNoSession (or a zero
// value), so a missing middleware is an error, never a panic.
func From(r *http.Request) *Session {
	if r == nil {
		return nil
	}
	return FromContext(r.Context())
}

// FromContext returns the session stored in ctx by Manager.Middleware, or nil.
func FromContext(ctx context.Context) *Session {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(ctxKey).(*Session)
	return s
}
