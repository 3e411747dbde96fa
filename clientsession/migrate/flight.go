// flight.go holds the per-process memory of old cookies being or just
// migrated, so that parallel requests with one old cookie agree.

package migrate

import (
	"net/http"
	"sync"
	"time"
)

// maxFlights bounds the memory: past it, expired entries are swept, and if
// none expired the oldest half is forgotten (those requests then load the
// old store again, which is correct, only slower).
const maxFlights = 4096

// outcome is what loading one old cookie gave.
type outcome struct {
	vals        []value
	unmapped    int
	dropped     []Dropped
	undecodable bool
	err         error
	destroy     func(w http.ResponseWriter, r *http.Request) error
}

// flight is one old cookie's migration: the first request runs it, the
// others wait for it and reuse its outcome until it expires.
type flight struct {
	done  chan struct{}
	out   outcome
	until time.Time
}

type flights struct {
	mu    sync.Mutex
	grace time.Duration
	m     map[string]*flight
}

func newFlights(grace time.Duration) *flights {
	return &flights{grace: grace, m: make(map[string]*flight)}
}

// do returns the outcome for the old cookie value key, running load at most
// once per grace window, and whether this call ran it. A store failure is
// not remembered.
func (f *flights) do(key string, load func() outcome) (outcome, bool) {
	now := time.Now()
	f.mu.Lock()
	if fl, ok := f.m[key]; ok && (fl.until.IsZero() || now.Before(fl.until)) {
		f.mu.Unlock()
		<-fl.done
		return fl.out, false
	}
	fl := &flight{done: make(chan struct{})}
	f.sweep(now)
	f.m[key] = fl
	f.mu.Unlock()

	fl.out = load()
	f.mu.Lock()
	if fl.out.err != nil {
		delete(f.m, key)
	} else {
		fl.until = time.Now().Add(f.grace)
	}
	f.mu.Unlock()
	close(fl.done)
	return fl.out, true
}

// sweep keeps the map under maxFlights. f.mu is held.
func (f *flights) sweep(now time.Time) {
	if len(f.m) < maxFlights {
		return
	}
	for k, fl := range f.m {
		if !fl.until.IsZero() && now.After(fl.until) {
			delete(f.m, k)
		}
	}
	for k, fl := range f.m {
		if len(f.m) < maxFlights/2 {
			break
		}
		if !fl.until.IsZero() { // never forget one in progress
			delete(f.m, k)
		}
	}
}
