package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/examples/century/demo"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

func TestOpenStoreGeneratesThenReuses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "century.db")
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	s, err := OpenStore(ctx, path, 300, log)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "generating the property database")
	assert.Contains(t, logs.String(), "percent=100", "progress is shown")
	p, err := s.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, demo.Generate(42), p.Property, "the row is the generated property")
	_, err = s.Get(ctx, 301)
	assert.ErrorIs(t, err, errNotFound)

	// A change survives a restart: the file is reused, not regenerated.
	_, err = s.Update(ctx, 42, 123_000, demo.StatusSold)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	logs = syncbuf.Buffer{}
	s, err = OpenStore(ctx, path, 300, log)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "reusing the property database")
	p, err = s.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, int64(123_000), p.Price)
	assert.Equal(t, demo.StatusSold, p.Status)
	require.NoError(t, s.Close())

	// Another count regenerates.
	logs = syncbuf.Buffer{}
	s, err = OpenStore(ctx, path, 200, log)
	require.NoError(t, err)
	defer s.Close()
	assert.Contains(t, logs.String(), "file has 300 properties, want 200")
	p, err = s.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, demo.Generate(42).Price, p.Price)
	_, err = s.Get(ctx, 201)
	assert.ErrorIs(t, err, errNotFound)
	_, err = os.Stat(path + ".generating")
	assert.True(t, os.IsNotExist(err), "no temporary file left")
}

func TestOpenStoreRejectsGarbage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "century.db")
	require.NoError(t, os.WriteFile(path, []byte("not a database"), 0o644))
	var logs syncbuf.Buffer
	s, err := OpenStore(ctx, path, 50, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err, "a file that is not our database is regenerated")
	defer s.Close()
	assert.Contains(t, logs.String(), "generating")

	_, err = OpenStore(ctx, path, 0, slog.New(slog.DiscardHandler))
	assert.Error(t, err)
}

func TestSearchUsesIndexes(t *testing.T) {
	s := testStore(t)
	for _, q := range []Search{{City: "Paris", Type: "loft", MaxPrice: 500_000}, {Type: "villa", MinPrice: 1}, {MinPrice: 1, MaxPrice: 2}} {
		where, args := q.where()
		var plan strings.Builder
		rows, err := s.db.Query(`EXPLAIN QUERY PLAN SELECT count(*) FROM properties`+where, args...)
		require.NoError(t, err)
		for rows.Next() {
			var id, parent, notused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
			plan.WriteString(detail + "\n")
		}
		require.NoError(t, rows.Close())
		assert.Contains(t, plan.String(), "USING", "%+v: %s", q, plan.String())
		assert.NotContains(t, plan.String(), "SCAN properties\n", "%+v", q)
	}
}

func TestGetMany(t *testing.T) {
	s := testStore(t)
	ps, err := s.GetMany(context.Background(), []int64{7, 99999, 3, 7})
	require.NoError(t, err)
	var ids []int64
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []int64{7, 3, 7}, ids, "order kept, unknown skipped")
	ps, err = s.GetMany(context.Background(), nil)
	assert.NoError(t, err)
	assert.Empty(t, ps)
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "42": 42, "100000": 100000, "999999999999999999": 999999999999999999} {
		got, ok := parseID(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "01", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "abc", "9999999999999999999", "١"} {
		_, ok := parseID(in)
		assert.False(t, ok, "%q", in)
	}
}
