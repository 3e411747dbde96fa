// bind.go holds the session-level rules of Signed and Private values
// (FORMAT.md §5): the login each value is bound to, the issue time that
// revocation compares, the idle timeout and its renewal, and Renew.

package clientsession

import (
	"crypto/rand"
	"errors"
	"time"
)

// Reasons wrapped by FormatError for the rules of this file.
var (
	errIdle    = errors.New("idle for longer than IdleTimeout")
	errBinding = errors.New("bound to another login than the subject's")
)

// binding is a Session's view of its login: the session id of the
// request's subject, and the one this response's values carry.
type binding struct {
	reqDone bool      // reqSID is known
	reqSID  sessionID // of the request's valid subject; zero when none
	respSet bool      // resp differs from reqSID: login, logout or Renew
	resp    sessionID
}

// legacySID is the session id of values written by format version 1,
// which carry none (FORMAT.md §6). No login gets it.
var legacySID = sessionID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// newSessionID returns a random session id, neither zero nor legacySID.
func newSessionID() sessionID {
	var id sessionID
	for id == (sessionID{}) || id == legacySID {
		rand.Read(id[:]) // never fails (crypto/rand, Go 1.24+)
	}
	return id
}

// requestSID returns the session id of the request's subject key, or the
// zero id when it is absent or does not read (expired, revoked, forged).
func (s *Session) requestSID() sessionID {
	if !s.b.reqDone {
		s.b.reqDone = true
		if i := s.find(s.m.subjectKey); i >= 0 && s.entries[i].in {
			e := &s.entries[i]
			s.decode(e) // sets reqSID when valid
		}
	}
	return s.b.reqSID
}

// responseSID returns the session id of values written now.
func (s *Session) responseSID() sessionID {
	if s.b.respSet {
		return s.b.resp
	}
	return s.requestSID()
}

// openEntry opens the received value of e and applies the rules beyond
// the codec: v1 issue times, the idle timeout, the login binding and
// revocation. It sets e.meta and e.old (re-seal on commit).
func (s *Session) openEntry(e *entry, p Protection) ([]byte, error) {
	js, m, ki, err := s.open(e, p)
	if err != nil || p == Public {
		return js, err
	}
	now := s.m.now()
	if m.version == 1 {
		// v1 values carry only their expiry: the issue time is the expiry
		// less MaxAge, and they belong to no login (FORMAT.md §6).
		m.issued = (m.exp - int64(s.m.maxAge/time.Second)) * 1000
		m.seen, m.sid = m.issued, legacySID
	}
	renew := false
	if idle := s.m.idleTimeout.Milliseconds(); idle > 0 {
		left := m.seen + idle - now.UnixMilli()
		if left <= 0 {
			return nil, errIdle
		}
		if left < idle/2 {
			m.seen, renew = now.UnixMilli(), true
		}
	}
	if e.key != s.m.subjectKey && !s.bound(m.sid) {
		return nil, errBinding
	}
	if err := s.checkRevoked(e, m.issued, js); err != nil {
		return nil, err
	}
	if e.key == s.m.subjectKey {
		// Kept apart from e.meta, which a re-issue overwrites.
		s.b.reqSID = m.sid
	}
	e.meta, e.old = m, ki > 0 || m.version == 1 || renew
	return js, nil
}

// bound reports whether a value with session id sid belongs with the
// request's subject: same id. A value from format v1 also reads without
// any valid subject, unless a Revoker is set: then it could be a revoked
// login's, sent without its subject (FORMAT.md §6).
func (s *Session) bound(sid sessionID) bool {
	want := s.requestSID()
	return sid == want || sid == legacySID && want == sessionID{} && s.m.revoker == nil
}

// metaFor returns the meta of a value of key set now for lifetime. Public
// values have none, and setting one does not read the subject.
func (s *Session) metaFor(key string, lifetime time.Duration) meta {
	if s.m.Protection(key) == Public {
		return meta{}
	}
	return s.freshMeta(lifetime)
}

// freshMeta returns the meta of a value issued now for lifetime.
func (s *Session) freshMeta(lifetime time.Duration) meta {
	now := s.m.now()
	return meta{exp: now.Add(lifetime).Unix(), issued: now.UnixMilli(), seen: now.UnixMilli(),
		sid: s.responseSID(), version: 2}
}

// seal encodes js for key under Keys[0] with m (Signed or Private).
func (s *Session) seal(name, key string, m meta, js []byte) string {
	m.version = 2
	if s.m.Protection(key) == Signed {
		return string(appendSigned(make([]byte, 0, 96+pctLen(js)), s.m.keys[0], name, m, js))
	}
	return string(appendPrivate(nil, s.m.keys[0], name, m, js))
}

// lifetime returns how long a received value was issued for.
func lifetime(m meta) time.Duration {
	return time.Duration(m.exp*1000-m.issued) * time.Millisecond
}

// subjectSet is called after Set(SubjectKey): a login. The response gets
// a new session id, and every other Signed and Private value present is
// re-issued bound to it.
func (s *Session) subjectSet() {
	s.b.resp, s.b.respSet = newSessionID(), true
	s.reissueAll()
}

// subjectDeleted is called after Delete(SubjectKey) or Clear: a logout.
// Values set in this response become unbound; the request's values of the
// ended login are deleted, since they can never verify again.
func (s *Session) subjectDeleted() {
	s.b.resp, s.b.respSet = sessionID{}, true
	for i := range s.entries {
		e := &s.entries[i]
		p := s.m.Protection(e.key)
		if p == Public || e.key == s.m.subjectKey {
			continue
		}
		switch {
		case e.op == opSet:
			s.reseal(e, p)
		case e.op == opNone && e.in:
			s.decode(e)
			if e.state == stValid && e.meta.sid != (sessionID{}) {
				s.remove(e)
			}
		}
	}
}

// Renew re-issues every Signed and Private value present (received and
// valid, or set in this response) with a fresh issue time, last-seen time
// and expiry (now plus the value's lifetime), bound to a new session id
// when the session has a subject. Call it on a change of role or
// privilege; setting Options.SubjectKey (a login) does it by itself. After
// a Revoker's Revoke(subject, now), Renew keeps this browser logged in
// while every other copy stays void: read the subject before revoking, as
// a request sees revocations as they were at its first Signed or Private
// read. Renew returns ErrHeadersWritten when too late.
func (s *Session) Renew() error {
	if s == nil {
		return ErrNoSession
	}
	if !s.lockLive("Renew", "") {
		return ErrHeadersWritten
	}
	defer s.mu.Unlock()
	s.load()
	s.accessed = true
	s.renew()
	return nil
}

// renew re-issues every Signed and Private value present with a fresh
// issue time, under a new session id when the response has a subject.
func (s *Session) renew() {
	if s.hasSubject() {
		s.b.resp, s.b.respSet = newSessionID(), true
	}
	s.reissueAll()
}

// hasSubject reports whether the response leaves a valid subject.
func (s *Session) hasSubject() bool {
	i := s.find(s.m.subjectKey)
	if i < 0 {
		return false
	}
	e := &s.entries[i]
	switch e.op {
	case opSet:
		return true
	case opDelete:
		return false
	}
	return s.entryValid(e)
}

func (s *Session) entryValid(e *entry) bool {
	if !e.in {
		return false
	}
	s.decode(e)
	return e.state == stValid
}

// reissueAll gives every Signed and Private value present fresh meta.
func (s *Session) reissueAll() {
	for i := range s.entries {
		e := &s.entries[i]
		p := s.m.Protection(e.key)
		if p == Public {
			continue
		}
		switch {
		case e.op == opSet:
			s.reseal(e, p)
		case e.op == opNone && s.entryValid(e):
			life := lifetime(e.meta)
			e.meta = s.freshMeta(life)
			e.op, e.out, e.old = opSet, s.seal(e.name, e.key, e.meta, e.js), false
			e.life = int64(life / time.Second) // the cookie lasts as the value
		}
	}
}

// reseal re-encodes a pending Set with fresh meta for the response's id.
func (s *Session) reseal(e *entry, p Protection) {
	if p == Public {
		return
	}
	life := s.m.maxAge
	if e.meta.exp != 0 {
		life = lifetime(e.meta)
	}
	e.meta = s.freshMeta(life)
	e.out = s.seal(e.name, e.key, e.meta, e.js)
}
