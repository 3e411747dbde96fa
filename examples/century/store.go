// store.go is the property database: SQLite schema, generation from the
// demo data, and the queries the pages run.

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fullsession/fullsession/examples/century/demo"
	_ "modernc.org/sqlite" // pure-Go SQLite driver: `go run` needs no C toolchain
)

// schemaVersion changes whenever the schema or the generator changes, so an
// old database file is regenerated instead of misread.
const schemaVersion = 1

// pageSize is the number of properties on one search page.
const pageSize = 20

// Property is one listing: the generated facts and when they last changed.
type Property struct {
	demo.Property
	UpdatedAt time.Time
}

// Store is the property database: an SQLite file generated on first use.
type Store struct {
	db    *sqlDB
	get   *sql.Stmt // prepared once: Get serves every property page miss
	count int64
	// health is a pool of one connection of its own for Ping, so that a
	// health check never queues behind the pages' queries in db.
	health *sql.DB
	pg     *pgState // nil on SQLite (store_pg.go)
}

// errNotFound is returned for an unknown property id.
var errNotFound = errors.New("century: property not found")

// OpenStore opens the database at path, generating count properties when the
// file is missing or was made for another count or schema. Generation writes
// to a temporary file renamed into place at the end, so an interrupted first
// run never leaves a half-filled database behind.
func OpenStore(ctx context.Context, path string, count int64, log *slog.Logger) (*Store, error) {
	if count < 1 {
		return nil, fmt.Errorf("century: property count must be positive, got %d", count)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("century: create database folder: %w", err)
		}
	}
	if ok, why := usable(ctx, path, count); !ok {
		log.Info("generating the property database", "path", path, "count", count, "reason", why)
		if err := generateDB(ctx, path, count, log); err != nil {
			return nil, err
		}
	} else {
		log.Info("reusing the property database", "path", path, "count", count)
	}
	sdb, err := openDB(path)
	if err != nil {
		return nil, err
	}
	db := &sqlDB{DB: sdb}
	get, err := db.PrepareContext(ctx, `SELECT `+propertyColumns+` FROM properties WHERE id = ?`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("century: prepare property query: %w", err)
	}
	health, err := openDB(path)
	if err != nil {
		get.Close()
		db.Close()
		return nil, err
	}
	health.SetMaxOpenConns(1)
	health.SetMaxIdleConns(1)
	s := &Store{db: db, get: get, count: count, health: health}
	if err := s.createOutbox(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	return "file:" + path + "?" + q.Encode()
}

func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("century: open database: %w", err)
	}
	// Readers run in parallel under WAL; SQLite serialises the writer.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("century: open database: %w", err)
	}
	return db, nil
}

// usable reports whether the file at path holds a complete database of
// count properties made by this schema version, and if not, why.
func usable(ctx context.Context, path string, count int64) (bool, string) {
	if _, err := os.Stat(path); err != nil {
		return false, "no database file yet"
	}
	db, err := openDB(path)
	if err != nil {
		return false, err.Error()
	}
	defer db.Close()
	var version, n int64
	err = db.QueryRowContext(ctx, `SELECT version, count FROM meta`).Scan(&version, &n)
	switch {
	case err != nil:
		return false, "unreadable meta table: " + err.Error()
	case version != schemaVersion:
		return false, fmt.Sprintf("schema version %d, want %d", version, schemaVersion)
	case n != count:
		return false, fmt.Sprintf("file has %d properties, want %d", n, count)
	}
	return true, ""
}

const schema = `
CREATE TABLE properties (
	id          INTEGER PRIMARY KEY,
	city        TEXT    NOT NULL,
	district    TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	rooms       INTEGER NOT NULL,
	surface     INTEGER NOT NULL,
	price       INTEGER NOT NULL,
	status      TEXT    NOT NULL,
	description TEXT    NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE TABLE meta (version INTEGER NOT NULL, count INTEGER NOT NULL, generated_at INTEGER NOT NULL);
`

// indexes serve the search: city and type are equality filters, price and
// rooms ranges; results are ordered by id.
const indexes = `
CREATE INDEX properties_city_type_price ON properties (city, type, price);
CREATE INDEX properties_type_price ON properties (type, price);
CREATE INDEX properties_price ON properties (price);
CREATE INDEX properties_rooms ON properties (rooms);
`

func generateDB(ctx context.Context, path string, count int64, log *slog.Logger) error {
	start := time.Now()
	tmp := path + ".generating"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	db, err := openDB(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := fill(ctx, db, count, log); err != nil {
		db.Close()
		return fmt.Errorf("century: generate database: %w", err)
	}
	// Fold the WAL into the main file so the rename moves everything.
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.Close()
		return fmt.Errorf("century: generate database: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("century: generate database: %w", err)
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("century: generate database: %w", err)
	}
	log.Info("property database ready", "path", path, "count", count, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// fill inserts count properties in one transaction with one prepared
// statement, then builds the indexes (faster than maintaining them row by row).
func fill(ctx context.Context, db *sql.DB, count int64, log *slog.Logger) error {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO properties
		(id, city, district, type, rooms, surface, price, status, description, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := time.Now().Unix()
	step := max(count/10, 1)
	for id := int64(1); id <= count; id++ {
		p := demo.Generate(id)
		if _, err := stmt.ExecContext(ctx, p.ID, p.City, p.District, p.Type, p.Rooms,
			p.Surface, p.Price, p.Status, p.Description, now); err != nil {
			return err
		}
		if id%step == 0 || id == count {
			log.Info("generating properties", "done", id, "of", count, "percent", id*100/count)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (version, count, generated_at) VALUES (?, ?, ?)`,
		schemaVersion, count, now); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	log.Info("building search indexes")
	_, err = db.ExecContext(ctx, indexes+"ANALYZE;")
	return err
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.closeHandles()
	if s.pg != nil {
		s.pg.close()
	}
	return err
}

func (s *Store) closeHandles() error {
	if s.get != nil {
		s.get.Close()
	}
	s.health.Close()
	return s.db.Close()
}

// Count returns the number of properties.
func (s *Store) Count() int64 { return s.count }

const propertyColumns = `id, city, district, type, rooms, surface, price, status, description, updated_at`

type scanner interface{ Scan(...any) error }

func scanProperty(row scanner) (Property, error) {
	var p Property
	var updated int64
	err := row.Scan(&p.ID, &p.City, &p.District, &p.Type, &p.Rooms, &p.Surface,
		&p.Price, &p.Status, &p.Description, &updated)
	p.UpdatedAt = time.Unix(updated, 0).UTC()
	return p, err
}

// Get returns property id, or errNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Property, error) {
	p, err := scanProperty(s.get.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	return p, err
}

// GetMany returns the properties among ids that exist, in the order of ids;
// unknown ids are skipped.
func (s *Store) GetMany(ctx context.Context, ids []int64) ([]Property, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.Repeat(",?", len(ids))[1:]
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+propertyColumns+` FROM properties WHERE id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]Property, len(ids))
	for rows.Next() {
		p, err := scanProperty(rows)
		if err != nil {
			return nil, err
		}
		byID[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Property, 0, len(byID))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// Results is one page of search results.
type Results struct {
	Properties []Property
	Total      int  // matches of the search's filters, on every page
	First      bool // this is the first page
	More       bool // there are matches after the last one shown
}

func (q Search) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	if q.City != "" {
		add("city = ?", q.City)
	}
	if q.Type != "" {
		add("type = ?", q.Type)
	}
	if q.MinPrice > 0 {
		add("price >= ?", q.MinPrice)
	}
	if q.MaxPrice > 0 {
		add("price <= ?", q.MaxPrice)
	}
	if q.MinRooms > 0 {
		add("rooms >= ?", q.MinRooms)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Find returns one page of q: up to pageSize matches in id order, after
// q.After, before q.Before, or from the first. It seeks on the id (keyset
// pagination), so a page deep in the results costs what the first one does:
// no OFFSET walks over the matches before it. When fewer than a page of
// matches lie before q.Before, Find returns the first page instead.
func (s *Store) Find(ctx context.Context, q Search) (Results, error) {
	where, args := q.where()
	var res Results
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM properties`+where, args...).Scan(&res.Total); err != nil {
		return res, err
	}
	if res.Total == 0 {
		// Nothing matches (the count used an index): walking the ids in
		// search of a match would read every row.
		res.First = q.After == 0
		return res, nil
	}
	if where != "" && res.Total <= fewMatches {
		where += fewMatchesHint
	}
	var err error
	switch {
	case q.After > 0:
		res.Properties, err = s.list(ctx, where, args, "id > ?", q.After, "ASC")
		res.More = len(res.Properties) > pageSize
		res.Properties = res.Properties[:min(len(res.Properties), pageSize)]
		return res, err
	case q.Before > 0:
		res.Properties, err = s.list(ctx, where, args, "id < ?", q.Before, "DESC")
		if err != nil || len(res.Properties) > pageSize {
			res.Properties = res.Properties[:min(len(res.Properties), pageSize)]
			slices.Reverse(res.Properties)
			res.More = true
			return res, err
		}
	}
	// "id > 0" gives the first page the plan of the others (a seek on the
	// id), instead of sorting every match of an indexed filter.
	res.First = true
	res.Properties, err = s.list(ctx, where, args, "id > ?", 0, "ASC")
	res.More = len(res.Properties) > pageSize
	res.Properties = res.Properties[:min(len(res.Properties), pageSize)]
	return res, err
}

// list returns up to pageSize+1 matches of where (with its args) and the
// seek condition cond (with its argument seek), ordered by id in order.
// The extra row tells whether there is more.
// fewMatches is the match count below which a page is read through the
// filters' index and sorted, rather than by walking the ids until a page of
// matches turns up (which reads most rows when matches are rare).
const fewMatches = 2000

// fewMatchesHint marks the WHERE clause of such a search (it is true of
// every row); list then sorts by "id + 0", which no index provides, so
// neither SQLite nor PostgreSQL walks the id index to find the page.
const fewMatchesHint = " AND id + 0 > 0"

func (s *Store) list(ctx context.Context, where string, args []any, cond string, seek int64, order string) ([]Property, error) {
	if where == "" {
		where = " WHERE " + cond
	} else {
		where += " AND " + cond
	}
	args = append(slices.Clip(args), seek)
	col := "id"
	if strings.Contains(where, fewMatchesHint) {
		col = "id + 0" // sort the few matches found through the filters' index
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+propertyColumns+` FROM properties`+where+
		` ORDER BY `+col+` `+order+` LIMIT ?`, append(slices.Clip(args), pageSize+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Property
	for rows.Next() {
		p, err := scanProperty(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Update sets a property's price and status, and returns the new row. In
// the same transaction it records each of purge in the purge outbox
// (outbox.go): the change and the record of the cache purge it needs are
// committed together or not at all.
func (s *Store) Update(ctx context.Context, id, price int64, status string, purge ...string) (Property, error) {
	now := time.Now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Property{}, err
	}
	defer tx.Rollback()
	p, err := scanProperty(tx.QueryRowContext(ctx, s.db.bind(`UPDATE properties SET price = ?, status = ?, updated_at = ?
		WHERE id = ? RETURNING `+propertyColumns), price, status, now.Unix(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Property{}, errNotFound
	}
	if err != nil {
		return Property{}, err
	}
	if err := s.recordPurges(ctx, tx, now, p, purge); err != nil {
		return Property{}, err
	}
	return p, tx.Commit()
}

// Ping reports whether the database answers, within 2 s. It runs on a
// connection of its own: a burst of slow searches does not delay it.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return s.health.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// parseID parses a property id from a URL or form: a positive decimal
// integer without sign or leading zeros. Anything else is invalid.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false // also refuses "+1": one URL per property
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
