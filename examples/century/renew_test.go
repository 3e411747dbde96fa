// renew_test.go tests the idle timeout of the login and POST /session/renew
// (renew.go), the endpoint the page script calls on cached pages.

package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession"
)

// testIdle is the shortest idle timeout clientsession accepts: a value read
// with less than 1 s left is renewed.
const testIdle = 2 * time.Second

// newIdleSite returns a test site whose logins time out after testIdle.
func newIdleSite(t *testing.T, c siteConfig) *testSite {
	t.Helper()
	rv := clientsession.NewMemoryRevoker(sessionMaxAge)
	m, err := newManager([][]byte{testKey}, true, testIdle, rv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	c.Sessions, c.Revoker, c.IdleTimeout = m, rv, testIdle
	return newTestSite(t, c)
}

// setCookies returns the Set-Cookie lines of w by cookie name.
func setCookies(w *httptest.ResponseRecorder) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range w.Result().Cookies() {
		out[c.Name] = c
	}
	return out
}

func assertRenewResponse(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	assert.Contains(t, w.Header().Get("Cache-Control"), "no-store", "never stored")
	assertPrivate(t, w)
	assert.Empty(t, w.Body.String())
}

func TestRenewKeepsAnActiveLoginPastTheIdleTimeout(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	j := loginAs(t, s, "ann")
	delete(j, "session.flash") // popped by the page script
	login := time.Now()

	// Fresh: more than half the window left, nothing to renew.
	w := s.do("POST", renewPath, j.header(), url.Values{})
	assertRenewResponse(t, w)
	assert.Empty(t, w.Header().Values("Set-Cookie"), "not due yet")

	time.Sleep(testIdle/2 + 200*time.Millisecond)
	w = s.do("POST", renewPath, j.header(), url.Values{})
	assertRenewResponse(t, w)
	got := setCookies(w)
	require.Contains(t, got, "session._auth_user_id", "the login is renewed")
	require.Contains(t, got, "session.user", "the name the pages greet with is renewed too")
	assert.Len(t, got, 2, "only the idle-timed values: %v", w.Header().Values("Set-Cookie"))
	for name, c := range got {
		// The absolute lifetime stays: Max-Age is what is left of 14 days.
		assert.InDelta(t, sessionMaxAge.Seconds(), c.MaxAge, 5, name)
		assert.LessOrEqual(t, c.MaxAge, int(sessionMaxAge.Seconds()), name)
		assert.NotEqual(t, j[name], c.Value, "%s re-sealed", name)
	}
	j.update(w)

	// Past the login's first idle window, the renewed login still reads.
	time.Sleep(time.Until(login.Add(testIdle + 300*time.Millisecond)))
	bodyHas(t, s.get("/selection", j.header()).Body.String(), "Hello Ann", "renewed: still logged in")
}

func TestIdleLoginEndsAndRenewDeletesTheStaleName(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	j := loginAs(t, s, "bruno")
	delete(j, "session.flash")
	time.Sleep(testIdle + 200*time.Millisecond)

	// No request read the login for longer than the idle timeout.
	bodyHas(t, s.get("/selection", j.header()).Body.String(), `href="/login"`, "logged out by the idle timeout")

	// The cached pages greet from the Signed name, which the browser still
	// holds: the endpoint deletes it and the dead login.
	w := s.do("POST", renewPath, j.header(), url.Values{})
	assertRenewResponse(t, w)
	got := setCookies(w)
	for _, name := range []string{"session.user", "session._auth_user_id"} {
		require.Contains(t, got, name)
		assert.Negative(t, got[name].MaxAge, "%s deleted", name)
	}
	j.update(w)
	assert.Empty(t, j)
}

func TestRenewWithoutLogin(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	w := s.do("POST", renewPath, "", url.Values{})
	assertRenewResponse(t, w)
	assert.Empty(t, w.Header().Values("Set-Cookie"), "nothing to renew or delete")

	// A Public selection is not idle-timed and is left alone.
	sel := sessionCookies(t, s.m, map[string]any{"selection": []int64{4, 2}})
	w = s.do("POST", renewPath, sel, url.Values{})
	assertRenewResponse(t, w)
	assert.Empty(t, w.Header().Values("Set-Cookie"))
}

func TestRenewBadInputNever500(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	good := loginAs(t, s, "zoe")
	cases := map[string]string{
		"forged user":          "session.user=s2.AAAA.%7B%22name%22%3A%22Eve%22%7D",
		"forged login":         "session._auth_user_id=p2.bm90IGEgc2VhbA",
		"quoted":               `session._auth_user_id="` + good["session._auth_user_id"] + `"`,
		"login moved to user":  "session.user=" + good["session._auth_user_id"],
		"user moved to login":  "session._auth_user_id=" + good["session.user"],
		"junk and long":        "session.x=" + strings.Repeat("%", 3000) + "; session.user=" + strings.Repeat("a", 4000),
		"many":                 strings.Repeat("session.k=1; ", 300),
		"no value":             "session._auth_user_id=; session.user",
		"selection not a list": "session.selection=%7B%7D",
	}
	for name, cookie := range cases {
		t.Run(name, func(t *testing.T) {
			w := s.do("POST", renewPath, cookie, url.Values{})
			assertRenewResponse(t, w)
			for _, c := range w.Result().Cookies() {
				assert.Negative(t, c.MaxAge, "%s: only deletions, never a renewal of bad input", c.Name)
			}
		})
	}
	assert.NotContains(t, s.logs.String(), "level=ERROR")
}

func TestRenewRateLimitedPerClient(t *testing.T) {
	s := newIdleSite(t, siteConfig{RenewLimit: 3})
	j := loginAs(t, s, "ann")
	for i := range 3 {
		assert.Equal(t, http.StatusNoContent, s.do("POST", renewPath, j.header(), url.Values{}).Code, "call %d", i+1)
	}
	w := s.do("POST", renewPath, j.header(), url.Values{})
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Contains(t, w.Header().Get("Cache-Control"), "no-store")
	assert.Empty(t, w.Header().Values("Set-Cookie"), "a refused call renews nothing")

	s.remoteIP = "192.0.2.9"
	assert.Equal(t, http.StatusNoContent, s.do("POST", renewPath, j.header(), url.Values{}).Code, "another client has its own budget")
}

func TestRenewOnlyBySameOriginPost(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	j := loginAs(t, s, "ann")
	w := s.do("POST", renewPath, j.header(), url.Values{}, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Empty(t, w.Header().Values("Set-Cookie"))
	w = s.get(renewPath, j.header())
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
}

func TestPagesTellTheScriptWhenToRenew(t *testing.T) {
	idle := newIdleSite(t, siteConfig{})
	want := fmt.Sprintf(`<html lang="en" data-renew-ms="%d">`, (testIdle / 4).Milliseconds())
	for _, path := range []string{"/", "/properties/42", "/selection", "/login"} {
		bodyHas(t, idle.get(path, "").Body.String(), want, path)
	}
	w := idle.get("/properties/42", "")
	assertPublic(t, w) // the same bytes for everyone: site configuration only
	off := newTestSite(t, siteConfig{})
	bodyLacks(t, off.get("/properties/42", "").Body.String(), "data-renew-ms", "no idle timeout: no renewals")
}

// TestRenewalCost prints what a renewal costs in Set-Cookie bytes with the
// site's real key set: a login (_auth_user_id, user), a selection of 12
// properties and no flash (the script popped it).
func TestRenewalCost(t *testing.T) {
	s := newIdleSite(t, siteConfig{})
	j := loginAs(t, s, "chloe")
	w := s.do("POST", "/selection/toggle", j.header(), url.Values{"id": {"1"}})
	j.update(w)
	delete(j, "session.flash")
	sel := make([]int64, 12)
	for i := range sel {
		sel[i] = int64(1000 + 37*i)
	}
	j["session.selection"] = strings.TrimPrefix(sessionCookies(t, s.m, map[string]any{"selection": sel}), "session.selection=")

	time.Sleep(testIdle/2 + 200*time.Millisecond)
	w = s.do("POST", renewPath, j.header(), url.Values{})
	assertRenewResponse(t, w)
	lines := w.Header().Values("Set-Cookie")
	require.Len(t, lines, 2, "renewal re-seals _auth_user_id and user only: %q", lines)
	values, wire := 0, 0
	for _, l := range lines {
		values += len(l)
		wire += len("Set-Cookie: ") + len(l) + len("\r\n")
	}
	t.Logf("a renewal: %d Set-Cookie headers, %d bytes of values, %d bytes on the wire (HTTP/1.1); request Cookie header %d bytes",
		len(lines), values, wire, len(j.header()))
	for _, l := range lines {
		t.Logf("  Set-Cookie: %s (%d bytes)", l, len(l))
	}
}

func TestConfigIdleTimeout(t *testing.T) {
	c, err := parseConfig(nil, env(), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Minute, c.IdleTimeout, "default: OWASP's bound for low-risk sites")

	c, err = parseConfig(nil, env("CENTURY_IDLE_TIMEOUT", "15m"), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 15*time.Minute, c.IdleTimeout, "from the environment")

	c, err = parseConfig([]string{"-idle-timeout", "0"}, env("CENTURY_IDLE_TIMEOUT", "15m"), io.Discard)
	require.NoError(t, err)
	assert.Zero(t, c.IdleTimeout, "the flag wins; 0 turns it off")

	for _, bad := range []string{"1s", "-5m"} {
		_, err = parseConfig([]string{"-idle-timeout", bad}, env(), io.Discard)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "-idle-timeout must be 0 (off) or at least 2s")
	}
	_, err = parseConfig(nil, env("CENTURY_IDLE_TIMEOUT", "soon"), io.Discard)
	require.ErrorContains(t, err, "CENTURY_IDLE_TIMEOUT")
}
