package main

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession"
	"github.com/fullsession/fullsession/internal/testkit/syncbuf"
)

// loggedInAs returns the name the server-rendered pages greet, or "" when
// they show the visitor as logged out. It checks /selection (the header)
// and /login (the account box) and fails when they disagree.
func loggedInAs(t *testing.T, s *testSite, cookie string) string {
	t.Helper()
	sel := s.get("/selection", cookie)
	require.Equal(t, http.StatusOK, sel.Code)
	login := s.get("/login", cookie)
	require.Equal(t, http.StatusOK, login.Code)
	var hello, account string
	if _, after, ok := strings.Cut(sel.Body.String(), `id="hello">Hello `); ok {
		hello, _, _ = strings.Cut(after, "<")
	} else {
		bodyHas(t, sel.Body.String(), `href="/login"`)
	}
	if _, after, ok := strings.Cut(login.Body.String(), "You are logged in as <b>"); ok {
		account, _, _ = strings.Cut(after, " ")
	} else {
		bodyHas(t, login.Body.String(), `id="login-form"`)
	}
	require.Equal(t, hello, account, "/selection and /login disagree")
	return hello
}

func loginAs(t *testing.T, s *testSite, user string) jar {
	t.Helper()
	w := s.do("POST", "/login", "", url.Values{"username": {user}, "password": {"demo"}})
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	j := jar{}
	j.update(w)
	require.Contains(t, j, "session."+authIDKey)
	require.Contains(t, j, "session."+userKey)
	return j
}

// only returns the Cookie header of the named cookies of j.
func (j jar) only(names ...string) string {
	var parts []string
	for _, n := range names {
		if v, ok := j[n]; ok {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

// TestLogoutRevokesCopiedCookies is issue 7's revocation requirement: a
// copy of the login cookies taken before logout (another device, a stolen
// cookie) reads as absent after it, while a new login works at once.
func TestLogoutRevokesCopiedCookies(t *testing.T) {
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rv := clientsession.NewMemoryRevoker(sessionMaxAge)
	m, err := newManager([][]byte{testKey}, true, 0, rv, log)
	require.NoError(t, err)
	s := newTestSite(t, siteConfig{Sessions: m, Revoker: rv, Log: log})
	ann := loginAs(t, s, "ann")
	bruno := loginAs(t, s, "bruno")
	ann["session."+selectionKey] = "[42]" // as the page script writes it
	copied := ann.header()
	authOnly := ann.only("session." + authIDKey)
	userAndAuth := ann.only("session."+userKey, "session."+authIDKey)
	require.Equal(t, "Ann", loggedInAs(t, s, copied))
	require.Equal(t, "Ann", loggedInAs(t, s, authOnly+"; session.user="+ann["session.user"]))

	// Revocation compares a value's issue time (its expiry less MaxAge, in
	// whole seconds) with the logout time using "<": a value issued in the
	// same second as the logout stays valid, which is what lets a new login
	// right after a logout work. So log out more than a second after login.
	time.Sleep(1100 * time.Millisecond)

	w := s.do("POST", "/logout", ann.header(), url.Values{})
	require.Equal(t, http.StatusSeeOther, w.Code)
	ann.update(w)
	assert.NotContains(t, ann, "session."+authIDKey, "logout deletes the login cookies")
	assert.NotContains(t, ann, "session."+userKey)
	assert.Equal(t, "[42]", ann["session."+selectionKey], "and keeps the selection")
	assert.Contains(t, logs.String(), "msg=logout user_id=1")

	// Every copy taken before the logout now reads as logged out.
	for name, cookie := range map[string]string{
		"all cookies": copied, "_auth_user_id alone": authOnly, "user and _auth_user_id": userAndAuth,
	} {
		assert.Empty(t, loggedInAs(t, s, cookie), "%s replayed after logout", name)
	}
	// The revoked values are reported as invalid cookies (OnInvalid).
	assert.Regexp(t, `invalid session cookie ignored" key=_auth_user_id err=".*revocation`, logs.String())
	// The Public selection carries no issue time and is not revoked: it
	// was never a credential.
	sel := s.get("/selection", copied)
	bodyHas(t, sel.Body.String(), `data-selected="42"`)
	// Logging out again with the copy is harmless: nothing left to revoke.
	w = s.do("POST", "/logout", copied, url.Values{})
	assert.Equal(t, http.StatusSeeOther, w.Code)

	// Another user's session is untouched.
	assert.Equal(t, "Bruno", loggedInAs(t, s, bruno.header()))

	// A new login works at once, possibly in the same second as the logout,
	// and does not bring the old copy back.
	again := loginAs(t, s, "ann")
	assert.Equal(t, "Ann", loggedInAs(t, s, again.header()))
	assert.Empty(t, loggedInAs(t, s, copied))
}

// TestLogoutWithoutRevokerKeepsCopies shows what the revoker changes: with
// none configured, logout only deletes the cookies of this browser.
func TestLogoutWithoutRevokerKeepsCopies(t *testing.T) {
	m, err := newManager([][]byte{testKey}, true, 0, nil, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	s := newTestSite(t, siteConfig{Sessions: m})
	ann := loginAs(t, s, "ann")
	copied := ann.header()
	time.Sleep(1100 * time.Millisecond) // as above: a later second than the login
	w := s.do("POST", "/logout", ann.header(), url.Values{})
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "Ann", loggedInAs(t, s, copied), "without a revoker a copy outlives the logout")
}
