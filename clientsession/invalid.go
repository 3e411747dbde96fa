// invalid.go holds the reporting of session cookies that do not read: a
// custom Options.OnInvalid sees each one; the default logs at most one line
// per request, with a count, and at most one line a second across
// requests, so that an attacker who controls the Cookie header cannot
// flood the log.

package clientsession

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// invalidCount is what the default OnInvalid gathered in one request.
type invalidCount struct {
	n   int    // cookies that did not read
	key string // the first one's key and reason
	err error
}

// invalid reports that key's cookie did not read. The caller holds s.mu.
func (s *Session) invalid(key string, err error) {
	if s.m.onInvalid != nil {
		s.m.onInvalid(s.req, key, err)
		return
	}
	if _, ok := errors.AsType[*revokerError](err); ok {
		return // the Revoker logs its outages, once each
	}
	if s.inv.n == 0 {
		s.inv.key, s.inv.err = key, err
	}
	s.inv.n++
}

// reportInvalid logs the request's count, once, when the handler is done.
func (s *Session) reportInvalid() {
	s.mu.Lock()
	c := s.inv
	s.inv = invalidCount{}
	s.mu.Unlock()
	if c.n > 0 {
		s.m.invalidLog.log(s.req, s.m.now(), c)
	}
}

// logLimiter lets one line a second through and counts the rest.
type logLimiter struct {
	mu         sync.Mutex
	next       time.Time
	requests   int // requests whose line was suppressed since the last line
	suppressed int // their invalid cookies
}

func (l *logLimiter) log(r *http.Request, now time.Time, c invalidCount) {
	l.mu.Lock()
	if now.Before(l.next) {
		l.requests++
		l.suppressed += c.n
		l.mu.Unlock()
		return
	}
	l.next = now.Add(time.Second)
	requests, suppressed := l.requests, l.suppressed
	l.requests, l.suppressed = 0, 0
	l.mu.Unlock()
	attrs := []any{"count", c.n, "first_key", c.key, "first_err", c.err, "path", r.URL.Path}
	if requests > 0 {
		attrs = append(attrs, "suppressed_requests", requests, "suppressed_cookies", suppressed)
	}
	slog.WarnContext(r.Context(), "clientsession: ignoring invalid session cookies", attrs...)
}
