// fleet.go holds what lets several instances of the site run side by side
// (examples/century/fleet): the store chosen by -database-url, revocations
// shared through Redis (-redis), the -role of an instance, readiness, and
// the page shown when sign-ins cannot be checked.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/clientsession/redisrevoke"
	"github.com/fullsession/fullsession/examples/century/fleet"
)

// Roles of an instance (-role).
const (
	// roleAll serves the site and takes part in the election of the one
	// updater (Store.lead): the default.
	roleAll = "all"
	// roleWeb serves the site and never updates.
	roleWeb = "web"
	// roleUpdater takes part in the election and serves /healthz only.
	roleUpdater = "updater"
)

// openStore opens the PostgreSQL database of -database-url, or else the
// SQLite file of -db.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*Store, error) {
	if cfg.DatabaseURL != "" {
		return OpenPostgres(ctx, cfg.DatabaseURL, cfg.Count, log)
	}
	return OpenStore(ctx, cfg.DB, cfg.Count, log)
}

// revokers is where logouts are recorded: in this process's memory, or,
// with -redis, in Redis for every instance of the fleet.
type revokers struct {
	memory *clientsession.MemoryRevoker // nil with -redis
	shared *redisrevoke.Revoker         // nil without
}

func openRevokers(cfg config, log *slog.Logger) (revokers, error) {
	if cfg.RedisURL == "" {
		return revokers{memory: clientsession.NewMemoryRevoker(sessionMaxAge)}, nil
	}
	rv, err := redisrevoke.New(redisrevoke.Options{URL: cfg.RedisURL, MaxAge: sessionMaxAge, Logger: log})
	if err != nil {
		return revokers{}, fmt.Errorf("century: -redis: %w", err)
	}
	return revokers{shared: rv}, nil
}

// manager is the clientsession.Revoker the session manager checks.
func (r revokers) manager() clientsession.Revoker {
	if r.shared != nil {
		return r.shared
	}
	return r.memory
}

// ready reports whether Redis answers, when configured. A revocation
// lookup for a subject no user has stands for a ping: during an outage it
// fails at once (redisrevoke probes Redis every 100 ms).
func (r revokers) ready(ctx context.Context) error {
	if r.shared == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := r.shared.NotBefore(ctx, "century-healthz"); err != nil {
		return errors.New("redis unavailable")
	}
	return nil
}

// logouts is siteConfig.Shared: the shared revoker, or nil.
func (r revokers) logouts() sharedRevoker {
	if r.shared == nil {
		return nil // not a nil *Revoker in a non-nil interface
	}
	return r.shared
}

func (r revokers) close() {
	if r.shared != nil {
		r.shared.Close()
	}
}

// sharedRevoker records a logout for every instance (redisrevoke.Revoker).
type sharedRevoker interface {
	Revoke(ctx context.Context, subject string, at time.Time) error
}

// revoke records that subject logged out at `at`, in the shared revoker
// or in memory.
func (s *site) revoke(ctx context.Context, subject string, at time.Time) error {
	if s.shared != nil {
		return s.shared.Revoke(ctx, subject, at)
	}
	if s.revoker != nil {
		s.revoker.Revoke(subject, at)
	}
	return nil
}

// varnishPurgers returns the purger of each comma-separated Varnish purge
// listener of urls, all behind one cachehint.MultiPurger when there are
// several, or nil when there is none.
func varnishPurgers(urls, secret string) cachehint.Purger {
	var ps []cachehint.Purger
	for _, u := range strings.Split(urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			ps = append(ps, &cachehint.VarnishPurger{URL: u, Secret: secret, Client: &http.Client{Timeout: 5 * time.Second}})
		}
	}
	switch len(ps) {
	case 0:
		return nil
	case 1:
		return ps[0]
	}
	return cachehint.MultiPurger(ps...)
}

// healthDown is set while /healthz reports the database down, so that an
// outage is logged once, not at every probe (several a second per cache).
var healthDown atomic.Bool

// healthFailed logs a failed database health check once per outage.
func (s *site) healthFailed(r *http.Request, err error) {
	if !healthDown.Swap(true) {
		s.log.ErrorContext(r.Context(), "health check: database unavailable (logged once per outage)", "err", err)
	}
}

// healthOK ends an outage that healthFailed logged.
func (s *site) healthOK(r *http.Request) {
	if healthDown.Swap(false) {
		s.log.InfoContext(r.Context(), "health check: database available again")
	}
}

// printVCL is the "century vcl ORIGIN..." command: it prints the Varnish
// configuration of a fleet whose origins listen at the given host:port
// addresses (fleet/run.sh), and returns the exit code.
func printVCL(origins []string, stdout, stderr io.Writer) int {
	vcl, err := fleet.VCL(origins)
	if err != nil {
		fmt.Fprintln(stderr, "usage: century vcl HOST:PORT...:", err)
		return 2
	}
	fmt.Fprint(stdout, vcl)
	return 0
}

// runUpdater runs upd for the instance's role: in a fleet only the
// instance that holds the updater lock runs it.
func runUpdater(ctx context.Context, role string, store *Store, upd *updater, log *slog.Logger) {
	if role == roleWeb || (upd.queue == nil && upd.rate <= 0) {
		return
	}
	store.lead(ctx, log, upd.Run)
}

// healthOnly serves h's /healthz and nothing else (-role updater).
func healthOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// signInCheck records, for one request, that a session's revocation could
// not be checked (the shared revoker is unreachable), so that signed-in
// pages can say so instead of looking signed out.
type signInCheck struct{ failed atomic.Bool }

type signInCheckKey struct{}

// watchSignInChecks gives each request a signInCheck; it goes before the
// session middleware.
func watchSignInChecks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signInCheckKey{}, &signInCheck{})))
	})
}

// noteRevokerFailure is called by the session manager's OnInvalid with the
// reason a value read as absent. It reports whether that reason was an
// unreachable revoker, and then marks the request.
func noteRevokerFailure(r *http.Request, err error) bool {
	if !errors.Is(err, redisrevoke.ErrUnavailable) {
		return false
	}
	if c, ok := r.Context().Value(signInCheckKey{}).(*signInCheck); ok {
		c.failed.Store(true)
	}
	return true
}

// signInUnavailable answers 503 with a page that says why, and reports
// true, when this request's session could not be checked against the
// revocations. Signed-in pages fail closed: nothing is shown as the user,
// and nothing is deleted, so the user is signed in again once the check
// works.
func (s *site) signInUnavailable(w http.ResponseWriter, r *http.Request, what string) bool {
	c, ok := r.Context().Value(signInCheckKey{}).(*signInCheck)
	if !ok || !c.failed.Load() {
		return false
	}
	const retry = 5 // seconds
	w.Header().Set("Retry-After", strconv.Itoa(retry))
	msg := "Sign-in cannot be checked right now (the session service is unreachable), so " +
		what + " is unavailable for a moment. You have not been signed out: try again in a few seconds."
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(struct {
			Error      string `json:"error"`
			Message    string `json:"message"`
			RetryAfter int    `json:"retryAfter"`
		}{"signin_unavailable", msg, retry})
		return true
	}
	s.fail(w, r, http.StatusServiceUnavailable, msg)
	return true
}

// wantsJSON reports whether the client asked for JSON (Accept names
// application/json and not HTML): scripts and API clients, not browsers
// navigating.
func wantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}
