// late.go holds the report of late session use: reads and writes made
// after the response headers went out, which the response cannot reflect.

package clientsession

import (
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// lateLog is the default Options.OnLateUse: one warning per route pattern
// (r.Pattern, else the path), and at most one a second over all routes,
// so that a busy late route never floods the log.
type lateLog struct {
	mu   sync.Mutex
	seen map[string]bool // routes already reported
	last time.Time       // of the last line
}

// maxLateRoutes bounds the routes remembered; past it, new routes are
// still reported, within the rate limit, so memory stays bounded when
// paths carry ids.
const maxLateRoutes = 1024

func (l *lateLog) report(r *http.Request, op, key string) {
	route := r.Pattern
	if route == "" {
		route = r.URL.Path
	}
	now := time.Now()
	l.mu.Lock()
	if l.seen[route] || now.Sub(l.last) < time.Second {
		l.mu.Unlock()
		return
	}
	l.last = now
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	if len(l.seen) < maxLateRoutes {
		l.seen[route] = true
	}
	l.mu.Unlock()
	slog.WarnContext(r.Context(), "clientsession: session used after the response headers were sent; use it before the first Write (for a template, read what it needs first)",
		"op", op, "key", key, "route", route)
}

// lockLive locks s for a change and reports whether the change can still
// be sent. When it cannot, s is left unlocked and OnLateUse is told.
func (s *Session) lockLive(op, key string) bool {
	s.mu.Lock()
	if !s.committed {
		return true
	}
	s.mu.Unlock()
	s.m.onLateUse(s.req, op, key)
	return false
}

// lockRead locks s for a read and reports whether the read may see the
// session. Once a response went out without Vary: Cookie, a shared cache
// may store it for everyone, so a read then returns absent (a Get finds
// nothing, Keys is empty) and the first such read is reported through
// OnLateUse: the page cannot leak one visitor's session to the next.
// Reads after a Hijack see the session: the handler owns the connection.
func (s *Session) lockRead(op, key string) bool {
	s.mu.Lock()
	if !s.committed || s.varied {
		return true
	}
	if !s.lateRead {
		s.lateRead = true // report once per request
		s.mu.Unlock()
		s.m.onLateUse(s.req, op, key)
		s.mu.Lock()
	}
	return false
}
