// lifetime_test.go checks, on a fake clock, that SetWith's sealed expiry
// matches its cookie's, and the bounds of browser-session values.
package clientsession

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSetWithSealedExpiryMatchesTheCookie(t *testing.T) {
	r := newBindRig(t, Options{IdleTimeout: time.Hour})
	jar, rec := r.do("", func(s *Session) {
		assert.NoError(t, s.SetWith("_token", "t", SetOptions{MaxAge: 10 * time.Minute}))
		assert.NoError(t, s.SetWith("cart", []int{1}, SetOptions{MaxAge: 10 * time.Minute}))
		assert.NoError(t, s.SetWith("_tab", "x", SetOptions{Session: true}))
	})
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session._tab" {
			assert.Zero(t, c.MaxAge, "no Max-Age: a browser-session cookie")
		} else {
			assert.Equal(t, 600, c.MaxAge, c.Name)
		}
	}
	read := func(key string) bool {
		var found bool
		r.do(jar, func(s *Session) { found, _ = s.Get(key, new(any)) })
		return found
	}
	r.clk.add(599 * time.Second)
	assert.True(t, read("_token"))
	assert.True(t, read("cart"))
	r.clk.add(2 * time.Second) // past the cookie's Max-Age: the value is void too
	assert.False(t, read("_token"), "Private")
	assert.False(t, read("cart"), "Signed")
	// The browser-session value is still bounded by IdleTimeout (1 h since
	// it was last seen: the read at 601 s came before half the window had
	// passed, so it did not renew).
	assert.True(t, read("_tab"))
	r.clk.add(time.Hour)
	assert.False(t, read("_tab"), "idle for an hour")
}

// TestSessionValueBoundedByMaxAge: without IdleTimeout, a browser-session
// value expires MaxAge after it was set, however long the browser stays open.
func TestSessionValueBoundedByMaxAge(t *testing.T) {
	r := newBindRig(t, Options{MaxAge: time.Hour})
	jar, _ := r.do("", func(s *Session) {
		assert.NoError(t, s.SetWith("_tab", "x", SetOptions{Session: true}))
	})
	r.clk.add(59 * time.Minute)
	var found bool
	r.do(jar, func(s *Session) { found, _ = s.Get("_tab", new(string)) })
	assert.True(t, found)
	r.clk.add(2 * time.Minute)
	r.do(jar, func(s *Session) { found, _ = s.Get("_tab", new(string)) })
	assert.False(t, found)
}

// TestRenewKeepsEachValuesLifetime: a value re-issued by Renew (or a
// login) keeps its own lifetime, and its cookie's Max-Age follows it.
func TestRenewKeepsEachValuesLifetime(t *testing.T) {
	r := newBindRig(t, Options{})
	jar, _ := r.do("", func(s *Session) {
		assert.NoError(t, s.SetWith("_token", "t", SetOptions{MaxAge: 10 * time.Minute}))
		assert.NoError(t, s.Set("cart", []int{1}))
	})
	r.clk.add(time.Minute)
	_, rec := r.do(jar, func(s *Session) { assert.NoError(t, s.Renew()) })
	got := map[string]int{}
	for _, c := range rec.Result().Cookies() {
		got[c.Name] = c.MaxAge
	}
	assert.Equal(t, map[string]int{"session._token": 600, "session.cart": int(DefaultMaxAge / time.Second)}, got)
}
