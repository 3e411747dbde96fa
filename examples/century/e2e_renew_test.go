// e2e_renew_test.go: the page script keeps an active user's idle-timed
// login alive on pages served by Varnish, and shows an idle one logged out.

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/internal/testkit/browsertest"
)

func TestScriptRenewsOnCachedPages(t *testing.T) {
	browsertest.Each(t, scriptRenews)
}

func scriptRenews(t *testing.T, e browsertest.Engine) {
	const idle = 4 * time.Second // the page script renews every second at most
	st := startStackIdle(t, idle)
	ann := newBrowser(t, e, st.varnish.URL, "ann")
	ann.login(t, "ann")
	page := "/properties/42"
	ann.open(t, page)
	r := ann.open(t, page)
	require.Equal(t, "HIT", r.get("X-Cache"), "a page from the cache, which never reads the session")

	// Active on the cached page for twice the idle window: key presses,
	// no navigation. The script renews through POST /session/renew.
	start := time.Now()
	for time.Since(start) < 2*idle {
		browsertest.Eval(t, ann.tab, `dispatchEvent(new KeyboardEvent("keydown", {key: "j"})); return null`, nil)
		time.Sleep(300 * time.Millisecond)
	}
	var calls, renewed int
	for _, x := range ann.responses() {
		if strings.HasSuffix(x.url, renewPath) {
			calls++
			assert.Equal(t, int64(204), x.status)
			assert.Contains(t, x.get("Cache-Control"), "no-store")
			assert.Equal(t, "PASS", x.get("X-Cache"))
			if strings.Contains(x.get("Set-Cookie"), "session._auth_user_id=") {
				renewed++
			}
		}
	}
	t.Logf("%s active for %s: %d renew calls, %d renewals", e.Name(), 2*idle, calls, renewed)
	assert.GreaterOrEqual(t, renewed, 2, "renewed while active")
	assert.LessOrEqual(t, calls, int(2*idle/(idle/4))+2, "at most one call per quarter window")
	assert.Equal(t, "Hello Ann", ann.state(t, 42).Hello)
	ann.open(t, "/selection")
	assert.Contains(t, ann.state(t, 0).Text, "Hello Ann", "still logged in after twice the idle window")

	// Idle for longer than the window: the next cached page greets from the
	// stale name at first, then the script's call finds the login gone, the
	// name is deleted and the page shows logged out.
	time.Sleep(idle + 500*time.Millisecond)
	idleFrom := len(ann.responses())
	t.Cleanup(func() {
		if t.Failed() { // what the renew calls after the idle time answered
			for _, x := range ann.responses()[idleFrom:] {
				if strings.HasSuffix(x.url, renewPath) {
					t.Logf("after idle: POST %s -> %d, Set-Cookie %q", x.url, x.status, x.get("Set-Cookie"))
				}
			}
		}
	})
	r = ann.open(t, page)
	assert.Equal(t, "HIT", r.get("X-Cache"))
	browsertest.WaitFor(t, ann.tab, `document.getElementById("hello").hidden && !document.getElementById("account").hidden`,
		"ann: logged out after the idle timeout")
	ann.open(t, "/selection")
	assert.NotContains(t, ann.state(t, 0).Text, "Hello Ann")

	for _, x := range ann.responses() {
		checkNeverCachedCookie(t, x)
	}
	assert.NotContains(t, st.logs.String(), "level=ERROR")
	assert.NotContains(t, st.logs.String(), "downgraded")
}
