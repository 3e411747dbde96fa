// store_backends_test.go runs the store's tests against both backends:
// SQLite (the default) and PostgreSQL (-database-url), the latter on a
// throw-away cluster from pgproc. Under CI=true a missing PostgreSQL fails.

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/cachehint"
	"github.com/fullsession/fullsession/examples/century/demo"
	"github.com/fullsession/fullsession/internal/testkit/pgproc"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// backend opens a fresh store of count properties of its own on one
// database engine; open(t, "") makes a new database, open(t, name) reopens
// the one of that name.
type backend struct {
	name string
	open func(t testing.TB, db string, count int64, log *slog.Logger) (*Store, error)
	// newDB returns the name of a new, empty database.
	newDB func(t testing.TB) string
}

var sharedPG = sync.OnceValues(func() (*pgproc.Server, error) {
	s, err := pgproc.New()
	if err == nil {
		sharedPGServer.Store(s)
	}
	return s, err
})

var (
	sharedPGServer atomic.Pointer[pgproc.Server]
	pgDBs          atomic.Int64
)

// closeSharedPG stops the PostgreSQL cluster if a test started it
// (TestMain).
func closeSharedPG() {
	if s := sharedPGServer.Load(); s != nil {
		s.Close()
	}
}

// testPG returns the shared cluster; outside CI a missing PostgreSQL skips.
func testPG(t testing.TB) *pgproc.Server {
	t.Helper()
	s, err := sharedPG()
	if errors.Is(err, pgproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	require.NoError(t, err)
	return s
}

// pgURL is the URL of database db on s.
func pgURL(s *pgproc.Server, db string) string {
	return strings.Replace(s.URL(), "/postgres?", "/"+db+"?", 1)
}

func backends() []backend {
	return []backend{
		{
			name: "sqlite",
			newDB: func(t testing.TB) string {
				return filepath.Join(t.TempDir(), "century.db")
			},
			open: func(t testing.TB, db string, count int64, log *slog.Logger) (*Store, error) {
				return OpenStore(context.Background(), db, count, log)
			},
		},
		{
			name: "postgres",
			newDB: func(t testing.TB) string {
				s := testPG(t)
				name := fmt.Sprintf("century_%d", pgDBs.Add(1))
				admin, err := sql.Open("pgx", s.URL())
				require.NoError(t, err)
				defer admin.Close()
				_, err = admin.Exec(`CREATE DATABASE ` + name)
				require.NoError(t, err)
				return name
			},
			open: func(t testing.TB, db string, count int64, log *slog.Logger) (*Store, error) {
				return OpenPostgres(context.Background(), pgURL(testPG(t), db), count, log)
			},
		},
	}
}

// forEachBackend runs f on a fresh store of count properties per backend.
func forEachBackend(t *testing.T, count int64, f func(t *testing.T, b backend, s *Store)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s, err := b.open(t, b.newDB(t), count, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			f(t, b, s)
		})
	}
}

func TestStoreGeneratesThenReuses(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.newDB(t)
			var logs syncbuf.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			s, err := b.open(t, db, 300, log)
			require.NoError(t, err)
			assert.Contains(t, logs.String(), "generating the property database")
			for _, pct := range []string{"percent=10\n", "percent=50\n", "percent=100\n"} {
				assert.Contains(t, logs.String(), pct, "progress is shown")
			}
			p, err := s.Get(ctx, 42)
			require.NoError(t, err)
			assert.Equal(t, demo.Generate(42), p.Property)
			_, err = s.Get(ctx, 301)
			assert.ErrorIs(t, err, errNotFound)

			_, err = s.Update(ctx, 42, 123_000, demo.StatusSold)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			logs = syncbuf.Buffer{}
			s, err = b.open(t, db, 300, log)
			require.NoError(t, err)
			assert.Contains(t, logs.String(), "reusing the property database")
			assert.NotContains(t, logs.String(), "generating")
			p, err = s.Get(ctx, 42)
			require.NoError(t, err)
			assert.Equal(t, int64(123_000), p.Price, "a change survives a restart")
			require.NoError(t, s.Close())

			logs = syncbuf.Buffer{}
			s, err = b.open(t, db, 200, log)
			require.NoError(t, err)
			defer s.Close()
			assert.Contains(t, logs.String(), "300 properties, want 200")
			p, err = s.Get(ctx, 42)
			require.NoError(t, err)
			assert.Equal(t, demo.Generate(42).Price, p.Price, "regenerated")
			_, err = s.Get(ctx, 201)
			assert.ErrorIs(t, err, errNotFound)
			assert.Equal(t, int64(200), s.Count())
		})
	}
}

// TestStoreConcurrentFirstStart opens the same new PostgreSQL database from
// three instances at once: one generates, the others wait and reuse.
func TestStoreConcurrentFirstStart(t *testing.T) {
	b := backends()[1]
	db := b.newDB(t)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var wg sync.WaitGroup
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = b.open(t, db, 500, log) })
	}
	wg.Wait()
	for i, s := range stores {
		require.NoError(t, errs[i])
		defer s.Close()
		p, err := s.Get(context.Background(), 500)
		require.NoError(t, err)
		assert.Equal(t, demo.Generate(500), p.Property)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "msg=\"generating the property database\""), logs.String())
	assert.Equal(t, 2, strings.Count(logs.String(), "reusing the property database"))
}

func TestStoreQueries(t *testing.T) {
	// The same searches on both backends give the same pages.
	searches := []Search{
		{}, {City: "Paris"}, {City: "Paris", Type: "loft", MaxPrice: 500_000}, {Type: "villa", MinPrice: 1},
		{MinRooms: 4}, {MinPrice: 200_000, MaxPrice: 400_000}, {After: 1500}, {Before: 30}, {Type: "studio", After: 900},
		{City: "Lyon", Before: 1900}, {MinPrice: 1, MaxPrice: 2},
	}
	results := map[string][]Results{}
	forEachBackend(t, testCount, func(t *testing.T, b backend, s *Store) {
		ctx := context.Background()
		ps, err := s.GetMany(ctx, []int64{7, 99999, 3, 7})
		require.NoError(t, err)
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		assert.Equal(t, []int64{7, 3, 7}, ids, "order kept, unknown skipped")
		ps, err = s.GetMany(ctx, nil)
		assert.NoError(t, err)
		assert.Empty(t, ps)

		for _, q := range searches {
			res, err := s.Find(ctx, q)
			require.NoError(t, err, "%+v", q)
			assert.LessOrEqual(t, len(res.Properties), pageSize)
			for i, p := range res.Properties {
				assert.Equal(t, demo.Generate(p.ID), p.Property)
				res.Properties[i].UpdatedAt = time.Time{} // the time of each generation
			}
			results[b.name] = append(results[b.name], res)
		}
		require.NoError(t, s.Ping(ctx))
	})
	if len(results) == 2 {
		assert.Equal(t, results["sqlite"], results["postgres"], "both backends answer the same")
		assert.Positive(t, results["sqlite"][1].Total)
	}
}

// TestStoreSearchUsesIndexes checks on each backend that an index serves
// every filter of the search form. On PostgreSQL, sequential scans are
// disabled for the check: on a small table the planner would rightly prefer
// them, so the test asks whether an index can serve the query at all.
func TestStoreSearchUsesIndexes(t *testing.T) {
	queries := []Search{{City: "Paris", Type: "loft", MaxPrice: 500_000}, {Type: "villa", MinPrice: 1},
		{MinPrice: 1, MaxPrice: 2}, {City: "Lyon"}}
	forEachBackend(t, testCount, func(t *testing.T, b backend, s *Store) {
		ctx := context.Background()
		for _, q := range queries {
			where, args := q.where()
			plan := explain(t, s, `SELECT count(*) FROM properties`+where, args)
			if s.pg == nil {
				assert.Contains(t, plan, "USING", "%+v: %s", q, plan)
				assert.NotContains(t, plan, "SCAN properties\n", "%+v: %s", q, plan)
			} else {
				assert.NotContains(t, plan, "Seq Scan", "%+v: %s", q, plan)
				assert.Contains(t, plan, "Index", "%+v: %s", q, plan)
			}
		}
		_ = ctx
	})
}

// explain returns the query plan of query, one line per step.
func explain(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if s.pg != nil {
		prefix = "EXPLAIN "
		_, err := conn.ExecContext(ctx, `SET enable_seqscan = off`)
		require.NoError(t, err)
		defer conn.ExecContext(ctx, `RESET enable_seqscan`)
	}
	rows, err := conn.QueryContext(ctx, s.db.bind(prefix+query), args...)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		fmt.Fprintf(&plan, "%v\n", vals[len(vals)-1]) // the detail column
	}
	require.NoError(t, rows.Err())
	return plan.String()
}

// TestStoreUpdateWritesOutbox: the change and its purge record commit
// together; a failed change records nothing.
func TestStoreUpdateWritesOutbox(t *testing.T) {
	forEachBackend(t, 100, func(t *testing.T, b backend, s *Store) {
		ctx := context.Background()
		p, err := s.Update(ctx, 42, 777_000, demo.StatusUnderOffer, propertyTag(42))
		require.NoError(t, err)
		assert.Equal(t, int64(777_000), p.Price)
		assert.Equal(t, demo.StatusUnderOffer, p.Status)
		assert.WithinDuration(t, time.Now(), p.UpdatedAt, 2*time.Second)
		got, err := s.Get(ctx, 42)
		require.NoError(t, err)
		assert.Equal(t, p, got)

		_, err = s.Update(ctx, 4242, 1, demo.StatusSold, propertyTag(4242))
		assert.ErrorIs(t, err, errNotFound)
		// A cancelled transaction leaves neither the change nor the record.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.Update(cctx, 43, 1, demo.StatusSold, propertyTag(43))
		assert.Error(t, err)
		got, err = s.Get(ctx, 43)
		require.NoError(t, err)
		assert.Equal(t, demo.Generate(43).Price, got.Price)

		tags, err := s.Outbox().Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"property-42"}, tags)
		_, err = s.Update(ctx, 42, 778_000, demo.StatusUnderOffer) // no purge asked: no record
		require.NoError(t, err)
		n, err := s.OutboxLen(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}

// TestOutboxConfirmedKeepsNewer: Confirmed deletes the records written
// before the confirming purge was sent, and keeps the newer ones.
func TestOutboxConfirmedKeepsNewer(t *testing.T) {
	forEachBackend(t, 100, func(t *testing.T, b backend, s *Store) {
		ctx := context.Background()
		for _, id := range []int64{1, 2, 3} {
			_, err := s.Update(ctx, id, 1000+id, demo.StatusSold, propertyTag(id))
			require.NoError(t, err)
		}
		sent := time.Now()
		time.Sleep(2 * time.Millisecond)
		_, err := s.Update(ctx, 1, 5000, demo.StatusSold, propertyTag(1)) // changed again while in flight
		require.NoError(t, err)
		require.NoError(t, s.Outbox().Confirmed(ctx, []string{"property-1", "property-2"}, sent))
		tags, err := s.Outbox().Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"property-3", "property-1"}, tags, "oldest first; the newer property-1 stays")
	})
}

// gatedPurger passes purges to inner only while open; closed, it fails.
type gatedPurger struct {
	inner cachehint.Purger
	open  atomic.Bool
}

func (g *gatedPurger) Purge(ctx context.Context, tags ...string) error {
	if !g.open.Load() {
		return errors.New("cache unreachable")
	}
	return g.inner.Purge(ctx, tags...)
}

// TestCrashBetweenUpdateAndPurge: an updater commits changes and dies
// before any purge is confirmed (the cache is unreachable, then the
// process stops without a flush: its queue is gone). The next updater, on
// a new Store as after a restart, purges every changed tag from its outbox
// and empties it.
func TestCrashBetweenUpdateAndPurge(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.newDB(t)
			log := slog.New(slog.DiscardHandler)
			s, err := b.open(t, db, 100, log)
			require.NoError(t, err)
			down := &gatedPurger{inner: &recordingPurger{}}
			u := newUpdater(s, down, 0, log)
			ctx, crash := context.WithCancel(context.Background())
			ran := make(chan struct{})
			go func() { defer close(ran); u.queue.Run(ctx) }() // the queue runs, the flush of Run never comes
			u.running.Store(true)
			for _, id := range []int64{5, 6, 7, 5} {
				_, err := u.Apply(context.Background(), id, 9000+id, demo.StatusUnderOffer)
				require.NoError(t, err)
			}
			time.Sleep(300 * time.Millisecond) // attempts fail meanwhile
			crash()
			<-ran
			require.NoError(t, s.Close())

			s, err = b.open(t, db, 100, log)
			require.NoError(t, err)
			defer s.Close()
			rec := &recordingPurger{}
			u = newUpdater(s, rec, 0, log)
			rctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); u.Run(rctx) }()
			require.Eventually(t, func() bool {
				n, err := s.OutboxLen(context.Background())
				return err == nil && n == 0
			}, 10*time.Second, 20*time.Millisecond, "the outbox empties")
			stop()
			<-done
			assert.ElementsMatch(t, []string{"property-5", "property-6", "property-7"}, rec.seen(),
				"every change of the crashed updater is purged, once")
			p, err := s.Get(context.Background(), 7)
			require.NoError(t, err)
			assert.Equal(t, int64(9007), p.Price)
		})
	}
}

// TestLeadOneUpdater: on PostgreSQL, of three instances exactly one runs
// the updater at a time; when it stops, another takes over.
func TestLeadOneUpdater(t *testing.T) {
	b := backends()[1]
	db := b.newDB(t)
	log := slog.New(slog.DiscardHandler)
	var leading, maxLeading atomic.Int64
	var leads, leader atomic.Int64
	cancels := make([]context.CancelFunc, 3)
	done := make([]chan struct{}, 3)
	for i := range cancels {
		s, err := b.open(t, db, 50, log)
		require.NoError(t, err)
		defer s.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i], done[i] = cancel, make(chan struct{})
		go func() {
			defer close(done[i])
			s.lead(ctx, log, func(ctx context.Context) {
				leads.Add(1)
				leader.Store(int64(i))
				n := leading.Add(1)
				for m := maxLeading.Load(); n > m && !maxLeading.CompareAndSwap(m, n); m = maxLeading.Load() {
				}
				<-ctx.Done()
				leading.Add(-1)
			})
		}()
	}
	require.Eventually(t, func() bool { return leading.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(1500 * time.Millisecond) // the others retry meanwhile
	assert.Equal(t, int64(1), leads.Load())
	// Stop the leader: another takes over, within about a second.
	first := leader.Load()
	stopped := time.Now()
	cancels[first]()
	<-done[first]
	require.Eventually(t, func() bool { return leads.Load() == 2 && leading.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
	t.Logf("takeover after %v", time.Since(stopped).Round(time.Millisecond))
	assert.NotEqual(t, first, leader.Load())
	for i := range cancels {
		cancels[i]()
		<-done[i]
	}
	assert.Equal(t, int64(1), maxLeading.Load(), "never two updaters at once")
}

// TestLeadSurvivesRestart: the updater loses the lock when PostgreSQL
// restarts and takes it again when it is back, without a restart of its own.
func TestLeadSurvivesRestart(t *testing.T) {
	srv, err := pgproc.New()
	if errors.Is(err, pgproc.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	require.NoError(t, err)
	defer srv.Close()
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s, err := OpenPostgres(context.Background(), srv.URL(), 50, log)
	require.NoError(t, err)
	defer s.Close()
	var terms atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.lead(ctx, log, func(ctx context.Context) { terms.Add(1); <-ctx.Done() })
	}()
	require.Eventually(t, func() bool { return terms.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, srv.Stop())
	assert.Error(t, s.Ping(context.Background()), "the outage shows")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, srv.Start())
	require.Eventually(t, func() bool { return terms.Load() == 2 }, 15*time.Second, 20*time.Millisecond, logs.String())
	require.Eventually(t, func() bool { return s.Ping(context.Background()) == nil }, 10*time.Second, 50*time.Millisecond)
	_, err = s.Update(context.Background(), 3, 1234, demo.StatusSold, propertyTag(3))
	assert.NoError(t, err, "the pool reconnected")
	cancel()
	<-done
	assert.Contains(t, logs.String(), "lost the updater lock")
}
