// fault_test.go stops, restarts and cuts off a real redis-server: fail
// closed, one log line per outage, FailOpenFor, Revoke errors, recovery
// without a restart, and no stale cache across a reconnect.

package redisrevoke_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession/redisrevoke"
	"github.com/fullsession/fullsession/internal/testkit/tcpproxy"
)

// lookupsDuring calls NotBefore from 4 goroutines for d, as busy servers
// would, and returns how many calls failed and how many succeeded.
func lookupsDuring(r *redisrevoke.Revoker, subject string, d time.Duration) (failed, ok int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				_, err := r.NotBefore(ctx, subject)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					ok++
				}
				mu.Unlock()
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	return failed, ok
}

func countLines(lines []string, substr string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

func TestOutageFailsClosedAndRecovers(t *testing.T) {
	s := startRedis(t)
	a, logs := newRevoker(t, s.Addr(), redisrevoke.Options{})
	b, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	revokedAt := time.Now()
	if err := a.Revoke(ctx, "alice", revokedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := a.NotBefore(ctx, "bob"); err != nil { // cached "not revoked"
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	// Fail closed, for cached subjects too: the cache died with the connection.
	eventually(t, 2*time.Second, "NotBefore fails once Redis is down", func() bool {
		_, err := a.NotBefore(ctx, "bob")
		return errors.Is(err, redisrevoke.ErrUnavailable)
	})
	failed, ok := lookupsDuring(a, "bob", 500*time.Millisecond)
	if ok != 0 || failed == 0 {
		t.Errorf("during the outage: %d lookups failed, %d succeeded; want all to fail", failed, ok)
	}
	if _, err := a.NotBefore(ctx, "carol"); !errors.Is(err, redisrevoke.ErrUnavailable) {
		t.Errorf("uncached subject during the outage: err = %v, want ErrUnavailable", err)
	}
	if err := b.Revoke(ctx, "bob", time.Now()); !errors.Is(err, redisrevoke.ErrUnavailable) {
		t.Errorf("Revoke during the outage: err = %v, want ErrUnavailable", err)
	}
	lines := logs.lines()
	if n := countLines(lines, "redis unreachable"); n != 1 || len(lines) != 1 {
		t.Errorf("after %d failed lookups, log has %d lines (%d about the outage), want 1:\n%s",
			failed, len(lines), n, strings.Join(lines, "\n"))
	}

	// Redis comes back on the same address, empty (no persistence here).
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "NotBefore works again without a restart", func() bool {
		nb, err := a.NotBefore(ctx, "bob")
		return err == nil && nb.IsZero()
	})
	bobAt := time.Now()
	if err := b.Revoke(ctx, "bob", bobAt); err != nil {
		t.Fatalf("Revoke after the outage: %v", err)
	}
	eventually(t, time.Second, "a sees b's revocation after the outage", func() bool {
		nb, err := a.NotBefore(ctx, "bob")
		return err == nil && nb.UnixMilli() == bobAt.UnixMilli()
	})
	lines = logs.lines()
	t.Logf("log of one outage:\n%s", strings.Join(lines, "\n"))
	if len(lines) != 2 || countLines(lines, "reachable again") != 1 {
		t.Errorf("after the outage, log = \n%s\nwant the outage line and one recovery line", strings.Join(lines, "\n"))
	}

	// A second outage logs again, once.
	s.Stop()
	eventually(t, 2*time.Second, "second outage seen", func() bool {
		_, err := a.NotBefore(ctx, "bob")
		return err != nil
	})
	lookupsDuring(a, "bob", 200*time.Millisecond)
	if n := countLines(logs.lines(), "redis unreachable"); n != 2 {
		t.Errorf("after two outages, %d outage lines, want 2", n)
	}
}

// TestPersistedRevocationsSurviveRestart: with a persisted Redis (here a
// SAVE before the stop), a revocation made before an outage holds after it.
func TestPersistedRevocationsSurviveRestart(t *testing.T) {
	s := startRedis(t)
	a, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	at := time.Now()
	if err := a.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	c := admin(t, s.Addr())
	if err := c.Do(ctx, c.B().Save().Build()).Error(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "alice still revoked after the restart", func() bool {
		nb, err := a.NotBefore(ctx, "alice")
		return err == nil && nb.UnixMilli() == at.UnixMilli()
	})
}

func TestFailOpenFor(t *testing.T) {
	s := startRedis(t)
	const window = 400 * time.Millisecond
	a, logs := newRevoker(t, s.Addr(), redisrevoke.Options{FailOpenFor: window})
	if err := a.Revoke(ctx, "alice", time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	start := time.Now()
	eventually(t, 2*time.Second, "outage noticed", func() bool {
		nb, err := a.NotBefore(ctx, "alice")
		return err == nil && nb.IsZero() // fail open: "not revoked"
	})
	if time.Since(start) < window/2 {
		if _, err := a.NotBefore(ctx, "alice"); err != nil {
			t.Errorf("within FailOpenFor: err = %v, want nil", err)
		}
	}
	eventually(t, window+2*time.Second, "fails closed after FailOpenFor", func() bool {
		_, err := a.NotBefore(ctx, "alice")
		return errors.Is(err, redisrevoke.ErrUnavailable)
	})
	if err := a.Revoke(ctx, "bob", time.Now()); err == nil {
		t.Error("Revoke during the outage succeeded within FailOpenFor")
	}
	lookupsDuring(a, "alice", 200*time.Millisecond)
	lines := logs.lines()
	if len(lines) != 2 || countLines(lines, "FailOpenFor") != 2 {
		t.Errorf("log = \n%s\nwant one line at the start and one at the end of the window", strings.Join(lines, "\n"))
	}
}

// TestNoStaleCacheAcrossReconnect cuts one client off while another
// revokes: Redis cannot send that client the invalidation, so it must not
// answer from its old cache once it is back.
func TestNoStaleCacheAcrossReconnect(t *testing.T) {
	s := startRedis(t)
	p, err := tcpproxy.New(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, _ := newRevoker(t, p.Addr(), redisrevoke.Options{}) // through the proxy
	b, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	for range 3 {
		if nb, err := a.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
			t.Fatalf("before: %v, %v", nb, err)
		}
	}
	p.Cut()
	at := time.Now()
	if err := b.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "a notices it is cut off", func() bool {
		_, err := a.NotBefore(ctx, "alice")
		return errors.Is(err, redisrevoke.ErrUnavailable)
	})
	p.Restore()
	var nb time.Time
	eventually(t, 2*time.Second, "a reconnects", func() bool {
		nb, err = a.NotBefore(ctx, "alice")
		return err == nil
	})
	if nb.UnixMilli() != at.UnixMilli() {
		t.Fatalf("after reconnecting, a.NotBefore = %v, want the revocation made while it was cut off (%v)", nb, at)
	}
}

// TestStartsDuringOutage: New succeeds while Redis is down and the Revoker
// works once Redis is up, so servers can restart during an outage.
func TestStartsDuringOutage(t *testing.T) {
	s := startRedis(t)
	s.Stop()
	a, logs := newRevoker(t, s.Addr(), redisrevoke.Options{})
	if _, err := a.NotBefore(ctx, "alice"); !errors.Is(err, redisrevoke.ErrUnavailable) {
		t.Errorf("NotBefore with Redis down at start: err = %v, want ErrUnavailable", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "works once Redis is up", func() bool {
		_, err := a.NotBefore(ctx, "alice")
		return err == nil
	})
	if lines := logs.lines(); len(lines) != 2 {
		t.Errorf("log = \n%s\nwant one outage line and one recovery line", strings.Join(lines, "\n"))
	}
}

// TestPartition freezes one client's connection (open but silent, as
// across a network partition) while another revokes. The frozen client
// must notice within a few Timeouts, fail fast meanwhile, and not serve
// its old cache once the network heals.
func TestPartition(t *testing.T) {
	s := startRedis(t)
	p, err := tcpproxy.New(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const timeout = 300 * time.Millisecond
	a, logs := newRevoker(t, p.Addr(), redisrevoke.Options{Timeout: timeout})
	b, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	if nb, err := a.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
		t.Fatalf("before: %v, %v", nb, err)
	}
	p.Freeze()
	at := time.Now()
	if err := b.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eventually(t, 6*timeout, "a notices the partition (documented: about 3 Timeouts)", func() bool {
		_, err := a.NotBefore(ctx, "alice")
		return errors.Is(err, redisrevoke.ErrUnavailable)
	})
	t.Logf("partition noticed after %s (Timeout %s)", time.Since(start).Round(time.Millisecond), timeout)

	// Lookups fail fast: only one probe at a time waits for the network.
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	stop := time.Now().Add(time.Second)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				t0 := time.Now()
				_, err := a.NotBefore(ctx, "alice")
				d := time.Since(t0)
				if err == nil {
					t.Error("lookup succeeded during the partition")
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	med, max := lat[len(lat)/2], lat[len(lat)-1]
	t.Logf("%d lookups during the partition: median %s, max %s", len(lat), med, max)
	if med > time.Millisecond || max > 3*timeout {
		t.Errorf("lookups during the partition: median %s (want ≤ 1ms), max %s (want ≤ %s)", med, max, 3*timeout)
	}

	p.Restore()
	var nb time.Time
	eventually(t, 10*timeout, "a is back after the partition", func() bool {
		nb, err = a.NotBefore(ctx, "alice")
		return err == nil
	})
	if nb.UnixMilli() != at.UnixMilli() {
		t.Fatalf("after the partition a.NotBefore = %v, want the revocation made during it (%v)", nb, at)
	}
	if n := countLines(logs.lines(), "redis unreachable"); n != 1 {
		t.Errorf("%d outage lines, want 1:\n%s", n, strings.Join(logs.lines(), "\n"))
	}
}
