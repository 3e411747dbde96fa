package clientsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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

	arena     []byte // decoded values of all keys; starts in buf
	buf       [256]byte
	revoked   *revocation
	mu        sync.Mutex
	index     map[string]int // key -> entries index, once there are many
	scanned   bool
	accessed  bool
	committed bool
	entries   []entry
}

// entry is one session key: the cookie that came with the request, if
// any, and the change to send, if any.
type entry struct {
	key  string
	name string // cookie name: Prefix + key
	raw  string // cookie value as received ("" when not in the request)
	in   bool   // a cookie came with the request

	state uint8  // of the received value: stUnread, stValid, stInvalid
	js    []byte // decoded JSON (valid received value, or pending Set)
	exp   int64  // expiry of a Signed/Private received value
	old   bool   // verified under an older key: re-seal on commit

	op  uint8  // opNone, opSet, opDelete
	out string // encoded value to send for opSet
}

const (
	stUnread uint8 = iota
	stValid
	stInvalid
)

const (
	opNone uint8 = iota
	opSet
	opDelete
)

// load scans the request's Cookie headers for session cookies, once.
// Duplicate names: the first wins, as in browsers and js-cookie.
func (s *Session) load() {
	if s.scanned {
		return
	}
	s.scanned = true
	// The prefix's occurrences bound the number of session cookies: one
	// vectorised count sizes the entries exactly, in one allocation.
	n := 0
	for _, line := range s.req.Header["Cookie"] {
		n += strings.Count(line, s.m.prefix)
	}
	if n == 0 {
		return // most requests to public pages: nothing to allocate
	}
	s.entries = make([]entry, 0, min(n, maxCookiesRead)+2) // room for a couple of Sets
	tooMany := false
	scanCookies(s.req.Header["Cookie"], s.m.prefix, func(name, key, val string) {
		if !validKey(key) || s.find(key) >= 0 {
			return
		}
		if len(s.entries) == maxCookiesRead {
			tooMany = true
			return
		}
		s.add(entry{key: key, name: name, raw: val, in: true})
	})
	if tooMany {
		s.m.onInvalid(s.req, "", &FormatError{Cookie: s.m.prefix + "*", Protection: Public, Err: errTooMany})
	}
}

// indexAt is the session size from which find uses a map: a linear scan is
// faster for real sessions, a map keeps a flood of cookies linear.
const indexAt = 32

func (s *Session) add(e entry) int {
	s.entries = append(s.entries, e)
	i := len(s.entries) - 1
	switch {
	case s.index != nil:
		s.index[e.key] = i
	case len(s.entries) == indexAt:
		s.index = make(map[string]int, 2*indexAt)
		for j := range s.entries {
			s.index[s.entries[j].key] = j
		}
	}
	return i
}

func (s *Session) find(key string) int {
	if s.index != nil {
		if i, ok := s.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range s.entries {
		if s.entries[i].key == key {
			return i
		}
	}
	return -1
}

// decode reads the received value of e once, telling OnInvalid on failure.
func (s *Session) decode(e *entry) {
	if e.state != stUnread {
		return
	}
	p := s.m.Protection(e.key)
	js, exp, ki, err := s.open(e, p)
	if err == nil && p != Public {
		err = s.checkRevoked(exp)
	}
	if err != nil {
		e.state = stInvalid
		s.m.onInvalid(s.req, e.key, &FormatError{Cookie: e.name, Protection: p, Err: err})
		return
	}
	e.state, e.js, e.exp, e.old = stValid, js, exp, ki > 0
}

// open decodes, verifies or opens the received value of e.
func (s *Session) open(e *entry, p Protection) (js []byte, exp int64, ki int, err error) {
	if s.arena == nil {
		s.arena = s.buf[:0] // the Session is on the heap already: no allocation
	}
	switch {
	case len(e.name)+len(e.raw) > MaxCookieSize:
		err = errOversize // no browser stores it: crafted
	case p == Public:
		// JSON syntax is left to Get's json.Unmarshal, which checks it anyway.
		s.arena, js, err = unescapePublic(s.arena, e.raw)
	case p == Signed:
		s.arena, js, exp, ki, err = openSigned(s.arena, s.m.keys, e.name, e.raw, s.m.now().Unix())
	default:
		s.arena, js, exp, ki, err = openPrivate(s.arena, s.m.keys, e.name, e.raw, s.m.now().Unix())
	}
	return js, exp, ki, err
}

// value returns the JSON of key as this response will leave it, or nil.
func (s *Session) value(key string) []byte {
	i := s.find(key)
	if i < 0 {
		return nil
	}
	e := &s.entries[i]
	switch e.op {
	case opSet:
		return e.js
	case opDelete:
		return nil
	}
	if !e.in {
		return nil
	}
	s.decode(e)
	return e.js
}

// Get decodes the value of key into v, which must be a non-nil pointer, as
// json.Unmarshal does. found is false, with a nil error, when the key is
// absent, deleted, or its cookie is invalid (OnInvalid is told) or does not
// fit v. A value set earlier in the same request is returned as set.
func (s *Session) Get(key string, v any) (found bool, err error) {
	if s == nil {
		return false, ErrNoSession
	}
	if !validKey(key) {
		return false, ErrInvalidKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
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
		s.m.onInvalid(s.req, key, &FormatError{Cookie: s.m.prefix + key, Protection: s.m.Protection(key), Err: reason})
		return false, nil
	}
	return true, nil
}

// Get returns the value of key decoded as a T. See [Session.Get].
func Get[T any](s *Session, key string) (T, bool, error) {
	var v T
	found, err := s.Get(key, &v)
	return v, found, err
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// marshal encodes v as JSON without HTML escaping, as JSON.stringify does,
// which also keeps cookies short.
func marshal(v any) ([]byte, error) {
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
// headers have already gone and the cookie could not be sent.
func (s *Session) Set(key string, v any) error {
	if s == nil {
		return ErrNoSession
	}
	if !validKey(key) {
		return ErrInvalidKey
	}
	js, err := marshal(v)
	if err != nil {
		return errors.New("clientsession: encoding " + strconv.Quote(key) + ": " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return ErrHeadersWritten
	}
	s.load()
	s.accessed = true
	name := s.m.prefix + key
	out := s.encode(name, key, s.m.now().Add(s.m.maxAge).Unix(), js)
	if n := len(name) + len(out); n > MaxCookieSize {
		return &TooLargeError{Key: key, Size: n, Limit: MaxCookieSize}
	}
	if total := s.totalWith(key, len(name)+len(out)+3); total > s.m.maxTotal {
		return &TooLargeError{Key: key, Size: total, Limit: s.m.maxTotal, Total: true}
	}
	i := s.find(key)
	if i < 0 {
		i = s.add(entry{key: key, name: name})
	}
	e := &s.entries[i]
	if e.in && e.raw == out && s.m.Protection(key) == Public {
		// The browser already holds exactly this: send nothing.
		e.op, e.out, e.js, e.state = opNone, "", js, stValid
		return nil
	}
	e.op, e.js, e.out = opSet, js, out
	return nil
}

func (s *Session) encode(name, key string, exp int64, js []byte) string {
	var buf []byte
	switch s.m.Protection(key) {
	case Signed:
		buf = appendSigned(make([]byte, 0, 80+pctLen(js)), s.m.keys[0], name, exp, js)
	case Private:
		buf = appendPrivate(nil, s.m.keys[0], name, exp, js)
	default:
		buf = appendPublic(make([]byte, 0, pctLen(js)), js)
	}
	return string(buf)
}

// totalWith returns the size of the session's cookies, as the browser will
// send them, if key took size bytes ("name=value; ").
func (s *Session) totalWith(key string, size int) int {
	total := size
	for i := range s.entries {
		e := &s.entries[i]
		if e.key == key {
			continue
		}
		switch {
		case e.op == opSet:
			total += len(s.m.prefix) + len(e.key) + len(e.out) + 3
		case e.op == opNone && e.in:
			total += len(s.m.prefix) + len(e.key) + len(e.raw) + 3
		}
	}
	return total
}

// Delete removes key: its cookie is expired in the response. Deleting an
// absent key sends nothing. It returns ErrHeadersWritten when too late.
func (s *Session) Delete(key string) error {
	if s == nil {
		return ErrNoSession
	}
	if !validKey(key) {
		return ErrInvalidKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return ErrHeadersWritten
	}
	s.load()
	s.accessed = true
	if i := s.find(key); i >= 0 {
		s.remove(&s.entries[i])
	}
	return nil
}

func (s *Session) remove(e *entry) {
	if e.in {
		e.op, e.js, e.out = opDelete, nil, ""
	} else {
		e.op, e.js, e.out = opNone, nil, "" // never sent: nothing to undo
	}
}

// Clear deletes every key of the session, including ones whose cookies
// are invalid. It returns ErrHeadersWritten when too late.
func (s *Session) Clear() error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return ErrHeadersWritten
	}
	s.load()
	s.accessed = true
	for i := range s.entries {
		s.remove(&s.entries[i])
	}
	return nil
}

// Keys returns, sorted, the keys that have a cookie in the request or were
// set in this response, less deleted ones. Values are not decoded, so a
// listed key whose cookie is invalid still reads as absent in Get.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
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

func (s *Session) pending() bool {
	for i := range s.entries {
		if e := &s.entries[i]; e.op != opNone || e.old {
			return true
		}
	}
	return false
}

// commit adds the Set-Cookie, Vary and Cache-Control headers to h, once.
// It runs when the response headers are about to be sent.
func (s *Session) commit(h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return
	}
	s.committed = true
	wrote := false
	for i := range s.entries {
		if c := s.setCookie(&s.entries[i]); c != "" {
			h.Add("Set-Cookie", c)
			wrote = true
		}
	}
	if s.accessed || wrote {
		addVaryCookie(h)
	}
	if wrote {
		forbidSharedCaching(h)
	}
}

// setCookie returns the Set-Cookie value for e, or "" when e is unchanged.
func (s *Session) setCookie(e *entry) string {
	name := e.name
	maxAge := int64(s.m.maxAge / 1e9)
	value := e.out
	switch {
	case e.op == opDelete:
		value, maxAge = "", 0
	case e.op == opSet:
	case e.old && e.state == stValid:
		// Rotation: re-seal under Keys[0], keeping the original expiry.
		value = s.encode(name, e.key, e.exp, e.js)
		maxAge = e.exp - s.m.now().Unix()
		if maxAge <= 0 || len(name)+len(value) > MaxCookieSize {
			return ""
		}
	default:
		return ""
	}
	b := make([]byte, 0, len(name)+len(value)+len(s.m.attrs)+32)
	b = append(b, name...)
	b = append(b, '=')
	b = append(b, value...)
	b = append(b, s.m.attrs...)
	b = append(b, "; Max-Age="...)
	b = strconv.AppendInt(b, maxAge, 10)
	if s.m.Protection(e.key) == Private {
		b = append(b, "; HttpOnly"...)
	}
	return string(b)
}

// dropped reports session changes lost to a hijacked connection.
func (s *Session) dropped() {
	s.mu.Lock()
	lost := s.pending()
	s.committed = true
	s.mu.Unlock()
	if lost {
		slog.WarnContext(s.req.Context(), errHijackedLost.Error())
	}
}
