// store_pg.go puts the property database on PostgreSQL (-database-url), for
// a fleet of instances that share it: the connection pools, the schema and
// its one-time generation, and the updater's advisory lock.

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fullsession/fullsession/examples/century/demo"
)

// pgSchema is schema (store.go) in PostgreSQL's types: the same columns,
// 64-bit where SQLite's INTEGER is.
const pgSchema = `
CREATE TABLE properties (
	id          bigint  PRIMARY KEY,
	city        text    NOT NULL,
	district    text    NOT NULL,
	type        text    NOT NULL,
	rooms       integer NOT NULL,
	surface     integer NOT NULL,
	price       bigint  NOT NULL,
	status      text    NOT NULL,
	description text    NOT NULL,
	updated_at  bigint  NOT NULL
);
CREATE TABLE meta (version integer NOT NULL, count bigint NOT NULL, generated_at bigint NOT NULL);
`

// Advisory lock keys (pg_advisory_lock takes any bigint; these spell
// "century" and "generate"/"updater" in a way unlikely to clash).
const (
	generateLockKey int64 = 0x63656e7475727901
	updaterLockKey  int64 = 0x63656e7475727902
)

// pgState is what a Store on PostgreSQL holds beyond the database/sql
// handles that the queries share with SQLite.
type pgState struct {
	url    string // for the updater lock's own session
	pool   *pgxpool.Pool
	health *pgxpool.Pool
}

func (p *pgState) close() {
	p.pool.Close()
	p.health.Close()
}

// OpenPostgres opens the property database at the PostgreSQL URL dbURL,
// generating count properties when its tables are missing or were made
// for another count or schema version. Generation runs in one transaction
// under an advisory lock: instances that start together generate once, and
// an interrupted generation leaves nothing behind. The pools reconnect by
// themselves after the server restarts.
func OpenPostgres(ctx context.Context, dbURL string, count int64, log *slog.Logger) (*Store, error) {
	if count < 1 {
		return nil, fmt.Errorf("century: property count must be positive, got %d", count)
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("century: -database-url: %v", err) // never echoes the URL: it may hold a password
	}
	cfg.MaxConns = 8
	cfg.HealthCheckPeriod = 5 * time.Second
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("century: open database: %w", err)
	}
	hcfg := cfg.Copy()
	hcfg.MaxConns, hcfg.MinConns = 1, 0
	health, err := pgxpool.NewWithConfig(ctx, hcfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("century: open database: %w", err)
	}
	pg := &pgState{url: dbURL, pool: pool, health: health}
	if err := preparePG(ctx, pool, count, redactURL(dbURL), log); err != nil {
		pg.close()
		return nil, err
	}
	db := &sqlDB{DB: stdlib.OpenDBFromPool(pool), dollar: true}
	s := &Store{db: db, count: count, health: stdlib.OpenDBFromPool(health), pg: pg}
	if s.get, err = db.PrepareContext(ctx, `SELECT `+propertyColumns+` FROM properties WHERE id = ?`); err != nil {
		s.closeHandles()
		return nil, fmt.Errorf("century: prepare property query: %w", err)
	}
	return s, nil
}

// preparePG makes sure the database holds count properties of this schema
// version, generating them if not.
func preparePG(ctx context.Context, pool *pgxpool.Pool, count int64, where string, log *slog.Logger) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("century: open database: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, generateLockKey); err != nil {
		return fmt.Errorf("century: open database: %w", err)
	}
	// Under the lock: CREATE TABLE IF NOT EXISTS is not safe against a
	// concurrent one in PostgreSQL.
	if _, err := tx.Exec(ctx, outboxDDL(true)); err != nil {
		return fmt.Errorf("century: create the purge outbox: %w", err)
	}
	ok, why, err := usablePG(ctx, tx, count)
	if err != nil {
		return fmt.Errorf("century: open database: %w", err)
	}
	if ok {
		log.Info("reusing the property database", "database", where, "count", count)
		return tx.Commit(ctx)
	}
	start := time.Now()
	log.Info("generating the property database", "database", where, "count", count, "reason", why)
	if err := fillPG(ctx, tx, count, log); err != nil {
		return fmt.Errorf("century: generate database: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("century: generate database: %w", err)
	}
	log.Info("property database ready", "database", where, "count", count, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// usablePG reports whether the database holds a complete generation of
// count properties by this schema version, and if not, why.
func usablePG(ctx context.Context, tx pgx.Tx, count int64) (bool, string, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('meta') IS NOT NULL`).Scan(&exists); err != nil {
		return false, "", err
	}
	if !exists {
		return false, "no tables yet", nil
	}
	var version, n int64
	switch err := tx.QueryRow(ctx, `SELECT version, count FROM meta`).Scan(&version, &n); {
	case errors.Is(err, pgx.ErrNoRows):
		return false, "empty meta table", nil
	case err != nil:
		return false, "", err
	case version != schemaVersion:
		return false, fmt.Sprintf("schema version %d, want %d", version, schemaVersion), nil
	case n != count:
		return false, fmt.Sprintf("database has %d properties, want %d", n, count), nil
	}
	return true, "", nil
}

// fillPG replaces the tables with count generated properties, sent with
// COPY, then builds the indexes of store.go and analyses the table.
func fillPG(ctx context.Context, tx pgx.Tx, count int64, log *slog.Logger) error {
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS properties, meta`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, pgSchema); err != nil {
		return err
	}
	now := time.Now().Unix()
	src := &generated{count: count, now: now, step: max(count/10, 1), log: log}
	cols := strings.Split(propertyColumns, ", ")
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"properties"}, cols, src); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO meta (version, count, generated_at) VALUES ($1, $2, $3)`,
		schemaVersion, count, now); err != nil {
		return err
	}
	log.Info("building search indexes")
	_, err := tx.Exec(ctx, indexes+"ANALYZE properties;")
	return err
}

// generated is the COPY source of the demo's properties, with the same
// progress lines as SQLite's fill.
type generated struct {
	count, id, now, step int64
	p                    demo.Property
	log                  *slog.Logger
}

func (g *generated) Next() bool {
	if g.id > 0 && (g.id%g.step == 0 || g.id == g.count) {
		g.log.Info("generating properties", "done", g.id, "of", g.count, "percent", g.id*100/g.count)
	}
	if g.id >= g.count {
		return false
	}
	g.id++
	g.p = demo.Generate(g.id)
	return true
}

func (g *generated) Values() ([]any, error) {
	p := g.p
	return []any{p.ID, p.City, p.District, p.Type, p.Rooms, p.Surface, p.Price, p.Status, p.Description, g.now}, nil
}

func (g *generated) Err() error { return nil }

// redactURL is dbURL without its password, for the log.
func redactURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// sqlDB is the database/sql handle the queries run on. They are written
// with SQLite's "?" placeholders; on PostgreSQL (dollar) each becomes $1,
// $2, ... in order. None of the queries has a "?" inside a literal.
type sqlDB struct {
	*sql.DB
	dollar bool
}

func (d *sqlDB) bind(q string) string {
	if !d.dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

func (d *sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return d.DB.PrepareContext(ctx, d.bind(q))
}

func (d *sqlDB) Query(q string, args ...any) (*sql.Rows, error) {
	return d.QueryContext(context.Background(), q, args...)
}

// lead runs fn while this process is the fleet's one updater, until ctx is
// done. On SQLite the process is alone with its file and always leads. On
// PostgreSQL it leads while it holds the session-level advisory lock
// updaterLockKey on a connection of its own: the lock goes when that
// session ends (the process dies, or the server restarts), so another
// instance takes over within a second. fn's context is cancelled when the
// lock is lost; lead then tries again.
func (s *Store) lead(ctx context.Context, log *slog.Logger, fn func(context.Context)) {
	if s.pg == nil {
		fn(ctx)
		return
	}
	waiting := false
	for ctx.Err() == nil {
		held, err := s.holdLock(ctx, log, fn)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Debug("updater lock unavailable", "err", err)
		case !held && !waiting:
			log.Info("another instance is the updater; this one takes over if it goes")
			waiting = true
		case held:
			waiting = false
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// holdLock connects, tries the updater lock once and, if it got it, runs
// fn until ctx is done or the lock's session fails.
func (s *Store) holdLock(ctx context.Context, log *slog.Logger, fn func(context.Context)) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.Connect(cctx, s.pg.url)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, updaterLockKey).Scan(&got); err != nil || !got {
		return false, err
	}
	log.Info("this instance is the updater (it holds the PostgreSQL advisory lock)")
	term, lost := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-term.Done():
				return
			case <-t.C:
			}
			pctx, cancel := context.WithTimeout(term, 2*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && term.Err() == nil {
				log.Warn("lost the updater lock: its database session failed", "err", err)
				lost()
				return
			}
		}
	}()
	fn(term)
	lost()
	<-watched
	return true, nil
}
