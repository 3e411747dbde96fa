package clientsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsMisuse(t *testing.T) {
	cases := map[string]clientsession.Options{
		"no keys":             {},
		"short key":           {Keys: [][]byte{[]byte("too short")}},
		"repeated key":        {Keys: [][]byte{secretA, secretA}},
		"host prefix domain":  {Keys: [][]byte{secretA}, Prefix: "__Host-s.", Domain: "example.com"},
		"host prefix path":    {Keys: [][]byte{secretA}, Prefix: "__Host-s.", Path: "/app"},
		"host prefix http":    {Keys: [][]byte{secretA}, Prefix: "__Host-s.", Insecure: true},
		"secure prefix http":  {Keys: [][]byte{secretA}, Prefix: "__Secure-s.", Insecure: true},
		"samesite none http":  {Keys: [][]byte{secretA}, SameSite: http.SameSiteNoneMode, Insecure: true},
		"bad prefix":          {Keys: [][]byte{secretA}, Prefix: "a b"},
		"bad path":            {Keys: [][]byte{secretA}, Path: "x;y"},
		"max age too long":    {Keys: [][]byte{secretA}, MaxAge: 500 * 24 * time.Hour},
		"bad protection key":  {Keys: [][]byte{secretA}, Protection: map[string]clientsession.Protection{"a,b": clientsession.Public}},
		"zero protection":     {Keys: [][]byte{secretA}, Protection: map[string]clientsession.Protection{"a": 0}},
		"negative total size": {Keys: [][]byte{secretA}, MaxTotalSize: -1},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := clientsession.New(o)
			assert.Nil(t, m)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "clientsession: "), err.Error())
		})
	}
	m, err := clientsession.New(clientsession.Options{Keys: [][]byte{secretA}, Prefix: "__Host-s."})
	require.NoError(t, err)
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).Set("k", 1))
	})
	assert.Equal(t, "__Host-s.k=1; Path=/; Secure; SameSite=Lax; Max-Age=1209600", rec.Header().Get("Set-Cookie"))
}

func TestNoMiddlewareIsAnErrorNotAPanic(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	s := clientsession.From(r)
	require.Nil(t, s)
	var u user
	found, err := s.Get("user", &u)
	assert.False(t, found)
	assert.ErrorIs(t, err, clientsession.ErrNoSession)
	assert.ErrorIs(t, s.Set("user", u), clientsession.ErrNoSession)
	assert.ErrorIs(t, s.Delete("user"), clientsession.ErrNoSession)
	assert.ErrorIs(t, s.Clear(), clientsession.ErrNoSession)
	assert.Nil(t, s.Keys())
	assert.False(t, s.Accessed())
	assert.False(t, s.Modified())
	_, _, err = clientsession.Get[user](s, "user")
	assert.ErrorIs(t, err, clientsession.ErrNoSession)
	assert.Nil(t, clientsession.From(nil))
}

func TestSetCookieAttributes(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("lang", "fr"))
		require.NoError(t, s.Set("user", user{"Lee", "Ann Lee, Jr"}))
		require.NoError(t, s.Set("_auth_user_id", 42))
	})
	byName := map[string]string{}
	for _, c := range rec.Header().Values("Set-Cookie") {
		byName[strings.SplitN(c, "=", 2)[0]] = c
	}
	require.Len(t, byName, 3)
	assert.Equal(t, `session.lang=%22fr%22; Path=/; SameSite=Lax; Max-Age=1209600`, byName["session.lang"])
	assert.Regexp(t, `^session\.user=s2\.\d+\.\d+\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\.\{%22surname%22:%22Lee%22%2C%22name%22:%22Ann%20Lee%2C%20Jr%22\}; Path=/; SameSite=Lax; Max-Age=1209600$`, byName["session.user"])
	assert.Regexp(t, `^session\._auth_user_id=[A-Za-z0-9_-]+; Path=/; SameSite=Lax; Max-Age=1209600; HttpOnly$`, byName["session._auth_user_id"])
	for _, c := range rec.Result().Cookies() {
		assert.NoError(t, c.Valid(), c.Name)
		assert.False(t, c.Quoted, "net/http must not need to quote %s", c.Name)
	}
	assert.Equal(t, "Cookie", rec.Header().Get("Vary"))
	assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
}

func TestRoundTripThroughRealServerAndCookieJar(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("user", user{"Lee", "Ann Lee, Jr"}))
		require.NoError(t, s.Set("_auth_user_id", "u-42"))
		require.NoError(t, s.Set("selection", []int{1, 2, 3}))
		require.NoError(t, s.Set("note", "spaces, commas; \"quotes\" \\ % + é 🏠"))
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		u, found, err := clientsession.Get[user](s, "user")
		require.NoError(t, err)
		id, found2, err := clientsession.Get[string](s, "_auth_user_id")
		require.NoError(t, err)
		note, _, _ := clientsession.Get[string](s, "note")
		sel, _, _ := clientsession.Get[[]int](s, "selection")
		fmt.Fprintf(w, "%v %v|%v %v|%s|%v|%v", found, u.Name, found2, id, note, sel, s.Keys())
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).Clear())
	})
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()
	c := jarClient(t)

	res := get(t, c, srv.URL+"/login")
	assert.Len(t, res.Header.Values("Set-Cookie"), 4)
	res = get(t, c, srv.URL+"/read")
	assert.Equal(t, `true Ann Lee, Jr|true u-42|spaces, commas; "quotes" \ % + é 🏠|[1 2 3]|[_auth_user_id note selection user]`, body(t, res))
	assert.Empty(t, res.Header.Values("Set-Cookie"), "reading sends no cookie")
	assert.Equal(t, "Cookie", res.Header.Get("Vary"))

	res = get(t, c, srv.URL+"/logout")
	assert.Len(t, res.Header.Values("Set-Cookie"), 4)
	for _, sc := range res.Header.Values("Set-Cookie") {
		assert.Contains(t, sc, "Max-Age=0")
	}
	res = get(t, c, srv.URL+"/read")
	assert.Equal(t, `false |false ||[]|[]`, body(t, res))
	assert.Empty(t, inv.Keys())
}

func TestMinimalWrites(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	first := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("a", 1))
		require.NoError(t, s.Set("b", 2))
		require.NoError(t, s.Set("_c", 3))
	})
	cookies := cookieHeader(first)

	untouched := serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {})
	assert.Empty(t, untouched.Header().Values("Set-Cookie"))
	assert.Empty(t, untouched.Header().Get("Vary"), "a handler that ignores the session does not vary on it")
	assert.Empty(t, untouched.Header().Get("Cache-Control"))

	one := serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		var v int
		_, err := s.Get("_c", &v)
		require.NoError(t, err)
		require.NoError(t, s.Set("b", 20))
	})
	require.Len(t, one.Header().Values("Set-Cookie"), 1)
	assert.True(t, strings.HasPrefix(one.Header().Get("Set-Cookie"), "session.b=20;"))

	same := serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("a", 1)) // the value the browser already holds
		a, found, _ := clientsession.Get[int](s, "a")
		assert.True(t, found)
		assert.Equal(t, 1, a)
		assert.False(t, s.Modified())
	})
	assert.Empty(t, same.Header().Values("Set-Cookie"), "an unchanged Public value is not rewritten")

	del := serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Delete("a"))
		require.NoError(t, s.Delete("never-set"))
		require.NoError(t, s.Set("tmp", 1))
		require.NoError(t, s.Delete("tmp")) // set and deleted in one request: nothing to send
	})
	assert.Equal(t, []string{"session.a=; Path=/; SameSite=Lax; Max-Age=0"}, del.Header().Values("Set-Cookie"))
}

func TestReadYourWritesAndKeys(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	serve(m, "session.a=1; session.b=2; other=3", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		assert.Equal(t, []string{"a", "b"}, s.Keys())
		require.NoError(t, s.Set("c", "x"))
		require.NoError(t, s.Delete("a"))
		assert.Equal(t, []string{"b", "c"}, s.Keys())
		c, found, err := clientsession.Get[string](s, "c")
		assert.True(t, found)
		assert.NoError(t, err)
		assert.Equal(t, "x", c)
		_, found, _ = clientsession.Get[int](s, "a")
		assert.False(t, found)
		assert.True(t, s.Modified())
	})
}

func TestGetMisuse(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{})
	serve(m, "session.n=%22text%22", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		var n int
		found, err := s.Get("n", n) // not a pointer
		assert.False(t, found)
		assert.ErrorContains(t, err, "clientsession: Get needs a non-nil pointer")
		found, err = s.Get("n", &n) // wrong type: treated as absent, hook told
		assert.False(t, found)
		assert.NoError(t, err)
		_, err = s.Get("bad key", &n)
		assert.ErrorIs(t, err, clientsession.ErrInvalidKey)
		assert.ErrorIs(t, s.Set("bad key", 1), clientsession.ErrInvalidKey)
		assert.ErrorIs(t, s.Set(strings.Repeat("k", 65), 1), clientsession.ErrInvalidKey)
		assert.ErrorContains(t, s.Set("f", func() {}), "clientsession: encoding \"f\"")
	})
	assert.Equal(t, []string{"n"}, inv.Keys())
}

func TestHeadersWritten(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	for name, send := range map[string]func(w http.ResponseWriter){
		"WriteHeader": func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) },
		"Write":       func(w http.ResponseWriter) { w.Write([]byte("x")) },
		"Flush":       func(w http.ResponseWriter) { w.(http.Flusher).Flush() },
		"Controller":  func(w http.ResponseWriter) { require.NoError(t, http.NewResponseController(w).Flush()) },
	} {
		t.Run(name, func(t *testing.T) {
			rec := serve(m, "session.old=1", func(w http.ResponseWriter, r *http.Request) {
				s := clientsession.From(r)
				require.NoError(t, s.Set("before", 1))
				send(w)
				assert.ErrorIs(t, s.Set("after", 2), clientsession.ErrHeadersWritten)
				assert.ErrorIs(t, s.Delete("old"), clientsession.ErrHeadersWritten)
				assert.ErrorIs(t, s.Clear(), clientsession.ErrHeadersWritten)
				var v int
				found, err := s.Get("old", &v) // reading still works
				assert.True(t, found)
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"session.before=1; Path=/; SameSite=Lax; Max-Age=1209600"}, rec.Result().Header.Values("Set-Cookie"))
		})
	}
}

func TestInformationalResponsesDoNotCommit(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		require.NoError(t, clientsession.From(r).Set("k", 1))
	})))
	defer srv.Close()
	res := get(t, http.DefaultClient, srv.URL)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "session.k=1; Path=/; SameSite=Lax; Max-Age=1209600", res.Header.Get("Set-Cookie"))
}

func TestTooLarge(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{MaxTotalSize: 5000})
	serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		err := s.Set("big", strings.Repeat("x", 4096))
		var tl *clientsession.TooLargeError
		require.ErrorAs(t, err, &tl)
		assert.ErrorIs(t, err, clientsession.ErrTooLarge)
		assert.Equal(t, "big", tl.Key)
		assert.Equal(t, len("session.big")+4096+6, tl.Size) // quotes become %22
		assert.Equal(t, 4096, tl.Limit)
		assert.False(t, tl.Total)
		assert.Contains(t, err.Error(), `"big"`)

		// The largest value that fits exactly: name+value = 4096.
		require.NoError(t, s.Set("big", strings.Repeat("x", 4096-len("session.big")-6)))
		err = s.Set("more", strings.Repeat("y", 1000))
		require.ErrorAs(t, err, &tl)
		assert.True(t, tl.Total)
		assert.Equal(t, 5000, tl.Limit)
		assert.Greater(t, tl.Size, 5000)
		_, found, _ := clientsession.Get[string](s, "more")
		assert.False(t, found, "a refused value is not stored")
		// Escaping counts: 1400 spaces become 4200 bytes.
		err = s.Set("big", strings.Repeat(" ", 1400))
		require.ErrorAs(t, err, &tl)
		assert.False(t, tl.Total)
	})
}

func TestCacheSafety(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	cases := []struct {
		name               string
		h                  http.HandlerFunc
		vary, cacheControl string
	}{
		{"untouched keeps handler headers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.Header().Set("Vary", "Accept-Encoding")
		}, "Accept-Encoding", "public, max-age=60"},
		{"read merges Vary", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept-Encoding")
			w.Header().Add("Vary", "Accept-Language")
			clientsession.From(r).Keys()
		}, "Accept-Encoding, Accept-Language, Cookie", ""},
		{"read keeps existing Vary cookie", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Vary", "cookie")
			clientsession.From(r).Keys()
		}, "cookie", ""},
		{"write overrides public", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, s-maxage=3600")
			w.Header().Set("CDN-Cache-Control", "max-age=3600")
			w.Header().Set("Surrogate-Control", "max-age=3600")
			clientsession.From(r).Set("k", 1)
		}, "Cookie", "private, no-store"},
		{"write keeps private", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "private, max-age=0, must-revalidate")
			clientsession.From(r).Set("k", 1)
		}, "Cookie", "private, max-age=0, must-revalidate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := serve(m, "session.a=1", c.h)
			assert.Equal(t, c.vary, strings.Join(rec.Header().Values("Vary"), ", "))
			assert.Equal(t, c.cacheControl, rec.Header().Get("Cache-Control"))
			if rec.Header().Get("Set-Cookie") != "" {
				assert.Empty(t, rec.Header().Get("CDN-Cache-Control"))
				assert.Empty(t, rec.Header().Get("Surrogate-Control"))
			}
		})
	}
}

// sharedCacheHeaders is every header through which a shared cache could
// be told to store a response, as handlers spell them (issue 10 item 4).
var sharedCacheHeaders = []string{
	"CDN-Cache-Control", "Surrogate-Control",
	"Cloudflare-CDN-Cache-Control", "Fastly-Surrogate-Control",
	"Akamai-Cache-Control", "Edge-Control",
	"xkey", "Surrogate-Key", "Cache-Tag", "Edge-Cache-Tag",
	"Expires",
}

// TestSetCookieResponseUnstorableByEverySharedCache checks, header by
// header and without cachehint, that a response setting a session cookie
// keeps nothing a shared cache would store it for.
func TestSetCookieResponseUnstorableByEverySharedCache(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	for _, name := range sharedCacheHeaders {
		for _, op := range []string{"set", "delete"} {
			t.Run(name+"/"+op, func(t *testing.T) {
				rec := serve(m, "session.a=1", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", "public, max-age=86400")
					w.Header()[name] = []string{"max-age=86400"} // as spelled, not canonicalised
					if op == "set" {
						clientsession.From(r).Set("k", 1)
					} else {
						clientsession.From(r).Delete("a")
					}
					w.Write([]byte("ok"))
				})
				require.NotEmpty(t, rec.Header().Get("Set-Cookie"))
				for got := range rec.Header() {
					assert.False(t, strings.EqualFold(got, name), "%s survived a Set-Cookie response", got)
				}
				assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
			})
		}
	}
	// The red-team's case (issue 18 item 12): two CDN-targeted headers at
	// once, set the canonical way.
	rec := serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cloudflare-CDN-Cache-Control", "max-age=86400")
		w.Header().Set("Akamai-Cache-Control", "max-age=86400")
		clientsession.From(r).Set("user", user{Name: "Ann"})
	})
	require.NotEmpty(t, rec.Header().Get("Set-Cookie"))
	assert.Empty(t, rec.Header().Values("Cloudflare-CDN-Cache-Control"))
	assert.Empty(t, rec.Header().Values("Akamai-Cache-Control"))
	assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "Cookie", rec.Header().Get("Vary"))
	// A response without Set-Cookie keeps the handler's caching headers.
	rec = serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Akamai-Cache-Control", "max-age=86400")
	})
	assert.Equal(t, "max-age=86400", rec.Header().Get("Akamai-Cache-Control"))
}

func TestDuplicateNamesFirstWins(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	serve(m, "session.a=1; session.a=2", func(w http.ResponseWriter, r *http.Request) {
		a, _, _ := clientsession.Get[int](clientsession.From(r), "a")
		assert.Equal(t, 1, a)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Add("Cookie", "session.a=3")
	req.Header.Add("Cookie", "session.a=4")
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _, _ := clientsession.Get[int](clientsession.From(r), "a")
		assert.Equal(t, 3, a)
	})).ServeHTTP(httptest.NewRecorder(), req)
}

func TestRotation(t *testing.T) {
	old, _ := newManager(t, clientsession.Options{Keys: [][]byte{secretA}})
	set := serve(old, "", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		require.NoError(t, s.Set("user", user{"Lee", "Ann"}))
		require.NoError(t, s.Set("_id", 7))
		require.NoError(t, s.Set("lang", "fr"))
	})
	oldCookies := cookieHeader(set)

	rotating, inv := newManager(t, clientsession.Options{Keys: [][]byte{secretB, secretA}})
	resealed := serve(rotating, oldCookies, func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		u, found, _ := clientsession.Get[user](s, "user")
		assert.True(t, found)
		assert.Equal(t, "Ann", u.Name)
		id, found, _ := clientsession.Get[int](s, "_id")
		assert.True(t, found)
		assert.Equal(t, 7, id)
		clientsession.Get[string](s, "lang")
		assert.True(t, s.Modified(), "values under an old key are re-sealed")
	})
	assert.Empty(t, inv.Keys())
	sc := resealed.Header().Values("Set-Cookie")
	require.Len(t, sc, 2, "Signed and Private re-sealed; Public untouched")
	for _, c := range resealed.Result().Cookies() {
		assert.LessOrEqual(t, c.MaxAge, 1209600, "original expiry kept")
		assert.Greater(t, c.MaxAge, 1209500)
	}

	newOnly, inv2 := newManager(t, clientsession.Options{Keys: [][]byte{secretB}})
	serve(newOnly, cookieHeader(resealed), func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		u, found, _ := clientsession.Get[user](s, "user")
		assert.True(t, found)
		assert.Equal(t, "Ann", u.Name)
		id, found, _ := clientsession.Get[int](s, "_id")
		assert.True(t, found)
		assert.Equal(t, 7, id)
	})
	assert.Empty(t, inv2.Keys())
	serve(newOnly, oldCookies, func(w http.ResponseWriter, r *http.Request) {
		_, found, _ := clientsession.Get[user](clientsession.From(r), "user")
		assert.False(t, found, "a retired key no longer verifies")
	})
	assert.Equal(t, []string{"user"}, inv2.Keys())
}

func TestConcurrentUseWithinARequest(t *testing.T) {
	m, _ := newManager(t, clientsession.Options{})
	rec := serve(m, "session.shared=1", func(w http.ResponseWriter, r *http.Request) {
		s := clientsession.From(r)
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%d", i)
				assert.NoError(t, s.Set(key, i))
				v, found, err := clientsession.Get[int](s, key)
				assert.NoError(t, err)
				assert.True(t, found)
				assert.Equal(t, i, v)
				shared, _, _ := clientsession.Get[int](s, "shared")
				assert.Equal(t, 1, shared)
				s.Keys()
			}()
		}
		wg.Wait()
	})
	assert.Len(t, rec.Header().Values("Set-Cookie"), 32)
}

func TestExpiredValuesReadAsAbsent(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{MaxAge: time.Second})
	cookies := cookieHeader(serve(m, "", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, clientsession.From(r).Set("user", user{"Lee", "Ann"}))
		require.NoError(t, clientsession.From(r).Set("_id", 1))
	}))
	time.Sleep(1100 * time.Millisecond)
	serve(m, cookies, func(w http.ResponseWriter, r *http.Request) {
		_, found, _ := clientsession.Get[user](clientsession.From(r), "user")
		assert.False(t, found)
		_, found, _ = clientsession.Get[int](clientsession.From(r), "_id")
		assert.False(t, found)
	})
	assert.ElementsMatch(t, []string{"user", "_id"}, inv.Keys())
}

// TestCookieFlood: the scan stops at the 200th cookie (issue 18 item 11),
// so the good cookies a browser sends (at most about 180 per site) are
// read, and a flood after them is ignored with one report.
func TestCookieFlood(t *testing.T) {
	m, inv := newManager(t, clientsession.Options{})
	var flood []string
	for i := range 3000 {
		flood = append(flood, fmt.Sprintf("session.k%d=%d", i, i))
	}
	readLang := func(cookie string) (string, bool) {
		var lang string
		var found bool
		serve(m, cookie, func(w http.ResponseWriter, r *http.Request) {
			lang, found, _ = clientsession.Get[string](clientsession.From(r), "lang")
		})
		return lang, found
	}
	lang, found := readLang("session.lang=%22fr%22; " + strings.Join(flood, "; "))
	assert.True(t, found)
	assert.Equal(t, "fr", lang)
	require.Len(t, inv.Keys(), 1, "one report for the whole flood")
	assert.Contains(t, inv.errs[0].Error(), "over 200 cookies")

	// Cookie 199 is read, cookie 201 is not.
	_, found = readLang(strings.Join(flood[:199], "; ") + "; session.lang=%22fr%22")
	assert.True(t, found, "the 200th cookie is read")
	_, found = readLang(strings.Join(flood[:200], "; ") + "; session.lang=%22fr%22")
	assert.False(t, found, "past the cap, cookies are ignored")

	// The prefix repeated inside one value costs nothing extra: entries
	// are sized from the pairs found, not from the prefix's occurrences.
	handler := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientsession.Get[string](clientsession.From(r), "lang")
	}))
	allocs := func(cookie string) float64 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie)
		return testing.AllocsPerRun(20, func() { handler.ServeHTTP(httptest.NewRecorder(), req) })
	}
	normal := allocs("session.lang=%22fr%22; x=1")
	assert.Equal(t, normal, allocs("session.lang=%22fr%22; x="+strings.Repeat("session.", 1<<16)))
}
