// pending_test.go tests Session.PendingCookies without a network.
package clientsession_test

import (
	"net/http"
	"testing"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPendingCookies(t *testing.T) {
	var nilSession *clientsession.Session
	assert.Nil(t, nilSession.PendingCookies())

	m, _ := newManager(t, clientsession.Options{})
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("lang", "fr"))
		require.NoError(t, s.Set("_auth_user_id", 7))
		h := s.PendingCookies()
		assert.Len(t, h, 1, "only Set-Cookie")
		assert.Len(t, h["Set-Cookie"], 2)
		assert.Empty(t, s.PendingCookies(), "committed once")
		assert.ErrorIs(t, s.Set("lang", "de"), clientsession.ErrHeadersWritten)
		assert.ErrorIs(t, s.Renew(), clientsession.ErrHeadersWritten)
		w.Header()["Set-Cookie"] = h["Set-Cookie"] // as an upgrader would send them
	})
	assert.Len(t, rec.Result().Cookies(), 2, "not added a second time by the commit")

	serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, clientsession.From(r).PendingCookies(), "nothing changed")
	})
}
