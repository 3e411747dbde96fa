package clientsession_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogoutRevokesCopiedCookies(t *testing.T) {
	rev := clientsession.NewMemoryRevoker(0)
	m, inv := newManager(t, clientsession.Options{Revoker: rev})
	login := func() string {
		return cookieHeader(serve(m, "", func(w http.ResponseWriter, r *http.Request) {
			s := clientsession.From(r)
			require.NoError(t, s.Set("_auth_user_id", "u-42"))
			require.NoError(t, s.Set("user", user{"Lee", "Ann"}))
			require.NoError(t, s.Set("lang", "fr"))
		}))
	}
	read := func(cookies string) (id string, u user, lang string) {
		serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
			s := clientsession.From(r)
			id, _, _ = clientsession.Get[string](s, "_auth_user_id")
			u, _, _ = clientsession.Get[user](s, "user")
			lang, _, _ = clientsession.Get[string](s, "lang")
		})
		return
	}
	copied := login()
	id, u, _ := read(copied)
	require.Equal(t, "u-42", id)
	require.Equal(t, "Ann", u.Name)

	// Logout one second later (issue times have one-second resolution).
	time.Sleep(1100 * time.Millisecond)
	serve(m, copied, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		id, _, _ := clientsession.Get[string](s, "_auth_user_id")
		rev.Revoke(id, time.Now())
		require.NoError(t, s.Clear())
	})

	id, u, lang := read(copied)
	assert.Empty(t, id, "a copied Private cookie is void after logout")
	assert.Empty(t, u.Name, "a copied Signed cookie is void after logout")
	assert.Equal(t, "fr", lang, "Public keys are not subject to revocation")
	assert.ElementsMatch(t, []string{"_auth_user_id", "user"}, inv.Keys())

	id, u, _ = read(login())
	assert.Equal(t, "u-42", id, "a new login right after logout works")
	assert.Equal(t, "Ann", u.Name)
}

type failingRevoker struct{}

func (failingRevoker) NotBefore(context.Context, string) (time.Time, error) {
	return time.Time{}, errors.New("store down")
}

func TestRevokerFailureFailsClosed(t *testing.T) {
	plain, _ := newManager(t, clientsession.Options{})
	cookies := cookieHeader(serve(plain, "", func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("_auth_user_id", 7)
	}))
	m, inv := newManager(t, clientsession.Options{Revoker: failingRevoker{}})
	rec := serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
		_, found, err := clientsession.Get[int](clientsession.From(r), "_auth_user_id")
		assert.NoError(t, err)
		assert.False(t, found)
	})
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, []string{"_auth_user_id"}, inv.Keys())
}

func TestRevokerNeedsAProtectedSubject(t *testing.T) {
	_, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA},
		Revoker: clientsession.NewMemoryRevoker(0), SubjectKey: "uid"})
	assert.ErrorContains(t, err, "SubjectKey \"uid\" is Public")
}

func TestMemoryRevokerForgetsAfterMaxAge(t *testing.T) {
	r := clientsession.NewMemoryRevoker(time.Hour)
	now := time.Now()
	r.Revoke("old", now.Add(-2*time.Hour)) // no value issued before it can still be alive
	r.Revoke("new", now)
	r.Revoke("new", now.Add(-time.Minute)) // an earlier time never moves it back
	old, _ := r.NotBefore(context.Background(), "old")
	assert.True(t, old.IsZero())
	nb, err := r.NotBefore(context.Background(), "new")
	assert.NoError(t, err)
	assert.True(t, nb.Equal(now))
}

// During a store outage every request fails the revocation check; the
// default OnInvalid must not log a line per cookie and request (the
// Revoker logs the outage itself), while other invalid cookies still log.
func TestRevokerFailureNotLoggedPerRequest(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	plain, _ := newManager(t, clientsession.Options{})
	cookies := cookieHeader(serve(plain, "", func(w http.ResponseWriter, r *http.Request) {
		clientsession.From(r).Set("_auth_user_id", 7)
	}))
	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, Insecure: true, Revoker: failingRevoker{}})
	require.NoError(t, err)
	for range 10 {
		serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
			_, found, _ := clientsession.Get[int](clientsession.From(r), "_auth_user_id")
			assert.False(t, found, "fails closed")
		})
	}
	mu.Lock()
	assert.Empty(t, buf.String(), "Revoker failures are not logged per request")
	mu.Unlock()

	serve(m, "session._auth_user_id=tampered", func(w http.ResponseWriter, r *http.Request) {
		clientsession.Get[int](clientsession.From(r), "_auth_user_id")
	})
	mu.Lock()
	assert.Contains(t, buf.String(), "ignoring invalid session cookie", "other failures still log")
	mu.Unlock()
}
