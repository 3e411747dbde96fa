// helpers_test.go starts a real redis-server per test and reads its stats.

package redisrevoke_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession/redisrevoke"
	"github.com/fullsession/fullsession/internal/testkit/redisproc"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
	"github.com/redis/rueidis"
)

// startRedis starts a redis-server for tb and stops it at the end. Under
// CI=true a missing redis-server fails the test; elsewhere it skips.
func startRedis(tb testing.TB) *redisproc.Server {
	tb.Helper()
	s, err := redisproc.Start(tb.TempDir())
	if errors.Is(err, redisproc.ErrNotInstalled) {
		if os.Getenv("CI") == "true" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// logBuf collects log lines; safe for concurrent use.
type logBuf struct{ syncbuf.Buffer }

// lines returns the lines written so far, without the trailing newline.
func (l *logBuf) lines() []string {
	s := strings.TrimSpace(l.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// newRevoker returns a Revoker on addr that logs into the returned buffer.
func newRevoker(tb testing.TB, addr string, o redisrevoke.Options) (*redisrevoke.Revoker, *logBuf) {
	tb.Helper()
	logs := new(logBuf)
	o.URL = "redis://" + addr + "/0"
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	r, err := redisrevoke.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r, logs
}

// admin is a plain client (no client-side cache) for looking at Redis.
func admin(tb testing.TB, addr string) rueidis.Client {
	tb.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// calls returns, from INFO commandstats, how many commands Redis has run,
// leaving out INFO (the measuring itself) and PING (the clients'
// keep-alive): the round trips that lookups and revocations cost.
func calls(tb testing.TB, c rueidis.Client) int64 {
	tb.Helper()
	info, err := c.Do(context.Background(), c.B().Info().Section("commandstats").Build()).ToString()
	if err != nil {
		tb.Fatal(err)
	}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_get:calls=3,usec=12,...
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" || name == "cmdstat_ping" {
			continue
		}
		v, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		k, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			tb.Fatalf("commandstats line %q: %v", line, err)
		}
		n += k
	}
	return n
}

// eventually polls f every millisecond until it reports true or d passes.
func eventually(tb testing.TB, d time.Duration, what string, f func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(time.Millisecond)
	}
}
