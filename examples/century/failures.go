// failures.go counts failed logins per account, so that a password
// guesser spread over many addresses is stopped (the per-address limit in
// site.go does not see it). Successful logins are never counted.

package main

import (
	"strings"
	"sync"
	"time"
)

// maxFailureAccounts bounds the names remembered in one window; past it,
// new names are not counted until the window turns (memory stays bounded
// when a guesser invents usernames).
const maxFailureAccounts = 100_000

// loginFailures is a fixed one-minute window of failed logins per account.
type loginFailures struct {
	limit int

	mu     sync.Mutex
	window time.Time
	counts map[string]int
}

func newLoginFailures(limit int) *loginFailures {
	return &loginFailures{limit: limit, counts: make(map[string]int)}
}

// accountKey folds a username as the limit sees it: trimmed, cut to
// logName's length, lower case.
func accountKey(name string) string { return strings.ToLower(logName(strings.TrimSpace(name))) }

// turn starts a new window when the current one is over; f.mu is held.
func (f *loginFailures) turn() {
	if now := time.Now(); now.Sub(f.window) >= time.Minute {
		f.window = now
		clear(f.counts)
	}
}

// blocked reports whether name had limit failures in this window.
func (f *loginFailures) blocked(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.turn()
	return f.counts[accountKey(name)] >= f.limit
}

// add counts one failed login of name.
func (f *loginFailures) add(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.turn()
	k := accountKey(name)
	if _, ok := f.counts[k]; ok || len(f.counts) < maxFailureAccounts {
		f.counts[k]++
	}
}
