// outbox.go is the purge outbox: cache purges recorded in the database in
// the same transaction as the change that needs them, and handed to
// cachehint's PurgeQueue, which deletes them once every cache confirmed.

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/fullsession/fullsession/cachehint"
)

// The outbox table: one row per tag to purge, written with the change.
// written_at is in Unix microseconds, from the writer's clock, which is
// also the clock of the PurgeQueue that confirms it (one updater). The
// same text works on SQLite and PostgreSQL but for the id column.
const outboxTable = `CREATE TABLE IF NOT EXISTS purge_outbox (
	id         %s,
	tag        TEXT   NOT NULL,
	written_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS purge_outbox_tag ON purge_outbox (tag, written_at);`

// changeChannel is the PostgreSQL notification channel of property changes:
// each committed Update sends {"id","price","status"} on it. Other services
// (and the fleet test) follow the changes with LISTEN century_property.
const changeChannel = "century_property"

// createOutbox creates the SQLite outbox table if it is missing (OpenStore);
// OpenPostgres creates its own under the generation lock.
func (s *Store) createOutbox(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, outboxDDL(false))
	return err
}

func outboxDDL(pg bool) string {
	if pg {
		return strings.Replace(outboxTable, "%s", "bigserial PRIMARY KEY", 1)
	}
	return strings.Replace(outboxTable, "%s", "INTEGER PRIMARY KEY", 1)
}

// recordPurges writes the outbox rows of tags in tx, the transaction that
// changed p, and on PostgreSQL the change notification (sent at commit).
func (s *Store) recordPurges(ctx context.Context, tx *sql.Tx, now time.Time, p Property, tags []string) error {
	for _, tag := range tags {
		if _, err := tx.ExecContext(ctx, s.db.bind(`INSERT INTO purge_outbox (tag, written_at) VALUES (?, ?)`),
			tag, now.UnixMicro()); err != nil {
			return err
		}
	}
	if s.pg == nil {
		return nil
	}
	msg, _ := json.Marshal(map[string]any{"id": p.ID, "price": p.Price, "status": p.Status})
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, changeChannel, string(msg))
	return err
}

// Outbox returns the store's purge outbox, for cachehint.PurgeQueueOptions.
func (s *Store) Outbox() cachehint.PurgeOutbox { return outbox{s} }

// OutboxLen returns the number of purge records not yet confirmed.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM purge_outbox`).Scan(&n)
	return n, err
}

type outbox struct{ s *Store }

// Load returns the distinct tags of the outbox, oldest first.
func (o outbox) Load(ctx context.Context) ([]string, error) {
	rows, err := o.s.db.QueryContext(ctx, `SELECT tag FROM purge_outbox GROUP BY tag ORDER BY min(id)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tags []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// Confirmed deletes the records of tags written before sent: every cache
// purged them with a request that left after those changes committed.
// Newer records stay for the purge the queue sends next.
func (o outbox) Confirmed(ctx context.Context, tags []string, sent time.Time) error {
	for len(tags) > 0 {
		n := min(len(tags), 500)
		args := make([]any, 0, n+1)
		args = append(args, sent.UnixMicro())
		for _, t := range tags[:n] {
			args = append(args, t)
		}
		if _, err := o.s.db.ExecContext(ctx, `DELETE FROM purge_outbox WHERE written_at < ? AND tag IN (`+
			strings.Repeat(",?", n)[1:]+`)`, args...); err != nil {
			return err
		}
		tags = tags[n:]
	}
	return nil
}
