package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fullsession/fullsession/clientsession"
)

// TestManagerCookieNames: plain HTTP uses "session.", HTTPS pins the
// cookies to the host with "__Host-" and Secure.
func TestManagerCookieNames(t *testing.T) {
	for _, tc := range []struct {
		insecure bool
		name     string
		secure   bool
	}{{true, "session.user", false}, {false, "__Host-session.user", true}} {
		m, err := newManager([][]byte{testKey}, tc.insecure, 0, nil, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		w := httptest.NewRecorder()
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			require.NoError(t, clientsession.From(r).Set(userKey, userView{Name: "Ann"}))
		})).ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
		cs := w.Result().Cookies()
		require.Len(t, cs, 1)
		assert.Equal(t, tc.name, cs[0].Name)
		assert.Equal(t, tc.secure, cs[0].Secure)
		assert.Equal(t, "/", cs[0].Path)
	}
}
