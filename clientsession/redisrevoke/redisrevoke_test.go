// redisrevoke_test.go tests Revoke and NotBefore against a real Redis:
// sharing between two clients, monotonic times, the TTL, the local cache.

package redisrevoke_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession/redisrevoke"
)

var ctx = context.Background()

func TestRevokeSeenByAnotherClient(t *testing.T) {
	s := startRedis(t)
	a, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	b, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})

	if nb, err := b.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
		t.Fatalf("never revoked: NotBefore = %v, %v; want zero, nil", nb, err)
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 123_456_789, time.UTC)
	if err := a.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	want := at.Truncate(time.Millisecond)
	eventually(t, time.Second, "b sees a's revocation", func() bool {
		nb, err := b.NotBefore(ctx, "alice")
		return err == nil && nb.Equal(want)
	})
	if nb, _ := a.NotBefore(ctx, "alice"); !nb.Equal(want) {
		t.Errorf("a.NotBefore = %v, want %v (milliseconds kept)", nb, want)
	}
	if nb, _ := b.NotBefore(ctx, "bob"); !nb.IsZero() {
		t.Errorf("other subject: NotBefore = %v, want zero", nb)
	}

	// An earlier revocation (a slow server) does not undo a later one.
	if err := b.Revoke(ctx, "alice", at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := a.NotBefore(ctx, "alice"); !nb.Equal(want) {
		t.Errorf("after an earlier Revoke: NotBefore = %v, want %v", nb, want)
	}
	later := at.Add(time.Second)
	if err := b.Revoke(ctx, "alice", later); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "a sees the later revocation", func() bool {
		nb, _ := a.NotBefore(ctx, "alice")
		return nb.Equal(later.Truncate(time.Millisecond))
	})
}

func TestBadInput(t *testing.T) {
	s := startRedis(t)
	r, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	if err := r.Revoke(ctx, "", time.Now()); err == nil {
		t.Error("Revoke of an empty subject succeeded")
	}
	if err := r.Revoke(ctx, "alice", time.Time{}); err == nil {
		t.Error("Revoke at the zero time succeeded")
	}
	if nb, err := r.NotBefore(ctx, ""); err != nil || !nb.IsZero() {
		t.Errorf("NotBefore(\"\") = %v, %v; want zero, nil", nb, err)
	}
	// Subjects are opaque: spaces, newlines and non-ASCII are kept apart.
	for i, subj := range []string{"a b", "a\r\nb", "ü", "42"} {
		at := time.Now().Add(time.Duration(i) * time.Second)
		if err := r.Revoke(ctx, subj, at); err != nil {
			t.Fatalf("Revoke(%q): %v", subj, err)
		}
		if nb, err := r.NotBefore(ctx, subj); err != nil || nb.UnixMilli() != at.UnixMilli() {
			t.Errorf("NotBefore(%q) = %v, %v", subj, nb, err)
		}
	}
	// A garbage entry (not written by Revoke) fails closed, with an error.
	c := admin(t, s.Addr())
	c.Do(ctx, c.B().Set().Key(redisrevoke.DefaultPrefix+"mallory").Value("soon").Build())
	if _, err := r.NotBefore(ctx, "mallory"); err == nil {
		t.Error("NotBefore of a garbage entry succeeded")
	}
	if _, err := redisrevoke.New(redisrevoke.Options{}); err == nil {
		t.Error("New without URL succeeded")
	}
	if _, err := redisrevoke.New(redisrevoke.Options{URL: "http://x"}); err == nil {
		t.Error("New with an http URL succeeded")
	}
}

// TestTTL checks that entries expire in Redis MaxAge after the revocation
// time, so memory holds one MaxAge of logouts at most.
func TestTTL(t *testing.T) {
	s := startRedis(t)
	const maxAge = 1500 * time.Millisecond
	r, _ := newRevoker(t, s.Addr(), redisrevoke.Options{MaxAge: maxAge, Prefix: "ttl:"})
	c := admin(t, s.Addr())

	now := time.Now()
	if err := r.Revoke(ctx, "alice", now); err != nil {
		t.Fatal(err)
	}
	pexp, err := c.Do(ctx, c.B().Pexpiretime().Key("ttl:alice").Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(maxAge).UnixMilli(); pexp != want {
		t.Errorf("PEXPIRETIME = %d, want %d (revocation time + MaxAge)", pexp, want)
	}
	for i := range 500 {
		if err := r.Revoke(ctx, "user"+strconv.Itoa(i), now); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := c.Do(ctx, c.B().Dbsize().Build()).AsInt64(); n != 501 {
		t.Fatalf("DBSIZE after 501 revocations = %d", n)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); nb.UnixMilli() != now.UnixMilli() {
		t.Fatalf("NotBefore before expiry = %v", nb)
	}
	// Redis expires keys lazily and by sampling; wait a little beyond.
	eventually(t, maxAge+5*time.Second, "every entry expired (DBSIZE 0)", func() bool {
		n, _ := c.Do(ctx, c.B().Dbsize().Build()).AsInt64()
		return n == 0
	})
	// Expiry invalidates the local cache too.
	if nb, err := r.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
		t.Errorf("NotBefore after expiry = %v, %v; want zero", nb, err)
	}
	// A revocation older than MaxAge voids nothing that is still valid: it
	// is not stored at all.
	if err := r.Revoke(ctx, "old", time.Now().Add(-2*maxAge)); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Do(ctx, c.B().Exists().Key("ttl:old").Build()).AsInt64(); n != 0 {
		t.Error("a revocation older than MaxAge was stored")
	}
}

// TestLookupsAreCached checks the local cache, for revoked and for never
// revoked subjects: repeated lookups cost one round trip in all.
func TestLookupsAreCached(t *testing.T) {
	s := startRedis(t)
	r, _ := newRevoker(t, s.Addr(), redisrevoke.Options{})
	c := admin(t, s.Addr())
	if err := r.Revoke(ctx, "revoked", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"revoked", "never-revoked"} {
		if _, err := r.NotBefore(ctx, subj); err != nil {
			t.Fatal(err)
		}
		before := calls(t, c)
		for range 1000 {
			if _, err := r.NotBefore(ctx, subj); err != nil {
				t.Fatal(err)
			}
		}
		if n := calls(t, c) - before; n != 0 {
			t.Errorf("%s: 1000 cached lookups cost %d Redis commands, want 0", subj, n)
		}
	}
}

func TestClose(t *testing.T) {
	s := startRedis(t)
	r, logs := newRevoker(t, s.Addr(), redisrevoke.Options{})
	if _, err := r.NotBefore(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.NotBefore(ctx, "alice"); err == nil {
		t.Error("NotBefore after Close succeeded")
	}
	if err := r.Revoke(ctx, "alice", time.Now()); err == nil {
		t.Error("Revoke after Close succeeded")
	}
	if l := logs.lines(); len(l) != 0 {
		t.Errorf("Close logged %q; it is not an outage", l)
	}
}
