// getscalar_test.go tests Get[T]'s path for strings, ints and bools.

package clientsession_test

import (
	"net/http"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Get[string], Get[int] and Get[bool] answer as Get does, also for the
// values their path hands to encoding/json: an escaped string, a float
// read as an int (invalid, reported), a missing key.
func TestGetScalarLikeGet(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{
		Protection: map[string]clientsession.Protection{"_id": clientsession.Private},
	})
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("lang", "fr"))
		require.NoError(t, s.Set("quote", "é \"q\""))
		require.NoError(t, s.Set("_id", 42))
		require.NoError(t, s.Set("ratio", 1.5))
		require.NoError(t, s.Set("on", true))
	})
	serve(m, cookieHeader(rec), func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		lang, found, err := clientsession.Get[string](s, "lang")
		assert.Equal(t, []any{"fr", true, nil}, []any{lang, found, err})
		quote, found, _ := clientsession.Get[string](s, "quote")
		assert.Equal(t, []any{"é \"q\"", true}, []any{quote, found})
		id, found, _ := clientsession.Get[int](s, "_id")
		assert.Equal(t, []any{42, true}, []any{id, found})
		on, found, _ := clientsession.Get[bool](s, "on")
		assert.Equal(t, []any{true, true}, []any{on, found})
		_, found, err = clientsession.Get[int](s, "nothing")
		assert.False(t, found)
		assert.NoError(t, err)
		assert.Empty(t, inv.Keys())
		ratio, found, err := clientsession.Get[int](s, "ratio")
		assert.Equal(t, []any{0, false, nil}, []any{ratio, found, err})
		assert.Equal(t, []string{"ratio"}, inv.Keys(), "a float read as an int is reported")
		_, _, err = clientsession.Get[int](nil, "_id")
		assert.ErrorIs(t, err, clientsession.ErrNoSession)
		_, _, err = clientsession.Get[int](s, "bad key")
		assert.ErrorIs(t, err, clientsession.ErrInvalidKey)
	})
}
