// outage_test.go tests the signed-in pages while the shared revoker is
// unreachable (a Redis outage, fleet.go): every one of them fails closed
// with the same 503 answer, and nothing is renewed or deleted.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession/redisrevoke"
)

// outageRevoker has no revocation, and fails as redisrevoke does during an
// outage while down is set.
type outageRevoker struct{ down atomic.Bool }

func (o *outageRevoker) NotBefore(context.Context, string) (time.Time, error) {
	if o.down.Load() {
		return time.Time{}, fmt.Errorf("test outage: %w", redisrevoke.ErrUnavailable)
	}
	return time.Time{}, nil
}

const outageText = "Sign-in cannot be checked right now"

// assertOutage checks one fail-closed answer: 503, Retry-After, private,
// the outage text, no cookie set or deleted, no stack trace.
func assertOutage(t *testing.T, what string, w interface {
	Header() http.Header
}, code int, body string) {
	t.Helper()
	assert.Equal(t, http.StatusServiceUnavailable, code, "%s: %s", what, body)
	assert.Equal(t, "5", w.Header().Get("Retry-After"), what)
	assert.Contains(t, body, outageText, what)
	assert.Empty(t, w.Header().Values("Set-Cookie"), "%s: nothing renewed or deleted", what)
	assert.NotContains(t, body, "goroutine", what)
	assertPrivate(t, w)
}

func TestSignedInPagesFailClosedWhenRevokerIsDown(t *testing.T) {
	rv := &outageRevoker{}
	m, err := newManager([][]byte{testKey}, true, testIdle, rv, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	s := newTestSite(t, siteConfig{Sessions: m, IdleTimeout: testIdle})
	ann := loginAs(t, s, "ann")
	delete(ann, "session.flash")
	require.Equal(t, "Ann", loggedInAs(t, s, ann.header()))

	rv.down.Store(true)
	// Past half the idle window a renew is due: during the outage it must
	// neither renew nor (as it did) delete the login as if it were gone.
	time.Sleep(testIdle/2 + 200*time.Millisecond)
	w := s.do("POST", renewPath, ann.header(), url.Values{})
	assertOutage(t, "renew", w, w.Code, w.Body.String())
	assert.Contains(t, w.Header().Get("Content-Type"), "text/html")

	// A script that asks for JSON gets the same answer as JSON.
	w = s.do("POST", renewPath, ann.header(), url.Values{}, "Accept", "application/json")
	assertOutage(t, "renew (JSON)", w, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var answer struct {
		Error      string `json:"error"`
		Message    string `json:"message"`
		RetryAfter int    `json:"retryAfter"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &answer), w.Body.String())
	assert.Equal(t, "signin_unavailable", answer.Error)
	assert.Equal(t, 5, answer.RetryAfter)

	// The other signed-in pages answer the same way.
	for _, target := range []string{"/selection", "/login"} {
		w = s.get(target, ann.header())
		assertOutage(t, target, w, w.Code, w.Body.String())
		assert.NotContains(t, w.Body.String(), `id="login-form"`, "%s does not look signed out", target)
	}
	w = s.do("POST", "/logout", ann.header(), url.Values{})
	assertOutage(t, "logout", w, w.Code, w.Body.String())

	// A visitor with no login has nothing to check.
	w = s.do("POST", renewPath, "", url.Values{})
	assert.Equal(t, http.StatusNoContent, w.Code)
	w = s.get("/login", "")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `id="login-form"`)

	// Once the check works again the same cookies are signed in and renew.
	rv.down.Store(false)
	w = s.do("POST", renewPath, ann.header(), url.Values{})
	assertRenewResponse(t, w)
	assert.Contains(t, setCookies(w), "session._auth_user_id", "renewed after the outage")
	ann.update(w)
	assert.Equal(t, "Ann", loggedInAs(t, s, ann.header()))
	assert.False(t, strings.Contains(s.logs.String(), "request failed"), "no internal error logged:\n%s", s.logs.String())
}
