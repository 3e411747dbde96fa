// revoke.go holds revocation: the Revoker interface, the per-request
// check of issue times against it, and MemoryRevoker.

package clientsession

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Revoker voids the Signed and Private values issued to a subject (a
// user) before a point in time. Recording that time at logout or password
// change makes copies of the user's cookies worthless, without keeping
// sessions on the server. Implementations backed by a shared store let
// every server see the same revocations.
type Revoker interface {
	// NotBefore returns the time before which values issued to subject
	// are void, or the zero time if there is none. It is called at most
	// once per request, when a Signed or Private key is first read. An
	// error voids the values (fail closed); the default OnInvalid does not
	// log it, so an implementation logs its own outages, once each.
	NotBefore(ctx context.Context, subject string) (time.Time, error)
}

// revokerError is a Revoker failure, wrapped in the FormatError given to
// OnInvalid. The default OnInvalid skips it: one line per cookie and
// request during a store outage would flood the log.
type revokerError struct{ err error }

func (e *revokerError) Error() string { return "revoker failed: " + e.err.Error() }
func (e *revokerError) Unwrap() error { return e.err }

// DefaultSubjectKey is the key whose value names the session's subject
// for Options.Revoker.
const DefaultSubjectKey = "_auth_user_id"

// revocation caches, for one request, the subject's NotBefore. It lives
// in the Session (no allocation); done tells whether it was looked up.
type revocation struct {
	done      bool
	notBefore int64 // Unix milliseconds; 0 for none
	err       error
}

// checkRevoked reports errRevoked when a value of e issued at issued
// (Unix ms) predates the subject's NotBefore, compared to the millisecond:
// a value issued in the same millisecond as the revocation, or later,
// stays valid (FORMAT.md §5). The subject key's own value (js) names the
// subject; other values reach this check only when bound to it. A Revoker
// error voids the value: fail closed.
func (s *Session) checkRevoked(e *entry, issued int64, js []byte) error {
	if s.m.revoker == nil {
		return nil
	}
	if !s.revoked.done {
		if e.key != s.m.subjectKey {
			return nil // an unbound value and no valid subject: nobody's
		}
		s.revoked = s.lookupRevocation(subjectOf(js))
	}
	switch {
	case s.revoked.err != nil:
		return s.revoked.err
	case issued < s.revoked.notBefore:
		return errRevoked
	}
	return nil
}

func (s *Session) lookupRevocation(subject string) revocation {
	nb, err := s.m.revoker.NotBefore(s.req.Context(), subject)
	if err != nil {
		return revocation{done: true, err: &revokerError{err}}
	}
	if nb.IsZero() {
		return revocation{done: true}
	}
	return revocation{done: true, notBefore: nb.UnixMilli()}
}

// subjectOf turns the subject key's JSON into a string: a JSON string
// gives its contents, anything else (a number) its JSON text. The usual
// subjects, a number or a string without escapes, skip json.Unmarshal,
// whose failure on a number costs several allocations.
func subjectOf(js []byte) string {
	if len(js) > 0 && (js[0] == '-' || '0' <= js[0] && js[0] <= '9') {
		return string(js) // never a JSON string: Unmarshal would fail
	}
	var s string
	if fastUnmarshal(js, &s) || json.Unmarshal(js, &s) == nil {
		return s
	}
	return string(js)
}

// MemoryRevoker is a Revoker kept in this process's memory, for a single
// server or for tests. It forgets a revocation once MaxAge has passed,
// since no value issued before it can still be unexpired.
type MemoryRevoker struct {
	maxAge time.Duration
	mu     sync.Mutex
	at     map[string]time.Time
	pruned time.Time // last sweep of expired entries
}

// NewMemoryRevoker returns an empty MemoryRevoker that keeps revocations
// for maxAge (use the Manager's MaxAge; zero means DefaultMaxAge).
func NewMemoryRevoker(maxAge time.Duration) *MemoryRevoker {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return &MemoryRevoker{maxAge: maxAge, at: map[string]time.Time{}}
}

// Revoke voids every Signed and Private value issued to subject before
// at, to the millisecond. Call it at logout or password change with
// time.Now(). Values issued at or after at (a new login, or Session.Renew
// right after the Revoke) stay valid.
func (r *MemoryRevoker) Revoke(subject string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.at[subject]; !ok || at.After(old) {
		r.at[subject] = at
	}
	// Sweep at most once a minute, so that a burst of logouts stays O(1)
	// each while memory stays bounded by one MaxAge of revocations.
	if now := time.Now(); now.Sub(r.pruned) > time.Minute {
		r.pruned = now
		for s, t := range r.at {
			if now.Sub(t) > r.maxAge {
				delete(r.at, s)
			}
		}
	}
}

// NotBefore implements Revoker. It never fails.
func (r *MemoryRevoker) NotBefore(_ context.Context, subject string) (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.at[subject], nil
}
