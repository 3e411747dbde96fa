package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/examples/century/demo"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// recordingPurger is a unit-test double; the end-to-end test purges a real
// Varnish.
type recordingPurger struct {
	mu   sync.Mutex
	tags []string
}

func (p *recordingPurger) Purge(ctx context.Context, tags ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tags = append(p.tags, tags...)
	return nil
}

func (p *recordingPurger) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tags...)
}

func TestUpdaterApplyPurges(t *testing.T) {
	store := freshStore(t, 100)
	pg := &recordingPurger{}
	u := newUpdater(store, pg, 1, slog.New(slog.DiscardHandler))
	p, err := u.Apply(context.Background(), 42, 777_000, demo.StatusUnderOffer)
	require.NoError(t, err)
	assert.Equal(t, int64(777_000), p.Price)
	assert.Equal(t, demo.StatusUnderOffer, p.Status)
	assert.Equal(t, []string{"property-42"}, pg.seen())

	_, err = u.Apply(context.Background(), 4242, 1, demo.StatusSold)
	assert.ErrorIs(t, err, errNotFound)
	assert.Len(t, pg.seen(), 1, "nothing to purge for an unknown id")
}

func TestUpdaterRun(t *testing.T) {
	store := freshStore(t, 20)
	pg := &recordingPurger{}
	u := newUpdater(store, pg, 200, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); u.Run(ctx) }()
	require.Eventually(t, func() bool { return len(pg.seen()) >= 20 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done

	changed := 0
	for id := int64(1); id <= 20; id++ {
		p, err := store.Get(context.Background(), id)
		require.NoError(t, err)
		g := demo.Generate(id)
		if p.Price != g.Price || p.Status != g.Status {
			changed++
		}
		assert.Positive(t, p.Price)
		assert.Contains(t, demo.Statuses, p.Status)
	}
	assert.Greater(t, changed, 5, "the updater changes prices and demo.Statuses")

	// Rate zero and no cache to purge: Run returns at once.
	stopped := make(chan struct{})
	go func() { newUpdater(store, nil, 0, nil).Run(context.Background()); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run with rate 0 did not return")
	}
}

type failingPurger struct{}

func (failingPurger) Purge(context.Context, ...string) error { return errors.New("connection refused") }

func TestUpdaterPurgeFailureLogsOnce(t *testing.T) {
	store := freshStore(t, 10)
	var logs syncbuf.Buffer
	u := newUpdater(store, failingPurger{}, 1, slog.New(slog.NewTextHandler(&logs, nil)))
	for id := int64(1); id <= 3; id++ {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		p, err := u.Apply(ctx, id, 5000, demo.StatusSold)
		cancel()
		require.NoError(t, err, "the change is made even when the purge fails")
		assert.Equal(t, int64(5000), p.Price)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "level=ERROR"), logs.String())
	assert.Equal(t, 3, u.Pending(), "the queue keeps the purges")
	n, err := store.OutboxLen(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, n, "the outbox keeps the purges")
	assert.Equal(t, int64(3), u.changes.Load())
}

func TestWarnUnpurged(t *testing.T) {
	// Through the site: Varnish in front (X-Forwarded-For, Via) and no
	// purge target: one warning for many requests.
	s := newTestSite(t, siteConfig{})
	s.get("/properties/1", "") // direct: no warning
	assert.NotContains(t, s.logs.String(), "no purge target")
	for range 5 {
		s.do("GET", "/properties/1", "", nil, "X-Forwarded-For", "192.0.2.9")
		s.do("GET", "/", "", nil, "Via", "1.1 varnish (Varnish/7.1)")
	}
	assert.Equal(t, 1, strings.Count(s.logs.String(), "no purge target is set"), s.logs.String())
	assert.Contains(t, s.logs.String(), "level=WARN")

	// With a purge target: never.
	s = newTestSite(t, siteConfig{Purging: true})
	s.do("GET", "/", "", nil, "X-Forwarded-For", "192.0.2.9")
	assert.NotContains(t, s.logs.String(), "no purge target")

	// Once per period.
	var logs syncbuf.Buffer
	h := warnUnpurged(slog.New(slog.NewTextHandler(&logs, nil)), 20*time.Millisecond)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Via", "1.1 Varnish")
	h.ServeHTTP(httptest.NewRecorder(), r)
	h.ServeHTTP(httptest.NewRecorder(), r)
	time.Sleep(30 * time.Millisecond)
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), logs.String())
}
