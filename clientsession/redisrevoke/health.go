// health.go tracks outages: one log line when one starts, one when a
// FailOpenFor window ends, one when Redis is back; fail-open and fail-fast.

package redisrevoke

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// probeEvery is how often, during an outage, one lookup is let through to
// Redis to see whether it is back; the others fail at once instead of each
// waiting for a connection that will not come.
const probeEvery = 100 * time.Millisecond

// replyLogEvery limits the log of Redis error replies (a wrong type at a
// revocation key, say), which are per subject rather than outages.
const replyLogEvery = time.Minute

type health struct {
	log         *slog.Logger
	failOpenFor time.Duration

	down atomic.Bool // fast path of NotBefore: read without the lock

	mu            sync.Mutex
	since         time.Time // start of the current outage
	lastErr       error
	lastProbe     time.Time
	probing       bool
	failOpenEnded bool // the end of the FailOpenFor window was logged
	lastReplyLog  time.Time
}

func (h *health) isDown() bool { return h.down.Load() }

// mayProbe reports whether the caller may try Redis during an outage: one
// caller at a time, at most every probeEvery. A caller that gets true must
// end with ok or unavailable, which ends the probe.
func (h *health) mayProbe(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() {
		return true
	}
	if h.probing || now.Sub(h.lastProbe) < probeEvery {
		return false
	}
	h.probing, h.lastProbe = true, now
	return true
}

// endProbe lets the next caller probe after probeEvery.
func (h *health) endProbe() {
	h.mu.Lock()
	h.probing = false
	h.mu.Unlock()
}

// ok records a reply from Redis, ending any outage.
func (h *health) ok() {
	if !h.down.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() {
		return
	}
	h.down.Store(false)
	h.log.Info("redisrevoke: redis reachable again; revocations are checked again",
		"outage", time.Since(h.since).Round(time.Millisecond).String())
}

// failed records a failure to reach Redis, starting an outage if none is
// under way. It logs once per outage.
func (h *health) failed(now time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = err
	if h.down.Load() {
		return
	}
	h.since, h.lastProbe, h.failOpenEnded = now, now, false
	h.down.Store(true)
	if h.failOpenFor > 0 {
		h.log.Error(fmt.Sprintf("redisrevoke: redis unreachable; for %s revocations are not checked (Options.FailOpenFor), then Signed and Private values of sessions with a subject read as absent until it returns", h.failOpenFor),
			"error", err.Error())
		return
	}
	h.log.Error("redisrevoke: redis unreachable; Signed and Private values of sessions with a subject read as absent (fail closed) until it returns",
		"error", err.Error())
}

// unavailable is NotBefore's answer during an outage: the zero time within
// FailOpenFor of its start, ErrUnavailable after. err is the failure just
// seen, or nil when the lookup was not tried.
func (h *health) unavailable(now time.Time, err error) (time.Time, error) {
	if err != nil {
		h.failed(now, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down.Load() { // another caller saw Redis back meanwhile
		return time.Time{}, fmt.Errorf("%w: try again", ErrUnavailable)
	}
	if now.Sub(h.since) < h.failOpenFor {
		return time.Time{}, nil
	}
	if h.failOpenFor > 0 && !h.failOpenEnded {
		h.failOpenEnded = true
		h.log.Error("redisrevoke: redis still unreachable after Options.FailOpenFor; Signed and Private values of sessions with a subject now read as absent (fail closed) until it returns",
			"outage", now.Sub(h.since).Round(time.Millisecond).String())
	}
	return time.Time{}, fmt.Errorf("%w since %s: %v", ErrUnavailable, h.since.UTC().Format(time.RFC3339), h.lastErr)
}

// replyError logs a Redis error reply at most once per replyLogEvery.
func (h *health) replyError(now time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.lastReplyLog) < replyLogEvery {
		return
	}
	h.lastReplyLog = now
	h.log.Error("redisrevoke: redis refused a revocation lookup; that subject's Signed and Private values read as absent (further such errors are not logged for a minute)",
		"error", err.Error())
}
