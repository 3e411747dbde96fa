// The default reports' log limiter: once per route and reason, bounded,
// so that a busy route or a crafted path never floods the log.

package cachehint

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxLogKeys bounds the (route, reason) pairs a limiter remembers. Past
// it, a route not seen yet is logged at most once a minute, with a count
// of the lines left out.
const maxLogKeys = 1024

// logLimiter decides which default log lines are written: the first for
// each key, and, once maxLogKeys keys are known, one a minute for the
// rest.
type logLimiter struct {
	mu      sync.Mutex
	seen    map[string]struct{}
	last    time.Time
	skipped int
}

// allow reports whether the line for key is written, and how many lines
// were left out since the last one written past the bound.
func (l *logLimiter) allow(key string) (ok bool, skipped int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.seen[key]; dup {
		return false, 0
	}
	if len(l.seen) < maxLogKeys {
		if l.seen == nil {
			l.seen = make(map[string]struct{})
		}
		l.seen[key] = struct{}{}
		return true, 0
	}
	if now := time.Now(); now.Sub(l.last) >= time.Minute {
		l.last, skipped, l.skipped = now, l.skipped, 0
		return true, skipped
	}
	l.skipped++
	return false, 0
}

// logLimited writes msg with args at level when lim allows key.
func logLimited(lim *logLimiter, key string, level slog.Level, msg string, args ...any) {
	ok, skipped := lim.allow(key)
	if !ok {
		return
	}
	if skipped > 0 {
		args = append(args, "not_logged", skipped)
	}
	slog.Log(context.Background(), level, msg, args...)
}

// shorten shortens s for a log line: tags may come from the request.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
