// pop_test.go tests Pop, SetWith and Partitioned cookies (issue 14).
package clientsession_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPopShowsAFlashOnce(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{})
	// POST /login sets the flash; the next page pops it.
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).Set("flash", "Welcome back, Ann"))
	})
	jar := cookieHeader(rec)
	require.Equal(t, "session.flash=%22Welcome%20back%2C%20Ann%22", jar)

	var msg string
	var found bool
	rec = serve(m, jar+"; session.lang=%22fr%22", func(w http.ResponseWriter, r *http.Request) {
		var err error
		found, err = clientsession.From(r).Pop("flash", &msg)
		require.NoError(t, err)
		again, _ := clientsession.From(r).Pop("flash", &msg)
		assert.False(t, again, "popped once per request too")
		_, stillThere, _ := clientsession.Get[string](clientsession.From(r), "flash")
		assert.False(t, stillThere)
	})
	assert.True(t, found)
	assert.Equal(t, "Welcome back, Ann", msg)
	assert.Equal(t, []string{"session.flash=; Path=/; SameSite=Lax; Max-Age=0"}, rec.Header().Values("Set-Cookie"),
		"the deletion goes out with this response, and nothing else")
	assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))

	// The browser applied the deletion: the next request has no flash.
	rec = serve(m, "session.lang=%22fr%22", func(w http.ResponseWriter, r *http.Request) {
		found, _ = clientsession.From(r).Pop("flash", &msg)
	})
	assert.False(t, found)
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "popping an absent key sends nothing")
	assert.Empty(t, inv.Keys())
}

func TestPopBadInput(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{})
	t.Run("invalid value is deleted", func(t *testing.T) {
		rec := serve(m, "session.flash=%ZZ; session.user=s2.forged", func(w http.ResponseWriter, r *http.Request) {
			var v string
			found, err := clientsession.From(r).Pop("flash", &v)
			assert.NoError(t, err)
			assert.False(t, found)
			var u user
			found, err = clientsession.From(r).Pop("user", &u)
			assert.NoError(t, err)
			assert.False(t, found, "a forged Signed value reads as absent")
		})
		assert.ElementsMatch(t, []string{"session.flash=; Path=/; SameSite=Lax; Max-Age=0", "session.user=; Path=/; SameSite=Lax; Max-Age=0"},
			rec.Header().Values("Set-Cookie"))
		assert.ElementsMatch(t, []string{"flash", "user"}, inv.Keys())
	})
	t.Run("value that does not fit is deleted", func(t *testing.T) {
		rec := serve(m, "session.flash=%22text%22", func(w http.ResponseWriter, r *http.Request) {
			var n int
			found, err := clientsession.From(r).Pop("flash", &n)
			assert.NoError(t, err)
			assert.False(t, found)
		})
		assert.Equal(t, "session.flash=; Path=/; SameSite=Lax; Max-Age=0", rec.Header().Get("Set-Cookie"))
	})
	t.Run("not a pointer keeps the value", func(t *testing.T) {
		rec := serve(m, "session.flash=%22text%22", func(w http.ResponseWriter, r *http.Request) {
			var v string
			_, err := clientsession.From(r).Pop("flash", v)
			assert.ErrorContains(t, err, "non-nil pointer")
		})
		assert.Empty(t, rec.Header().Values("Set-Cookie"))
	})
	t.Run("too late", func(t *testing.T) {
		rec := serve(m, "session.flash=%22text%22", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("page"))
			v := "untouched"
			found, err := clientsession.From(r).Pop("flash", &v)
			assert.ErrorIs(t, err, clientsession.ErrHeadersWritten)
			assert.False(t, found)
			assert.Equal(t, "untouched", v, "not read: it could not be deleted")
		})
		assert.Empty(t, rec.Header().Values("Set-Cookie"))
	})
	t.Run("set earlier in the request", func(t *testing.T) {
		rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
			s := clientsession.From(r)
			require.NoError(t, s.Set("flash", "saved"))
			v, found, err := popString(s, "flash")
			assert.NoError(t, err)
			assert.True(t, found)
			assert.Equal(t, "saved", v)
		})
		assert.Empty(t, rec.Header().Values("Set-Cookie"), "never sent, so nothing to delete")
	})
	t.Run("bad key and nil session", func(t *testing.T) {
		serve(m, "", func(w http.ResponseWriter, r *http.Request) {
			_, err := clientsession.From(r).Pop("a b", new(string))
			assert.ErrorIs(t, err, clientsession.ErrInvalidKey)
			assert.ErrorContains(t, err, `"a b"`)
		})
		var s *clientsession.Session
		_, err := s.Pop("flash", new(string))
		assert.ErrorIs(t, err, clientsession.ErrNoSession)
	})
}

func popString(s *clientsession.Session, key string) (string, bool, error) {
	var v string
	found, err := s.Pop(key, &v)
	return v, found, err
}

var maxAgeRE = regexp.MustCompile(`; Max-Age=(-?\d+)`)

// signedExpiry returns the sealed expiry of an s2 Signed cookie value.
func signedExpiry(t *testing.T, setCookie string) int64 {
	t.Helper()
	_, v, _ := strings.Cut(setCookie, "=")
	parts := strings.SplitN(v, ".", 3)
	require.Equal(t, "s2", parts[0], setCookie)
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	require.NoError(t, err)
	return exp
}

func TestSetWithLifetimes(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.SetWith("user", user{Name: "Ann"}, clientsession.SetOptions{MaxAge: 30 * 24 * time.Hour}))
		require.NoError(t, s.SetWith("token", "t-1", clientsession.SetOptions{MaxAge: 90 * time.Second}))
		require.NoError(t, s.SetWith("tab", 1, clientsession.SetOptions{Session: true}))
		require.NoError(t, s.Set("lang", "fr"))
	})
	now := time.Now().Unix()
	byName := map[string]string{}
	for _, c := range rec.Header().Values("Set-Cookie") {
		name, _, _ := strings.Cut(c, "=")
		byName[name] = c
	}
	u := byName["session.user"]
	assert.Equal(t, []string{"; Max-Age=2592000", "2592000"}, maxAgeRE.FindStringSubmatch(u))
	assert.InDelta(t, now+2592000, signedExpiry(t, u), 2, "the sealed expiry matches the cookie's")
	assert.Contains(t, byName["session.token"], "; Max-Age=90")
	assert.NotContains(t, byName["session.tab"], "Max-Age", "a browser-session cookie")
	assert.Contains(t, byName["session.lang"], "; Max-Age=1209600")

	// Read back, the values are there; a Session Signed value still
	// carries the default sealed expiry.
	rec = serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).SetWith("user", user{}, clientsession.SetOptions{Session: true}))
	})
	c := rec.Header().Get("Set-Cookie")
	assert.NotContains(t, c, "Max-Age")
	assert.InDelta(t, now+int64(clientsession.DefaultMaxAge/time.Second), signedExpiry(t, c), 2)
}

func TestSetWithBadInput(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		for _, d := range []time.Duration{-time.Second, time.Millisecond, 401 * 24 * time.Hour} {
			err := s.SetWith("token", "x", clientsession.SetOptions{MaxAge: d})
			assert.ErrorContains(t, err, `"token"`, "MaxAge %v", d)
			assert.ErrorContains(t, err, "between 1s and 400 days")
		}
		assert.ErrorIs(t, s.SetWith("a b", 1, clientsession.SetOptions{}), clientsession.ErrInvalidKey)
		_, found, _ := clientsession.Get[string](s, "token")
		assert.False(t, found, "a refused write stores nothing")
	})
	var s *clientsession.Session
	assert.ErrorIs(t, s.SetWith("k", 1, clientsession.SetOptions{}), clientsession.ErrNoSession)
}

func TestPartitioned(t *testing.T) {
	_, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, Partitioned: true, Insecure: true})
	assert.ErrorContains(t, err, "Partitioned needs Secure")

	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, Partitioned: true,
		SameSite: http.SameSiteNoneMode, Prefix: "s."})
	require.NoError(t, err)
	assert.True(t, m.ClientConfig().Partitioned, "jsclient writes it too")
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "s.old=1")
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		s.Set("k", 1)
		s.Delete("old")
	})).ServeHTTP(rec, req)
	assert.ElementsMatch(t, []string{
		"s.k=1; Path=/; Secure; SameSite=None; Partitioned; Max-Age=1209600",
		"s.old=; Path=/; Secure; SameSite=None; Partitioned; Max-Age=0",
	}, rec.Header().Values("Set-Cookie"))

	def, _ := newManager(t, clientsession.Options{})
	assert.False(t, def.ClientConfig().Partitioned)
	rec = serve(def, "", func(w http.ResponseWriter, r *http.Request) { clientsession.From(r).Set("k", 1) })
	assert.NotContains(t, rec.Header().Get("Set-Cookie"), "Partitioned")
}
