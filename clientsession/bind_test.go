// bind_test.go tests the rules of bind.go through the middleware: the
// login binding (the splice attack), millisecond revocation, Renew, the
// idle timeout and its renewal, and version 1 cookies.
package clientsession

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time source for Manager.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// bindRig is a Manager on a fake clock with a MemoryRevoker, a Signed
// "user" and a record of OnInvalid reasons.
type bindRig struct {
	t   *testing.T
	m   *Manager
	clk *clock
	rev *MemoryRevoker
	mu  sync.Mutex
	why map[string]error
}

func newBindRig(t *testing.T, o Options) *bindRig {
	// Near the real time: MemoryRevoker forgets revocations older than MaxAge.
	r := &bindRig{t: t, clk: &clock{t: time.Now().Truncate(time.Second)}, why: map[string]error{}}
	if o.Keys == nil {
		o.Keys = [][]byte{[]byte(strings.Repeat("k", 32))}
	}
	o.Insecure = true
	o.Protection = map[string]Protection{"user": Signed, "cart": Signed}
	if o.Revoker == nil {
		r.rev = NewMemoryRevoker(0)
		o.Revoker = r.rev
	}
	o.OnInvalid = func(_ *http.Request, key string, err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.why[key] = err
	}
	m, err := New(o)
	require.NoError(t, err)
	m.now = r.clk.now
	r.m = m
	return r
}

// do serves one request with cookie and returns the response's cookies
// merged over the request's, as a browser would keep them.
func (r *bindRig) do(cookie string, h func(s *Session)) (jar string, rec *httptest.ResponseRecorder) {
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec = httptest.NewRecorder()
	r.m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h(From(req))
	})).ServeHTTP(rec, req)
	return merge(cookie, rec), rec
}

func merge(cookie string, rec *httptest.ResponseRecorder) string {
	kept := map[string]string{}
	var order []string
	for _, p := range strings.Split(cookie, "; ") {
		if name, v, ok := strings.Cut(p, "="); ok {
			kept[name] = v
			order = append(order, name)
		}
	}
	for _, c := range rec.Result().Cookies() {
		if _, ok := kept[c.Name]; !ok {
			order = append(order, c.Name)
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(kept, c.Name)
		} else {
			kept[c.Name] = c.Value
		}
	}
	var parts []string
	for _, n := range order {
		if v, ok := kept[n]; ok {
			parts = append(parts, n+"="+v)
			delete(kept, n)
		}
	}
	return strings.Join(parts, "; ")
}

// pick returns the cookie pairs of jar with the given names.
func pick(jar string, names ...string) string {
	var out []string
	for _, p := range strings.Split(jar, "; ") {
		for _, n := range names {
			if strings.HasPrefix(p, n+"=") {
				out = append(out, p)
			}
		}
	}
	return strings.Join(out, "; ")
}

func (r *bindRig) login(subject, name string) string {
	jar, _ := r.do("", func(s *Session) {
		require.NoError(r.t, s.Set("user", name))
		require.NoError(r.t, s.Set("_auth_user_id", subject))
		require.NoError(r.t, s.Set("_role", "member"))
	})
	return jar
}

// read returns what a request with cookie sees of each key ("" absent).
func (r *bindRig) read(cookie string, keys ...string) map[string]string {
	got := map[string]string{}
	r.do(cookie, func(s *Session) {
		for _, k := range keys {
			v, found, err := Get[string](s, k)
			require.NoError(r.t, err)
			if found {
				got[k] = v
			}
		}
	})
	return got
}

func TestSpliceAttackReadsAsAbsent(t *testing.T) {
	r := newBindRig(t, Options{})
	ann := r.login("ann", "Ann")
	r.clk.add(time.Second)
	bruno := r.login("bruno", "Bruno")
	r.clk.add(time.Second)
	assert.Equal(t, map[string]string{"_auth_user_id": "ann", "user": "Ann", "_role": "member"},
		r.read(ann, "_auth_user_id", "user", "_role"))

	// Ann logs out; her copies are revoked.
	r.rev.Revoke("ann", r.clk.now())
	r.clk.add(time.Second)
	assert.Empty(t, r.read(ann, "_auth_user_id", "user", "_role"))

	// Her revoked Signed user and Private role, next to Bruno's valid
	// subject: absent, because they belong to another login.
	spliced := pick(ann, "session.user", "session._role") + "; " + pick(bruno, "session._auth_user_id")
	got := r.read(spliced, "_auth_user_id", "user", "_role")
	assert.Equal(t, map[string]string{"_auth_user_id": "bruno"}, got)
	assert.ErrorIs(t, r.why["user"], errBinding)
	assert.ErrorIs(t, r.why["_role"], errBinding)

	// Bruno's own values next to Ann's: the same, the other way round.
	got = r.read(pick(bruno, "session.user")+"; "+pick(ann, "session._auth_user_id"), "user")
	assert.Empty(t, got, "Bruno's user next to Ann's revoked subject")

	// Without a subject, or with a corrupted one, nothing bound reads.
	assert.Empty(t, r.read(pick(ann, "session.user", "session._role"), "user", "_role"))
	corrupt := pick(bruno, "session.user") + "; session._auth_user_id=" + strings.Repeat("A", 120)
	assert.Empty(t, r.read(corrupt, "user", "_auth_user_id"))
	assert.Equal(t, map[string]string{"user": "Bruno", "_auth_user_id": "bruno"}, r.read(bruno, "user", "_auth_user_id"))
}

func TestLoginBindsValuesSetBefore(t *testing.T) {
	r := newBindRig(t, Options{})
	anon, _ := r.do("", func(s *Session) { require.NoError(t, s.Set("cart", "3 items")) })
	assert.Equal(t, map[string]string{"cart": "3 items"}, r.read(anon, "cart"), "unbound values read without a subject")

	r.clk.add(time.Second)
	in, rec := r.do(anon, func(s *Session) { require.NoError(t, s.Set("_auth_user_id", "ann")) })
	assert.Len(t, rec.Result().Cookies(), 2, "the login re-issues the cart, bound to the new login")
	assert.Equal(t, map[string]string{"cart": "3 items", "_auth_user_id": "ann"}, r.read(in, "cart", "_auth_user_id"))

	// The anonymous copy is not accepted next to the new subject.
	old := pick(anon, "session.cart") + "; " + pick(in, "session._auth_user_id")
	assert.Equal(t, map[string]string{"_auth_user_id": "ann"}, r.read(old, "cart", "_auth_user_id"))

	// Values set before the subject in the same response are bound too.
	both, _ := r.do("", func(s *Session) {
		require.NoError(t, s.Set("cart", "1 item"))
		require.NoError(t, s.Set("_auth_user_id", "bruno"))
	})
	assert.Equal(t, map[string]string{"cart": "1 item", "_auth_user_id": "bruno"}, r.read(both, "cart", "_auth_user_id"))
}

func TestLogoutDeletesBoundValues(t *testing.T) {
	r := newBindRig(t, Options{})
	ann := r.login("ann", "Ann")
	out, rec := r.do(ann, func(s *Session) {
		require.NoError(t, s.Delete("_auth_user_id"))
		require.NoError(t, s.Set("cart", "kept for the anonymous visitor"))
	})
	deleted := 0
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			deleted++
		}
	}
	assert.Equal(t, 3, deleted, "subject, user and _role are deleted")
	assert.Equal(t, map[string]string{"cart": "kept for the anonymous visitor"}, r.read(out, "cart", "user", "_auth_user_id"))
}

func TestSameSecondLoginLogout(t *testing.T) {
	r := newBindRig(t, Options{})
	r.clk.add(100 * time.Millisecond) // 10:00:00.100
	copied := r.login("ann", "Ann")
	r.clk.add(800 * time.Millisecond) // 10:00:00.900, the same second
	_, _ = r.do(copied, func(s *Session) {
		id, _, _ := Get[string](s, "_auth_user_id")
		require.Equal(t, "ann", id)
		r.rev.Revoke(id, r.clk.now())
		require.NoError(t, s.Clear())
	})
	assert.Empty(t, r.read(copied, "_auth_user_id", "user", "_role"), "copies issued 800 ms before the logout are void")
	assert.ErrorIs(t, r.why["_auth_user_id"], errRevoked)

	// A new login in the same millisecond as the revocation is valid.
	again := r.login("ann", "Ann")
	assert.Equal(t, map[string]string{"_auth_user_id": "ann", "user": "Ann"}, r.read(again, "_auth_user_id", "user"))
}

func TestRenewAfterRevokeKeepsThisBrowser(t *testing.T) {
	r := newBindRig(t, Options{})
	elsewhere := r.login("ann", "Ann") // another device's copy
	here := elsewhere
	r.clk.add(300 * time.Millisecond)
	// Password change on this device: revoke every copy, keep this one.
	renewed, rec := r.do(here, func(s *Session) {
		id, found, _ := Get[string](s, "_auth_user_id")
		require.True(t, found)
		r.rev.Revoke(id, r.clk.now())
		require.NoError(t, s.Renew())
	})
	assert.Len(t, rec.Result().Cookies(), 3, "every Signed and Private value is re-issued")
	assert.Equal(t, map[string]string{"_auth_user_id": "ann", "user": "Ann", "_role": "member"},
		r.read(renewed, "_auth_user_id", "user", "_role"), "valid at once, in the revocation's millisecond")
	assert.Empty(t, r.read(elsewhere, "_auth_user_id", "user", "_role"))
	// The renewed values form a new login: old and new do not mix.
	mixed := pick(elsewhere, "session.user") + "; " + pick(renewed, "session._auth_user_id")
	assert.Equal(t, map[string]string{"_auth_user_id": "ann"}, r.read(mixed, "_auth_user_id", "user"))
}

func TestRenewWithoutSubjectStaysUnbound(t *testing.T) {
	r := newBindRig(t, Options{})
	anon, _ := r.do("", func(s *Session) { require.NoError(t, s.Set("cart", "x")) })
	r.clk.add(time.Minute)
	renewed, rec := r.do(anon, func(s *Session) { require.NoError(t, s.Renew()) })
	require.Len(t, rec.Result().Cookies(), 1)
	assert.NotEqual(t, anon, renewed, "fresh issue time")
	assert.Equal(t, map[string]string{"cart": "x"}, r.read(renewed, "cart"))
}

func TestIdleTimeout(t *testing.T) {
	r := newBindRig(t, Options{IdleTimeout: time.Hour})
	jar := r.login("ann", "Ann")
	expiry := func(jar, name string) string {
		for _, p := range strings.Split(pick(jar, name), ".")[1:2] {
			return p
		}
		return ""
	}
	exp0 := expiry(jar, "session.user")

	// 20 minutes on: more than half the window left, nothing to renew.
	r.clk.add(20 * time.Minute)
	_, rec := r.do(jar, func(s *Session) { Get[string](s, "user") })
	assert.Empty(t, rec.Result().Cookies())

	// 40 minutes on: under half left. The read value and the subject it
	// depends on are re-sealed; _role, not read, is not.
	r.clk.add(20 * time.Minute)
	renewed, rec := r.do(jar, func(s *Session) {
		u, found, _ := Get[string](s, "user")
		require.True(t, found)
		require.Equal(t, "Ann", u)
	})
	var names []string
	for _, c := range rec.Result().Cookies() {
		names = append(names, c.Name)
		assert.InDelta(t, (14*24*time.Hour - 40*time.Minute).Seconds(), c.MaxAge, 1, "absolute expiry unchanged")
	}
	assert.ElementsMatch(t, []string{"session.user", "session._auth_user_id"}, names)
	assert.Equal(t, exp0, expiry(renewed, "session.user"), "absolute expiry unchanged")
	assert.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))

	// 61 minutes after login: the old copies are idle, the renewed ones not.
	r.clk.add(21 * time.Minute)
	assert.Empty(t, r.read(jar, "user", "_auth_user_id"))
	assert.ErrorIs(t, r.why["user"], errIdle)
	assert.Equal(t, map[string]string{"user": "Ann", "_auth_user_id": "ann"}, r.read(renewed, "user", "_auth_user_id", "_role"),
		"_role was not renewed: idle")

	// A renewed value moved to another key does not verify.
	moved := strings.Replace(pick(renewed, "session.user"), "session.user=", "session.cart=", 1) + "; " + pick(renewed, "session._auth_user_id")
	assert.Empty(t, r.read(moved, "cart"))
	assert.ErrorIs(t, r.why["cart"], errMAC)
}

func TestIdleTimeoutValidation(t *testing.T) {
	_, err := New(Options{Keys: [][]byte{[]byte(strings.Repeat("k", 32))}, IdleTimeout: time.Second})
	assert.ErrorContains(t, err, "IdleTimeout")
}

// Version 1 cookies (the frozen vectors) keep reading, as one legacy
// session, and are re-written in version 2 with their expiry.
func TestVersion1CookiesKeepReading(t *testing.T) {
	vf := readVectors(t, vectorsFileV1)
	value := func(name string) string {
		for _, c := range vf.Cases {
			if c.Name == name {
				return c.Value
			}
		}
		t.Fatalf("no vector %s", name)
		return ""
	}
	var keys [][]byte
	for _, h := range vf.Keys {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		keys = append(keys, b)
	}
	for _, revoker := range []bool{false, true} {
		r := newBindRig(t, Options{Keys: keys})
		if !revoker {
			r.m.revoker = nil
		}
		r.clk.t = time.Unix(vf.Now, 0)
		legacy := "session.user=" + value("signed-ok") + "; session._auth_user_id=" + value("private-ok")
		upgraded, rec := r.do(legacy, func(s *Session) {
			u, found, err := Get[map[string]string](s, "user")
			require.NoError(t, err)
			require.True(t, found)
			assert.Equal(t, "Ann Lee, Jr", u["name"])
			id, found, _ := Get[string](s, "_auth_user_id")
			require.True(t, found)
			assert.Equal(t, "u-1234", id)
		})
		require.Len(t, rec.Result().Cookies(), 2, "both re-written in v2")
		for _, c := range rec.Result().Cookies() {
			assert.Equal(t, int(vectorExpiry-vf.Now), c.MaxAge, "keeping the v1 expiry")
		}
		assert.Contains(t, upgraded, "session.user=s2.")
		assert.Equal(t, map[string]string{"_auth_user_id": "u-1234"}, r.read(upgraded, "_auth_user_id", "user"))
		got := map[string]string{}
		r.do(upgraded, func(s *Session) {
			u, found, _ := Get[map[string]string](s, "user")
			if found {
				got["user"] = u["name"]
			}
		})
		assert.Equal(t, map[string]string{"user": "Ann Lee, Jr"}, got, "upgraded values still read together")

		// A v1 Signed value alone: readable only without a Revoker.
		alone := r.read("session.user="+value("signed-ok"), "user")
		if revoker {
			assert.Empty(t, alone, "with a Revoker, a v1 value needs its subject")
		}
		// A v1 value next to a v2 login is another login's.
		r.clk.t = time.Unix(vf.Now, 0)
		bruno := r.login("bruno", "Bruno")
		spliced := "session.user=" + value("signed-ok") + "; " + pick(bruno, "session._auth_user_id")
		assert.Equal(t, map[string]string{"_auth_user_id": "bruno"}, r.read(spliced, "_auth_user_id"))
		got = map[string]string{}
		r.do(spliced, func(s *Session) {
			if _, found, _ := Get[map[string]string](s, "user"); found {
				got["user"] = "found"
			}
		})
		assert.Empty(t, got)
	}
}

func TestRenewKeepsPerKeyLifetimes(t *testing.T) {
	r := newBindRig(t, Options{})
	jar, _ := r.do("", func(s *Session) {
		require.NoError(t, s.Set("_auth_user_id", "ann"))
		require.NoError(t, s.SetWith("cart", "x", SetOptions{MaxAge: 30 * 24 * time.Hour}))
	})
	r.clk.add(time.Hour)
	_, rec := r.do(jar, func(s *Session) { require.NoError(t, s.Renew()) })
	ages := map[string]int{}
	for _, c := range rec.Result().Cookies() {
		ages[c.Name] = c.MaxAge
	}
	assert.Equal(t, map[string]int{
		r.m.prefix + "_auth_user_id": int((14 * 24 * time.Hour).Seconds()),
		r.m.prefix + "cart":          int((30 * 24 * time.Hour).Seconds()),
	}, ages, "a re-issue keeps each value's lifetime, for the cookie too")
}

// A request asks the Revoker at most once, however many keys it reads,
// sets or renews.
func TestRevokerAskedOncePerRequest(t *testing.T) {
	calls := 0
	r := newBindRig(t, Options{Revoker: revokerFunc(func(string) { calls++ })})
	jar := r.login("ann", "Ann")
	calls = 0
	_, rec := r.do(jar, func(s *Session) {
		require.NoError(t, s.Set("lang", "fr"))
		Get[string](s, "user")
		Get[string](s, "_role")
		require.NoError(t, s.Set("cart", "x"))
		require.NoError(t, s.Renew())
	})
	assert.Len(t, rec.Result().Cookies(), 5)
	assert.Equal(t, 1, calls)
}

type revokerFunc func(subject string)

func (f revokerFunc) NotBefore(_ context.Context, subject string) (time.Time, error) {
	f(subject)
	return time.Time{}, nil
}
